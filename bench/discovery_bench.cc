// Discovery of a database with 10,000 chunks (docs/benchmarks.md,
// "Discovery"). Needs a server: run under scripts/with-pg, e.g.
//   scripts/with-pg build/bench/discovery_bench
// It creates a scratch database with one hypertable of 10,000 chunks (the
// real TimescaleDB, which scripts/with-pg always preloads), or, on a server
// without TimescaleDB, 10,000 inheritance children, then times Discover() in
// a REPEATABLE READ READ ONLY transaction, as a dump runs it. The database is
// dropped at exit.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/pg/pg.h"
#include "engine/plan/discovery.h"

namespace hyperdump {
namespace {

constexpr int kChunks = 10000;

std::string WithDatabase(const std::string& uri, const std::string& db) {
  size_t scheme = uri.find("://");
  size_t slash = uri.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  size_t query = uri.find('?');
  std::string params = query == std::string::npos ? "" : uri.substr(query);
  if (scheme == std::string::npos) return uri + " dbname=" + db;
  return uri.substr(0, slash == std::string::npos ? query : slash) + "/" + db + params;
}

struct Fixture {
  std::string server;
  std::string db = "hd_discovery_bench_" + std::to_string(getpid());
  std::string uri;
  std::string shape;

  Status Create() {
    const char* env = std::getenv("HYPERDUMP_TEST_URI");
    if (!env) return InvalidArgument("HYPERDUMP_TEST_URI is not set: run under scripts/with-pg");
    server = env;
    HD_ASSIGN_OR_RETURN(engine::PgConnection admin, engine::PgConnection::Connect(server));
    HD_RETURN_IF_ERROR(admin.Run("CREATE DATABASE " + engine::QuoteIdent(db)));
    uri = WithDatabase(server, db);
    HD_ASSIGN_OR_RETURN(engine::PgConnection c, engine::PgConnection::Connect(uri));
    HD_ASSIGN_OR_RETURN(engine::PgResult avail,
                        c.Exec("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"));
    if (avail.rows() > 0) {
      shape = "hypertable chunks";
      HD_RETURN_IF_ERROR(c.Run(
          "CREATE EXTENSION timescaledb;"
          "CREATE TABLE metrics (time timestamptz NOT NULL, device int, value float8);"
          "SELECT create_hypertable('metrics', 'time', chunk_time_interval => interval '1 hour')"));
      for (int start = 0; start < kChunks; start += 500) {
        HD_RETURN_IF_ERROR(c.Run(
            "INSERT INTO metrics SELECT '2020-01-01'::timestamptz + g * interval '1 hour', 1, g"
            " FROM generate_series(" +
            std::to_string(start) + ", " + std::to_string(start + 499) + ") g"));
      }
    } else {
      shape = "inheritance children";
      HD_RETURN_IF_ERROR(c.Run("CREATE TABLE parent (id int, v text)"));
      HD_RETURN_IF_ERROR(
          c.Run("DO $$ BEGIN FOR i IN 1.." + std::to_string(kChunks) +
                " LOOP EXECUTE format('CREATE TABLE child_%s () INHERITS (parent)', i);"
                " EXECUTE format('INSERT INTO child_%s VALUES (%s, ''x'')', i, i);"
                " IF i % 500 = 0 THEN COMMIT; END IF; END LOOP; END $$"));
    }
    return c.Run("VACUUM ANALYZE");
  }

  ~Fixture() {
    if (uri.empty()) return;
    auto admin = engine::PgConnection::Connect(server);
    if (admin.ok()) {
      admin->Run("DROP DATABASE IF EXISTS " + engine::QuoteIdent(db) + " WITH (FORCE)")
          .IgnoreError();
    }
  }
};

Fixture* fixture = nullptr;

void Discover(benchmark::State& state, bool exact_sizes) {
  auto conn = engine::PgConnection::Connect(fixture->uri);
  if (!conn.ok()) return state.SkipWithError(conn.status().message().c_str());
  engine::DiscoveryOptions opts;
  opts.exact_sizes = exact_sizes;
  size_t tables = 0;
  for (auto _ : state) {
    Status st = conn->Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (!st.ok()) return state.SkipWithError(st.message().c_str());
    auto plan = engine::Discover(*conn, opts);
    conn->Run("ROLLBACK").IgnoreError();
    if (!plan.ok()) return state.SkipWithError(plan.status().message().c_str());
    tables = plan->tables.size();
  }
  state.counters["tables"] = static_cast<double>(tables);
  state.SetLabel(fixture->shape);
}

BENCHMARK_CAPTURE(Discover, estimated_sizes, false)->Unit(benchmark::kMillisecond)->MinTime(3);
BENCHMARK_CAPTURE(Discover, exact_sizes, true)->Unit(benchmark::kMillisecond)->MinTime(3);

// For scale: what pg_dump spends on the same catalog (schema only, no data).
void PgDumpSchemaOnly(benchmark::State& state) {
  const char* bindir = std::getenv("PG_BINDIR");
  std::string cmd = std::string(bindir ? bindir : "/usr/lib/postgresql/15/bin") +
                    "/pg_dump --schema-only -f /dev/null -d '" + fixture->uri + "'";
  for (auto _ : state) {
    if (std::system(cmd.c_str()) != 0) return state.SkipWithError("pg_dump failed");
  }
  state.SetLabel(fixture->shape);
}
BENCHMARK(PgDumpSchemaOnly)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
}  // namespace hyperdump

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  hyperdump::Fixture f;
  hyperdump::Status st = f.Create();
  if (!st.ok()) {
    std::fprintf(stderr, "discovery_bench: %s\n", st.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "discovery_bench: %d %s ready\n", hyperdump::kChunks, f.shape.c_str());
  hyperdump::fixture = &f;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
