// Linked only into hyperdump_fault_injecting, the test build of the hyperdump
// command (tests/CMakeLists.txt): at start-up it installs a FaultInjector
// (engine/restore/fault_injector.h) that reads the test hooks tests/README.md lists:
//   HYPERDUMP_TEST_CRASH_AFTER_JOBS=N      the N-th committed restore job ends
//       the process at once with _exit(137), as kill -9 would (no cleanup,
//       no post_restore);
//   HYPERDUMP_TEST_INTERRUPT_AFTER_JOBS=N  the N-th sends the process SIGINT
//       instead, as Ctrl-C would (the run winds down through its normal exit);
//   HYPERDUMP_TEST_CRASH_BEFORE_MANIFEST=1  the dump ends the process with
//       _exit(137) once every file is sealed, right before the manifest;
//       under `migrate` the restore side is held before it writes anything,
//       so the target is untouched and every file is in the seal journal
//       (a test then takes out of the journal what it wants unsealed);
//   HYPERDUMP_TEST_LOSE_LAST_REPLY=1  restore ends its own session right
//       after its last commit (the ledger dropped), as if the server had died
//       before answering it.
// The shipped hyperdump binary has no such code.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "engine/restore/fault_injector.h"

namespace hyperdump::testing {
namespace {

long EnvCount(const char* name) {
  const char* env = std::getenv(name);
  return env ? std::atol(env) : 0L;
}

class EnvFaultInjector final : public engine::FaultInjector {
 public:
  void AfterJobCommitted() override {
    if (crash_after_ <= 0 && interrupt_after_ <= 0) return;
    const long n = committed_.fetch_add(1) + 1;
    if (n == crash_after_) {
      std::fprintf(stderr, "hyperdump: HYPERDUMP_TEST_CRASH_AFTER_JOBS=%ld reached: exiting\n",
                   crash_after_);
      _exit(137);
    }
    if (n == interrupt_after_) {
      std::fprintf(stderr, "hyperdump: HYPERDUMP_TEST_INTERRUPT_AFTER_JOBS=%ld reached: SIGINT\n",
                   interrupt_after_);
      kill(getpid(), SIGINT);  // through the process's own handler, as Ctrl-C
    }
  }

  void BeforeManifest() override {
    if (!crash_before_manifest_) return;
    std::fprintf(stderr, "hyperdump: HYPERDUMP_TEST_CRASH_BEFORE_MANIFEST reached: exiting\n");
    _exit(137);
  }

  bool LoseLastReply() override { return lose_last_reply_; }

  void BeforeMigrateRestoreWrites() override {
    if (!crash_before_manifest_) return;
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // until the _exit above
  }

 private:
  const bool crash_before_manifest_ = EnvCount("HYPERDUMP_TEST_CRASH_BEFORE_MANIFEST") > 0;
  const bool lose_last_reply_ = EnvCount("HYPERDUMP_TEST_LOSE_LAST_REPLY") > 0;
  const long crash_after_ = EnvCount("HYPERDUMP_TEST_CRASH_AFTER_JOBS");
  const long interrupt_after_ = EnvCount("HYPERDUMP_TEST_INTERRUPT_AFTER_JOBS");
  std::atomic<long> committed_{0};
};

// Installed before main runs: the command's runs all see it.
[[maybe_unused]] const bool kInstalled = [] {
  static EnvFaultInjector injector;
  engine::SetFaultInjector(&injector);
  return true;
}();

}  // namespace
}  // namespace hyperdump::testing
