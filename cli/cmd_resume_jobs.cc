// `hyperdump resume-jobs DIR -d SOURCE`: reschedules the TimescaleDB jobs a
// dump paused (DIR/paused_jobs.json), after a dump that could not do it
// itself (killed, connection lost). Safe to run more than once.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "engine/archive_layout.h"
#include "engine/pg.h"
#include "engine/subprocess.h"
#include "engine/timescale_jobs.h"

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
    std::string path = *dir + "/" + engine::layout::kPausedJobsBlob;
    auto text = engine::ReadWholeFile(path);
    if (!text.ok()) {
      return ReportError(NotFound("no " + std::string(engine::layout::kPausedJobsBlob) + " in " +
                                  *dir + ": that dump paused no TimescaleDB job"));
    }
    auto jobs = engine::ParsePausedJobs(*text, path);
    if (!jobs.ok()) return ReportError(jobs.status());
    auto conn = engine::PgConnection::Connect(*uri, "hyperdump resume-jobs");
    if (!conn.ok()) return ReportError(conn.status());
    if (!jobs->database.empty() && conn->database() != jobs->database) {
      return ReportError(InvalidArgument("the jobs in " + path + " were paused in database " +
                                         jobs->database + ", but -d names " + conn->database() +
                                         ": connect to the dump's source database"));
    }
    Status s = engine::SetJobsScheduled(*conn, jobs->job_ids, true);
    if (!s.ok()) return ReportError(s);
    // The source's record of paused jobs (engine/timescale_jobs.h) goes too;
    // jobs it names that this archive did not pause are rescheduled with it.
    auto marker = engine::ReadPausedJobsMarker(*conn);
    if (!marker.ok()) return ReportError(marker.status());
    if (!marker->job_ids.empty()) {
      s = engine::SetJobsScheduled(*conn, marker->job_ids, true);
      if (s.ok()) s = engine::ClearPausedJobsMarker(*conn);
      if (!s.ok()) return ReportError(s);
    }
    std::printf("rescheduled %zu TimescaleDB job(s) in %s\n", jobs->job_ids.size(),
                conn->database().c_str());
    return kExitOk;
  };
}

}  // namespace hyperdump::cli
