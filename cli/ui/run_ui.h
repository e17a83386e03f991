// Everything a long command shows the user, wired together: the progress
// display, the JSON log, the end-of-run summary and the timeline report.
//
// A command (dump, restore) creates one RunUi from its flags, hands sink() to
// the scheduler, calls SetPhase/SetEstimate/Warn as it goes and Finish at the
// end; it still prints its error itself, once (cli::ReportError).
//
//   --quiet           no progress display and no text summary (warnings stay)
//   --log-format json JSON lines on stderr instead of the display and the
//                     text summary: job events, phases, warnings, a summary
//   --report F.html   the timeline report, written by Finish, even after a
//                     failure (it shows what ran)
#ifndef HYPERDUMP_CLI_UI_RUN_UI_H_
#define HYPERDUMP_CLI_UI_RUN_UI_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/status.h"
#include "cli/ui/json_log.h"
#include "cli/ui/progress.h"
#include "cli/ui/summary.h"
#include "cli/ui/tee.h"
#include "cli/ui/timeline.h"

namespace hyperdump::ui {

struct UiOptions {
  std::string command;              // "dump", "restore"
  bool quiet = false;               // --quiet
  std::string log_format = "text";  // --log-format: "text" or "json"
  std::string report_path;          // --report; empty: none
  std::string report_title;         // default "hyperdump <command>"
  std::FILE* out = stderr;          // where the display, logs and summary go
  ProgressSink::Mode progress_mode = ProgressSink::Mode::kAuto;  // tests force one
};

// Not copyable or movable (the sinks point at each other); thread-safe where
// its parts are: sink() from any thread, the rest from the command's thread.
class RunUi {
 public:
  // kInvalidArgument for a --log-format other than text or json.
  static Result<std::unique_ptr<RunUi>> Create(UiOptions options);
  ~RunUi();
  RunUi(const RunUi&) = delete;
  RunUi& operator=(const RunUi&) = delete;

  // For scheduler::RunOptions (or wherever the runner takes its sink).
  scheduler::EventSink* sink() { return &tee_; }

  // The phase shown (and timed for the summary) from now on, and the run's
  // expected bytes and rows (0: unknown): both also JSON events. Thread-safe
  // (the restore names its phases from the scheduler's workers).
  void SetPhase(const std::string& phase);
  void SetEstimate(uint64_t bytes, uint64_t rows);
  // What the server said, when a warning is a server notice.
  struct ServerFields {
    std::string severity;  // "NOTICE", "WARNING", ...
    std::string sqlstate;  // may be empty
    std::string message;   // the server's text
  };
  // A warning: printed now ("hyperdump: warning: ..." or a JSON line, which
  // carries `server`'s fields when given) and listed in the summary and the
  // report. Thread-safe.
  void Warn(const std::string& message, const std::optional<ServerFields>& server = {});

  // Ends the run: stops the display, prints the summary (text unless quiet, or
  // the JSON summary line), writes the report if asked. `run_status` is the
  // run's outcome (it decides "finished", "failed", "interrupted"); it is not
  // printed here. Returns the report's write status (kIo naming the file).
  // Call once; later calls return OK and do nothing.
  Status Finish(const Status& run_status);

  // The summary as Finish printed it (valid after Finish).
  const RunSummary& summary() const { return summary_; }

 private:
  explicit RunUi(UiOptions options);

  UiOptions options_;
  bool json_ = false;
  std::unique_ptr<ProgressSink> progress_;
  std::unique_ptr<JsonLogSink> json_log_;
  CompactRecorder recorder_;
  Tee tee_;
  std::mutex warnings_mu_;
  std::vector<std::string> warnings_;  // under warnings_mu_
  Clock::time_point start_;
  bool finished_ = false;
  RunSummary summary_;
};

}  // namespace hyperdump::ui

#endif  // HYPERDUMP_CLI_UI_RUN_UI_H_
