// One consistent view of the source shared by every connection of a dump.
//
// The leader connection opens a REPEATABLE READ, READ ONLY transaction and
// exports its snapshot (pg_export_snapshot); it must stay open until the last
// worker has imported it and finished, i.e. to the end of the dump. Workers
// open their own transactions and import the snapshot by id: every table they
// read then shows exactly the rows committed before the leader's snapshot.
//
// Threads: plain functions on a connection the caller owns exclusively.
#ifndef HYPERDUMP_ENGINE_SNAPSHOT_H_
#define HYPERDUMP_ENGINE_SNAPSHOT_H_

#include <string>
#include <vector>

#include "base/status.h"
#include "engine/pg.h"

namespace hyperdump::engine {

// Begins the leader's transaction on `leader` and returns the exported
// snapshot id (e.g. "00000003-0000001B-1"). The transaction stays open.
Result<std::string> BeginExportedSnapshot(PgConnection& leader);

// Begins a REPEATABLE READ, READ ONLY transaction on `conn` that sees the
// snapshot `snapshot_id`, with an empty search_path (as pg_dump: COPY writes
// regclass values schema-qualified). Fails (SQLSTATE 22023) once the exporting
// transaction has ended.
Status BeginImportedSnapshot(PgConnection& conn, const std::string& snapshot_id);

// Opens `count` connections to `conninfo` (application_name
// "hyperdump dump worker"), each checked by importing `snapshot_id` once.
Result<std::vector<PgConnection>> OpenWorkerConnections(const std::string& conninfo, int count,
                                                        const std::string& snapshot_id);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_SNAPSHOT_H_
