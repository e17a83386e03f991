// TODO(issue): replaced by the real command; until then it says so and fails.
#include "cli/commands.h"

namespace hyperdump::cli {

CommandFn RegisterDemoData(CLI::App& root) {
  root.add_subcommand("demo-data", "(not yet available)");
  return [] { return ReportError(Status(StatusCode::kInternal, "'demo-data' is not implemented yet")); };
}

}  // namespace hyperdump::cli
