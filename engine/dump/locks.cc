#include "engine/dump/locks.h"

#include <algorithm>

namespace hyperdump::engine {
namespace {

std::string Name(const TableInfo& t) { return QualifiedName(t.schema, t.name); }

// A table of the snapshot that no longer exists when it is locked: dropped
// in between (on TimescaleDB: decompress_chunk drops a compressed companion,
// drop_chunks or a retention job drops chunks). Its rows as of the snapshot
// cannot be read without a lock: the dump stops, naming it.
Status DroppedSinceSnapshot(const TableInfo& t, const Status& s) {
  return Status(
      StatusCode::kDatabase,
      "table " + Name(t) +
          " was dropped after the dump's snapshot (DROP, drop_chunks, decompress_chunk or "
          "a TimescaleDB job ran during the dump), so its rows as of the snapshot can no "
          "longer be read; nothing was written for it. Dump again when that is done, "
          "with TimescaleDB jobs paused (the default)",
      s.sqlstate());
}

std::string Truncated(std::string s, size_t max) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

}  // namespace

Status LockCapacityVerdict(const LockTableFacts& t, int64_t locks_needed, bool per_job_hint) {
  const int64_t capacity = t.max_locks_per_transaction * t.max_connections;
  if (locks_needed + t.in_use <= capacity) return Status::Ok();
  // The smallest setting that fits, with 10% headroom for other sessions.
  int64_t want = ((locks_needed + t.in_use) * 11 / 10 + t.max_connections - 1) / t.max_connections;
  want = std::max<int64_t>(want, t.max_locks_per_transaction + 1);
  std::string why =
      per_job_hint
          ? " (pg_dump --schema-only locks every table it dumps, and so does the snapshot "
            "transaction unless --lock-per-job)"
          : " even with --lock-per-job: pg_dump --schema-only still takes ACCESS SHARE on every "
            "table it dumps, all in one transaction, before any data moves";
  std::string msg =
      "the dump needs about " + std::to_string(locks_needed) + " table locks at once" + why +
      ", but the server's lock table holds about max_locks_per_transaction (" +
      std::to_string(t.max_locks_per_transaction) + ") x max_connections (" +
      std::to_string(t.max_connections) + ") = " + std::to_string(capacity) + " locks, " +
      std::to_string(t.in_use) + " of them in use: set max_locks_per_transaction to at least " +
      std::to_string(want) +
      " (ALTER SYSTEM SET max_locks_per_transaction = " + std::to_string(want) +
      "; then restart the server)";
  if (per_job_hint) msg += ", or dump with --lock-per-job (each job then locks only its own table)";
  if (!per_job_hint) msg += ", or dump fewer tables at once (-n/-t/-N/-T)";
  return InvalidArgument(msg);
}

Status CheckLockCapacity(PgConnection& conn, int64_t locks_needed, bool per_job_hint) {
  HD_ASSIGN_OR_RETURN(PgResult r,
                      conn.Exec("SELECT current_setting('max_locks_per_transaction')::bigint,"
                                " current_setting('max_connections')::bigint,"
                                " (SELECT count(*) FROM pg_locks WHERE NOT fastpath)"));
  return LockCapacityVerdict({r.GetInt(0, 0), r.GetInt(0, 1), r.GetInt(0, 2)}, locks_needed,
                             per_job_hint);
}

std::string DescribeLockBlockers(PgConnection& conn, uint32_t oid, int self_pid) {
  // Only ACCESS EXCLUSIVE conflicts with ACCESS SHARE; a waiting request
  // blocks too, since new requests queue behind it.
  auto r = conn.ExecParams(
      "SELECT l.pid, l.granted, coalesce(a.state, ''), coalesce(a.query, ''),"
      "       coalesce(a.application_name, '')"
      " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
      " WHERE l.locktype = 'relation' AND l.relation = $1::oid"
      "   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
      "   AND l.mode = 'AccessExclusiveLock' AND l.pid <> $2::int AND l.pid <> pg_backend_pid()"
      " ORDER BY l.granted DESC, l.pid",
      {std::to_string(oid), std::to_string(self_pid)});
  if (!r.ok()) return "blocking session unknown (" + r.status().message() + ")";
  if (r->rows() == 0) return "no blocking session found any more";
  std::string out;
  for (int i = 0; i < r->rows() && i < 5; ++i) {
    if (!out.empty()) out += "; ";
    out += "pid " + r->GetString(i, 0) +
           (r->GetBool(i, 1) ? " holds ACCESS EXCLUSIVE" : " waits for ACCESS EXCLUSIVE");
    std::string app = r->GetString(i, 4);
    if (!app.empty()) out += " [" + Truncated(app, 60) + "]";
    out += " (" + r->GetString(i, 2) + ": " + Truncated(r->GetString(i, 3), 200) + ")";
  }
  return out;
}

namespace {

// "LOCK TABLE ONLY a, b, ... IN ACCESS SHARE MODE" for tables [begin, end).
std::string LockStatement(const std::vector<const TableInfo*>& tables, size_t begin, size_t end,
                          bool nowait) {
  std::string sql = "LOCK TABLE ONLY ";
  for (size_t i = begin; i < end; ++i) sql += (i > begin ? ", " : "") + Name(*tables[i]);
  return sql + " IN ACCESS SHARE MODE" + (nowait ? " NOWAIT" : "");
}

}  // namespace

Status LockTablesInSnapshot(PgConnection& leader, const std::string& conninfo,
                            const std::vector<TableInfo>& tables, int lock_timeout_ms) {
  HD_RETURN_IF_ERROR(leader.Run("SET LOCAL lock_timeout = " + std::to_string(lock_timeout_ms)));
  // Many tables per LOCK statement (one round trip each was 2.4 s for 12,000
  // chunks, issue 18). A batch that fails is rolled back to its savepoint and
  // locked table by table below, which names the table and who blocks it.
  constexpr size_t kPerStatement = 1000;
  std::vector<const TableInfo*> all;
  all.reserve(tables.size());
  for (const TableInfo& t : tables) all.push_back(&t);
  std::vector<TableInfo> one_by_one;
  for (size_t begin = 0; begin < all.size(); begin += kPerStatement) {
    const size_t end = std::min(all.size(), begin + kPerStatement);
    HD_RETURN_IF_ERROR(leader.Run("SAVEPOINT hyperdump_lock"));
    if (leader.Run(LockStatement(all, begin, end, false)).ok()) {
      HD_RETURN_IF_ERROR(leader.Run("RELEASE SAVEPOINT hyperdump_lock"));
      continue;
    }
    HD_RETURN_IF_ERROR(leader.Run("ROLLBACK TO SAVEPOINT hyperdump_lock"));
    for (size_t i = begin; i < end; ++i) one_by_one.push_back(*all[i]);
  }
  for (const TableInfo& t : one_by_one) {
    Status s = leader.Run("LOCK TABLE ONLY " + Name(t) + " IN ACCESS SHARE MODE");
    if (s.ok()) continue;
    std::string blockers = "blocking session unknown";
    if (IsLockBusy(s)) {
      auto side = PgConnection::Connect(conninfo, "hyperdump dump (lock diagnosis)");
      if (side.ok()) blockers = DescribeLockBlockers(*side, t.oid, leader.backend_pid());
      return Status(StatusCode::kDatabase,
                    "cannot lock table " + Name(t) + " within --lock-timeout (" +
                        std::to_string(lock_timeout_ms) + " ms): " + blockers +
                        "; nothing was dumped. Retry when that session is done, or raise "
                        "--lock-timeout",
                    s.sqlstate());
    }
    if (s.sqlstate() == "42P01") return DroppedSinceSnapshot(t, s);
    return s.WithContext("cannot lock table " + Name(t));
  }
  // The locks came after the snapshot: a rewrite in between would read empty.
  return CheckNotRewritten(leader, all);
}

Status LockTableNowait(PgConnection& conn, const TableInfo& table) {
  Status s = conn.Run("LOCK TABLE ONLY " + Name(table) + " IN ACCESS SHARE MODE NOWAIT");
  if (s.ok() || IsLockBusy(s)) return s;
  if (s.sqlstate() == "42P01") return DroppedSinceSnapshot(table, s);
  return s.WithContext("cannot lock table " + Name(table));
}

Status CheckNotRewritten(PgConnection& conn, const TableInfo& table) {
  if (table.relfilenode == 0) return Status::Ok();  // no storage of its own
  // pg_relation_filenode reads the current catalog, not the snapshot's.
  HD_ASSIGN_OR_RETURN(PgResult r, conn.ExecParams("SELECT pg_relation_filenode($1::oid)",
                                                  {std::to_string(table.oid)}));
  if (r.rows() == 1 && !r.IsNull(0, 0) &&
      static_cast<uint32_t>(r.GetInt(0, 0)) == table.relfilenode) {
    return Status::Ok();
  }
  std::string now = (r.rows() == 1 && !r.IsNull(0, 0)) ? r.GetString(0, 0) : "none (dropped)";
  return Status(StatusCode::kDatabase,
                "table " + Name(table) +
                    " was rewritten, truncated or dropped after the dump's snapshot "
                    "(relfilenode " +
                    std::to_string(table.relfilenode) + " in the snapshot, " + now +
                    " now: TRUNCATE, compress_chunk, VACUUM FULL, CLUSTER or DROP ran "
                    "during the dump), so its rows as of the snapshot can no longer be read; "
                    "refusing to write it as empty. Dump again without --lock-per-job, or keep "
                    "such maintenance (and TimescaleDB jobs) off during the dump");
}

Status LockTablesNowait(PgConnection& conn, const std::vector<const TableInfo*>& tables) {
  if (tables.size() == 1) return LockTableNowait(conn, *tables[0]);
  Status s = conn.Run(LockStatement(tables, 0, tables.size(), true));
  if (s.ok() || IsLockBusy(s)) return s;
  if (s.sqlstate() == "42P01") {
    return Status(StatusCode::kDatabase,
                  "a table was dropped after the dump's snapshot (DROP, drop_chunks, "
                  "decompress_chunk or a TimescaleDB job ran during the dump), so its rows as of "
                  "the snapshot can no longer be read (" +
                      s.message() +
                      "). Dump again when that is done, with TimescaleDB jobs paused (the "
                      "default)",
                  s.sqlstate());
  }
  return s.WithContext("cannot lock " + std::to_string(tables.size()) + " tables");
}

Status CheckNotRewritten(PgConnection& conn, const std::vector<const TableInfo*>& tables) {
  if (tables.size() == 1) return CheckNotRewritten(conn, *tables[0]);
  std::string oids = "{", nodes = "{";
  for (const TableInfo* t : tables) {
    if (t->relfilenode == 0) continue;
    if (oids.size() > 1) oids += ",", nodes += ",";
    oids += std::to_string(t->oid);
    nodes += std::to_string(t->relfilenode);
  }
  oids += "}", nodes += "}";
  HD_ASSIGN_OR_RETURN(
      PgResult r, conn.ExecParams("SELECT u.o FROM unnest($1::oid[], $2::oid[]) AS u(o, f)"
                                  " WHERE pg_relation_filenode(u.o) IS DISTINCT FROM u.f LIMIT 1",
                                  {oids, nodes}));
  if (r.rows() > 0) {
    uint32_t bad = static_cast<uint32_t>(r.GetInt(0, 0));
    for (const TableInfo* t : tables) {
      if (t->oid == bad) return CheckNotRewritten(conn, *t);
    }
  }
  return Status::Ok();
}

}  // namespace hyperdump::engine
