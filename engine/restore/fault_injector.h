// The seam through which tests inject crashes and interrupts into a run, as
// LevelDB's `Env` lets its tests replace the file system: the engine calls
// the process's FaultInjector at the points where a failure must be
// survivable, and a test build installs one that fails there. The shipped
// binary never installs one, so it reads no test hook from anywhere and its
// calls do nothing.
#ifndef HYPERDUMP_ENGINE_RESTORE_FAULT_INJECTOR_H_
#define HYPERDUMP_ENGINE_RESTORE_FAULT_INJECTOR_H_

namespace hyperdump::engine {

class FaultInjector {
 public:
  FaultInjector() = default;
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;
  virtual ~FaultInjector() = default;

  // Called after each restore job's transaction (its data and its ledger
  // row together) committed, from the worker thread that ran the job. What
  // `--resume` must survive happens here: a crash, an interrupt.
  virtual void AfterJobCommitted() {}
  // Called by the dump once every file is sealed (and, under `hyperdump
  // migrate`, noted in the seal journal), just before it writes the
  // manifest, from the dump's thread: a crash here leaves an archive whose
  // files are all complete but that has no manifest.
  virtual void BeforeManifest() {}
  // Called by `hyperdump migrate`'s restore side once it has read plan.json,
  // before it writes anything to the target, from the restore side's thread.
  // An injector may hold it here (it must then end the process itself).
  virtual void BeforeMigrateRestoreWrites() {}
  // Called by restore once its last commit (the ledger dropped) is done,
  // from the restore's thread. True: the restore then ends its own session
  // before reading on, as if the server had died after the commit and before
  // its answer arrived (a restart at that moment, seen by the torture suite).
  virtual bool LoseLastReply() { return false; }
};

// The process's injector: one that does nothing unless a test installed
// another.
FaultInjector& CurrentFaultInjector();

// Installs `injector` for the whole process (not owned; it must outlive
// every run); null restores the one that does nothing. Meant for a test
// program's start-up, before any run.
void SetFaultInjector(FaultInjector* injector);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_FAULT_INJECTOR_H_
