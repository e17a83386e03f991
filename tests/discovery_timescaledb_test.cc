// Integration tests for discovery on the real TimescaleDB. Each
// chunk, compressed companion, materialization chunk and catalog table is
// listed exactly once, and nothing else.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "engine/plan/discovery.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

using engine::DiscoveryOptions;
using engine::DumpPlan;
using engine::TableKind;

class DiscoveryTimescaleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TEST_SERVER();
    HD_REQUIRE_TIMESCALEDB();
    db_ = std::make_unique<testing::ScratchDatabase>("discovery_ts");
    conn_ = db_->Connect();
    ASSERT_TRUE(conn_.ok());
    Sql("CREATE EXTENSION timescaledb");
    // metrics: 3 chunks (one compressed), a continuous aggregate with
    // materialized chunks, a compression policy job (id >= 1000).
    Sql("CREATE TABLE metrics (time timestamptz NOT NULL, device int, value float8);"
        "SELECT create_hypertable('metrics', 'time', chunk_time_interval => interval '1 day');"
        "INSERT INTO metrics SELECT t, (extract(epoch FROM t)::int / 60) % 3, 1.5"
        "  FROM generate_series('2024-01-01'::timestamptz, '2024-01-03 23:00', '1 hour') t;"
        "CREATE TABLE other (time timestamptz NOT NULL, v int);"
        "SELECT create_hypertable('other', 'time', chunk_time_interval => interval '1 day');"
        "INSERT INTO other VALUES ('2024-02-01', 1);"
        "CREATE TABLE plain (a int);");
    Sql("ALTER TABLE metrics SET (timescaledb.compress, timescaledb.compress_segmentby = "
        "'device');"
        "CREATE MATERIALIZED VIEW metrics_daily WITH (timescaledb.continuous) AS"
        "  SELECT time_bucket('1 day', time) AS bucket, avg(value) FROM metrics GROUP BY 1"
        "  WITH NO DATA;");
    // CALL refresh_continuous_aggregate refuses to run inside a transaction
    // block, which a multi-statement string is: its own round trip. The
    // policy never reaches the 2024 rows (compress_after 100 years), so no
    // background job changes the database under the test.
    Sql("SELECT compress_chunk(c) FROM (SELECT show_chunks('metrics') AS c ORDER BY 1 LIMIT 1) s");
    Sql("CALL refresh_continuous_aggregate('metrics_daily', NULL, NULL)");
    Sql("SELECT add_compression_policy('metrics', interval '100 years');"
        "ANALYZE;");
  }

  void Sql(const std::string& sql) {
    Status st = conn_.Run(sql);
    ASSERT_TRUE(st.ok()) << sql << ": " << st.message();
  }

  std::set<std::string> Strings(const std::string& sql) {
    std::set<std::string> out;
    auto r = conn_.Exec(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().message();
    if (!r.ok()) return out;
    for (int i = 0; i < r->rows(); ++i) out.insert(r->GetString(i, 0));
    return out;
  }

  Result<DumpPlan> Discover(const DiscoveryOptions& opts = {}) {
    engine::PgConnection c = db_->Connect();
    HD_RETURN_IF_ERROR(c.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    Result<DumpPlan> plan = engine::Discover(c, opts);
    c.Run("ROLLBACK").IgnoreError();
    return plan;
  }

  // kind -> "schema.name" of every listed table; fails on duplicates.
  static std::map<std::string, std::set<std::string>> ByKind(const DumpPlan& plan) {
    std::map<std::string, std::set<std::string>> out;
    std::set<std::string> seen;
    for (const auto& t : plan.tables) {
      std::string name = t.schema + "." + t.name;
      EXPECT_TRUE(seen.insert(name).second) << name << " listed twice";
      out[engine::TableKindName(t.kind)].insert(name);
    }
    return out;
  }

  static const engine::TableInfo* Find(const DumpPlan& plan, const std::string& qualified) {
    for (const auto& t : plan.tables) {
      if (t.schema + "." + t.name == qualified) return &t;
    }
    return nullptr;
  }

  // Chunks ("schema.table") of hypertable `ht` (by the catalog).
  std::set<std::string> ChunksOf(const std::string& where) {
    return Strings(
        "SELECT c.schema_name || '.' || c.table_name FROM _timescaledb_catalog.chunk c"
        " JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id WHERE " +
        where);
  }

  std::unique_ptr<testing::ScratchDatabase> db_;
  engine::PgConnection conn_;
};

TEST_F(DiscoveryTimescaleTest, ListsEveryChunkCompanionAndCatalogTableOnce) {
  auto plan = Discover();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_FALSE(plan->server.timescaledb_version.empty());
  auto kinds = ByKind(*plan);

  std::set<std::string> chunks = ChunksOf("h.compression_state <> 2");
  std::set<std::string> companions = ChunksOf("h.compression_state = 2");
  ASSERT_EQ(ChunksOf("h.table_name = 'metrics'").size(), 3u);
  ASSERT_EQ(companions.size(), 1u);
  ASSERT_FALSE(ChunksOf("h.table_name LIKE '\\_materialized%'").empty());
  std::set<std::string> config = Strings(
      "SELECT n.nspname || '.' || c.relname FROM pg_extension e, unnest(e.extconfig) cfg"
      " JOIN pg_class c ON c.oid = cfg JOIN pg_namespace n ON n.oid = c.relnamespace"
      " WHERE e.extname = 'timescaledb' AND c.relkind = 'r'");
  ASSERT_TRUE(config.count("_timescaledb_catalog.hypertable"));
  EXPECT_EQ(kinds["chunk"], chunks);
  EXPECT_EQ(kinds["compressed_chunk"], companions);
  EXPECT_EQ(kinds["extension_config"], config);
  EXPECT_EQ(kinds["table"], std::set<std::string>{"public.plain"});
  EXPECT_EQ(kinds.size(), 4u) << "no hypertable parents, no other kinds";

  // The companion names its chunk and hypertable.
  const auto* companion = Find(*plan, *companions.begin());
  ASSERT_NE(companion, nullptr);
  EXPECT_EQ(companion->hypertable, "public.metrics");
  std::set<std::string> compressed_of = Strings(
      "SELECT c.schema_name || '.' || c.table_name FROM _timescaledb_catalog.chunk c"
      " WHERE c.compressed_chunk_id IS NOT NULL");
  EXPECT_EQ(std::set<std::string>{companion->compressed_of}, compressed_of);
  for (const auto& c : ChunksOf("h.table_name = 'metrics'")) {
    EXPECT_EQ(Find(*plan, c)->hypertable, "public.metrics");
    EXPECT_EQ(Find(*plan, c)->parent, "public.metrics");
  }

  // Catalog tables: filters as registered, parents before children.
  EXPECT_EQ(Find(*plan, "_timescaledb_catalog.bgw_job")->copy_filter, "WHERE id >= 1000");
  EXPECT_EQ(Find(*plan, "_timescaledb_catalog.bgw_job")->extension, "timescaledb");
  const auto* slice = Find(*plan, "_timescaledb_catalog.dimension_slice");
  ASSERT_NE(slice, nullptr);
  EXPECT_FALSE(slice->load_after.empty());
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < plan->tables.size(); ++i) {
    position[plan->tables[i].schema + "." + plan->tables[i].name] = i;
  }
  EXPECT_LT(position["_timescaledb_catalog.hypertable"], position["_timescaledb_catalog.chunk"]);
  for (const auto& t : plan->tables) {
    for (const auto& before : t.load_after) {
      EXPECT_LT(position.at(before), position.at(t.schema + "." + t.name))
          << before << " must load before " << t.name;
    }
  }
  EXPECT_EQ(Find(*plan, "_timescaledb_catalog.dimension")->load_after,
            std::vector<std::string>{"_timescaledb_catalog.hypertable"});

  // Catalog sequences are dumped with their values; no other extension table.
  std::set<std::string> seqs;
  for (const auto& s : plan->sequences) seqs.insert(s.schema + "." + s.name);
  EXPECT_TRUE(seqs.count("_timescaledb_catalog.hypertable_id_seq"));
  EXPECT_TRUE(seqs.count("_timescaledb_catalog.chunk_id_seq"));
}

TEST_F(DiscoveryTimescaleTest, HypertableParentIsListedOnlyWhenItHoldsRows) {
  auto before = Discover();
  ASSERT_TRUE(before.ok()) << before.status().message();
  EXPECT_EQ(Find(*before, "public.metrics"), nullptr);
  // In restore mode rows copied into the parent stay there (2.23+). With
  // its hooks on, TimescaleDB hides them from SELECT, even FROM ONLY: count
  // them with the hooks off.
  Sql("SET timescaledb.restoring = on;"
      "INSERT INTO metrics VALUES ('2030-01-01', 1, 1);");
  auto r = conn_.Exec("SELECT count(*) FROM ONLY metrics");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->GetInt(0, 0), 1) << "the row should have stayed in the parent";
  Sql("RESET timescaledb.restoring");
  r = conn_.Exec("SELECT count(*) FROM ONLY metrics");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->GetInt(0, 0), 0) << "TimescaleDB no longer hides a parent's own rows";
  auto after = Discover();
  ASSERT_TRUE(after.ok()) << after.status().message();
  const auto* parent = Find(*after, "public.metrics");
  ASSERT_NE(parent, nullptr);
  EXPECT_EQ(parent->kind, TableKind::kHypertable);
  EXPECT_EQ(after->tables.size(), before->tables.size() + 1);
}

TEST_F(DiscoveryTimescaleTest, TableFilterTakesChunksAndTheirCatalogRows) {
  DiscoveryOptions opts;
  opts.include_tables = {"metrics"};
  auto plan = Discover(opts);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  auto kinds = ByKind(*plan);
  EXPECT_EQ(kinds["chunk"], ChunksOf("h.table_name = 'metrics'"));
  EXPECT_EQ(kinds["compressed_chunk"], ChunksOf("h.compression_state = 2"));
  EXPECT_EQ(kinds.count("table"), 0u);
  // Catalog rows of metrics (and its compressed hypertable) only.
  const auto* chunk = Find(*plan, "_timescaledb_catalog.chunk");
  ASSERT_NE(chunk, nullptr);
  auto rows = conn_.Exec("SELECT count(*) FROM _timescaledb_catalog.chunk " + chunk->copy_filter);
  ASSERT_TRUE(rows.ok()) << chunk->copy_filter << ": " << rows.status().message();
  EXPECT_EQ(rows->GetInt(0, 0), 4) << "3 chunks and 1 companion";
  const auto* job = Find(*plan, "_timescaledb_catalog.bgw_job");
  ASSERT_NE(job, nullptr);
  auto jobs = conn_.Exec("SELECT count(*) FROM _timescaledb_catalog.bgw_job " + job->copy_filter);
  ASSERT_TRUE(jobs.ok()) << job->copy_filter << ": " << jobs.status().message();
  EXPECT_EQ(jobs->GetInt(0, 0), 1) << "the compression policy";
  const auto* ht = Find(*plan, "_timescaledb_catalog.hypertable");
  auto hts = conn_.Exec("SELECT table_name FROM _timescaledb_catalog.hypertable " +
                        ht->copy_filter + " ORDER BY compression_state");
  ASSERT_TRUE(hts.ok()) << ht->copy_filter;
  EXPECT_EQ(hts->rows(), 2);
  EXPECT_EQ(hts->GetString(0, 0), "metrics");
  // Every filter is valid SQL on its table.
  for (const auto& t : plan->tables) {
    if (t.kind != TableKind::kExtensionConfig) continue;
    auto ok = conn_.Exec("SELECT count(*) FROM " + engine::QualifiedName(t.schema, t.name) + " " +
                         t.copy_filter);
    EXPECT_TRUE(ok.ok()) << t.name << " " << t.copy_filter << ": " << ok.status().message();
  }
}

TEST_F(DiscoveryTimescaleTest, ExcludingAHypertableExcludesItsChunks) {
  DiscoveryOptions opts;
  opts.exclude_tables = {"metrics"};
  auto plan = Discover(opts);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  auto kinds = ByKind(*plan);
  std::set<std::string> expected =
      ChunksOf("h.table_name <> 'metrics' AND h.compression_state <> 2");
  EXPECT_EQ(kinds["chunk"], expected);
  EXPECT_EQ(kinds.count("compressed_chunk"), 0u);
  // The catalog keeps the rows of the other hypertables only.
  const auto* chunk = Find(*plan, "_timescaledb_catalog.chunk");
  ASSERT_NE(chunk, nullptr);
  auto rows =
      conn_.Exec("SELECT schema_name || '.' || table_name FROM _timescaledb_catalog.chunk " +
                 chunk->copy_filter);
  ASSERT_TRUE(rows.ok()) << chunk->copy_filter << ": " << rows.status().message();
  std::set<std::string> kept;
  for (int i = 0; i < rows->rows(); ++i) kept.insert(rows->GetString(i, 0));
  EXPECT_EQ(kept, expected);
  auto whole = Discover();
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(Find(*whole, "_timescaledb_catalog.chunk")->copy_filter, "")
      << "without filters the catalog is dumped whole";
}

TEST_F(DiscoveryTimescaleTest, ContinuousAggregateFollowsItsView) {
  DiscoveryOptions opts;
  opts.include_tables = {"metrics_daily"};
  auto plan = Discover(opts);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  auto kinds = ByKind(*plan);
  EXPECT_EQ(kinds["chunk"], ChunksOf("h.table_name LIKE '\\_materialized%'"));
  EXPECT_EQ(kinds.count("compressed_chunk"), 0u);
}

}  // namespace
}  // namespace hyperdump
