// Integration tests of the demo generator (bench/demo_data.h) on a real
// server: the objects exist, row counts are exactly the plan's, awkward
// values are stored exactly, builds are repeatable, existing demos are not
// overwritten unless asked.
#include "bench/demo_data.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/test_db.h"

namespace hyperdump {
namespace {

using bench::DemoOptions;
using bench::DemoPlan;
using engine::PgConnection;

class DemoDataTest : public ::testing::Test {
 protected:
  void SetUp() override { HD_REQUIRE_TEST_SERVER(); }

  static DemoOptions SmallOptions() {
    DemoOptions opts;
    opts.target_bytes = 4ull << 20;
    opts.partitions = 5;
    return opts;
  }

  // The single value of a query, failing the test on error.
  static std::string Value(PgConnection& conn, const std::string& sql) {
    return testing::QueryValue(conn, sql);
  }
  static int64_t Count(PgConnection& conn, const std::string& from) {
    return std::stoll(Value(conn, "SELECT count(*) FROM " + from));
  }
};

TEST_F(DemoDataTest, BuildsEveryObjectWithThePlannedRowCounts) {
  testing::ScratchDatabase db("demo_counts");
  PgConnection conn = db.Connect();
  ASSERT_TRUE(conn.ok());
  DemoOptions opts = SmallOptions();
  opts.timescaledb = false;
  auto built = bench::BuildDemo(conn, opts);
  ASSERT_TRUE(built.ok()) << built.status().message();
  const DemoPlan& p = built->plan;
  EXPECT_EQ(built->timescaledb, "none");

  EXPECT_EQ(Count(conn, "demo.regions"), p.regions);
  EXPECT_EQ(Count(conn, "demo.devices"), p.devices);
  EXPECT_EQ(Count(conn, "demo.customers"), p.customers);
  EXPECT_EQ(Count(conn, "demo.orders"), p.orders);
  EXPECT_GE(p.orders, 1000);
  EXPECT_EQ(Count(conn, "demo.readings"), p.readings);
  EXPECT_EQ(Count(conn, "demo.readings_default"), p.readings_default);
  EXPECT_EQ(Count(conn, "ONLY demo.vehicles"), p.vehicles_parent);
  EXPECT_EQ(Count(conn, "demo.vehicles"), p.vehicles_parent + p.cars + p.trucks);
  EXPECT_EQ(Count(conn, "demo.cars"), p.cars);
  EXPECT_EQ(Count(conn, "demo.trucks"), p.trucks);
  EXPECT_EQ(Count(conn, "demo.sensor_log"), p.sensor_log);
  EXPECT_EQ(Count(conn, "demo.awkward_values"), p.awkward_values);
  EXPECT_EQ(Count(conn, "demo.empty_table"), 0);
  EXPECT_EQ(Count(conn, "\"Ünïcode Schema.x\".\"order\""), p.odd_rows);
  EXPECT_EQ(Count(conn, "demo.\"Odd \"\"Quoted\"\" Name.ü\""), p.odd_rows);
  EXPECT_EQ(Count(conn, "demo.order_totals"), p.customers);  // the view

  // One-day range partitions plus DEFAULT, each range partition non-empty.
  EXPECT_EQ(Count(conn, "pg_inherits WHERE inhparent = 'demo.readings'::regclass"),
            p.partitions + 1);
  EXPECT_EQ(Count(conn,
                  "pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                  "WHERE i.inhparent = 'demo.readings'::regclass AND c.relname <> "
                  "'readings_default' AND NOT EXISTS (SELECT FROM demo.readings r "
                  "WHERE r.tableoid = c.oid)"),
            0);
  // A partition of a partition.
  EXPECT_EQ(
      Value(conn, "SELECT relkind FROM pg_class WHERE oid = 'demo.sensor_log_temp'::regclass"),
      "p");
  EXPECT_EQ(Count(conn, "pg_inherits WHERE inhparent = 'demo.sensor_log_temp'::regclass"), 2);
  EXPECT_GT(Count(conn, "demo.sensor_log_temp_2024h2"), 0);
  // Inheritance (not partitioning) children.
  EXPECT_EQ(Count(conn, "pg_inherits WHERE inhparent = 'demo.vehicles'::regclass"), 2);
  EXPECT_EQ(Value(conn, "SELECT relispartition FROM pg_class WHERE oid = 'demo.cars'::regclass"),
            "f");

  // Keys, indexes, sequences.
  EXPECT_EQ(Count(conn,
                  "pg_constraint WHERE contype = 'f' AND conparentid = 0 AND "
                  "connamespace = 'demo'::regnamespace"),
            4);
  EXPECT_EQ(Value(conn, "SELECT indexdef FROM pg_indexes WHERE indexname = 'orders_open_idx'"),
            "CREATE INDEX orders_open_idx ON demo.orders USING btree (created_at) WHERE "
            "(status = 'open'::text)");
  EXPECT_EQ(Value(conn, "SELECT last_value FROM demo.invoice_seq"), "4242");
  EXPECT_EQ(Value(conn, "SELECT last_value FROM demo.orders_id_seq"), std::to_string(p.orders));
  EXPECT_EQ(Value(conn, "SELECT nextval(pg_get_serial_sequence('demo.customers', 'id'))"),
            std::to_string(p.customers + 1));
  EXPECT_EQ(Value(conn, "SELECT to_regclass('demo.metrics') IS NULL"), "t");
  EXPECT_EQ(Count(conn, "pg_extension WHERE extname = 'timescaledb'"), 0);
}

TEST_F(DemoDataTest, StoresAwkwardValuesExactly) {
  testing::ScratchDatabase db("demo_awkward");
  PgConnection conn = db.Connect();
  ASSERT_TRUE(conn.ok());
  DemoOptions opts = SmallOptions();
  opts.timescaledb = false;
  auto built = bench::BuildDemo(conn, opts);
  ASSERT_TRUE(built.ok()) << built.status().message();
  ASSERT_TRUE(conn.Run("SET TimeZone = 'UTC'").ok());
  auto t = [&](int id) {
    return Value(conn, "SELECT t FROM demo.awkward_values WHERE id = " + std::to_string(id));
  };
  EXPECT_EQ(t(1), "<null>");
  EXPECT_EQ(t(2), "a\tb");
  EXPECT_EQ(t(3), "a\nb");
  EXPECT_EQ(t(4), "a\r\nb");
  EXPECT_EQ(t(5), "a\\b");
  EXPECT_EQ(t(6), "\\N");
  EXPECT_EQ(t(7), "");
  EXPECT_EQ(t(8), "ünïcødé 東京 🚀 ℃");
  EXPECT_EQ(t(9), "it's \"quoted\"");
  EXPECT_EQ(t(26), [] {
    std::string s;
    for (int i = 0; i < 10000; ++i) s += "long ";
    return s;
  }());
  EXPECT_EQ(t(27), "\x01\x02\x1b[0m");
  auto v = [&](const std::string& expr, int id) {
    return Value(conn,
                 "SELECT " + expr + " FROM demo.awkward_values WHERE id = " + std::to_string(id));
  };
  EXPECT_EQ(v("encode(b, 'hex')", 10), "00");
  EXPECT_EQ(v("encode(b, 'hex')", 11), "00ff5c0a0d09");
  EXPECT_EQ(v("length(b)", 7), "0");
  EXPECT_EQ(v("j->'a'->3->>'b'", 12), "t\tab");
  EXPECT_EQ(v("j->>'unicode'", 12), "東京");
  EXPECT_EQ(v("a::text", 13), "{\"a,b\",\"c\\\"d\",NULL,\"\",\"e\\\\f\",\"NULL\",\"{x}\"}");
  EXPECT_EQ(v("a[3] IS NULL AND a[6] = 'NULL'", 13), "t");
  EXPECT_EQ(v("n::text", 14), "12345678901234567890.12345678901234567890");
  EXPECT_EQ(v("n::text", 15), "NaN");
  EXPECT_EQ(v("n::text", 16), "-Infinity");
  EXPECT_EQ(v("f::text", 17), "NaN");
  EXPECT_EQ(v("f::text", 18), "Infinity");
  EXPECT_EQ(v("f::text", 19), "-0");
  EXPECT_EQ(v("f::text", 20), "1.7976931348623157e+308");
  EXPECT_EQ(v("ts::text", 21), "infinity");
  EXPECT_EQ(v("ts::text", 22), "0044-03-15 12:00:00+00 BC");
  EXPECT_EQ(v("d::text", 23), "-infinity");
  EXPECT_EQ(v("iv::text", 24), "1 year 2 mons -3 days +04:05:06.789");
  EXPECT_EQ(v("u::text", 25), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");

  // The large table repeats the awkward text values in a fixed pattern
  // (row i gets pattern i % 10): check two patterns row for row.
  const int64_t n = built->plan.orders;
  EXPECT_EQ(Count(conn, "demo.orders WHERE comment = '\\N'"), (n + 4) / 10);          // i % 10 == 6
  EXPECT_EQ(Count(conn, "demo.orders WHERE comment = E'tab\\there'"), (n + 9) / 10);  // == 1
  EXPECT_EQ(Count(conn, "demo.orders WHERE comment IS NULL"), n / 10);
  EXPECT_EQ(Count(conn, "demo.orders WHERE ratio = 'NaN'"), n / 97);
  EXPECT_EQ(Value(conn, "SELECT encode(blob, 'hex') FROM demo.orders WHERE id = 1"), "00ff5c0a09");
  EXPECT_EQ(Value(conn, "SELECT items::text FROM demo.orders WHERE id = 10"), "{3,10,NULL}");
  EXPECT_EQ(Value(conn, "SELECT payload->>'note' FROM demo.orders WHERE id = 7"),
            "line1\nline2\t\"quoted\"\\");
}

TEST_F(DemoDataTest, TwoBuildsHoldIdenticalRows) {
  testing::ScratchDatabase a("demo_repeat_a");
  testing::ScratchDatabase b("demo_repeat_b");
  PgConnection ca = a.Connect();
  PgConnection cb = b.Connect();
  ASSERT_TRUE(ca.ok() && cb.ok());
  DemoOptions opts = SmallOptions();
  opts.timescaledb = false;
  ASSERT_TRUE(bench::BuildDemoDatabase(ca, opts).ok());
  ASSERT_TRUE(bench::BuildDemoDatabase(cb, opts).ok());
  for (const char* query :
       {"SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM demo.orders t",
        "SELECT md5(string_agg(t::text, '|' ORDER BY device_id, ts)) FROM demo.readings t",
        "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM demo.customers t",
        "SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM demo.awkward_values t"}) {
    EXPECT_EQ(Value(ca, query), Value(cb, query)) << query;
  }
}

TEST_F(DemoDataTest, RefusesToOverwriteAnExistingDemoUnlessReplacing) {
  testing::ScratchDatabase db("demo_replace");
  PgConnection conn = db.Connect();
  ASSERT_TRUE(conn.ok());
  DemoOptions opts = SmallOptions();
  opts.timescaledb = false;
  ASSERT_TRUE(bench::BuildDemoDatabase(conn, opts).ok());
  ASSERT_TRUE(conn.Run("INSERT INTO demo.empty_table VALUES (1, 'marker')").ok());

  Status again = bench::BuildDemoDatabase(conn, opts);
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.message().find("--replace"), std::string::npos) << again.message();
  EXPECT_EQ(Count(conn, "demo.empty_table"), 1);  // untouched

  opts.replace = true;
  Status replaced = bench::BuildDemoDatabase(conn, opts);
  ASSERT_TRUE(replaced.ok()) << replaced.message();
  EXPECT_EQ(Count(conn, "demo.empty_table"), 0);
  EXPECT_EQ(Count(conn, "demo.orders"), bench::PlanDemo(opts).orders);
}

TEST_F(DemoDataTest, BuildsAHypertableWithCompressedChunksAndJobs) {
  HD_REQUIRE_TIMESCALEDB();
  testing::ScratchDatabase db("demo_timescale");
  PgConnection conn = db.Connect();
  ASSERT_TRUE(conn.ok());
  DemoOptions opts = SmallOptions();
  auto built = bench::BuildDemo(conn, opts);
  ASSERT_TRUE(built.ok()) << built.status().message();
  const DemoPlan& p = built->plan;
  EXPECT_EQ(built->timescaledb, "real");
  ASSERT_EQ(p.metrics_chunks, opts.partitions);
  ASSERT_EQ(p.compressed_chunks, 2);

  const std::string ht = Value(conn,
                               "SELECT id FROM _timescaledb_catalog.hypertable "
                               "WHERE schema_name = 'demo' AND table_name = 'metrics'");
  const std::string chunks = "_timescaledb_catalog.chunk WHERE hypertable_id = " + ht;
  EXPECT_EQ(Count(conn, chunks), p.metrics_chunks);
  EXPECT_EQ(Count(conn, chunks + " AND status & 1 = 1 AND compressed_chunk_id IS NOT NULL"),
            p.compressed_chunks);
  EXPECT_EQ(Count(conn, "ONLY demo.metrics"), 0);

  // Every row is either in an uncompressed chunk or counted by compression.
  auto r = conn.Exec("SELECT format('%I.%I', schema_name, table_name), status & 1 = 1 FROM " +
                     chunks + " ORDER BY id");
  ASSERT_TRUE(r.ok()) << r.status().message();
  int64_t rows = 0;
  for (int i = 0; i < r->rows(); ++i) {
    int64_t in_chunk = Count(conn, "ONLY " + r->GetString(i, 0));
    if (r->GetBool(i, 1)) {
      EXPECT_EQ(in_chunk, 0) << r->GetString(i, 0) << " is compressed, so truncated";
    } else {
      EXPECT_EQ(in_chunk, p.metrics / p.metrics_chunks) << r->GetString(i, 0);
    }
    rows += in_chunk;
  }
  rows += std::stoll(Value(conn,
                           "SELECT sum(s.numrows_pre_compression) FROM "
                           "_timescaledb_catalog.compression_chunk_size s JOIN "
                           "_timescaledb_catalog.chunk c ON c.id = s.chunk_id WHERE "
                           "c.hypertable_id = " +
                               ht));
  EXPECT_EQ(rows, p.metrics);
  // The compressed companions hold the compressed rows.
  EXPECT_EQ(Value(conn, "SELECT bool_and(cc.table_name LIKE 'compress_hyper_%_chunk') FROM " +
                            std::string("_timescaledb_catalog.chunk c JOIN "
                                        "_timescaledb_catalog.chunk cc ON cc.id = "
                                        "c.compressed_chunk_id WHERE c.hypertable_id = ") +
                            ht),
            "t");

  // Jobs: a compression policy and a continuous aggregate refresh policy.
  EXPECT_EQ(Count(conn,
                  "_timescaledb_catalog.bgw_job WHERE id >= 1000 AND proc_name = "
                  "'policy_compression' AND hypertable_id = " +
                      ht),
            1);
  EXPECT_EQ(Count(conn,
                  "_timescaledb_catalog.bgw_job WHERE id >= 1000 AND proc_name = "
                  "'policy_refresh_continuous_aggregate'"),
            1);
  EXPECT_EQ(Count(conn,
                  "_timescaledb_catalog.continuous_agg WHERE user_view_schema = 'demo' AND "
                  "user_view_name = 'metrics_hourly' AND raw_hypertable_id = " +
                      ht),
            1);
  EXPECT_GT(Count(conn, "demo.metrics_hourly"), 0);
}

}  // namespace
}  // namespace hyperdump
