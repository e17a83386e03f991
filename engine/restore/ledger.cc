#include "engine/restore/ledger.h"

#include "engine/restore/fault_injector.h"

namespace hyperdump::engine::ledger {

namespace {
std::string Table(const char* name) { return QualifiedName(kSchema, name); }
}  // namespace

Result<std::optional<State>> Load(PgConnection& conn) {
  HD_ASSIGN_OR_RETURN(PgResult exists, conn.ExecParams("SELECT to_regclass($1) IS NOT NULL",
                                                       {Table("restore_run")}));
  if (!exists.GetBool(0, 0)) return std::optional<State>();
  State state;
  HD_ASSIGN_OR_RETURN(PgResult run, conn.Exec("SELECT archive FROM " + Table("restore_run")));
  if (run.rows() > 0) state.archive_id = run.GetString(0, 0);
  HD_ASSIGN_OR_RETURN(PgResult done, conn.Exec("SELECT job FROM " + Table("restore_ledger")));
  for (int i = 0; i < done.rows(); ++i) state.done.insert(done.GetString(i, 0));
  return std::optional<State>(std::move(state));
}

Status Create(PgConnection& conn, const std::string& archive_id) {
  HD_RETURN_IF_ERROR(conn.Run(
      "BEGIN; CREATE SCHEMA " + QuoteIdent(kSchema) + "; CREATE TABLE " + Table("restore_run") +
      " (archive text NOT NULL, started_at timestamptz NOT NULL DEFAULT now()); CREATE TABLE " +
      Table("restore_ledger") +
      " (job text PRIMARY KEY, rows bigint, done_at timestamptz NOT NULL DEFAULT now())"));
  auto inserted = conn.ExecParams("INSERT INTO " + Table("restore_run") + " (archive) VALUES ($1)",
                                  {archive_id});
  if (!inserted.ok()) {
    conn.Run("ROLLBACK").IgnoreError();
    return inserted.status();
  }
  return conn.Run("COMMIT");
}

Status Record(PgConnection& conn, const std::string& key, int64_t rows) {
  auto r =
      conn.ExecParams("INSERT INTO " + Table("restore_ledger") + " (job, rows) VALUES ($1, $2)",
                      {key, std::to_string(rows)});
  return r.ok() ? Status::Ok() : r.status();
}

Status RecordAll(PgConnection& conn, const std::set<std::string>& keys) {
  if (keys.empty()) return Status::Ok();
  // A text[] literal: every element double-quoted, " and \ escaped.
  std::string array = "{";
  for (const std::string& k : keys) {
    if (array.size() > 1) array += ',';
    array += '"';
    for (char c : k) {
      if (c == '"' || c == '\\') array += '\\';
      array += c;
    }
    array += '"';
  }
  array += '}';
  auto r = conn.ExecParams(
      "INSERT INTO " + Table("restore_ledger") + " (job) SELECT unnest($1::text[])", {array});
  return r.ok() ? Status::Ok() : r.status();
}

Result<bool> IsDone(PgConnection& conn, const std::string& key) {
  HD_ASSIGN_OR_RETURN(PgResult r, conn.ExecParams("SELECT count(*) FROM " +
                                                      Table("restore_ledger") + " WHERE job = $1",
                                                  {key}));
  return r.GetInt(0, 0) > 0;
}

Status Drop(PgConnection& conn) {
  return conn.Run("SET client_min_messages = warning; DROP SCHEMA IF EXISTS " +
                  QuoteIdent(kSchema) + " CASCADE; RESET client_min_messages");
}

void AfterCommit() { CurrentFaultInjector().AfterJobCommitted(); }

}  // namespace hyperdump::engine::ledger
