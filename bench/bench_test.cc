// The pure parts of `hyperdump bench`: -j parsing, version lines, the
// equality check that gates every timed run, and the report's two forms.
#include "bench/bench.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bench/bench_db.h"

namespace hyperdump::bench {

using engine::TableDigest;
namespace {

TEST(ParseJobsList, AcceptsCommaSeparatedCounts) {
  auto jobs = ParseJobsList("1,2,16");
  ASSERT_TRUE(jobs.ok()) << jobs.status().message();
  EXPECT_EQ(*jobs, (std::vector<int>{1, 2, 16}));
  auto one = ParseJobsList("4");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, std::vector<int>{4});
}

TEST(ParseJobsList, RejectsAnythingElseNamingTheFlag) {
  for (const char* bad : {"", "0", "1,,2", "a", "2,", "-1", "257", "1.5", " 1"}) {
    auto jobs = ParseJobsList(bad);
    ASSERT_FALSE(jobs.ok()) << "'" << bad << "' was accepted";
    EXPECT_EQ(jobs.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(jobs.status().message().find("-j/--jobs"), std::string::npos);
  }
}

TEST(ParsePgMajor, ReadsTheMajorOfVersionLines) {
  EXPECT_EQ(ParsePgMajor("pg_dump (PostgreSQL) 15.5 (Debian 15.5-0+deb12u1)"), 15);
  EXPECT_EQ(ParsePgMajor("pg_restore (PostgreSQL) 16.1"), 16);
  EXPECT_EQ(ParsePgMajor("pg_dump (PostgreSQL) 17devel"), 17);
  EXPECT_EQ(ParsePgMajor("nonsense"), 0);
}

TEST(ConninfoWithDatabase, ReplacesOnlyTheDatabase) {
  auto uri = ConninfoWithDatabase("postgresql://u@h:5433/postgres?sslmode=disable", "x y");
  ASSERT_TRUE(uri.ok()) << uri.status().message();
  EXPECT_NE(uri->find("host='h'"), std::string::npos) << *uri;
  EXPECT_NE(uri->find("port='5433'"), std::string::npos) << *uri;
  EXPECT_NE(uri->find("sslmode='disable'"), std::string::npos) << *uri;
  EXPECT_NE(uri->find("dbname='x y'"), std::string::npos) << *uri;
  EXPECT_EQ(uri->find("postgres'"), std::string::npos) << *uri;
  auto kv = ConninfoWithDatabase("dbname=postgres host=/tmp", "hyperdump_bench_1");
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ(*kv, "host='/tmp' dbname='hyperdump_bench_1'");
  EXPECT_FALSE(ConninfoWithDatabase("host='unterminated", "x").ok());
}

TEST(VerifyEqual, PassesEqualDigestsAndNamesEveryDifferingTable) {
  std::map<std::string, TableDigest> source = {{"demo.orders", {10, "123", ""}},
                                               {"demo.regions", {3, "7", ""}}};
  EXPECT_TRUE(VerifyEqual(source, source, "pg_restore -j 2", "hyperdump_bench_1_pg_j2").ok());
  auto target = source;
  target["demo.orders"] = {9, "100", ""};
  target.erase("demo.regions");
  Status st = VerifyEqual(source, target, "pg_restore -j 2", "hyperdump_bench_1_pg_j2");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(ExitCodeFor(st), kExitOk);
  EXPECT_NE(st.message().find("pg_restore -j 2"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("hyperdump_bench_1_pg_j2"), std::string::npos);
  EXPECT_NE(st.message().find("DIFFERENT  demo.orders"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("MISSING    demo.regions"), std::string::npos) << st.message();
}

BenchReport SampleReport() {
  BenchReport r;
  r.source_db = kBenchSourceDb;
  r.size_text = "10MB";
  r.timescaledb = "none";
  r.source_bytes = 20'000'000;
  r.source_rows = 100'000;
  r.source_tables = 12;
  r.server_major = r.client_major = 15;
  r.pg_bindir = "/usr/lib/postgresql/15/bin";
  r.runs = {{"hyperdump", "dump", 2, 0.5, 4'000'000, 4.0},
            {"pg_dump -Fd", "dump", 2, 2.0, 5'000'000, 1.0}};
  return r;
}

TEST(FormatBench, TableHasARowPerRunWithEveryColumn) {
  std::string table = FormatBenchTable(SampleReport());
  for (const char* column :
       {"tool", "step", "jobs", "seconds", "MiB/s", "rows/s", "archive", "ratio"}) {
    EXPECT_NE(table.find(column), std::string::npos) << column << " in\n" << table;
  }
  // 20,000,000 B / 0.5 s = 38.1 MiB/s, 100000 rows / 0.5 s = 200000 rows/s;
  // the archive's 4,000,000 B = 3.8 MiB.
  EXPECT_NE(table.find("hyperdump          dump        2      0.50      38.1       200000"
                       "     3.8 MiB   4.00x"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("19.1 MiB on disk"), std::string::npos) << table;
  EXPECT_NE(table.find("pg_dump -Fd        dump        2      2.00       9.5        50000"),
            std::string::npos)
      << table;
}

TEST(FormatBench, JsonCarriesTheSameFigures) {
  auto j = nlohmann::json::parse(FormatBenchJson(SampleReport()));
  EXPECT_EQ(j["source"]["rows"], 100000);
  EXPECT_EQ(j["postgresql"]["client_major"], 15);
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["tool"], "hyperdump");
  EXPECT_DOUBLE_EQ(j["runs"][0]["mb_per_s"].get<double>(), 40.0);
  EXPECT_DOUBLE_EQ(j["runs"][0]["rows_per_s"].get<double>(), 200000.0);
  EXPECT_DOUBLE_EQ(j["runs"][0]["ratio"].get<double>(), 4.0);
  EXPECT_EQ(j["runs"][1]["archive_bytes"], 5000000);
}

}  // namespace
}  // namespace hyperdump::bench
