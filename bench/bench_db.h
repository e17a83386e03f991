// The databases and checks of `hyperdump bench` (bench/bench.h): the demo
// source it builds or reuses, the targets it creates and drops, the client
// programs' version, and the equality that every timed run must pass.
#ifndef HYPERDUMP_BENCH_BENCH_DB_H_
#define HYPERDUMP_BENCH_BENCH_DB_H_

#include <atomic>
#include <map>
#include <string>

#include "base/status.h"
#include "bench/bench.h"
#include "engine/compare.h"
#include "engine/pg/pg.h"

namespace hyperdump::bench {

// `conninfo` (URI or key=value) naming `dbname` instead of its database, as a
// key=value string; other settings (host, port, user, password...) are kept.
Result<std::string> ConninfoWithDatabase(const std::string& conninfo, const std::string& dbname);

// What the source database's comment says once a build finished, so that a
// later bench reuses it only when it has the same size and shape.
std::string BenchSourceMarker(const BenchOptions& options);

// Makes kBenchSourceDb hold the demo for `options`: reused when its marker
// matches, else dropped (if there) and built afresh, then VACUUM ANALYZE'd and
// marked. A failed build drops the half-built database. Returns true when the
// database was reused.
Result<bool> PrepareBenchSource(engine::PgConnection& server, const BenchOptions& options,
                                const BenchLog& log);

// Drops database `name` (WITH (FORCE)) if it exists. Refuses names without
// kBenchPrefix: bench touches no other database.
Status DropBenchDatabase(engine::PgConnection& server, const std::string& name);

// A target database created empty (template0, UTF8) and dropped when the
// object goes away, whatever happened in between. Move-only.
class BenchTarget {
 public:
  static Result<BenchTarget> Create(const std::string& server_conninfo, const std::string& name);
  BenchTarget(BenchTarget&& o) noexcept
      : server_(std::move(o.server_)),
        name_(std::exchange(o.name_, {})),
        conninfo_(std::move(o.conninfo_)) {}
  BenchTarget& operator=(BenchTarget&&) = delete;
  BenchTarget(const BenchTarget&) = delete;
  ~BenchTarget();
  const std::string& name() const { return name_; }
  const std::string& conninfo() const { return conninfo_; }

 private:
  BenchTarget(std::string server, std::string name, std::string conninfo)
      : server_(std::move(server)), name_(std::move(name)), conninfo_(std::move(conninfo)) {}
  std::string server_, name_, conninfo_;
};

// The major version in a `--version` line: "pg_dump (PostgreSQL) 15.5 (Debian
// 15.5-1)" -> 15; 0 when there is none.
int ParsePgMajor(const std::string& version_line);

// Runs `<bindir>/pg_dump --version` and `pg_restore --version` (outputs in
// `work_dir`) and fails, naming the program, its version and the fix
// (PG_BINDIR), unless both have `server_major`. Returns that major.
Result<int> CheckClientMajor(const std::string& bindir, int server_major,
                             const std::string& work_dir, const std::atomic<bool>& interrupt);

// OK when `target` holds exactly the rows of `source`; else an error naming
// `what` (the run), the database and each table that differs.
Status VerifyEqual(const std::map<std::string, engine::TableDigest>& source,
                   const std::map<std::string, engine::TableDigest>& target,
                   const std::string& what, const std::string& target_db);

}  // namespace hyperdump::bench

#endif  // HYPERDUMP_BENCH_BENCH_DB_H_
