// The last phase of a restore: the archive's MATERIALIZED VIEW DATA items
// (REFRESH MATERIALIZED VIEW for each view that was populated on the source),
// as pg_restore runs them at the end of post-data.
//
// Runs after every data job and after TimescaleDB's restore mode has ended:
// while timescaledb.restoring is on the extension is inactive, and a view
// over a hypertable would miss the rows of compressed chunks. One
// connection, archive order (pg_dump orders a view after the views it
// reads), one transaction per view together with its ledger row, so
// --resume refreshes only what is left.
#ifndef HYPERDUMP_ENGINE_RESTORE_MATVIEW_REFRESH_H_
#define HYPERDUMP_ENGINE_RESTORE_MATVIEW_REFRESH_H_

#include <atomic>
#include <set>
#include <string>

#include "base/status.h"
#include "engine/restore/schema_restore.h"

namespace hyperdump::engine {

// Refreshes the kRefresh items of `schema` whose ledger key is not in
// `done`, on a new connection to `conninfo`; stops (kCancelled) between
// views when `interrupt` is set. Returns how many it refreshed.
Result<int> RefreshMaterializedViews(const std::string& conninfo, const SchemaScript& schema,
                                     const std::set<std::string>& done,
                                     const std::atomic<bool>& interrupt);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_MATVIEW_REFRESH_H_
