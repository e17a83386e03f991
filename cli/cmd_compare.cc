// hyperdump compare SOURCE TARGET: row-for-row equality of two databases.
#include <cstdio>

#include "cli/commands.h"
#include "engine/compare.h"

namespace hyperdump::cli {

CommandFn RegisterCompare(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "compare", "Check that two databases hold the same rows, table by table (exit 0 if equal)");
  auto source = std::make_shared<std::string>();
  auto target = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("source", *source, "Source database (libpq URI or conninfo)")->required();
  cmd->add_option("target", *target, "Target database (libpq URI or conninfo)")->required();
  cmd->add_flag("-q,--quiet", *quiet, "Print only differences");
  return [=] {
    auto report = engine::CompareDatabases(*source, *target);
    if (!report.ok()) return ReportError(report.status());
    for (const auto& w : report->warnings)
      std::fprintf(stderr, "hyperdump: warning: %s\n", w.c_str());
    for (const auto& t : report->different) std::printf("DIFFERENT  %s\n", t.c_str());
    for (const auto& t : report->missing)
      std::printf("MISSING    %s (in source only)\n", t.c_str());
    for (const auto& t : report->extra) std::printf("EXTRA      %s (in target only)\n", t.c_str());
    if (report->large_objects > 0) {
      std::printf("%lld large objects equal\n", static_cast<long long>(report->large_objects));
    }
    std::printf("%zu tables equal (%lld rows), %zu different, %zu missing, %zu extra\n",
                report->equal.size(), static_cast<long long>(report->rows),
                report->different.size(), report->missing.size(), report->extra.size());
    if (report->ok()) return static_cast<int>(kExitOk);
    std::fprintf(stderr, "hyperdump: error: the databases differ (see above)\n");
    return static_cast<int>(kExitFailure);
  };
}

}  // namespace hyperdump::cli
