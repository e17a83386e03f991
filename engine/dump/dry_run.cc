#include "engine/dump/dry_run.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/pg/pg.h"
#include "engine/plan/discovery.h"
#include "engine/plan/plan_json.h"
#include "engine/timescaledb/timescale_jobs.h"

namespace hyperdump::engine {

Status PrintDryRun(const std::string& uri, const DiscoveryOptions& opts, bool json,
                   std::ostream& out) {
  HD_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(uri, "hyperdump dry-run"));
  // Jobs a killed dump left paused: said on every command against the source.
  if (auto marker = ReadPausedJobsMarker(conn); marker.ok() && !marker->job_ids.empty()) {
    std::fprintf(stderr, "hyperdump: warning: %s\n",
                 PausedJobsWarning(*marker, conn.database()).c_str());
  }
  HD_RETURN_IF_ERROR(conn.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  Result<DumpPlan> plan = Discover(conn, opts);
  conn.Run("ROLLBACK").IgnoreError();  // read only: nothing to keep
  if (!plan.ok()) return plan.status().WithContext("discovering " + conn.database());
  if (json) {
    out << nlohmann::json(*plan).dump() << "\n";
  } else {
    out << FormatPlan(*plan);
  }
  out.flush();
  if (!out) return IoError("writing the dry-run plan failed");
  return Status::Ok();
}

}  // namespace hyperdump::engine
