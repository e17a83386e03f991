#include "cli/ui_flags.h"

#include <cstdio>
#include <utility>

#include "cli/commands.h"

namespace hyperdump::cli {

void AddUiFlags(CLI::App* cmd, UiFlags* flags) {
  cmd->add_flag("--quiet", flags->quiet,
                "No progress display and no summary on stderr (warnings and errors stay)");
  cmd->add_option("--log-format", flags->log_format,
                  "text: progress display and summary; json: one JSON object per line on "
                  "stderr (job events, phases, warnings, the summary)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--report", flags->report_path,
                  "Write a self-contained HTML timeline of the run to FILE (also after a failure)")
      ->type_name("FILE");
}

Result<std::unique_ptr<ui::RunUi>> MakeRunUi(const std::string& command, const UiFlags& flags) {
  ui::UiOptions options;
  options.command = command;
  options.quiet = flags.quiet;
  options.log_format = flags.log_format;
  options.report_path = flags.report_path;
  return ui::RunUi::Create(std::move(options));
}

int FinishRun(ui::RunUi& ui, const Status& run) {
  Status report = ui.Finish(run);
  if (run.ok()) return ReportError(report);
  if (!report.ok()) {
    std::fprintf(stderr, "hyperdump: warning: %s\n", report.message().c_str());
  }
  return ReportError(run);
}

}  // namespace hyperdump::cli
