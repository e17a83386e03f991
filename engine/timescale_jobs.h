// Pausing TimescaleDB's background jobs for the length of a dump.
//
// Why: compression, retention and refresh jobs take ACCESS EXCLUSIVE on
// chunks; behind a dump's ACCESS SHARE locks they wait, and application
// queries queue behind them. The documented workaround is to unschedule the
// user jobs (id >= 1000) with alter_job(id, scheduled => false) for the dump
// and reschedule them after. The ids are written to the archive directory
// (paused_jobs.json) before any job is touched, so that `hyperdump
// resume-jobs` can repair a dump that died without rescheduling them.
#ifndef HYPERDUMP_ENGINE_TIMESCALE_JOBS_H_
#define HYPERDUMP_ENGINE_TIMESCALE_JOBS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "engine/pg.h"

namespace hyperdump::engine {

// What paused_jobs.json holds (engine/archive_layout.h).
struct PausedJobs {
  std::string database;          // the source database's name
  std::vector<int64_t> job_ids;  // jobs unscheduled by the dump
};
std::string PausedJobsToJson(const PausedJobs& jobs);
Result<PausedJobs> ParsePausedJobs(const std::string& text, const std::string& where);

// User jobs (id >= 1000) that are scheduled right now; empty without
// TimescaleDB. `conn` must be outside any snapshot transaction.
Result<std::vector<int64_t>> ListScheduledJobs(PgConnection& conn);

// alter_job(id, scheduled => `scheduled`) for each id, each committed on its
// own (autocommit). A job that no longer exists is skipped; other errors stop.
Status SetJobsScheduled(PgConnection& conn, const std::vector<int64_t>& ids, bool scheduled);

// Owns the rescheduling of paused jobs: Resume() reschedules them once (it
// reconnects to `conninfo` for it); the destructor calls it if nobody did, as
// a last resort (its error is then printed to stderr, since nobody is left to
// return it to). Move-only; used by one thread.
class JobPauseGuard {
 public:
  JobPauseGuard() = default;
  JobPauseGuard(std::string conninfo, std::vector<int64_t> ids)
      : conninfo_(std::move(conninfo)), ids_(std::move(ids)) {}
  JobPauseGuard(JobPauseGuard&& o) noexcept
      : conninfo_(std::move(o.conninfo_)), ids_(std::exchange(o.ids_, {})) {}
  JobPauseGuard& operator=(JobPauseGuard&&) = delete;
  JobPauseGuard(const JobPauseGuard&) = delete;
  ~JobPauseGuard();

  // Takes over `ids` (call before unscheduling them).
  void Arm(std::string conninfo, std::vector<int64_t> ids) {
    conninfo_ = std::move(conninfo);
    ids_ = std::move(ids);
  }
  Status Resume();
  // Forgets the ids without rescheduling (once the caller has reported them).
  void Release() { ids_.clear(); }
  bool active() const { return !ids_.empty(); }

 private:
  std::string conninfo_;
  std::vector<int64_t> ids_;  // still paused
};

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_TIMESCALE_JOBS_H_
