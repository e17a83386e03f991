// TODO(issue): replaced by the real command; until then it says so and fails.
#include "cli/commands.h"

namespace hyperdump::cli {

CommandFn RegisterVerify(CLI::App& root) {
  root.add_subcommand("verify", "(not yet available)");
  return [] { return ReportError(Status(StatusCode::kInternal, "'verify' is not implemented yet")); };
}

}  // namespace hyperdump::cli
