#include "engine/timescaledb/timescale_window.h"

#include <cstdio>

#include "base/shell_quote.h"
#include "engine/pg/conninfo.h"
#include "engine/pg/pg.h"

namespace hyperdump::engine {

Result<std::unique_ptr<TimescaleWindow>> TimescaleWindow::Open(const std::string& conninfo,
                                                               const std::string& create_sql,
                                                               const std::string& version) {
  HD_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(conninfo, "hyperdump restore"));
  HD_ASSIGN_OR_RETURN(PgResult have,
                      conn.Exec("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'"));
  if (have.rows() == 0) {
    std::string sql =
        create_sql.empty() ? "CREATE EXTENSION IF NOT EXISTS timescaledb" : create_sql;
    while (!sql.empty() && (sql.back() == ';' || sql.back() == '\n' || sql.back() == ' '))
      sql.pop_back();
    if (!version.empty()) sql += " VERSION " + QuoteLiteral(version);
    Status created = conn.Run(sql);
    if (!created.ok() && created.sqlstate() == "42501") {
      return created.WithContext(
          "creating the TimescaleDB extension on the target needs a superuser (TimescaleDB is "
          "not a trusted extension, and its restore window, timescaledb_pre_restore(), needs "
          "one too on a stock TimescaleDB): restore as a superuser; managed services provide "
          "a role for this");
    }
    if (!created.ok())
      return created.WithContext("creating the TimescaleDB extension on the target");
  }
  std::unique_ptr<TimescaleWindow> window(new TimescaleWindow(conninfo));
  Status pre = conn.Run("SELECT timescaledb_pre_restore()");
  if (!pre.ok()) {
    window->closed_ = true;  // nothing to undo: restore mode was not entered
    if (pre.sqlstate() == "42501") {
      return pre.WithContext(
          "SELECT timescaledb_pre_restore() on the target needs a superuser on a stock "
          "TimescaleDB (it stops the database's background workers and sets "
          "timescaledb.restoring): restore as a superuser; managed services provide a role "
          "that may call it");
    }
    return pre.WithContext("SELECT timescaledb_pre_restore() on the target");
  }
  return window;
}

std::string TimescaleWindow::RepairCommand(const std::string& conninfo) {
  return "psql -d " + ShellQuote(ConninfoWithoutSecrets(conninfo)) +
         " -c 'SELECT timescaledb_post_restore()'";
}

Status TimescaleWindow::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  Status s;
  auto conn = PgConnection::Connect(conninfo_, "hyperdump restore");
  if (conn.ok()) {
    s = conn->Run("SELECT timescaledb_post_restore()");
  } else {
    s = conn.status();
  }
  if (s.ok()) return s;
  return Status(s.code(),
                "timescaledb_post_restore() failed, the database is still in TimescaleDB restore "
                "mode (hooks and background jobs off): " +
                    s.message() + "; once the cause is fixed, run: " + RepairCommand(conninfo_),
                s.sqlstate());
}

TimescaleWindow::~TimescaleWindow() {
  if (closed_) return;
  Status s = Close();
  if (!s.ok()) std::fprintf(stderr, "hyperdump: error: %s\n", s.message().c_str());
}

}  // namespace hyperdump::engine
