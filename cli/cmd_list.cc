// TODO(issue): replaced by the real command; until then it says so and fails.
#include "cli/commands.h"

namespace hyperdump::cli {

CommandFn RegisterList(CLI::App& root) {
  root.add_subcommand("list", "(not yet available)");
  return [] { return ReportError(Status(StatusCode::kInternal, "'list' is not implemented yet")); };
}

}  // namespace hyperdump::cli
