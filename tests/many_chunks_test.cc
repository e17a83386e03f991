// Many chunks (issue 18), on the real TimescaleDB: a hypertable of 10,000
// one-hour chunks, some compressed, dumped and restored through the binary
// (about 2 minutes, most of it building the source; not in the sanitizer
// stage; bench/chunks_bench.sh runs 10,000 and 100,000 with the peers). Asserts outcomes, never
// times: the round trip is identical, no server notice reaches the user, every chunk has its own
// verified file, and both sides run the batched job counts (tens of jobs, not thousands).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "engine/compare.h"
#include "engine/pg/pg.h"
#include "format/reader.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

namespace fs = std::filesystem;
using engine::PgConnection;

// The "jobs_done" of the JSON log's summary line ("" when absent).
int64_t JobsDone(const std::string& log) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("event", "") == "summary") return j.value("jobs_done", -1);
  }
  return -1;
}

constexpr int kChunks = 10000;

TEST(ManyChunksTest, TenThousandChunksRoundTripInBatchedJobsWithoutNotices) {
  HD_REQUIRE_TIMESCALEDB();
  testing::ScratchDatabase src("chunks_src"), dst("chunks_dst");
  PgConnection s = src.Connect();
  ASSERT_TRUE(s.ok());
  Status built = s.Run(R"(
    SET client_min_messages = error;
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    CREATE TABLE public.m (t timestamptz NOT NULL, device int, v double precision);
    SELECT create_hypertable('public.m', 't', chunk_time_interval => interval '1 hour');
    INSERT INTO public.m SELECT timestamptz '2024-01-01' + i * interval '1 hour'
      + j * interval '20 minutes', j, i + j FROM generate_series(0, 9999) i, generate_series(0, 2) j;
    CREATE INDEX ON public.m (device, t);
    ALTER TABLE public.m SET (timescaledb.compress, timescaledb.compress_segmentby = 'device');
    SELECT count(compress_chunk(c)) FROM (SELECT c FROM show_chunks('public.m') c
      ORDER BY 1 LIMIT 40) x;)");
  ASSERT_TRUE(built.ok()) << built.message();
  ASSERT_EQ(testing::QueryValue(s, "SELECT count(*) FROM show_chunks('public.m')"),
            std::to_string(kChunks));

  char tmpl[] = "/tmp/hd-many-chunks.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = std::string(tmpl) + "/archive";
  testing::CommandResult dump = testing::RunCommand(
      "", {HYPERDUMP_BIN, "dump", "-d", src.uri(), "-f", dir, "-j", "2", "--log-format", "json"},
      tmpl);
  ASSERT_EQ(dump.exit_code, 0) << dump.err.substr(0, 4000);
  EXPECT_EQ(dump.err.find("NOTICE"), std::string::npos) << "no server notice reaches the user";
  const int64_t dump_jobs = JobsDone(dump.err);
  EXPECT_GT(dump_jobs, 0);
  EXPECT_LT(dump_jobs, kChunks / 50) << "small chunks are copied in batches";

  // A verified file per chunk (the batches keep one file per table).
  auto archive = format::ArchiveReader::Open(dir);
  ASSERT_TRUE(archive.ok()) << archive.status().message();
  size_t chunk_files = 0;
  for (const format::FileEntry& f : (*archive)->manifest().files) {
    if (f.meta.value("schema", "") == "_timescaledb_internal") ++chunk_files;
  }
  EXPECT_GE(chunk_files,
            static_cast<size_t>(kChunks));  // the chunks, plus the compressed chunks' own tables
  testing::CommandResult verify = testing::RunCommand("", {HYPERDUMP_BIN, "verify", dir}, tmpl);
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

  testing::CommandResult restore = testing::RunCommand(
      "", {HYPERDUMP_BIN, "restore", "-d", dst.uri(), "-j", "2", "--log-format", "json", dir},
      tmpl);
  ASSERT_EQ(restore.exit_code, 0) << restore.err.substr(0, 4000);
  EXPECT_EQ(restore.err.find("NOTICE"), std::string::npos);
  const int64_t restore_jobs = JobsDone(restore.err);
  EXPECT_GT(restore_jobs, 0);
  EXPECT_LT(restore_jobs, kChunks / 32)
      << "small chunks are loaded, indexed and analyzed in batches";

  auto a = engine::DigestDatabase(src.uri());
  auto b = engine::DigestDatabase(dst.uri());
  ASSERT_TRUE(a.ok() && b.ok());
  engine::CompareReport report = engine::CompareDigests(*a, *b);
  EXPECT_TRUE(report.ok()) << report.different.size() << " different, " << report.missing.size()
                           << " missing, " << report.extra.size() << " extra";
  // Every chunk's index is there, and the chunks were analyzed.
  PgConnection t = dst.Connect();
  EXPECT_EQ(testing::QueryValue(t,
                                "SELECT count(*) FROM pg_indexes WHERE schemaname = "
                                "'_timescaledb_internal' AND indexdef LIKE '%(device, t)%'"),
            testing::QueryValue(s,
                                "SELECT count(*) FROM pg_indexes WHERE schemaname = "
                                "'_timescaledb_internal' AND indexdef LIKE '%(device, t)%'"));
  EXPECT_EQ(testing::QueryValue(t,
                                "SELECT count(*) = 0 FROM pg_class c JOIN pg_namespace n ON "
                                "n.oid = c.relnamespace WHERE n.nspname = "
                                "'_timescaledb_internal' AND c.relkind = 'r' AND "
                                "c.relname LIKE '\\_hyper\\_%' AND c.reltuples < 0"),
            "t");
  fs::remove_all(tmpl);
}

}  // namespace
}  // namespace hyperdump
