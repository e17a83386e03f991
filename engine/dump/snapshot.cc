#include "engine/dump/snapshot.h"

namespace hyperdump::engine {

Result<std::string> BeginExportedSnapshot(PgConnection& leader) {
  HD_RETURN_IF_ERROR(leader.Run("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                         .WithContext("cannot open the dump's snapshot transaction"));
  HD_ASSIGN_OR_RETURN(PgResult r, leader.Exec("SELECT pg_export_snapshot()"));
  if (r.rows() != 1) return Internal("pg_export_snapshot() returned no row");
  return r.GetString(0, 0);
}

Status BeginImportedSnapshot(PgConnection& conn, const std::string& snapshot_id) {
  // search_path empty for the transaction, as pg_dump does: COPY TO writes
  // regclass/regproc values (e.g. TimescaleDB's compression_settings.relid)
  // schema-qualified only when their schema is not on the path, and restore
  // reads them with pg_dump's empty path.
  // client_min_messages = warning: TimescaleDB 2.28 answers every `COPY
  // chunk TO STDOUT` with a NOTICE/DETAIL/HINT saying "hypertable data are in
  // the chunks, no data will be copied" (process_copy() in its
  // process_utility.c mistakes the chunk for its hypertable), and then copies
  // the chunk's rows all the same. One per chunk would bury the real
  // warnings, which still come through.
  // row_security = off, as pg_dump sets it: a role that a row-level security
  // policy would filter gets an error naming the table, never a silent
  // subset of its rows.
  Status s =
      conn.Run("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT " +
               QuoteLiteral(snapshot_id) +
               "; SELECT pg_catalog.set_config('search_path', '', true),"
               " pg_catalog.set_config('client_min_messages', 'warning', true),"
               " pg_catalog.set_config('row_security', 'off', true)");
  if (!s.ok()) {
    // A failed SET TRANSACTION SNAPSHOT leaves the transaction aborted.
    conn.Run("ROLLBACK").IgnoreError();
    return s.WithContext("cannot import snapshot " + snapshot_id);
  }
  return Status::Ok();
}

Status SnapshotWorkers::Open() {
  for (Slot& slot : slots_) {
    HD_ASSIGN_OR_RETURN(PgConnection c, PgConnection::Connect(conninfo_, "hyperdump dump worker"));
    HD_RETURN_IF_ERROR(BeginImportedSnapshot(c, snapshot_id_));
    HD_RETURN_IF_ERROR(c.Run("COMMIT"));
    std::lock_guard lock(slot.mu);
    slot.conn = std::move(c);
  }
  return Status::Ok();
}

Result<PgConnection*> SnapshotWorkers::Connection(int slot_index) {
  Slot& slot = slots_[static_cast<size_t>(slot_index)];
  if (!slot.conn.ok()) {  // lost on an earlier attempt
    HD_ASSIGN_OR_RETURN(PgConnection c, PgConnection::Connect(conninfo_, "hyperdump dump worker"));
    std::lock_guard lock(slot.mu);
    slot.conn = std::move(c);
  }
  return &slot.conn;
}

void SnapshotWorkers::Cancel(int slot_index) {
  Slot& slot = slots_[static_cast<size_t>(slot_index)];
  std::lock_guard lock(slot.mu);
  slot.conn.Cancel();
}

}  // namespace hyperdump::engine
