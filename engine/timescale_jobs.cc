#include "engine/timescale_jobs.h"

#include <cstdio>
#include <nlohmann/json.hpp>

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

// Schema of the timescaledb extension (where alter_job lives); empty without it.
Result<std::string> TimescaleSchema(PgConnection& conn) {
  HD_ASSIGN_OR_RETURN(PgResult r,
                      conn.Exec("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n"
                                " ON n.oid = e.extnamespace WHERE e.extname = 'timescaledb'"));
  return r.rows() == 1 ? r.GetString(0, 0) : std::string();
}

}  // namespace

Result<std::vector<int64_t>> ListScheduledJobs(PgConnection& conn) {
  HD_ASSIGN_OR_RETURN(std::string schema, TimescaleSchema(conn));
  if (schema.empty()) return std::vector<int64_t>{};
  // bgw_job moved from _timescaledb_config to _timescaledb_catalog in 2.25.
  HD_ASSIGN_OR_RETURN(PgResult where,
                      conn.Exec("SELECT coalesce(to_regclass('_timescaledb_catalog.bgw_job'),"
                                " to_regclass('_timescaledb_config.bgw_job'))::text"));
  if (where.rows() != 1 || where.IsNull(0, 0)) {
    return Status(StatusCode::kNotFound,
                  "TimescaleDB is installed but its job table (bgw_job) was not found; "
                  "dump with --no-pause-jobs");
  }
  HD_ASSIGN_OR_RETURN(PgResult r, conn.Exec("SELECT id FROM " + where.GetString(0, 0) +
                                            " WHERE id >= 1000 AND scheduled ORDER BY id"));
  std::vector<int64_t> ids;
  for (int i = 0; i < r.rows(); ++i) ids.push_back(r.GetInt(i, 0));
  return ids;
}

Status SetJobsScheduled(PgConnection& conn, const std::vector<int64_t>& ids, bool scheduled) {
  if (ids.empty()) return Status::Ok();
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

Status JobPauseGuard::Resume() {
  if (ids_.empty()) return Status::Ok();
  auto conn = PgConnection::Connect(conninfo_, "hyperdump (resume jobs)");
  Status s = conn.ok() ? SetJobsScheduled(*conn, ids_, true) : conn.status();
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

}  // namespace hyperdump::engine
