// TODO(issue): replaced by the real command; until then it says so and fails.
#include "cli/commands.h"

namespace hyperdump::cli {

CommandFn RegisterDump(CLI::App& root) {
  root.add_subcommand("dump", "(not yet available)");
  return [] { return ReportError(Status(StatusCode::kInternal, "'dump' is not implemented yet")); };
}

}  // namespace hyperdump::cli
