// `hyperdump resume-jobs DIR -d SOURCE`: reschedules the TimescaleDB jobs a
// dump paused (DIR/paused_jobs.json), after a dump that could not do it
// itself (killed, connection lost). Safe to run more than once.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "engine/pg/pg.h"
#include "engine/timescaledb/timescale_jobs.h"

namespace hyperdump::cli {

CommandFn RegisterResumeJobs(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand(
      "resume-jobs",
      "Reschedule the TimescaleDB jobs that a dump into DIR paused (after a crashed dump)");
  auto dir = std::make_shared<std::string>();
  auto uri = std::make_shared<std::string>();
  cmd->add_option("-d,--dbname", *uri, "The dump's source database (libpq URI or key=value)")
      ->required();
  cmd->add_option("DIR", *dir, "Archive directory of the dump")->required();
  return [dir, uri]() -> int {
    auto conn = engine::PgConnection::Connect(*uri, "hyperdump resume-jobs");
    if (!conn.ok()) return ReportError(conn.status());
    auto resumed = engine::ResumeJobsPausedBy(*conn, *dir);
    if (!resumed.ok()) return ReportError(resumed.status());
    std::printf("rescheduled %zu TimescaleDB job(s) in %s\n", *resumed, conn->database().c_str());
    return kExitOk;
  };
}

}  // namespace hyperdump::cli
