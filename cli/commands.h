// The subcommands of `hyperdump`. Each Register* function adds one CLI11
// subcommand to `root` and returns the function that runs it once parsed.
// cli/ is thin: commands translate flags into engine/format calls and print
// the one error, if any, via ReportError.
#ifndef HYPERDUMP_CLI_COMMANDS_H_
#define HYPERDUMP_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>
#include <string>

#include "base/status.h"

namespace hyperdump::cli {

// Runs a parsed subcommand; returns the process exit code.
using CommandFn = std::function<int()>;

// Prints `hyperdump: error: <message>` once, on stderr, and returns the exit
// code that matches the status (base/status.h, ExitCodeFor).
int ReportError(const Status& status);

// Set by SIGINT/SIGTERM; long-running phases poll it and wind down cleanly.
std::atomic<bool>& InterruptFlag();
void InstallInterruptHandlers();

// One entry per subcommand file (cli/cmd_<name>.cc).
CommandFn RegisterDump(CLI::App& root);
CommandFn RegisterRestore(CLI::App& root);
CommandFn RegisterMigrate(CLI::App& root);
CommandFn RegisterVerify(CLI::App& root);
CommandFn RegisterList(CLI::App& root);
CommandFn RegisterDemoData(CLI::App& root);
CommandFn RegisterResumeJobs(CLI::App& root);
CommandFn RegisterCompare(CLI::App& root);
CommandFn RegisterBench(CLI::App& root);

}  // namespace hyperdump::cli

#endif  // HYPERDUMP_CLI_COMMANDS_H_
