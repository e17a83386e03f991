// One consistent view of the source shared by every connection of a dump.
//
// The leader connection opens a REPEATABLE READ, READ ONLY transaction and
// exports its snapshot (pg_export_snapshot); it must stay open until the last
// worker has imported it and finished, i.e. to the end of the dump. Workers
// open their own transactions and import the snapshot by id: every table they
// read then shows exactly the rows committed before the leader's snapshot.
//
// Threads: plain functions on a connection the caller owns exclusively.
#ifndef HYPERDUMP_ENGINE_DUMP_SNAPSHOT_H_
#define HYPERDUMP_ENGINE_DUMP_SNAPSHOT_H_

#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/pg/pg.h"

namespace hyperdump::engine {

// Begins the leader's transaction on `leader` and returns the exported
// snapshot id (e.g. "00000003-0000001B-1"). The transaction stays open.
Result<std::string> BeginExportedSnapshot(PgConnection& leader);

// Begins a REPEATABLE READ, READ ONLY transaction on `conn` that sees the
// snapshot `snapshot_id`, with an empty search_path (as pg_dump: COPY writes
// regclass values schema-qualified). Fails (SQLSTATE 22023) once the exporting
// transaction has ended.
Status BeginImportedSnapshot(PgConnection& conn, const std::string& snapshot_id);

// The dump's worker connections, one per scheduler slot, each checked once
// to see the exported snapshot. Owns them. Connection(slot) is for the job
// running on that slot (one at a time, as the scheduler promises); Cancel
// may come from any thread (the scheduler's cancel hook) while it runs.
class SnapshotWorkers {
 public:
  SnapshotWorkers(std::string conninfo, std::string snapshot_id, int slots)
      : conninfo_(std::move(conninfo)),
        snapshot_id_(std::move(snapshot_id)),
        slots_(static_cast<size_t>(slots)) {}
  SnapshotWorkers(const SnapshotWorkers&) = delete;
  SnapshotWorkers& operator=(const SnapshotWorkers&) = delete;

  // Connects every slot (application_name "hyperdump dump worker"),
  // importing the snapshot once on each to check it.
  Status Open();
  // The slot's connection, connected again when an earlier attempt lost it;
  // the error (worth a retry) when that fails.
  Result<PgConnection*> Connection(int slot);
  // Cancels the statement running on the slot's connection, if any.
  void Cancel(int slot);

 private:
  struct Slot {
    std::mutex mu;  // guards `conn` against Cancel
    PgConnection conn;
  };
  const std::string conninfo_;
  const std::string snapshot_id_;
  std::vector<Slot> slots_;
};

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_DUMP_SNAPSHOT_H_
