#include <csignal>
#include <cstdio>

#include "cli/commands.h"

namespace hyperdump::cli {

int ReportError(const Status& status) {
  if (status.ok()) return kExitOk;
  std::fprintf(stderr, "hyperdump: error: %s\n", status.message().c_str());
  return ExitCodeFor(status);
}

std::atomic<bool>& InterruptFlag() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {
extern "C" void OnSignal(int) {
  // A second Ctrl-C while winding down still lets cleanup (post_restore,
  // job rescheduling) finish: only the flag is set, never exit() here.
  InterruptFlag().store(true);
}
}  // namespace

void InstallInterruptHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace hyperdump::cli
