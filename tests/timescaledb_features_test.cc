// TimescaleDB features on the REAL extension survive `hyperdump dump` and
// `hyperdump restore` row for row, and keep working on the restored database.
//
// Every test builds a source database on the real TimescaleDB (the cluster of
// scripts/with-pg preloads it), dumps it with engine::RunDump, restores it into
// a fresh database with the hyperdump binary (`restore -d URI -j 2 DIR`), and
// ExpectRestoredLikeSource() checks what every restore owes:
//  (a) every table, chunk, compressed companion and TimescaleDB catalog row is
//      equal (engine::CompareDatabases), and so is the catalog as TimescaleDB
//      reads it (hypertables, dimensions, slices, chunks, continuous aggregates,
//      compression settings);
//  (b) the jobs (timescaledb_information.jobs) are equal, next_start aside;
//  (c) a fresh session of the target is out of restore mode;
//  (d) the extension works: a row inserted into the hypertable is routed into a
//      new chunk, never left in the parent table.
// Each test then proves what is particular to its feature, usually by using
// it on both sides (decompress, refresh, run a job) and comparing the results.
//
// Sources and targets stay still while they are compared: policies added here
// cannot touch the 2024 data (100-year intervals) or are paused, since the
// scheduler runs them on the source as soon as they are added and on the
// target as soon as the restore ends.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/compare.h"
#include "engine/dump/dump.h"
#include "engine/pg/pg.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

namespace fs = std::filesystem;
using engine::PgConnection;
using testing::ScratchDatabase;

const std::atomic<bool> kNoInterrupt{false};

// The jobs as a user sees them; next_start is the scheduler's own business
// and differs on a restored database.
constexpr const char* kJobs = R"SQL(
SELECT job_id, application_name, schedule_interval, max_runtime, max_retries, retry_period,
       proc_schema, proc_name, owner, scheduled, fixed_schedule, config, initial_start,
       hypertable_schema, hypertable_name, check_schema, check_name
  FROM timescaledb_information.jobs ORDER BY job_id)SQL";

// The catalog as TimescaleDB reads it. Ids are compared too: job configs,
// continuous aggregates and chunk names embed them.
const std::vector<std::string> kCatalog = {
    "SELECT hypertable_schema, hypertable_name, owner, num_dimensions, num_chunks, "
    "compression_enabled FROM timescaledb_information.hypertables ORDER BY 1, 2",
    "SELECT * FROM _timescaledb_catalog.hypertable ORDER BY id",
    "SELECT * FROM _timescaledb_catalog.dimension ORDER BY id",
    "SELECT * FROM _timescaledb_catalog.dimension_slice ORDER BY id",
    "SELECT * FROM _timescaledb_catalog.chunk ORDER BY id",
    "SELECT hypertable_schema, hypertable_name, chunk_schema, chunk_name, primary_dimension, "
    "range_start, range_end, range_start_integer, range_end_integer, is_compressed "
    "FROM timescaledb_information.chunks ORDER BY 1, 2, 3, 4",
    "SELECT * FROM _timescaledb_catalog.compression_settings ORDER BY relid::text",
    "SELECT * FROM _timescaledb_catalog.continuous_agg ORDER BY mat_hypertable_id",
    "SELECT view_schema, view_name, view_owner, materialized_only, compression_enabled, "
    "materialization_hypertable_schema, materialization_hypertable_name, view_definition "
    "FROM timescaledb_information.continuous_aggregates ORDER BY 1, 2",
};

// One row inserted on the target after the restore (d): `hypertable` is its
// SQL name (quoted as needed), `insert` what follows `INSERT INTO hypertable`,
// a row in a time range that has no chunk yet.
struct Probe {
  std::string hypertable;
  std::string insert;
};

class TimescaleDbFeaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TEST_SERVER();
    char tmpl[] = "/tmp/hd-tsfeatures.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
    source_ = std::make_unique<ScratchDatabase>("tsfeat_src");
    target_ = std::make_unique<ScratchDatabase>("tsfeat_dst");
    ASSERT_FALSE(source_->uri().empty() || target_->uri().empty());
    src_ = source_->Connect();
    ASSERT_TRUE(src_.ok());
    // Never a skip: without the real extension these tests fail and say why.
    Status s = src_.Run("CREATE EXTENSION timescaledb");
    ASSERT_TRUE(s.ok()) << "CREATE EXTENSION timescaledb failed: " << s.message()
                        << "\nThese tests need the real TimescaleDB installed for PostgreSQL 15 "
                           "and preloaded: run scripts/bootstrap (as root), then run them "
                           "under scripts/with-pg.";
    ASSERT_EQ(Value(src_, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
                  .find("emulation"),
              std::string::npos)
        << "the server has the TimescaleDB emulation, not the real extension: run "
           "scripts/bootstrap (as root)";
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }

  // Runs `sql` (one or more statements, one implicit transaction) on `conn`.
  // CALL refresh_continuous_aggregate / run_job must be sent on their own.
  static ::testing::AssertionResult Sql(PgConnection& conn, const std::string& sql) {
    Status s = conn.Run(sql);
    if (s.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << s.message() << "\n  in: " << sql;
  }

  // The first column of the first row ("<null>" for NULL, "<error>" on error).
  static std::string Value(PgConnection& conn, const std::string& sql) {
    auto r = conn.Exec(sql);
    if (!r.ok()) {
      ADD_FAILURE() << r.status().message() << "\n  in: " << sql;
      return "<error>";
    }
    if (r->rows() < 1 || r->columns() < 1) {
      ADD_FAILURE() << "no value from: " << sql;
      return "<error>";
    }
    return r->IsNull(0, 0) ? "<null>" : r->GetString(0, 0);
  }

  static int64_t Count(PgConnection& conn, const std::string& sql) {
    std::string v = Value(conn, sql);
    return v == "<error>" || v == "<null>" ? -1 : std::stoll(v);
  }

  // Every row of `sql`, columns joined by " | ", NULL as "<null>".
  static std::vector<std::string> Rows(PgConnection& conn, const std::string& sql) {
    std::vector<std::string> out;
    auto r = conn.Exec(sql);
    if (!r.ok()) {
      ADD_FAILURE() << r.status().message() << "\n  in: " << sql;
      return {"<error>"};
    }
    for (int i = 0; i < r->rows(); ++i) {
      std::string row;
      for (int j = 0; j < r->columns(); ++j) {
        if (j) row += " | ";
        row += r->IsNull(i, j) ? "<null>" : r->GetString(i, j);
      }
      out.push_back(std::move(row));
    }
    return out;
  }

  // "<N> rows, md5 <hash>" of the rows of `select`, in any order: compares
  // large results without printing them.
  static std::string Digest(PgConnection& conn, const std::string& select) {
    return Value(conn,
                 "SELECT count(*) || ' rows, md5 ' || md5(coalesce(string_agg(r::text, "
                 "E'\\n' ORDER BY r::text), '')) FROM (" +
                     select + ") r");
  }

  // Dumps the source with RunDump, checks the dump left the source's jobs as
  // they were, restores with the binary and connects dst_ to the target.
  void DumpAndRestore() {
    const std::vector<std::string> jobs_before = Rows(src_, kJobs);
    engine::DumpOptions o;
    o.source = source_->uri();
    o.dir = tmp_ + "/archive";
    o.jobs = 2;
    o.tool_version = "test";
    Status s = engine::RunDump(o, kNoInterrupt);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(Rows(src_, kJobs), jobs_before)
        << "the dump must reschedule the jobs it paused, and only those";

    testing::CommandResult r = testing::RunCommand(
        "", {HYPERDUMP_BIN, "restore", "-d", target_->uri(), "-j", "2", o.dir}, tmp_);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    dst_ = target_->Connect();
    ASSERT_TRUE(dst_.ok());
  }

  // (a) to (d) of the file comment. Non-fatal: every check runs and reports.
  void ExpectRestoredLikeSource(const Probe& probe) {
    // (a) Row for row, every table; then the catalog as TimescaleDB reads it.
    auto report = engine::CompareDatabases(source_->uri(), target_->uri());
    EXPECT_TRUE(report.ok()) << "compare: " << report.status().message();
    if (report.ok()) {
      std::string diff;
      for (const auto& d : report->different) diff += "\n  different: " + d;
      for (const auto& d : report->missing) diff += "\n  missing: " + d;
      for (const auto& d : report->extra) diff += "\n  extra: " + d;
      EXPECT_TRUE(report->ok()) << diff;
      EXPECT_TRUE(report->missing.empty() && report->extra.empty()) << diff;
      EXPECT_FALSE(report->equal.empty());
    }
    for (const std::string& q : kCatalog) EXPECT_EQ(Rows(src_, q), Rows(dst_, q)) << q;
    EXPECT_FALSE(Rows(src_, kCatalog[0]).empty()) << "the source has no hypertable";

    // (b) The same jobs, scheduled as on the source.
    EXPECT_EQ(Rows(src_, kJobs), Rows(dst_, kJobs));

    // (c) Out of restore mode, as a new session sees it.
    auto fresh = PgConnection::Connect(target_->uri(), "hyperdump-test");
    ASSERT_TRUE(fresh.ok()) << fresh.status().message();
    EXPECT_EQ(Value(*fresh, "SHOW timescaledb.restoring"), "off");

    // (d) Inserts are routed: the row is in a new chunk, the parent stays empty
    //     (with TimescaleDB's hooks off it would land in the parent).
    const std::string rel = engine::QuoteLiteral(probe.hypertable) + "::regclass";
    const int64_t chunks = Count(dst_, "SELECT count(*) FROM show_chunks(" + rel + ")");
    const int64_t rows = Count(dst_, "SELECT count(*) FROM " + probe.hypertable);
    ASSERT_TRUE(Sql(dst_, "INSERT INTO " + probe.hypertable + " " + probe.insert));
    EXPECT_EQ(Count(dst_, "SELECT count(*) FROM ONLY " + probe.hypertable), 0)
        << "the row stayed in the hypertable's parent table";
    EXPECT_EQ(Count(dst_, "SELECT count(*) FROM " + probe.hypertable), rows + 1);
    EXPECT_EQ(Count(dst_, "SELECT count(*) FROM show_chunks(" + rel + ")"), chunks + 1);
  }

  // The job of `proc_name` whose config matches `config_filter` (SQL on config).
  int64_t JobId(const std::string& proc_name, const std::string& config_filter = "true") {
    return Count(src_, "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = " +
                           engine::QuoteLiteral(proc_name) + " AND " + config_filter);
  }

  // SQL setting `key` of job `job`'s config to the jsonb expression `value`.
  static std::string SetConfig(int64_t job, const std::string& key, const std::string& value) {
    return "SELECT alter_job(job_id, config => jsonb_set(config, '{" + key + "}', " + value +
           ")) FROM timescaledb_information.jobs WHERE job_id = " + std::to_string(job);
  }

  std::string tmp_;
  std::unique_ptr<ScratchDatabase> source_, target_;
  PgConnection src_, dst_;
};

// Compressed chunks (segmentby, orderby) and a partially compressed chunk come
// back as they were: same statuses, same compressed companions byte for byte,
// the same rows read through the hypertable. decompress_chunk then works on
// the target and yields what it yields on the source, and new chunks compress
// with the restored settings.
TEST_F(TimescaleDbFeaturesTest, CompressedAndPartialChunksRestoreAndDecompressToSourceRows) {
  ASSERT_TRUE(Sql(src_, R"SQL(
CREATE TABLE public.metrics (t timestamptz NOT NULL, device int NOT NULL, v double precision,
                             note text);
SELECT create_hypertable('public.metrics', 't', chunk_time_interval => INTERVAL '1 day');
INSERT INTO public.metrics
  SELECT timestamptz '2024-01-01 00:00+00' + i * INTERVAL '15 minutes', d, i * 0.5 + d,
         CASE WHEN i % 7 = 0 THEN NULL ELSE 'n' || i END
    FROM generate_series(0, 6 * 96 - 1) i, generate_series(1, 3) d;
ALTER TABLE public.metrics SET (timescaledb.compress, timescaledb.compress_segmentby = 'device',
                                timescaledb.compress_orderby = 't DESC');
SELECT compress_chunk(c)
  FROM show_chunks('public.metrics', older_than => timestamptz '2024-01-05 00:00+00') c;
)SQL"));
  // Rows into the compressed chunk of 2024-01-02 make it partial (status 1|8).
  ASSERT_TRUE(Sql(src_, R"SQL(
INSERT INTO public.metrics VALUES
  ('2024-01-02 10:07+00', 1, -1, 'late'), ('2024-01-02 10:08+00', 2, -2, NULL),
  ('2024-01-02 23:59+00', 3, -3, 'late'), ('2024-01-02 00:00+00', 7, -7, 'new device'),
  ('2024-01-02 12:00+00', 1, -8, 'late'))SQL"));
  const std::string kStatuses =
      "SELECT string_agg(c.status::text, ',' ORDER BY c.id) FROM _timescaledb_catalog.chunk c "
      "JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id "
      "WHERE h.table_name = 'metrics'";
  ASSERT_EQ(Value(src_, kStatuses), "1,9,1,1,0,0");
  const std::string partial =
      Value(src_,
            "SELECT format('%I.%I', c.schema_name, c.table_name) FROM _timescaledb_catalog.chunk c "
            "JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id "
            "WHERE h.table_name = 'metrics' AND c.status = 9");
  const std::vector<std::string> companions =
      Rows(src_,
           "SELECT format('%I.%I', z.schema_name, z.table_name) FROM _timescaledb_catalog.chunk c "
           "JOIN _timescaledb_catalog.chunk z ON z.id = c.compressed_chunk_id ORDER BY c.id");
  ASSERT_EQ(companions.size(), 4u);
  const std::string kRows =
      "SELECT t, device, v, note FROM public.metrics WHERE t < '2030-01-01 00:00+00'";
  ASSERT_EQ(Digest(src_, kRows).substr(0, 10), "1733 rows,");

  ASSERT_NO_FATAL_FAILURE(DumpAndRestore());
  ExpectRestoredLikeSource(
      {"public.metrics", "VALUES ('2030-01-01 00:00+00', 1, 1, 'after restore')"});

  // Read by name (independent of the whole-database compare): the uncompressed
  // part of the partial chunk and every compressed companion, byte for byte.
  EXPECT_EQ(Value(dst_, kStatuses), "1,9,1,1,0,0,0");
  EXPECT_EQ(Count(dst_, "SELECT count(*) FROM ONLY " + partial), 5);
  for (const std::string& z : companions) {
    EXPECT_EQ(Digest(src_, "SELECT * FROM " + z), Digest(dst_, "SELECT * FROM " + z)) << z;
  }
  EXPECT_EQ(Digest(src_, kRows), Digest(dst_, kRows));

  // decompress_chunk on both sides: the same rows, in the same chunks.
  const std::string kDecompress =
      "SELECT count(decompress_chunk(format('%I.%I', chunk_schema, chunk_name)::regclass)) "
      "FROM timescaledb_information.chunks WHERE hypertable_name = 'metrics' AND is_compressed";
  ASSERT_EQ(Count(src_, kDecompress), 4);
  ASSERT_EQ(Count(dst_, kDecompress), 4);
  EXPECT_EQ(Value(dst_, kStatuses), "0,0,0,0,0,0,0");
  EXPECT_EQ(Digest(dst_, kRows), Digest(src_, kRows));
  EXPECT_EQ(Digest(dst_, kRows).substr(0, 10), "1733 rows,");
  EXPECT_EQ(Digest(dst_, "SELECT * FROM ONLY " + partial),
            Digest(src_, "SELECT * FROM ONLY " + partial));
  EXPECT_EQ(Count(dst_, "SELECT count(*) FROM ONLY " + partial), 3 * 96 + 5);

  // Compressing again uses the restored segmentby/orderby on both sides.
  const std::string kCompressAll =
      "SELECT count(compress_chunk(c)) FROM show_chunks('public.metrics', "
      "older_than => timestamptz '2024-01-07 00:00+00') c";
  ASSERT_EQ(Count(src_, kCompressAll), 6);
  ASSERT_EQ(Count(dst_, kCompressAll), 6);
  const std::string kSettings =
      "SELECT relid::text, segmentby, orderby, orderby_desc, orderby_nullsfirst "
      "FROM _timescaledb_catalog.compression_settings ORDER BY 1";
  EXPECT_EQ(Rows(dst_, kSettings), Rows(src_, kSettings));
  EXPECT_EQ(Value(dst_,
                  "SELECT segmentby::text || ' ' || orderby::text || ' ' || "
                  "orderby_desc::text FROM _timescaledb_catalog.compression_settings "
                  "WHERE relid = " +
                      engine::QuoteLiteral(partial) + "::regclass"),
            "{device} {t} {t}");
  EXPECT_EQ(Digest(dst_, kRows), Digest(src_, kRows));
}

// Continuous aggregates come back with their materialized rows and their
// watermarks: a real-time one (materialized_only = false) still adds the rows
// above its watermark, a materialized-only one does not, a hierarchical one
// (on the real-time one) keeps its rows, and a pending invalidation is kept.
// The refresh policy's job then refreshes the target exactly as the source.
TEST_F(TimescaleDbFeaturesTest, ContinuousAggregatesRestoreTheirRowsAndRefreshAsOnSource) {
  ASSERT_TRUE(Sql(src_, R"SQL(
CREATE TABLE public.readings (t timestamptz NOT NULL, dev int NOT NULL, v double precision);
SELECT create_hypertable('public.readings', 't', chunk_time_interval => INTERVAL '1 day');
INSERT INTO public.readings
  SELECT timestamptz '2024-01-01 00:00+00' + i * INTERVAL '10 minutes', i % 4, i
    FROM generate_series(0, 7 * 144 - 1) i;
CREATE MATERIALIZED VIEW public.readings_hourly
  WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT time_bucket('1 hour', t) AS bucket, dev, count(*) AS n, sum(v) AS total
    FROM public.readings GROUP BY 1, 2 WITH NO DATA;
CREATE MATERIALIZED VIEW public.readings_daily
  WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
  SELECT time_bucket('1 day', t) AS bucket, dev, max(v) AS peak, min(v) AS low
    FROM public.readings GROUP BY 1, 2 WITH NO DATA;
CREATE MATERIALIZED VIEW public.readings_daily_from_hourly
  WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
  SELECT time_bucket('1 day', bucket) AS bucket, dev, sum(n) AS n, sum(total) AS total
    FROM public.readings_hourly GROUP BY 1, 2 WITH NO DATA;
)SQL"));
  // Each CALL on its own: refresh_continuous_aggregate refuses a transaction block.
  ASSERT_TRUE(Sql(src_, "CALL refresh_continuous_aggregate('public.readings_hourly', NULL, NULL)"));
  ASSERT_TRUE(Sql(src_, "CALL refresh_continuous_aggregate('public.readings_daily', NULL, NULL)"));
  ASSERT_TRUE(Sql(
      src_, "CALL refresh_continuous_aggregate('public.readings_daily_from_hourly', NULL, NULL)"));
  // The refresh policy is added paused (in the same transaction, so it never
  // runs): a restored job runs at once on the target whatever its start on
  // the source (see UserDefinedActionsKeepTheirScheduleAndPausedJobStaysPaused),
  // and a refresh there would change the rows this test compares.
  ASSERT_TRUE(Sql(src_, R"SQL(
SELECT alter_job(add_continuous_aggregate_policy('public.readings_hourly', start_offset => NULL,
  end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour'), scheduled => false);
-- Above the watermark (2024-01-08): only the real-time aggregate shows them.
INSERT INTO public.readings
  SELECT timestamptz '2024-01-08 00:00+00' + h * INTERVAL '1 hour', 1, 10000 + h
    FROM generate_series(0, 23) h;
-- Below it: an invalidation waiting for the next refresh.
INSERT INTO public.readings VALUES ('2024-01-03 12:05+00', 2, 5000);
)SQL"));
  const std::string kHourly = "SELECT * FROM public.readings_hourly WHERE bucket < '2030-01-01'";
  const std::string kDaily = "SELECT * FROM public.readings_daily WHERE bucket < '2030-01-01'";
  const std::string kFromHourly =
      "SELECT * FROM public.readings_daily_from_hourly WHERE bucket < '2030-01-01'";
  const std::string kStaleBucket =
      "SELECT n FROM public.readings_hourly WHERE bucket = '2024-01-03 12:00+00' AND dev = 2";
  ASSERT_EQ(Digest(src_, kHourly).substr(0, 9), "696 rows,");  // 7 * 24 * 4 + 24 real-time
  ASSERT_EQ(Digest(src_, kDaily).substr(0, 8), "28 rows,");
  ASSERT_EQ(Digest(src_, kFromHourly).substr(0, 8), "28 rows,");
  ASSERT_EQ(Count(src_, kStaleBucket), 1);

  ASSERT_NO_FATAL_FAILURE(DumpAndRestore());
  EXPECT_EQ(Digest(dst_, kHourly), Digest(src_, kHourly));
  EXPECT_EQ(Digest(dst_, kDaily), Digest(src_, kDaily));
  EXPECT_EQ(Digest(dst_, kFromHourly), Digest(src_, kFromHourly));
  EXPECT_EQ(Count(dst_, kStaleBucket), 1) << "the late row is not materialized yet";
  ExpectRestoredLikeSource({"public.readings", "VALUES ('2030-01-01 00:00+00', 0, 0)"});
  // The probe is above the watermark: the real-time aggregate shows it at once.
  EXPECT_EQ(Count(dst_, "SELECT count(*) FROM public.readings_hourly WHERE bucket >= '2030-01-01'"),
            1);

  // The refresh policy's job, run by hand on both sides (its window ends an
  // hour before now, so the 2030 probe stays out), then the daily aggregates.
  const int64_t job = JobId("policy_refresh_continuous_aggregate");
  ASSERT_GE(job, 1000);
  for (PgConnection* c : {&src_, &dst_}) {
    ASSERT_TRUE(Sql(*c, "CALL run_job(" + std::to_string(job) + ")"));
    for (const char* view : {"public.readings_daily", "public.readings_daily_from_hourly"}) {
      ASSERT_TRUE(Sql(*c, std::string("CALL refresh_continuous_aggregate('") + view +
                              "', NULL, '2025-01-01 00:00+00')"));
    }
  }
  EXPECT_EQ(Count(dst_, kStaleBucket), 2) << "the invalidation was restored and refreshed";
  EXPECT_EQ(Digest(dst_, kHourly), Digest(src_, kHourly));
  EXPECT_EQ(Digest(dst_, kDaily), Digest(src_, kDaily));
  EXPECT_EQ(Digest(dst_, kFromHourly), Digest(src_, kFromHourly));
  EXPECT_EQ(Digest(dst_, kHourly).substr(0, 9), "696 rows,");
  EXPECT_EQ(Digest(dst_, kDaily).substr(0, 8), "29 rows,");
  EXPECT_EQ(Digest(dst_, kFromHourly).substr(0, 8), "29 rows,");
}

// A hash-partitioned space dimension keeps its partitions: the same rows
// inserted on both sides afterwards land in chunks of the same names.
TEST_F(TimescaleDbFeaturesTest, SpaceDimensionRoutesNewRowsToTheSameChunksAsOnSource) {
  ASSERT_TRUE(Sql(src_, R"SQL(
CREATE TABLE public.space (t timestamptz NOT NULL, device int NOT NULL, v double precision);
SELECT create_hypertable('public.space', 't', chunk_time_interval => INTERVAL '1 day');
SELECT add_dimension('public.space', 'device', number_partitions => 3);
INSERT INTO public.space
  SELECT timestamptz '2024-01-01 00:00+00' + h * INTERVAL '1 hour', d, h * 10 + d
    FROM generate_series(0, 71) h, generate_series(0, 8) d;
)SQL"));
  const std::string kChunks = "SELECT count(*) FROM show_chunks('public.space')";
  ASSERT_EQ(Count(src_, kChunks), 9);  // 3 days x 3 partitions
  ASSERT_EQ(Value(src_,
                  "SELECT num_slices FROM _timescaledb_catalog.dimension "
                  "WHERE column_name = 'device'"),
            "3");

  ASSERT_NO_FATAL_FAILURE(DumpAndRestore());
  ExpectRestoredLikeSource({"public.space", "VALUES ('2030-01-01 00:00+00', 4, 0)"});

  const std::string kInsert =
      "INSERT INTO public.space SELECT timestamptz '2024-01-02 12:30+00', d, -1 "
      "FROM generate_series(0, 8) d";
  const std::string kWhere =
      "SELECT device, tableoid::regclass::text FROM public.space WHERE v = -1 ORDER BY device";
  ASSERT_TRUE(Sql(src_, kInsert));
  ASSERT_TRUE(Sql(dst_, kInsert));
  EXPECT_EQ(Rows(dst_, kWhere), Rows(src_, kWhere));
  EXPECT_EQ(Rows(dst_, kWhere).size(), 9u);
  EXPECT_EQ(Count(dst_, kChunks), 10) << "no chunk beyond the probe's";
}

// An integer time dimension keeps its integer_now function: the restored
// retention policy, run on the target, drops exactly the chunks older than
// integer_now() - drop_after.
TEST_F(TimescaleDbFeaturesTest, IntegerTimeDimensionKeepsIntegerNowFuncForRetention) {
  ASSERT_TRUE(Sql(src_, R"SQL(
CREATE TABLE public.counters (ts bigint NOT NULL, v int);
SELECT create_hypertable('public.counters', 'ts', chunk_time_interval => 1000);
CREATE FUNCTION public.counters_now() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT 5000::bigint $$;
SELECT set_integer_now_func('public.counters', 'public.counters_now');
INSERT INTO public.counters SELECT g, g / 10 FROM generate_series(0, 4999, 10) g;
-- A threshold no row reaches: the job may run on both sides at any time.
SELECT add_retention_policy('public.counters', drop_after => 1000000::bigint);
)SQL"));
  const std::string kChunks = "SELECT count(*) FROM show_chunks('public.counters')";
  const std::string kNowFunc =
      "SELECT integer_now_func_schema || '.' || integer_now_func || ' ' || interval_length "
      "FROM _timescaledb_catalog.dimension WHERE column_name = 'ts'";
  ASSERT_EQ(Count(src_, kChunks), 5);
  ASSERT_EQ(Value(src_, kNowFunc), "public.counters_now 1000");

  ASSERT_NO_FATAL_FAILURE(DumpAndRestore());
  ExpectRestoredLikeSource({"public.counters", "VALUES (100000, 0)"});
  EXPECT_EQ(Value(dst_, kNowFunc), "public.counters_now 1000");

  // integer_now() = 5000, drop_after 3000: chunks ending at or before 2000 go.
  const int64_t job = JobId("policy_retention");
  ASSERT_GE(job, 1000);
  ASSERT_TRUE(Sql(dst_, SetConfig(job, "drop_after", "'3000'::jsonb")));
  ASSERT_TRUE(Sql(dst_, "CALL run_job(" + std::to_string(job) + ")"));
  EXPECT_EQ(Count(dst_, kChunks), 5 + 1 - 2);
  EXPECT_EQ(Count(dst_, "SELECT count(*) FROM public.counters"), 500 + 1 - 200);
  EXPECT_EQ(Count(dst_, "SELECT min(ts) FROM public.counters"), 2000);
}

// A chunk interval changed after the first chunks: old chunks keep their
// 6-hour ranges, the dimension keeps 2 days, and a new chunk on the target
// spans 2 days.
TEST_F(TimescaleDbFeaturesTest, NonDefaultChunkIntervalIsKeptForNewChunks) {
  ASSERT_TRUE(Sql(src_, R"SQL(
CREATE TABLE public.events (t timestamptz NOT NULL, kind text, v int);
SELECT create_hypertable('public.events', 't', chunk_time_interval => INTERVAL '6 hours');
INSERT INTO public.events
  SELECT timestamptz '2024-01-01 00:00+00' + i * INTERVAL '30 minutes', 'k' || (i % 3), i
    FROM generate_series(0, 95) i;
SELECT set_chunk_time_interval('public.events', INTERVAL '2 days');
)SQL"));
  const std::string kInterval =
      "SELECT interval_length FROM _timescaledb_catalog.dimension d "
      "JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id "
      "WHERE h.table_name = 'events'";
  const std::string kWidths =
      "SELECT string_agg(DISTINCT (range_end - range_start)::text, ',') "
      "FROM timescaledb_information.chunks WHERE hypertable_name = 'events' ";
  ASSERT_EQ(Count(src_, "SELECT count(*) FROM show_chunks('public.events')"), 8);
  ASSERT_EQ(Value(src_, kInterval), "172800000000");
  ASSERT_EQ(Value(src_, kWidths), "06:00:00");

  ASSERT_NO_FATAL_FAILURE(DumpAndRestore());
  EXPECT_EQ(Value(dst_, kInterval), Value(src_, kInterval));
  EXPECT_EQ(Value(dst_, kInterval), "172800000000");
  ExpectRestoredLikeSource({"public.events", "VALUES ('2030-01-01 00:00+00', 'probe', 0)"});
  EXPECT_EQ(Value(dst_, kWidths + "AND range_start < '2029-01-01'"), "06:00:00");
  EXPECT_EQ(Value(dst_, kWidths + "AND range_start >= '2029-01-01'"), "2 days");
}

// Retention and compression policies come back as the same jobs, and they
// run on the target: with their thresholds moved onto the data, the
// compression job compresses and the retention job drops exactly the chunks
// they should.
TEST_F(TimescaleDbFeaturesTest, RetentionAndCompressionPoliciesRestoreAsJobsThatRun) {
  ASSERT_TRUE(Sql(src_, R"SQL(
CREATE TABLE public.cpu (t timestamptz NOT NULL, host text NOT NULL, usage double precision);
SELECT create_hypertable('public.cpu', 't', chunk_time_interval => INTERVAL '1 day');
INSERT INTO public.cpu
  SELECT timestamptz '2024-01-01 00:00+00' + i * INTERVAL '20 minutes', 'host' || (i % 3), i % 100
    FROM generate_series(0, 3 * 72 - 1) i;
ALTER TABLE public.cpu SET (timescaledb.compress, timescaledb.compress_segmentby = 'host');
SELECT add_compression_policy('public.cpu', compress_after => INTERVAL '100 years');
SELECT add_retention_policy('public.cpu', drop_after => INTERVAL '100 years');
)SQL"));
  const std::string kPolicies =
      "SELECT proc_name, hypertable_name, config FROM timescaledb_information.jobs "
      "WHERE job_id >= 1000 ORDER BY job_id";
  ASSERT_EQ(Rows(src_, kPolicies).size(), 2u);

  ASSERT_NO_FATAL_FAILURE(DumpAndRestore());
  ExpectRestoredLikeSource({"public.cpu", "VALUES ('2030-01-01 00:00+00', 'probe', 0)"});
  EXPECT_EQ(Rows(dst_, kPolicies), Rows(src_, kPolicies));
  ASSERT_EQ(Rows(dst_, kPolicies).size(), 2u);
  EXPECT_EQ(Rows(dst_, kPolicies)[0].substr(0, 28), "policy_compression | cpu | {");
  EXPECT_EQ(Rows(dst_, kPolicies)[1].substr(0, 26), "policy_retention | cpu | {");

  // Compress what ends by 2024-01-03 (2 chunks), then drop what ends by
  // 2024-01-02 (1 chunk), each by the restored job.
  const int64_t compression = JobId("policy_compression");
  const int64_t retention = JobId("policy_retention");
  ASSERT_GE(compression, 1000);
  ASSERT_GE(retention, 1000);
  ASSERT_TRUE(Sql(dst_, SetConfig(compression, "compress_after",
                                  "to_jsonb((now() - timestamptz '2024-01-03 00:00+00')::text)")));
  ASSERT_TRUE(Sql(dst_, "CALL run_job(" + std::to_string(compression) + ")"));
  EXPECT_EQ(Value(dst_,
                  "SELECT string_agg(is_compressed::text, ',' ORDER BY range_start) FROM "
                  "timescaledb_information.chunks WHERE hypertable_name = 'cpu'"),
            "true,true,false,false");
  ASSERT_TRUE(Sql(dst_, SetConfig(retention, "drop_after",
                                  "to_jsonb((now() - timestamptz '2024-01-02 00:00+00')::text)")));
  ASSERT_TRUE(Sql(dst_, "CALL run_job(" + std::to_string(retention) + ")"));
  EXPECT_EQ(Count(dst_, "SELECT count(*) FROM show_chunks('public.cpu')"), 3);
  EXPECT_EQ(Count(dst_, "SELECT count(*) FROM public.cpu"), 3 * 72 + 1 - 72);
  EXPECT_EQ(Value(dst_, "SELECT min(t) = '2024-01-02 00:00+00' FROM public.cpu"), "t");
}

// User-defined actions come back scheduled as on the source (interval, start,
// config, and a next run in 2100 that does not fire after the restore), a
// paused one stays paused on both sides, and both run on the target with
// their restored config.
TEST_F(TimescaleDbFeaturesTest, UserDefinedActionsKeepTheirScheduleAndPausedJobStaysPaused) {
  ASSERT_TRUE(Sql(src_, R"SQL(
CREATE TABLE public.ticks (t timestamptz NOT NULL, job_id int, note text);
SELECT create_hypertable('public.ticks', 't', chunk_time_interval => INTERVAL '7 days');
INSERT INTO public.ticks VALUES ('2024-01-01 00:00+00', 0, 'seed'), ('2024-01-09 00:00+00', 0, 'seed');
CREATE PROCEDURE public.record_tick(job_id int, config jsonb) LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.ticks VALUES (now(), job_id, config->>'note');
END $$;
SELECT add_job('public.record_tick', INTERVAL '1 hour', config => '{"note": "hello"}',
               initial_start => timestamptz '2100-01-01 00:00+00');
)SQL"));
  // Added and paused in one transaction, so the scheduler never sees it scheduled.
  ASSERT_TRUE(Sql(src_, R"SQL(
SELECT add_job('public.record_tick', INTERVAL '2 hours', config => '{"note": "paused"}');
SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs
  WHERE config->>'note' = 'paused';
)SQL"));
  const std::string kActions =
      "SELECT config->>'note', scheduled, schedule_interval, initial_start > '2099-01-01' "
      "FROM timescaledb_information.jobs WHERE proc_name = 'record_tick' ORDER BY job_id";
  const std::vector<std::string> kExpected = {"hello | t | 01:00:00 | t",
                                              "paused | f | 02:00:00 | f"};
  ASSERT_EQ(Rows(src_, kActions), kExpected);

  const int64_t hello = JobId("record_tick", "config->>'note' = 'hello'");
  const int64_t paused = JobId("record_tick", "config->>'note' = 'paused'");
  ASSERT_GE(hello, 1000);
  ASSERT_GE(paused, 1000);
  const std::string kNextStart =
      "SELECT next_start FROM timescaledb_information.jobs WHERE job_id = " + std::to_string(hello);
  const std::string kNextRunIn2100 =
      "SELECT next_start = '2100-01-01 00:00+00' FROM timescaledb_information.jobs "
      "WHERE job_id = " +
      std::to_string(hello);
  ASSERT_EQ(Value(src_, kNextRunIn2100), "t") << Value(src_, kNextStart);

  ASSERT_NO_FATAL_FAILURE(DumpAndRestore());
  // Scheduled as on the source means its next run is in 2100 on the target
  // too, not right after the restore.
  EXPECT_EQ(Value(dst_, kNextRunIn2100), "t") << "next_start " << Value(dst_, kNextStart);
  ExpectRestoredLikeSource({"public.ticks", "VALUES ('2030-01-01 00:00+00', 0, 'probe')"});
  EXPECT_EQ(Rows(src_, kActions), kExpected) << "the dump changed the source's schedule";
  EXPECT_EQ(Rows(dst_, kActions), kExpected);
  EXPECT_EQ(Count(src_, "SELECT count(*) FROM public.ticks"), 2) << "no action ran on the source";
  EXPECT_EQ(Count(dst_, "SELECT count(*) FROM public.ticks WHERE note <> 'probe'"), 2)
      << "no action ran on the target on its own";
  ASSERT_TRUE(Sql(dst_, "CALL run_job(" + std::to_string(hello) + ")"));
  ASSERT_TRUE(Sql(dst_, "CALL run_job(" + std::to_string(paused) + ")"));
  EXPECT_EQ(Rows(dst_,
                 "SELECT job_id, note FROM public.ticks WHERE note IN ('hello', 'paused') "
                 "ORDER BY job_id"),
            (std::vector<std::string>{std::to_string(hello) + " | hello",
                                      std::to_string(paused) + " | paused"}));
  EXPECT_EQ(Count(dst_, "SELECT count(*) FROM ONLY public.ticks"), 0);
}

// Chunks dropped by drop_chunks before the dump stay gone, and their ids are
// not reused: a row in the dropped range gets a new chunk with the next id
// the source would have given.
TEST_F(TimescaleDbFeaturesTest, ChunksDroppedBeforeTheDumpStayDroppedAndIdsAreNotReused) {
  ASSERT_TRUE(Sql(src_, R"SQL(
CREATE TABLE public.logs (t timestamptz NOT NULL, line text);
SELECT create_hypertable('public.logs', 't', chunk_time_interval => INTERVAL '1 day');
INSERT INTO public.logs
  SELECT timestamptz '2024-01-01 00:00+00' + i * INTERVAL '1 hour', 'line ' || i
    FROM generate_series(0, 10 * 24 - 1) i;
)SQL"));
  const std::vector<std::string> dropped =
      Rows(src_,
           "SELECT c::text FROM show_chunks('public.logs', older_than => "
           "timestamptz '2024-01-04 00:00+00') c ORDER BY 1");
  ASSERT_EQ(dropped.size(), 3u);
  ASSERT_EQ(Count(src_,
                  "SELECT count(*) FROM drop_chunks('public.logs', "
                  "older_than => timestamptz '2024-01-04 00:00+00')"),
            3);
  const std::string kChunks = "SELECT count(*) FROM show_chunks('public.logs')";
  const std::string kLastId = "SELECT last_value FROM _timescaledb_catalog.chunk_id_seq";
  ASSERT_EQ(Count(src_, kChunks), 7);
  ASSERT_EQ(Count(src_, "SELECT count(*) FROM public.logs"), 7 * 24);
  ASSERT_EQ(Count(src_, kLastId), 10);

  ASSERT_NO_FATAL_FAILURE(DumpAndRestore());
  EXPECT_EQ(Count(dst_, kLastId), 10);
  EXPECT_EQ(Count(dst_, kChunks), 7);
  for (const std::string& c : dropped) {
    EXPECT_EQ(Value(dst_, "SELECT to_regclass(" + engine::QuoteLiteral(c) + ")"), "<null>") << c;
  }
  // The probe goes into the dropped range of 2024-01-02.
  ExpectRestoredLikeSource({"public.logs", "VALUES ('2024-01-02 05:00+00', 'after restore')"});
  EXPECT_EQ(Count(dst_, "SELECT count(*) FROM public.logs WHERE t < '2024-01-04 00:00+00'"), 1);
  EXPECT_EQ(Count(dst_, "SELECT max(id) FROM _timescaledb_catalog.chunk"), 11);
}

// A hypertable in a schema and with a name that need quoting (space, mixed
// case, double quote), columns likewise, with an index, compression settings
// on a quoted column, a compressed chunk and a retention policy.
TEST_F(TimescaleDbFeaturesTest, MixedCaseHypertableInOddSchemaRestoresAndTakesInserts) {
  ASSERT_TRUE(Sql(src_, R"SQL(
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."MiXed ""Name""" ("Time" timestamptz NOT NULL, "Dev ice" int NOT NULL,
                                            "vAl" double precision);
SELECT create_hypertable('"Odd Schema"."MiXed ""Name"""', 'Time',
                         chunk_time_interval => INTERVAL '1 day');
CREATE INDEX "Odd ""idx""" ON "Odd Schema"."MiXed ""Name""" ("Dev ice", "Time" DESC);
INSERT INTO "Odd Schema"."MiXed ""Name"""
  SELECT timestamptz '2024-01-01 00:00+00' + h * INTERVAL '1 hour', d, h + d / 10.0
    FROM generate_series(0, 71) h, generate_series(1, 2) d;
ALTER TABLE "Odd Schema"."MiXed ""Name""" SET (timescaledb.compress,
  timescaledb.compress_segmentby = '"Dev ice"', timescaledb.compress_orderby = '"Time"');
SELECT compress_chunk(c) FROM show_chunks('"Odd Schema"."MiXed ""Name"""',
                                          older_than => timestamptz '2024-01-02 00:00+00') c;
SELECT add_retention_policy('"Odd Schema"."MiXed ""Name"""', drop_after => INTERVAL '100 years');
)SQL"));
  const std::string kTable = R"("Odd Schema"."MiXed ""Name""")";
  const std::string kRows = "SELECT * FROM " + kTable + " WHERE \"Time\" < '2030-01-01'";
  const std::string kIndexes =
      "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'Odd Schema' ORDER BY 1";
  ASSERT_EQ(Count(src_, "SELECT count(*) FROM show_chunks('" + kTable + "')"), 3);
  ASSERT_EQ(Value(src_,
                  "SELECT hypertable_name FROM timescaledb_information.jobs "
                  "WHERE proc_name = 'policy_retention'"),
            "MiXed \"Name\"");

  ASSERT_NO_FATAL_FAILURE(DumpAndRestore());
  EXPECT_EQ(Digest(dst_, kRows), Digest(src_, kRows));
  EXPECT_EQ(Digest(dst_, kRows).substr(0, 9), "144 rows,");
  EXPECT_EQ(Rows(dst_, kIndexes), Rows(src_, kIndexes));
  EXPECT_EQ(Rows(dst_, kIndexes).size(), 2u);
  ExpectRestoredLikeSource(
      {kTable, "(\"Time\", \"Dev ice\", \"vAl\") VALUES ('2030-01-01 00:00+00', 1, 1)"});

  // The compressed chunk decompresses to the source's rows.
  ASSERT_TRUE(Sql(dst_, "SELECT decompress_chunk(c) FROM show_chunks('" + kTable +
                            "', older_than => timestamptz '2024-01-02 00:00+00') c"));
  EXPECT_EQ(Digest(dst_, kRows), Digest(src_, kRows));
}

}  // namespace
}  // namespace hyperdump
