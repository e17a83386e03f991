// What a dump or a restore tells whoever shows the run to the user: the phase
// it is in, the size of the work ahead, and warnings worth reading now rather
// than at the end. engine knows nothing of how that is shown (cli/ui); the
// command adapts its ui::RunUi to this interface (cli/ui_flags.h).
//
// Threads: calls come from the run's thread or, for the restore's phases
// inside the job graph, from whichever worker holds the scheduler's lock; they
// are never concurrent. Implementations must be quick and must not call back
// into the run.
#ifndef HYPERDUMP_ENGINE_RUN_OBSERVER_H_
#define HYPERDUMP_ENGINE_RUN_OBSERVER_H_

#include <cstdint>
#include <map>
#include <string>

#include "engine/pg/pg.h"

namespace hyperdump::engine {

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // A phase starts; the previous one, if any, ends now. `name` is a short,
  // stable word ("snapshot", "schema", "data", ...): logs and tests match it.
  virtual void OnPhase(const std::string& name) { (void)name; }
  // The work expected of the whole run, in the units its progress events
  // count (bytes, rows); 0 when unknown. May be called again to refine.
  virtual void OnEstimate(uint64_t bytes, uint64_t rows) {
    (void)bytes;
    (void)rows;
  }
  // Something the user should know now; the run goes on.
  virtual void OnWarning(const std::string& text) { (void)text; }
  // A message the server sent (NOTICE, WARNING...) on one of the run's
  // connections. By default a warning line: "server NOTICE 00000: ...".
  virtual void OnServerNotice(const ServerNotice& notice) {
    OnWarning("server " + notice.OneLine());
  }
};

// While alive, every server notice of every connection in the process goes
// to `observer` (OnServerNotice) instead of the terminal: each distinct
// message once, as it comes; when the forwarder goes away, one warning per
// message that repeated, saying how often. `observer` must outlive it.
// Create it on the run's thread; notices may arrive from any thread, and are
// delivered one at a time (engine/pg/pg.h NoticeRoute).
class NoticeForwarder {
 public:
  explicit NoticeForwarder(RunObserver& observer);
  ~NoticeForwarder();
  NoticeForwarder(const NoticeForwarder&) = delete;
  NoticeForwarder& operator=(const NoticeForwarder&) = delete;

 private:
  RunObserver& observer_;
  std::map<std::string, int64_t> seen_;  // OneLine() -> times received
  NoticeRoute route_;                    // last: removed first
};

// The observer that ignores everything: what a null observer means.
inline RunObserver& NoRunObserver() {
  static RunObserver none;
  return none;
}

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RUN_OBSERVER_H_
