// Owning wrappers over libpq handles, and the SQLSTATE-based error vocabulary.
//
// PgResult owns one PGresult, PgConnection owns one PGconn: both move-only,
// freed exactly once. A PgConnection is used by one thread at a time (libpq's
// rule); the scheduler hands each connection to one job at a time.
#ifndef HYPERDUMP_ENGINE_PG_PG_H_
#define HYPERDUMP_ENGINE_PG_PG_H_

#include <libpq-fe.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/pg/conninfo.h"  // RedactConninfo, for every caller of Connect

namespace hyperdump::engine {

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  PgResult& operator=(PgResult&& o) noexcept {
    if (this != &o) {
      Reset();
      r_ = std::exchange(o.r_, nullptr);
    }
    return *this;
  }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult() { Reset(); }

  int rows() const { return r_ ? PQntuples(r_) : 0; }
  int columns() const { return r_ ? PQnfields(r_) : 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(r_, row, col); }
  // The text value; empty for NULL (check IsNull where it matters).
  std::string_view Get(int row, int col) const {
    return {PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col))};
  }
  std::string GetString(int row, int col) const { return std::string(Get(row, col)); }
  int64_t GetInt(int row, int col) const;
  bool GetBool(int row, int col) const { return Get(row, col) == "t"; }
  std::optional<std::string> GetOptional(int row, int col) const {
    if (IsNull(row, col)) return std::nullopt;
    return GetString(row, col);
  }
  int ColumnIndex(const char* name) const { return PQfnumber(r_, name); }
  PGresult* raw() const { return r_; }

 private:
  void Reset() {
    if (r_) PQclear(r_);
    r_ = nullptr;
  }
  PGresult* r_ = nullptr;
};

// A message the server sent beside a result: NOTICE, WARNING, INFO, ...
// (e.g. TimescaleDB's "hypertable data are in the chunks").
struct ServerNotice {
  std::string severity;  // "NOTICE", "WARNING", ... (never translated)
  std::string sqlstate;  // e.g. "01000"; empty if the server sent none
  std::string message;   // primary message
  std::string detail;    // may be empty
  std::string hint;      // may be empty
  // One line: "NOTICE 00000: message (detail) hint: hint".
  std::string OneLine() const;
};

// Where server notices go. libpq would print each raw on stderr (three lines
// for a NOTICE with DETAIL and HINT); every PgConnection instead hands its
// notices to the handler of the innermost live NoticeRoute. Routes are
// process-wide (the run's connections are opened by many threads and phases)
// and nest: a route installed while another lives replaces it until it goes
// away. Handlers are called with a mutex held, never concurrently, from the
// thread that used the connection; they must be quick and must not use a
// PgConnection. Without a route a WARNING is printed as one line on stderr
// and lesser messages are dropped.
class NoticeRoute {
 public:
  using Handler = std::function<void(const ServerNotice&)>;
  explicit NoticeRoute(Handler handler);
  ~NoticeRoute();
  NoticeRoute(const NoticeRoute&) = delete;
  NoticeRoute& operator=(const NoticeRoute&) = delete;
  // Called by the connections' receiver (pg.cc), under the routes' mutex.
  void Deliver(const ServerNotice& notice) const {
    if (handler_) handler_(notice);
  }

 private:
  Handler handler_;
  NoticeRoute* outer_;
};

class PgConnection {
 public:
  // Connects with a libpq conninfo string or URI. PG* environment variables
  // and ~/.pgpass apply as with psql. `application_name` shows in
  // pg_stat_activity so operators can see what hyperdump is doing.
  static Result<PgConnection> Connect(const std::string& conninfo,
                                      const std::string& application_name = "hyperdump");

  PgConnection() = default;
  PgConnection(PgConnection&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  PgConnection& operator=(PgConnection&& o) noexcept {
    if (this != &o) {
      Close();
      c_ = std::exchange(o.c_, nullptr);
    }
    return *this;
  }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() { Close(); }

  // Runs one or more statements; the last result is returned.
  Result<PgResult> Exec(const std::string& sql);
  // Runs one statement with text parameters ($1, $2...); nullopt is NULL.
  Result<PgResult> ExecParams(const std::string& sql,
                              const std::vector<std::optional<std::string>>& params);
  // Runs one statement; parameter i goes as raw bytes when `binary[i]` (a
  // bytea: no escaping, no doubling), as text otherwise. With
  // `binary_result` every result column comes back in binary format (a
  // bytea as its bytes).
  Result<PgResult> ExecBinary(const std::string& sql, const std::vector<std::string>& params,
                              const std::vector<bool>& binary, bool binary_result);
  // Exec for statements whose result is not needed.
  Status Run(const std::string& sql);

  int server_version() const { return PQserverVersion(c_); }
  int backend_pid() const { return PQbackendPID(c_); }
  bool ok() const { return c_ && PQstatus(c_) == CONNECTION_OK; }
  std::string database() const { return c_ ? PQdb(c_) : ""; }
  // Asks the server to cancel the running query (thread-safe, best effort).
  void Cancel();
  PGconn* raw() const { return c_; }

  // A Status for the connection's last error, with SQLSTATE if `r` has one.
  Status ErrorStatus(const PGresult* r, const std::string& context) const;

 private:
  explicit PgConnection(PGconn* c) : c_(c) {}
  void Close() {
    if (c_) PQfinish(c_);
    c_ = nullptr;
  }
  PGconn* c_ = nullptr;
};

// Quotes an identifier for SQL ("a""b"), always, whatever its spelling.
std::string QuoteIdent(std::string_view name);
// schema.table, both parts quoted.
std::string QualifiedName(std::string_view schema, std::string_view table);
// Quotes a string literal ('it''s'), with E'' when it holds backslashes.
std::string QuoteLiteral(std::string_view value);

// Reads the identifier at s[pos] as PostgreSQL prints one: "quoted" (""
// stands for ") or bare (letters, digits, _, $ and any non-ASCII byte).
// On success sets *name (unquoted), *quoted if given, and moves pos past it;
// false, with nothing changed, when s[pos] starts none or its quote is not
// closed. The inverse of QuoteIdent.
bool ReadIdent(std::string_view s, size_t& pos, std::string* name, bool* quoted = nullptr);

// True when retrying the same work later can succeed: lock not available,
// serialization failure, deadlock, lost connection, server shutting down.
// A pure function of the status so that retry policy is testable.
bool IsTransient(const Status& status);
// True for "lock not available" (55P03) and lock_timeout: the job may be
// re-queued to try again once other work is done.
bool IsLockBusy(const Status& status);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PG_PG_H_
