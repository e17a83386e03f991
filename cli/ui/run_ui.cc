#include "cli/ui/run_ui.h"

#include <sys/resource.h>

#include "base/redact.h"
#include "cli/ui/report_html.h"

namespace hyperdump::ui {

Result<std::unique_ptr<RunUi>> RunUi::Create(UiOptions options) {
  if (options.log_format != "text" && options.log_format != "json") {
    return InvalidArgument("unknown --log-format '" + options.log_format +
                           "': use 'text' (the default) or 'json'");
  }
  return std::unique_ptr<RunUi>(new RunUi(std::move(options)));
}

RunUi::RunUi(UiOptions options) : options_(std::move(options)) {
  json_ = options_.log_format == "json";
  ProgressSink::Options p;
  p.out = options_.out;
  p.label = options_.command;
  // JSON lines and a redrawn display on one stream would garble each other.
  p.mode = (options_.quiet || json_) ? ProgressSink::Mode::kQuiet : options_.progress_mode;
  progress_ = std::make_unique<ProgressSink>(std::move(p));
  if (json_) json_log_ = std::make_unique<JsonLogSink>(options_.out);
  tee_.Add(progress_.get());
  tee_.Add(json_log_.get());
  tee_.Add(&recorder_);
  start_ = Clock::now();
}

RunUi::~RunUi() { progress_->Stop(); }

void RunUi::SetPhase(const std::string& phase) {
  progress_->SetPhase(phase);
  if (json_log_) json_log_->LogPhase(phase);
}

void RunUi::SetEstimate(uint64_t bytes, uint64_t rows) {
  progress_->SetEstimate(bytes, rows);
  if (json_log_) json_log_->LogEstimate(bytes, rows);
}

void RunUi::Warn(const std::string& message, const std::optional<ServerFields>& server) {
  {
    std::lock_guard<std::mutex> lock(warnings_mu_);
    warnings_.push_back(message);
  }
  if (json_log_ && server) {
    json_log_->LogServerNotice(server->severity, server->sqlstate, server->message);
  } else if (json_log_) {
    json_log_->LogWarning(message);
  } else {
    progress_->Print("hyperdump: warning: " + RedactSecrets(message));
  }
}

Status RunUi::Finish(const Status& run_status) {
  if (finished_) return Status::Ok();
  finished_ = true;
  progress_->Stop();
  std::vector<scheduler::Event> events = recorder_.events();
  summary_ = RunSummary();
  summary_.command = options_.command;
  summary_.status = run_status;
  summary_.total = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_);
  summary_.phases = progress_->Phases();
  {
    std::lock_guard<std::mutex> lock(warnings_mu_);
    summary_.warnings = warnings_;
  }
  AddEventTotals(events, &summary_);
  // Peak memory, for the many-chunk benchmarks (issue 18): this process's,
  // and the largest waited-for child's (pg_dump/pg_restore run as children).
  rusage self{}, children{};
  if (getrusage(RUSAGE_SELF, &self) == 0) summary_.peak_rss_kib = self.ru_maxrss;
  if (getrusage(RUSAGE_CHILDREN, &children) == 0) {
    summary_.children_peak_rss_kib = children.ru_maxrss;
  }

  if (json_log_) {
    json_log_->LogSummary(summary_);
  } else if (!options_.quiet && options_.out != nullptr) {
    std::fputs(FormatSummary(summary_).c_str(), options_.out);
    std::fflush(options_.out);
  }
  if (options_.report_path.empty()) return Status::Ok();
  std::string title =
      options_.report_title.empty() ? "hyperdump " + options_.command : options_.report_title;
  return WriteHtmlReport(options_.report_path, events, summary_, title);
}

}  // namespace hyperdump::ui
