// hyperdump demo-data -d URI [--size 100MB] [--no-timescaledb] [--replace]:
// builds the demo database (bench/demo_data.h) in an existing database.
#include <cstdio>
#include <memory>

#include "base/units.h"
#include "bench/demo_data.h"
#include "cli/commands.h"
#include "engine/pg/pg.h"

namespace hyperdump::cli {

CommandFn RegisterDemoData(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "demo-data",
      "Build a demo database of about the given size (time series in many partitions, "
      "TimescaleDB hypertables when available, awkward names and values)");
  struct Flags {
    std::string dbname;
    std::string size = "100MB";
    bool no_timescaledb = false;
    bool replace = false;
    int partitions = 24;
    std::string shape = "demo";
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("-d,--dbname", flags->dbname,
                  "Database to fill (libpq URI or conninfo); it must exist")
      ->required();
  cmd->add_option("--size", flags->size, "Approximate size: 100MB, 2GB, 512kB... (default 100MB)");
  cmd->add_option("--partitions", flags->partitions,
                  "Partitions of demo.readings and chunks of demo.metrics (default 24)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--shape", flags->shape,
                  "demo (default) or skewed: demo.orders holds about 90% of the data")
      ->capture_default_str();
  cmd->add_flag("--no-timescaledb", flags->no_timescaledb,
                "Do not use TimescaleDB even if the server has it");
  cmd->add_flag("--replace", flags->replace,
                "Drop the demo schemas if they exist instead of refusing");
  return [flags] {
    auto size = ParseSize(flags->size, "--size");
    if (size.ok() && *size == 0) size = InvalidArgument("--size must be at least one byte");
    if (!size.ok()) return ReportError(size.status());
    auto conn = engine::PgConnection::Connect(flags->dbname, "hyperdump demo-data");
    if (!conn.ok()) return ReportError(conn.status());
    auto shape = bench::ParseDemoShape(flags->shape);
    if (!shape.ok()) return ReportError(shape.status());
    bench::DemoOptions opts;
    opts.shape = *shape;
    opts.target_bytes = *size;
    opts.timescaledb = !flags->no_timescaledb;
    opts.partitions = flags->partitions;
    opts.replace = flags->replace;
    auto built = bench::BuildDemo(*conn, opts);
    if (!built.ok()) return ReportError(built.status());
    const bench::DemoPlan& p = built->plan;
    auto db_size = conn->Exec("SELECT pg_size_pretty(pg_database_size(current_database()))");
    std::printf("demo data in database \"%s\" (%s, TimescaleDB: %s)\n", conn->database().c_str(),
                db_size.ok() ? db_size->GetString(0, 0).c_str() : "size unknown",
                built->timescaledb.c_str());
    std::printf("  demo.orders     %lld rows (unpartitioned)\n", static_cast<long long>(p.orders));
    std::printf("  demo.readings   %lld rows in %d partitions + DEFAULT\n",
                static_cast<long long>(p.readings), p.partitions);
    if (p.metrics > 0) {
      std::printf("  demo.metrics    %lld rows in %d chunks (%d compressed), hypertable\n",
                  static_cast<long long>(p.metrics), p.metrics_chunks, p.compressed_chunks);
    }
    return static_cast<int>(kExitOk);
  };
}

}  // namespace hyperdump::cli
