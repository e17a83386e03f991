// TODO(issue): replaced by the real command; until then it says so and fails.
#include "cli/commands.h"

namespace hyperdump::cli {

CommandFn RegisterRestore(CLI::App& root) {
  root.add_subcommand("restore", "(not yet available)");
  return [] { return ReportError(Status(StatusCode::kInternal, "'restore' is not implemented yet")); };
}

}  // namespace hyperdump::cli
