// The flags every long command (dump, restore) shares for what the user sees
// of a run: --quiet, --log-format, --report. They fill a UiFlags; MakeRunUi
// turns it into the command's ui::RunUi.
#ifndef HYPERDUMP_CLI_UI_FLAGS_H_
#define HYPERDUMP_CLI_UI_FLAGS_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "base/status.h"
#include "cli/ui/run_ui.h"

namespace hyperdump::cli {

struct UiFlags {
  bool quiet = false;
  std::string log_format = "text";
  std::string report_path;
};

// Adds --quiet, --log-format and --report to `cmd`, writing into `flags`
// (which must outlive the parse).
void AddUiFlags(CLI::App* cmd, UiFlags* flags);

// The RunUi of `command` ("dump", "restore") on stderr.
Result<std::unique_ptr<ui::RunUi>> MakeRunUi(const std::string& command, const UiFlags& flags);

// Ends the run: ui.Finish(run), then the one error, if any. A report that could
// not be written is that error after a successful run, and a warning line
// after a failed one (whose own error wins). Returns the exit code.
int FinishRun(ui::RunUi& ui, const Status& run);

}  // namespace hyperdump::cli

#endif  // HYPERDUMP_CLI_UI_FLAGS_H_
