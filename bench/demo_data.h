// The demo database generator (`hyperdump demo-data`, scripts/demo, bench/).
//
// Builds, server-side with INSERT ... SELECT FROM generate_series, a database
// shaped like the ones hyperdump moves: time series in many native
// partitions (and a TimescaleDB hypertable with compressed chunks, a
// continuous aggregate and policy jobs when TimescaleDB is available), a large unpartitioned table,
// small dimension tables with foreign keys, indexes, a view, sequences, inheritance, a multi-level
// partitioned table, awkward identifiers and awkward values (NULLs, tabs, backslashes, newlines,
// unicode, bytea, jsonb, arrays, numeric, NaN/infinity).
//
// Every value is computed from the row number (no random()), so two builds
// with the same options hold identical rows: checksums are repeatable.
// Objects live in the schemas kDemoSchema and kDemoOddSchema; the build runs
// in one transaction, so a failed build leaves nothing behind.
#ifndef HYPERDUMP_BENCH_DEMO_DATA_H_
#define HYPERDUMP_BENCH_DEMO_DATA_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "engine/pg/pg.h"

namespace hyperdump::bench {

inline constexpr std::string_view kDemoSchema = "demo";
// A schema whose name needs quoting, holding a table named after a reserved word.
inline constexpr std::string_view kDemoOddSchema = "Ünïcode Schema.x";

// What the demo database looks like. kDemo: the data spread over a large
// table, a partitioned series and a hypertable. kSkewed (issue 13): one table,
// demo.orders with three indexes and a foreign key, holds about 90% of the
// data next to small ones, the shape where per-table parallelism (pg_dump -j,
// pg_restore -j) leaves all but one worker idle.
enum class DemoShape { kDemo, kSkewed };

// "demo" / "skewed"; kInvalidArgument naming the shapes otherwise.
Result<DemoShape> ParseDemoShape(const std::string& name);
const char* DemoShapeName(DemoShape shape);

struct DemoOptions {
  // Approximate on-disk size of the data (tables and indexes) to build.
  uint64_t target_bytes = 100ull << 20;
  // Use TimescaleDB (CREATE EXTENSION IF NOT EXISTS) when the server offers it.
  bool timescaledb = true;
  // Native partitions of demo.readings, and chunks of the hypertable.
  int partitions = 24;
  // Drop existing demo schemas first instead of refusing.
  bool replace = false;
  DemoShape shape = DemoShape::kDemo;
};

// Row counts the build produces for `opts` (a pure function of the options,
// so tests and benchmarks know what to expect).
struct DemoPlan {
  int64_t regions = 0;
  int64_t devices = 0;
  int64_t customers = 0;
  int64_t orders = 0;            // the large unpartitioned table
  int64_t readings = 0;          // all partitions, default partition included
  int64_t readings_default = 0;  // rows in the DEFAULT partition
  int partitions = 0;            // range partitions of readings (plus DEFAULT)
  int64_t sensor_log = 0;        // multi-level partitioned table
  int64_t vehicles_parent = 0;   // rows in ONLY demo.vehicles
  int64_t cars = 0;
  int64_t trucks = 0;
  int64_t odd_rows = 0;        // "Ünïcode Schema.x"."order" and the oddly named table
  int64_t awkward_values = 0;  // demo.awkward_values, one row per awkward value
  // TimescaleDB part (zero when not built).
  int64_t metrics = 0;  // rows in demo.metrics, compressed ones included
  int metrics_chunks = 0;
  int compressed_chunks = 0;  // the oldest chunks are compressed
};

DemoPlan PlanDemo(const DemoOptions& opts);

// What the build did beyond the plan.
struct DemoResult {
  DemoPlan plan;
  // "real" or "none": whether the demo has TimescaleDB objects.
  std::string timescaledb;
};

// Builds the demo in the database `conn` is connected to. Refuses with
// kAlreadyExists if the demo schemas exist and !opts.replace.
Result<DemoResult> BuildDemo(engine::PgConnection& conn, const DemoOptions& opts);
// The same, for callers that need only the outcome.
Status BuildDemoDatabase(engine::PgConnection& conn, const DemoOptions& opts);

}  // namespace hyperdump::bench

#endif  // HYPERDUMP_BENCH_DEMO_DATA_H_
