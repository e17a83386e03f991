#include "engine/timescaledb/timescale_jobs.h"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/archive_layout.h"
#include "engine/pg/local_files.h"
#include "engine/restore/ledger.h"

namespace hyperdump::engine {

std::string PausedJobsToJson(const PausedJobs& jobs) {
  nlohmann::json j = {{"database", jobs.database}, {"job_ids", jobs.job_ids}};
  return j.dump(2) + "\n";
}

Result<PausedJobs> ParsePausedJobs(const std::string& text, const std::string& where) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("job_ids") || !j["job_ids"].is_array()) {
    return Corrupt(where + " is not a paused-jobs file (expected {\"job_ids\": [...]})");
  }
  PausedJobs out;
  if (j.contains("database") && j["database"].is_string()) out.database = j["database"];
  for (const auto& id : j["job_ids"]) {
    if (!id.is_number_integer())
      return Corrupt(where + ": job id " + id.dump() + " is not an integer");
    out.job_ids.push_back(id.get<int64_t>());
  }
  return out;
}

namespace {

constexpr const char* kJobStatTable = "_timescaledb_internal.bgw_job_stat";
constexpr const char* kMarkerSetting = "hyperdump.paused_jobs";  // PausedJobsMarker

// Schema of the timescaledb extension (where alter_job lives); empty without it.
Result<std::string> TimescaleSchema(PgConnection& conn) {
  HD_ASSIGN_OR_RETURN(PgResult r,
                      conn.Exec("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n"
                                " ON n.oid = e.extnamespace WHERE e.extname = 'timescaledb'"));
  return r.rows() == 1 ? r.GetString(0, 0) : std::string();
}

// The job table: _timescaledb_catalog.bgw_job since 2.25, _timescaledb_config
// before; empty when neither exists.
Result<std::string> JobTable(PgConnection& conn) {
  HD_ASSIGN_OR_RETURN(PgResult where,
                      conn.Exec("SELECT coalesce(to_regclass('_timescaledb_catalog.bgw_job'),"
                                " to_regclass('_timescaledb_config.bgw_job'))::text"));
  if (where.rows() != 1 || where.IsNull(0, 0)) return std::string();
  return where.GetString(0, 0);
}

}  // namespace

Status WaitForRunningJobs(PgConnection& conn, int timeout_ms, const std::atomic<bool>& interrupt,
                          const std::function<void(const std::string&)>& on_wait) {
  HD_ASSIGN_OR_RETURN(std::string schema, TimescaleSchema(conn));
  if (schema.empty()) return Status::Ok();
  HD_ASSIGN_OR_RETURN(std::string jobs, JobTable(conn));
  if (jobs.empty()) return Status::Ok();
  // A job's worker is registered under the job's application_name (its
  // backend type) and sets its application_name to it once it runs.
  const std::string sql =
      "SELECT j.id, j.application_name, a.pid FROM " + jobs +
      " j JOIN pg_catalog.pg_stat_activity a ON a.datname = pg_catalog.current_database()"
      " AND (a.application_name = j.application_name OR a.backend_type = j.application_name)"
      " WHERE j.id >= 1000 ORDER BY j.id, a.pid";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool told = false;
  for (;;) {
    // pg_stat_activity is read once per transaction: each Exec is its own.
    HD_ASSIGN_OR_RETURN(PgResult r, conn.Exec(sql));
    if (r.rows() == 0) return Status::Ok();
    std::string running;
    for (int i = 0; i < r.rows(); ++i) {
      running += (i ? ", " : "") + std::string("job ") + r.GetString(i, 0) + " (\"" +
                 r.GetString(i, 1) + "\", pid " + r.GetString(i, 2) + ")";
    }
    if (!told && on_wait) {
      // Unscheduling a running job makes TimescaleDB's scheduler stop it
      // (terminate_and_cleanup_job): what it committed stays, the rest is
      // redone at its next run.
      on_wait("waiting for TimescaleDB " + running +
              " to end before taking the snapshot (paused for the dump, TimescaleDB stops "
              "it), so that no job rewrites a chunk during the dump");
      told = true;
    }
    if (interrupt.load()) return Cancelled("dump interrupted");
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(StatusCode::kDatabase,
                    "TimescaleDB " + running + " still running after --wait-jobs-timeout (" +
                        std::to_string(timeout_ms / 1000) +
                        " s); the dump waits for running jobs so that none can rewrite a chunk "
                        "under its snapshot. Retry when the job is done, raise "
                        "--wait-jobs-timeout, or pass --no-pause-jobs to dump without pausing "
                        "jobs (a chunk that a job rewrites then fails the dump)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Result<std::string> ReadJobStats(PgConnection& conn) {
  HD_ASSIGN_OR_RETURN(PgResult where, conn.Exec(std::string("SELECT to_regclass('") +
                                                kJobStatTable + "') IS NOT NULL"));
  if (!where.GetBool(0, 0)) return std::string("[]");
  HD_ASSIGN_OR_RETURN(PgResult r, conn.Exec(std::string("SELECT coalesce(json_agg(s ORDER BY "
                                                        "s.job_id), '[]')::text FROM ") +
                                            kJobStatTable + " s WHERE s.job_id >= 1000"));
  return r.GetString(0, 0);
}

Status RestoreJobStats(PgConnection& conn, const std::string& stats_json) {
  if (stats_json.empty() || stats_json == "[]") return Status::Ok();
  HD_ASSIGN_OR_RETURN(PgResult where, conn.Exec(std::string("SELECT to_regclass('") +
                                                kJobStatTable + "') IS NOT NULL"));
  if (!where.GetBool(0, 0)) return Status::Ok();
  HD_ASSIGN_OR_RETURN(std::string jobs, JobTable(conn));
  if (jobs.empty()) return Status::Ok();
  return conn
      .ExecParams(std::string("INSERT INTO ") + kJobStatTable +
                      " SELECT * FROM json_populate_recordset(NULL::" + kJobStatTable +
                      ", $1::json) s WHERE s.job_id IN (SELECT id FROM " + jobs +
                      ") ON CONFLICT (job_id) DO NOTHING",
                  {stats_json})
      .status()
      .WithContext("restoring the TimescaleDB jobs' schedules (bgw_job_stat)");
}

namespace {
constexpr const char* kPausedJobKey = "paused_job:";
}  // namespace

Result<int> PauseRestoredJobs(PgConnection& conn) {
  HD_ASSIGN_OR_RETURN(std::string jobs, JobTable(conn));
  if (jobs.empty()) return 0;
  HD_RETURN_IF_ERROR(conn.Run("BEGIN"));
  Result<PgResult> paused = conn.Exec("UPDATE " + jobs +
                                      " SET scheduled = false WHERE id >= 1000 AND scheduled "
                                      "RETURNING id");
  std::set<std::string> keys;
  if (paused.ok()) {
    for (int i = 0; i < paused->rows(); ++i) keys.insert(kPausedJobKey + paused->GetString(i, 0));
  }
  Status s = paused.status();
  if (s.ok() && !keys.empty()) s = ledger::RecordAll(conn, keys);
  if (s.ok()) s = conn.Run("COMMIT");
  if (!s.ok()) {
    conn.Run("ROLLBACK").IgnoreError();
    return s.WithContext("pausing the restored TimescaleDB jobs");
  }
  return static_cast<int>(keys.size());
}

Status ReschedulePausedJobs(PgConnection& conn, const std::set<std::string>& done) {
  std::string ids;
  for (const std::string& key : done) {
    if (key.rfind(kPausedJobKey, 0) != 0) continue;
    ids += (ids.empty() ? "" : ",") + key.substr(std::string(kPausedJobKey).size());
  }
  if (ids.empty()) return Status::Ok();
  HD_ASSIGN_OR_RETURN(std::string jobs, JobTable(conn));
  if (jobs.empty()) return Status::Ok();
  return conn
      .ExecParams("UPDATE " + jobs + " SET scheduled = true WHERE id = ANY($1::int[])",
                  {"{" + ids + "}"})
      .status()
      .WithContext("scheduling again the TimescaleDB jobs an interrupted restore paused");
}

Result<std::vector<int64_t>> ListScheduledJobs(PgConnection& conn) {
  HD_ASSIGN_OR_RETURN(std::string schema, TimescaleSchema(conn));
  if (schema.empty()) return std::vector<int64_t>{};
  // bgw_job moved from _timescaledb_config to _timescaledb_catalog in 2.25.
  HD_ASSIGN_OR_RETURN(std::string jobs, JobTable(conn));
  if (jobs.empty()) {
    return Status(StatusCode::kNotFound,
                  "TimescaleDB is installed but its job table (bgw_job) was not found; "
                  "dump with --no-pause-jobs");
  }
  HD_ASSIGN_OR_RETURN(PgResult r, conn.Exec("SELECT id FROM " + jobs +
                                            " WHERE id >= 1000 AND scheduled ORDER BY id"));
  std::vector<int64_t> ids;
  ids.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) ids.push_back(r.GetInt(i, 0));
  return ids;
}

Status SetJobsScheduled(PgConnection& conn, const std::vector<int64_t>& ids, bool scheduled) {
  if (ids.empty()) return Status::Ok();
  // Durable before we go on, whatever the server's synchronous_commit: a
  // server crash right after must not bring back jobs paused that we
  // reported rescheduled (seen with synchronous_commit = off).
  HD_RETURN_IF_ERROR(conn.Run("SET synchronous_commit = on"));
  HD_ASSIGN_OR_RETURN(std::string schema, TimescaleSchema(conn));
  if (schema.empty()) {
    return NotFound("the timescaledb extension is not installed in database " + conn.database());
  }
  for (int64_t id : ids) {
    Status s = conn.Run("SELECT " + QuoteIdent(schema) + ".alter_job(" + std::to_string(id) +
                        ", scheduled => " + (scheduled ? "true" : "false") + ")");
    if (!s.ok()) {
      // Deleted since (e.g. its hypertable was dropped): nothing to restore.
      bool gone = s.sqlstate() == "42704";  // undefined_object: "job N not found"
      if (!gone) {
        return s.WithContext(std::string("cannot ") + (scheduled ? "reschedule" : "unschedule") +
                             " TimescaleDB job " + std::to_string(id));
      }
    }
  }
  return Status::Ok();
}

Result<PausedJobsMarker> ReadPausedJobsMarker(PgConnection& conn) {
  // pg_db_role_setting, not current_setting(): the marker may have been set
  // after this session started.
  HD_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Exec("SELECT substr(c, length('hyperdump.paused_jobs=') + 1)"
                " FROM pg_catalog.pg_db_role_setting s, unnest(s.setconfig) AS c"
                " WHERE s.setrole = 0 AND s.setdatabase = (SELECT oid FROM pg_catalog.pg_database"
                " WHERE datname = pg_catalog.current_database())"
                " AND c LIKE 'hyperdump.paused\\_jobs=%'"));
  PausedJobsMarker out;
  if (r.rows() == 0) return out;
  const std::string value = r.GetString(0, 0);
  const size_t space = value.find(' ');
  std::string ids = value.substr(0, space);
  if (space != std::string::npos) out.archive_dir = value.substr(space + 1);
  for (size_t start = 0; start < ids.size();) {
    size_t comma = ids.find(',', start);
    std::string one =
        ids.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!one.empty()) out.job_ids.push_back(std::stoll(one));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Status RecordPausedJobs(PgConnection& conn, const std::vector<int64_t>& ids,
                        const std::string& archive_dir) {
  std::string value;
  for (int64_t id : ids) value += (value.empty() ? "" : ",") + std::to_string(id);
  value += " " + archive_dir;
  HD_RETURN_IF_ERROR(conn.Run("SET synchronous_commit = on"));  // see SetJobsScheduled
  Status s = conn.Run("ALTER DATABASE " + QuoteIdent(conn.database()) + " SET " + kMarkerSetting +
                      " = " + QuoteLiteral(value));
  if (!s.ok() && s.sqlstate() == "42501") {
    return Status(StatusCode::kPermissionDenied, s.message(), s.sqlstate());
  }
  return s;
}

Status ClearPausedJobsMarker(PgConnection& conn) {
  HD_ASSIGN_OR_RETURN(PausedJobsMarker marker, ReadPausedJobsMarker(conn));
  if (marker.job_ids.empty() && marker.archive_dir.empty()) return Status::Ok();
  return conn.Run("ALTER DATABASE " + QuoteIdent(conn.database()) + " RESET " + kMarkerSetting);
}

std::string PausedJobsWarning(const PausedJobsMarker& marker, const std::string& database) {
  if (marker.job_ids.empty()) return "";
  std::string ids;
  for (int64_t id : marker.job_ids) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
  return "TimescaleDB job" + std::string(marker.job_ids.size() == 1 ? " " : "s ") + ids +
         " in database " + database + " were paused by a hyperdump dump" +
         (marker.archive_dir.empty() ? std::string() : " into " + marker.archive_dir) +
         " that did not finish, and are still unscheduled: run hyperdump resume-jobs " +
         (marker.archive_dir.empty() ? std::string("DIR") : marker.archive_dir) +
         " -d SOURCE (the next hyperdump dump of this database also reschedules them)";
}

Status JobPauseGuard::Resume(PgConnection* given) {
  if (ids_.empty()) return Status::Ok();
  if (given && given->ok()) return ResumeOn(*given);
  auto conn = PgConnection::Connect(conninfo_, "hyperdump (resume jobs)");
  return conn.ok() ? ResumeOn(*conn) : conn.status();
}

Status JobPauseGuard::ResumeOn(PgConnection& conn) {
  Status s = SetJobsScheduled(conn, ids_, true);
  // The jobs run again: the source's record of them goes (best effort: a
  // leftover record only makes a later command warn, and resume-jobs or the
  // next dump clears it).
  if (s.ok()) ClearPausedJobsMarker(conn).IgnoreError();
  if (s.ok()) ids_.clear();
  return s;
}

JobPauseGuard::~JobPauseGuard() {
  if (ids_.empty()) return;
  Status s = Resume();
  if (!s.ok()) {
    std::fprintf(stderr, "hyperdump: error: TimescaleDB jobs are still paused: %s\n",
                 s.message().c_str());
  }
}

Result<size_t> ResumeJobsPausedBy(PgConnection& conn, const std::string& dir) {
  std::string path = dir + "/" + layout::kPausedJobsBlob;
  auto text = ReadWholeFile(path);
  if (!text.ok()) {
    return NotFound("no " + std::string(layout::kPausedJobsBlob) + " in " + dir +
                    ": that dump paused no TimescaleDB job");
  }
  HD_ASSIGN_OR_RETURN(PausedJobs jobs, ParsePausedJobs(*text, path));
  if (!jobs.database.empty() && conn.database() != jobs.database) {
    return InvalidArgument("the jobs in " + path + " were paused in database " + jobs.database +
                           ", but -d names " + conn.database() +
                           ": connect to the dump's source database");
  }
  HD_RETURN_IF_ERROR(SetJobsScheduled(conn, jobs.job_ids, true));
  // The source's record of paused jobs goes too; jobs it names that this
  // archive did not pause are rescheduled with it.
  HD_ASSIGN_OR_RETURN(PausedJobsMarker marker, ReadPausedJobsMarker(conn));
  if (!marker.job_ids.empty()) {
    HD_RETURN_IF_ERROR(SetJobsScheduled(conn, marker.job_ids, true));
    HD_RETURN_IF_ERROR(ClearPausedJobsMarker(conn));
  }
  return jobs.job_ids.size();
}

}  // namespace hyperdump::engine
