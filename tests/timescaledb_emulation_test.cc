// Tests of the TimescaleDB behaviour hyperdump relies on. They run on the
// test emulation (tests/timescaledb_emulation) or, where it is installed, on
// the real extension: the same assertions hold for both, which is what keeps
// the emulation honest.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "engine/pg.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

using engine::PgConnection;

class TimescaleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TEST_SERVER();
    mode_ = testing::TimescaleMode();
    if (mode_ == "none") GTEST_SKIP() << "no TimescaleDB (real or emulation) on the test server";
    db_ = std::make_unique<testing::ScratchDatabase>("timescale");
    conn_ = db_->Connect();
    ASSERT_TRUE(conn_.ok());
    Run("CREATE EXTENSION timescaledb");
    version_ = Value("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'");
  }

  void Run(const std::string& sql) { Run(conn_, sql); }
  static void Run(PgConnection& conn, const std::string& sql) {
    Status st = conn.Run(sql);
    ASSERT_TRUE(st.ok()) << sql << ": " << st.message();
  }
  std::string Value(const std::string& sql) { return Value(conn_, sql); }
  static std::string Value(PgConnection& conn, const std::string& sql) {
    return testing::QueryValue(conn, sql);
  }
  int64_t Count(const std::string& from) {
    return std::stoll(Value("SELECT count(*) FROM " + from));
  }

  // public.metrics: 48 hourly rows over two one-day chunks.
  void MakeMetrics() {
    Run("CREATE TABLE metrics (time timestamptz NOT NULL, device_id int, value float8, note text)");
    Run("SELECT create_hypertable('metrics', by_range('time', INTERVAL '1 day'))");
    Run("INSERT INTO metrics SELECT timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour', "
        "i % 3, i * 0.5, CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN E'tab\\there' "
        "WHEN 2 THEN '\\N' ELSE 'ünï ' || i END FROM generate_series(0, 47) i");
  }
  // ALTER TABLE ... SET (timescaledb.compress) is not parseable without the
  // real extension's hooks; the emulation has a function for it.
  void EnableCompression(const std::string& table) {
    if (mode_ == "real") {
      Run("ALTER TABLE " + table +
          " SET (timescaledb.compress, timescaledb.compress_orderby = "
          "'time DESC')");
    } else {
      Run("SELECT _timescaledb_functions.emulation_enable_compression('" + table + "')");
    }
  }
  std::string FirstChunk(const std::string& table) {
    return Value("SELECT c FROM show_chunks('" + table + "') c ORDER BY c::text LIMIT 1");
  }
  std::string Setting(PgConnection& conn) {
    return Value(conn, "SELECT coalesce(current_setting('timescaledb.restoring', true), '')");
  }

  std::string mode_;
  std::string version_;
  std::unique_ptr<testing::ScratchDatabase> db_;
  PgConnection conn_;
};

TEST_F(TimescaleTest, EmulationIsNamedAsOne) {
  if (mode_ == "emulation") {
    EXPECT_NE(version_.find("emulation"), std::string::npos) << version_;
  } else {
    EXPECT_EQ(version_.find("emulation"), std::string::npos) << version_;
  }
  EXPECT_EQ(
      Value("SELECT value FROM _timescaledb_catalog.metadata WHERE key = 'timescaledb_version'"),
      version_);
}

TEST_F(TimescaleTest, CatalogTablesAreRegisteredForDumpWithTheRealFilters) {
  auto r = conn_.Exec(
      "SELECT c.relname, coalesce(u.cond, '') FROM pg_extension e, "
      "unnest(e.extconfig, e.extcondition) AS u(oid, cond) JOIN pg_class c ON c.oid = u.oid "
      "WHERE e.extname = 'timescaledb' AND c.relkind = 'r' ORDER BY 1");
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::map<std::string, std::string> config;
  for (int i = 0; i < r->rows(); ++i) config[r->GetString(i, 0)] = r->GetString(i, 1);
  for (const char* table :
       {"hypertable", "dimension", "dimension_slice", "chunk", "chunk_column_stats", "tablespace",
        "compression_settings", "compression_chunk_size", "continuous_agg", "bgw_job", "metadata",
        "continuous_aggs_watermark", "continuous_aggs_bucket_function"}) {
    EXPECT_TRUE(config.count(table)) << table << " is not extension configuration";
  }
  EXPECT_EQ(config["bgw_job"], "WHERE id >= 1000");
  EXPECT_NE(config["metadata"].find("uuid"), std::string::npos) << config["metadata"];
  EXPECT_FALSE(config.count("bgw_job_stat"));
  // The 2.28 shape: slices belong to one chunk, chunk_constraint is gone.
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                  "'_timescaledb_catalog' AND table_name = 'dimension_slice' AND column_name = "
                  "'chunk_id'"),
            "1");
  EXPECT_EQ(Value("SELECT to_regclass('_timescaledb_catalog.chunk_constraint') IS NULL"), "t");
  EXPECT_EQ(Value("SELECT to_regclass('_timescaledb_catalog.bgw_job') IS NOT NULL"), "t");
}

TEST_F(TimescaleTest, InsertsAreRoutedIntoInheritingChunks) {
  MakeMetrics();
  EXPECT_EQ(Count("ONLY metrics"), 0);
  EXPECT_EQ(Count("metrics"), 48);
  const std::string ht =
      Value("SELECT id FROM _timescaledb_catalog.hypertable WHERE table_name = 'metrics'");
  EXPECT_EQ(
      Value("SELECT interval_length FROM _timescaledb_catalog.dimension WHERE hypertable_id = " +
            ht),
      "86400000000");
  auto r = conn_.Exec(
      "SELECT c.id, c.schema_name, c.table_name, s.id, s.range_start FROM "
      "_timescaledb_catalog.chunk c JOIN _timescaledb_catalog.dimension_slice s "
      "ON s.chunk_id = c.id WHERE c.hypertable_id = " +
      ht + " ORDER BY s.range_start");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->rows(), 2);
  EXPECT_EQ(r->GetString(0, 4), "1704067200000000");  // 2024-01-01 UTC in microseconds
  for (int i = 0; i < 2; ++i) {
    const std::string name = r->GetString(i, 2);
    const std::string rel = "_timescaledb_internal." + engine::QuoteIdent(name);
    EXPECT_EQ(r->GetString(i, 1), "_timescaledb_internal");
    EXPECT_EQ(name, "_hyper_" + ht + "_" + r->GetString(i, 0) + "_chunk");
    EXPECT_EQ(Count("ONLY " + rel), 24);
    EXPECT_EQ(Count("pg_inherits WHERE inhrelid = '" + rel +
                    "'::regclass AND inhparent = "
                    "'metrics'::regclass"),
              1);
    EXPECT_EQ(Count("pg_constraint WHERE contype = 'c' AND conrelid = '" + rel +
                    "'::regclass AND conname = 'constraint_" + r->GetString(i, 3) + "'"),
              1);
  }
}

TEST_F(TimescaleTest, CompressChunkMovesRowsIntoTheCompanionAndEmptiesTheChunk) {
  MakeMetrics();
  EnableCompression("metrics");
  const std::string chunk = FirstChunk("metrics");
  const std::string before =
      Value("SELECT md5(string_agg(m::text, '|' ORDER BY time)) FROM ONLY " + chunk + " m");
  const std::string relfilenode =
      Value("SELECT relfilenode FROM pg_class WHERE oid = '" + chunk + "'::regclass");
  Run("SELECT compress_chunk('" + chunk + "')");

  EXPECT_EQ(Count("ONLY " + chunk), 0);
  // TRUNCATE, not DELETE: a new relfilenode (what a dump must detect).
  EXPECT_NE(Value("SELECT relfilenode FROM pg_class WHERE oid = '" + chunk + "'::regclass"),
            relfilenode);
  const std::string where =
      " FROM _timescaledb_catalog.chunk c WHERE format('%I.%I', c.schema_name, "
      "c.table_name)::regclass = '" +
      chunk + "'::regclass";
  EXPECT_EQ(Value("SELECT status & 1" + where), "1");
  const std::string companion = Value(
      "SELECT format('%I.%I', cc.schema_name, cc.table_name) FROM _timescaledb_catalog.chunk cc "
      "WHERE cc.id = (SELECT c.compressed_chunk_id" +
      where + ")");
  EXPECT_EQ(companion.rfind("_timescaledb_internal.compress_hyper_", 0), 0u) << companion;
  EXPECT_GT(Count(companion), 0);
  EXPECT_EQ(Value("SELECT compression_state FROM _timescaledb_catalog.hypertable h JOIN "
                  "_timescaledb_catalog.chunk cc ON cc.hypertable_id = h.id WHERE "
                  "format('%I.%I', cc.schema_name, cc.table_name) = '" +
                  companion + "'"),
            "2");
  EXPECT_NE(Value("SELECT count(*) FROM information_schema.columns WHERE table_schema || '.' || "
                  "table_name = '" +
                  companion + "' AND udt_name = 'compressed_data'"),
            "0");
  EXPECT_EQ(
      Value("SELECT numrows_pre_compression FROM _timescaledb_catalog.compression_chunk_size s "
            "JOIN _timescaledb_catalog.chunk c ON c.id = s.chunk_id WHERE "
            "format('%I.%I', c.schema_name, c.table_name)::regclass = '" +
            chunk + "'::regclass"),
      "24");
  EXPECT_EQ(Value("SELECT compress_relid::text FROM _timescaledb_catalog.compression_settings "
                  "WHERE relid = '" +
                  chunk + "'::regclass"),
            companion);

  Run("SELECT decompress_chunk('" + chunk + "')");
  EXPECT_EQ(Value("SELECT md5(string_agg(m::text, '|' ORDER BY time)) FROM ONLY " + chunk + " m"),
            before);
  EXPECT_EQ(Value("SELECT status & 1" + where), "0");
}

TEST_F(TimescaleTest, PoliciesAreJobsFrom1000AndCanBeUnscheduled) {
  MakeMetrics();
  EnableCompression("metrics");
  const std::string job = Value("SELECT add_compression_policy('metrics', INTERVAL '7 days')");
  EXPECT_GE(std::stoi(job), 1000);
  EXPECT_EQ(Value("SELECT scheduled FROM _timescaledb_catalog.bgw_job WHERE id = " + job), "t");
  Run("SELECT alter_job(" + job + ", scheduled => false)");
  EXPECT_EQ(Value("SELECT scheduled FROM _timescaledb_catalog.bgw_job WHERE id = " + job), "f");
  EXPECT_EQ(Value("SELECT proc_name FROM _timescaledb_catalog.bgw_job WHERE id = " + job),
            "policy_compression");
  EXPECT_GT(Count("_timescaledb_catalog.bgw_job WHERE id < 1000"), 0);  // default jobs
}

TEST_F(TimescaleTest, MetadataInsertOfAnExistingKeyBecomesAnUpdate) {
  Run("INSERT INTO _timescaledb_catalog.metadata VALUES ('exported_uuid', 'from-a-dump', true)");
  EXPECT_EQ(Value("SELECT value FROM _timescaledb_catalog.metadata WHERE key = 'exported_uuid'"),
            "from-a-dump");
  EXPECT_EQ(Count("_timescaledb_catalog.metadata WHERE key = 'exported_uuid'"), 1);
}

TEST_F(TimescaleTest, PreRestoreSetsTheDatabaseSettingForNewSessions) {
  MakeMetrics();
  PgConnection before_pre = db_->Connect();
  ASSERT_TRUE(before_pre.ok());
  EXPECT_EQ(Value("SELECT timescaledb_pre_restore()"), "t");
  EXPECT_EQ(Setting(conn_), "on");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = "
                  "s.setdatabase WHERE d.datname = current_database() AND s.setrole = 0 AND "
                  "'timescaledb.restoring=on' = ANY (s.setconfig)"),
            "1");
  PgConnection after_pre = db_->Connect();
  ASSERT_TRUE(after_pre.ok());
  EXPECT_EQ(Setting(after_pre), "on");
  EXPECT_NE(Setting(before_pre), "on");  // sessions opened before do not inherit it

  // Hooks are off: a row inserted into the hypertable stays in its parent.
  Run(after_pre, "INSERT INTO metrics VALUES ('2024-01-01 05:30:00+00', 9, 1, 'restored')");
  EXPECT_EQ(Count("ONLY metrics"), 1);

  EXPECT_EQ(Value("SELECT timescaledb_post_restore()"), "t");
  EXPECT_NE(Setting(conn_), "on");
  PgConnection after_post = db_->Connect();
  ASSERT_TRUE(after_post.ok());
  EXPECT_NE(Setting(after_post), "on");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = "
                  "s.setdatabase WHERE d.datname = current_database() AND "
                  "array_to_string(s.setconfig, ',') LIKE '%timescaledb.restoring%'"),
            "0");
}

TEST_F(TimescaleTest, PostRestoreRefusesAMismatchedCatalogVersionAndStaysInRestoreMode) {
  Run("SELECT timescaledb_pre_restore()");
  Run("UPDATE _timescaledb_catalog.metadata SET value = '2.0.0' WHERE key = 'timescaledb_version'");
  Status st = conn_.Run("SELECT timescaledb_post_restore()");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "catalog version mismatch, expected \"" + version_ +
                              "\" seen \"2.0.0\" [SQLSTATE P0001]");
  PgConnection fresh = db_->Connect();
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(Setting(fresh), "on");

  Run("UPDATE _timescaledb_catalog.metadata SET value = '" + version_ +
      "' WHERE key = 'timescaledb_version'");
  EXPECT_EQ(Value("SELECT timescaledb_post_restore()"), "t");
}

// pg_dump carries the catalog rows as extension configuration data, and the
// chunk tables as ordinary tables inheriting the hypertable.
TEST_F(TimescaleTest, PgDumpIncludesCatalogRowsAndChunks) {
  MakeMetrics();
  const char* bindir = std::getenv("PG_BINDIR");
  std::string pg_dump = std::string(bindir ? bindir : "/usr/lib/postgresql/15/bin") + "/pg_dump";
  std::string cmd = pg_dump + " --no-sync -d '" + db_->uri() + "' 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  ASSERT_EQ(pclose(pipe), 0) << out.substr(0, 2000);
  for (const char* expected :
       {"CREATE EXTENSION IF NOT EXISTS timescaledb",
        "COPY _timescaledb_catalog.hypertable (id, schema_name, table_name",
        "COPY _timescaledb_catalog.chunk (id, hypertable_id, schema_name, table_name",
        "COPY _timescaledb_catalog.dimension_slice (id, chunk_id, dimension_id",
        "COPY _timescaledb_catalog.metadata (key, value, include_in_telemetry)",
        "INHERITS (public.metrics)", "COPY _timescaledb_internal._hyper_1_1_chunk"}) {
    EXPECT_NE(out.find(expected), std::string::npos) << "pg_dump output lacks: " << expected;
  }
  EXPECT_NE(out.find("\ntimescaledb_version\t" + version_ + "\t"), std::string::npos);
  EXPECT_EQ(out.find("\nuuid\t"), std::string::npos) << "the uuid key must not be dumped";
}

}  // namespace
}  // namespace hyperdump
