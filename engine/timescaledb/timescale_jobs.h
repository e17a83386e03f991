// Pausing TimescaleDB's background jobs for the length of a dump.
//
// Why: compression, retention and refresh jobs take ACCESS EXCLUSIVE on
// chunks; behind a dump's ACCESS SHARE locks they wait, and application
// queries queue behind them. The documented workaround is to unschedule the
// user jobs (id >= 1000) with alter_job(id, scheduled => false) for the dump
// and reschedule them after. The ids are written to the archive directory
// (paused_jobs.json) before any job is touched, so that `hyperdump
// resume-jobs` can repair a dump that died without rescheduling them.
#ifndef HYPERDUMP_ENGINE_TIMESCALEDB_TIMESCALE_JOBS_H_
#define HYPERDUMP_ENGINE_TIMESCALEDB_TIMESCALE_JOBS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "engine/pg/pg.h"

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

// Waits until no background worker of `conn`'s database is running a user
// job (id >= 1000), recognised as timescaledb_information.job_stats does: a
// backend whose application_name (or backend type) is the job's. Polls every
// 100 ms for at most `timeout_ms`; `on_wait` is called once, with a sentence
// naming the jobs, when the first check finds any. kDatabase naming the jobs
// still running when time is up (and the fix); kCancelled when `interrupt`
// is set. `conn` must be outside any transaction (each check must see new
// activity).
Status WaitForRunningJobs(PgConnection& conn, int timeout_ms, const std::atomic<bool>& interrupt,
                          const std::function<void(const std::string&)>& on_wait);

// When each job runs next, and how it ran so far, lives in
// _timescaledb_internal.bgw_job_stat, which is not extension configuration:
// pg_dump leaves it out, and a restored database would run every job at once
// (no row: due now), whatever its schedule on the source.
// ReadJobStats: the user jobs' (id >= 1000) rows as a JSON array ("[]" when
// none, or without TimescaleDB), read in `conn`'s transaction (the dump's
// snapshot). RestoreJobStats: inserts those rows whose job the target has,
// keeping any row the target already has (idempotent, for --resume). Call it
// before timescaledb_post_restore() starts the target's scheduler.
Result<std::string> ReadJobStats(PgConnection& conn);
Status RestoreJobStats(PgConnection& conn, const std::string& stats_json);

// A restore that fails or is interrupted still leaves TimescaleDB's restore
// mode (post_restore), which starts the target's job scheduler: the restored
// user jobs would run at once on a half-restored database (a continuous
// aggregate refreshed from part of its rows, whose result --resume would not
// redo). PauseRestoredJobs, called before that post_restore, unschedules
// them and records each in the restore's ledger ("paused_job:<id>") in the
// same transaction, and returns how many; ReschedulePausedJobs, called by the
// restore that finishes (before its post_restore), schedules those again.
// Jobs the source had unscheduled are never touched.
Result<int> PauseRestoredJobs(PgConnection& conn);
Status ReschedulePausedJobs(PgConnection& conn, const std::set<std::string>& done);

// The source's own record of jobs a dump paused, so that a dump killed
// before it could reschedule them (SIGKILL, a lost machine) does not leave a
// production database without its policies unnoticed: the database-level
// setting hyperdump.paused_jobs ("1000,1001 <archive dir>"), set with ALTER
// DATABASE before the jobs are unscheduled and reset once they are
// rescheduled. Every dump and compare reads it and warns; the next dump
// takes the jobs over and reschedules them when it ends; so does
// `hyperdump resume-jobs`. Setting it needs a superuser (a placeholder
// setting): RecordPausedJobs returns kPermissionDenied otherwise, and the
// dump goes on with a warning naming resume-jobs.
struct PausedJobsMarker {
  std::vector<int64_t> job_ids;  // empty: no marker
  std::string archive_dir;       // the dump that paused them
};
Result<PausedJobsMarker> ReadPausedJobsMarker(PgConnection& conn);
Status RecordPausedJobs(PgConnection& conn, const std::vector<int64_t>& ids,
                        const std::string& archive_dir);
Status ClearPausedJobsMarker(PgConnection& conn);
// `hyperdump resume-jobs DIR`: reschedules the jobs DIR's paused_jobs.json
// lists (kNotFound without that file; kInvalidArgument when they were
// paused in another database than `conn`'s), then those the source's marker
// names, and clears the marker. Returns how many the file listed.
Result<size_t> ResumeJobsPausedBy(PgConnection& conn, const std::string& dir);

// The warning a command prints while a marker is set ("" without one).
std::string PausedJobsWarning(const PausedJobsMarker& marker, const std::string& database);

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
  // Reschedules the jobs on `conn` when given and usable, else on a
  // connection of its own; on success the guard holds nothing more.
  Status Resume(PgConnection* conn = nullptr);
  // Forgets the ids without rescheduling (once the caller has reported them).
  void Release() { ids_.clear(); }
  bool active() const { return !ids_.empty(); }

 private:
  Status ResumeOn(PgConnection& conn);

  std::string conninfo_;
  std::vector<int64_t> ids_;  // still paused
};

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_TIMESCALEDB_TIMESCALE_JOBS_H_
