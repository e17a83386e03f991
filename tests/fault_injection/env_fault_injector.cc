// Linked only into hyperdump_fault_injecting, the test build of the hyperdump
// command (tests/CMakeLists.txt): at start-up it installs a FaultInjector
// (engine/restore/fault_injector.h) that reads the test hooks tests/README.md lists:
//   HYPERDUMP_TEST_CRASH_AFTER_JOBS=N      the N-th committed restore job ends
//       the process at once with _exit(137), as kill -9 would (no cleanup,
//       no post_restore);
//   HYPERDUMP_TEST_INTERRUPT_AFTER_JOBS=N  the N-th sends the process SIGINT
//       instead, as Ctrl-C would (the run winds down through its normal exit);
//   HYPERDUMP_TEST_CRASH_AFTER_SEALING=NAME:K  `migrate`'s dump side ends
//       the process with _exit(137) once it has sealed K more files after
//       the file NAME (K = 0: right after NAME), leaving the archive without
//       its manifest.
// The shipped hyperdump binary has no such code.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

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

  void AfterFileSealed(const std::string& name) override {
    if (crash_after_name_.empty()) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (!seen_name_) {
      seen_name_ = name == crash_after_name_;
      if (!seen_name_) return;
    } else {
      ++sealed_after_;
    }
    if (sealed_after_ == crash_after_count_) {
      std::fprintf(stderr, "hyperdump: HYPERDUMP_TEST_CRASH_AFTER_SEALING reached: exiting\n");
      _exit(137);
    }
  }

 private:
  // HYPERDUMP_TEST_CRASH_AFTER_SEALING=NAME:K, split.
  const std::string crash_after_sealing_ = [] {
    const char* env = std::getenv("HYPERDUMP_TEST_CRASH_AFTER_SEALING");
    return std::string(env ? env : "");
  }();
  const std::string crash_after_name_ =
      crash_after_sealing_.substr(0, crash_after_sealing_.rfind(':'));
  const long crash_after_count_ =
      crash_after_sealing_.find(':') == std::string::npos
          ? 0
          : std::atol(crash_after_sealing_.c_str() + crash_after_sealing_.rfind(':') + 1);
  std::mutex mu_;
  bool seen_name_ = false;  // guarded by mu_
  long sealed_after_ = 0;   // guarded by mu_
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
