// Integration tests of engine/compare.h on the real TimescaleDB: two
// databases built alike compare equal, compressed chunks included; one row
// changed inside a compressed chunk makes them unequal, and the report names
// the hypertable, not only an internal chunk.
#include "engine/compare.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>

#include "engine/dump/dump.h"
#include "engine/pg/pg.h"
#include "engine/restore/restore.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

using engine::PgConnection;

// A hypertable with compressed chunks (segmentby, orderby) and plain ones,
// built the same way every time: the same chunk names, the same rows.
void BuildMetrics(testing::ScratchDatabase& db) {
  PgConnection c = db.Connect();
  ASSERT_TRUE(c.ok());
  const char* sql = R"(
    CREATE EXTENSION timescaledb;
    CREATE TABLE public.metrics (t timestamptz NOT NULL, device int, v double precision);
    SELECT create_hypertable('public.metrics', 't', chunk_time_interval => interval '1 day');
    INSERT INTO public.metrics SELECT timestamptz '2024-01-01' + i * interval '10 minutes',
      i % 5, i * 0.5 FROM generate_series(0, 1000) i;
    ALTER TABLE public.metrics SET (timescaledb.compress,
      timescaledb.compress_segmentby = 'device', timescaledb.compress_orderby = 't');
    SELECT compress_chunk(c)
      FROM (SELECT c FROM show_chunks('public.metrics') c ORDER BY 1 LIMIT 3) s;)";
  Status s = c.Run(sql);
  ASSERT_TRUE(s.ok()) << s.message();
}

// The logical digest is the sum of the chunks' digests, never a query
// through the root (which PostgreSQL plans over every chunk at once): it
// must equal what that query would give, compressed chunks included.
TEST(CompareTest, HypertableDigestEqualsOneQueryThroughItsRoot) {
  HD_REQUIRE_TIMESCALEDB();
  testing::ScratchDatabase a("compare_root");
  BuildMetrics(a);
  PgConnection c = a.Connect();
  auto root = c.Exec(
      "SELECT count(*), coalesce(sum(hashtextextended(ROW(hd_row_.*)::text, 0)::numeric), 0)"
      " FROM public.metrics AS hd_row_");
  ASSERT_TRUE(root.ok()) << root.status().message();
  auto digests = engine::DigestDatabase(a.uri());
  ASSERT_TRUE(digests.ok()) << digests.status().message();
  const engine::TableDigest& d = digests->at(engine::HypertableKey("public.metrics"));
  EXPECT_EQ(d.rows, 1001);
  EXPECT_EQ(d.rows, root->GetInt(0, 0));
  EXPECT_EQ(d.hash, root->GetString(0, 1));
}

TEST(CompareTest, OneRowChangedInACompressedChunkIsReportedNamingTheHypertable) {
  HD_REQUIRE_TIMESCALEDB();
  testing::ScratchDatabase a("compare_a");
  testing::ScratchDatabase b("compare_b");
  BuildMetrics(a);
  // b: a copy of a, by hyperdump (the catalog holds creation times and ids
  // that a second build would not repeat).
  char dir[] = "/tmp/hd-compare-test.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string archive = std::string(dir) + "/archive";
  std::atomic<bool> no_interrupt{false};
  engine::DumpOptions o;
  o.source = a.uri();
  o.dir = archive;
  o.tool_version = "test";
  Status s = engine::RunDump(o, no_interrupt);
  ASSERT_TRUE(s.ok()) << s.message();
  engine::RestoreOptions r;
  r.target = b.uri();
  r.archive_dir = archive;
  r.jobs = 2;
  s = engine::RunRestore(r, no_interrupt);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(s.ok()) << s.message();

  auto same = engine::CompareDatabases(a.uri(), b.uri());
  ASSERT_TRUE(same.ok()) << same.status().message();
  EXPECT_TRUE(same->ok()) << ::testing::PrintToString(same->different);
  EXPECT_NE(
      std::find(same->equal.begin(), same->equal.end(), engine::HypertableKey("public.metrics")),
      same->equal.end());

  // One value changed in the first (compressed) chunk, which is compressed
  // again: same row count everywhere.
  PgConnection c = b.Connect();
  s = c.Run(
      "SELECT decompress_chunk(c) FROM (SELECT c FROM show_chunks('public.metrics') c"
      "  ORDER BY 1 LIMIT 1) s;"
      "UPDATE public.metrics SET v = -1 WHERE t = '2024-01-01 00:00+00';"
      "SELECT compress_chunk(c) FROM (SELECT c FROM show_chunks('public.metrics') c"
      "  ORDER BY 1 LIMIT 1) s;");
  ASSERT_TRUE(s.ok()) << s.message();
  auto differ = engine::CompareDatabases(a.uri(), b.uri());
  ASSERT_TRUE(differ.ok()) << differ.status().message();
  EXPECT_FALSE(differ->ok());
  ASSERT_FALSE(differ->different.empty());
  bool names_chunk = false, names_hypertable = false;
  for (const std::string& d : differ->different) {
    // The chunk as TimescaleDB reads it (decompressed); its companion was
    // replaced by recompression, so it is missing on one side, extra on the
    // other.
    if (d ==
        "public.metrics (chunk _timescaledb_internal._hyper_1_1_chunk): source 144 rows, "
        "target 144 rows (same count, different content)") {
      names_chunk = true;
    }
    if (d == engine::HypertableKey("public.metrics") +
                 ": source 1001 rows, target 1001 rows (same count, different content)") {
      names_hypertable = true;
    }
  }
  EXPECT_TRUE(names_chunk) << ::testing::PrintToString(differ->different)
                           << ::testing::PrintToString(differ->missing)
                           << ::testing::PrintToString(differ->extra);
  EXPECT_TRUE(names_hypertable) << ::testing::PrintToString(differ->different);
  EXPECT_EQ(differ->missing.size(), 1u) << ::testing::PrintToString(differ->missing);
  EXPECT_EQ(differ->extra.size(), 1u) << ::testing::PrintToString(differ->extra);
}

}  // namespace
}  // namespace hyperdump
