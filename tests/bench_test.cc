// `hyperdump bench` against the real server (the binary, as users run it):
// the table and the JSON hold a verified row per tool, step and -j, only
// hyperdump_bench_* databases are created and dropped, archives go away
// (or stay with --keep), and bad flags or client programs are refused.
// No timing is asserted: only that the figures exist and are positive.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/compare.h"
#include "engine/pg/pg.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDatabase;
using testing::TestServerUri;

using testing::ShellQuote;
using RunResult = testing::CommandResult;

class BenchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TEST_SERVER();
    char templ[] = "/tmp/hd-bench-test.XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    tmp_ = templ;
    fs::create_directory(tmp_ + "/tmpdir");
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }

  // Runs hyperdump with `args` and TMPDIR set to a fresh directory; `env`
  // adds "K=V" settings.
  RunResult Run(const std::vector<std::string>& args, const std::string& env = "") {
    std::vector<std::string> argv = {HYPERDUMP_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunCommand("TMPDIR=" + ShellQuote(tmp_ + "/tmpdir") + " " + env, argv, tmp_);
  }

  // Databases on the server whose name starts with hyperdump_bench_.
  std::set<std::string> BenchDatabases() {
    std::set<std::string> names;
    auto conn = engine::PgConnection::Connect(TestServerUri(), "hyperdump-test");
    EXPECT_TRUE(conn.ok()) << conn.status().message();
    if (!conn.ok()) return names;
    auto r =
        conn->Exec("SELECT datname FROM pg_database WHERE datname LIKE 'hyperdump\\_bench\\_%'");
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return names;
    for (int i = 0; i < r->rows(); ++i) names.insert(r->GetString(i, 0));
    return names;
  }

  bool DatabaseExists(const std::string& name) {
    auto conn = engine::PgConnection::Connect(TestServerUri(), "hyperdump-test");
    if (!conn.ok()) return false;
    auto r = conn->ExecParams("SELECT 1 FROM pg_database WHERE datname = $1", {name});
    return r.ok() && r->rows() == 1;
  }

  bool TmpdirEmpty() { return fs::is_empty(tmp_ + "/tmpdir"); }

  std::string tmp_;
};

// The rows of the table (lines after the header up to the blank line).
std::vector<std::string> TableRows(const std::string& out) {
  std::vector<std::string> rows;
  std::istringstream in(out);
  bool on = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("tool ", 0) == 0) {
      on = true;
      continue;
    }
    if (on && line.empty()) break;
    if (on) rows.push_back(line);
  }
  return rows;
}

TEST_F(BenchTest, PrintsAVerifiedRowPerToolStepAndJobsThenDropsItsTargets) {
  ScratchDatabase other("bench_bystander");  // bench must leave it alone
  ASSERT_FALSE(other.uri().empty());
  HD_REQUIRE_TIMESCALEDB();  // the demo has a hypertable: pg_restore runs the staged procedure
  RunResult r = Run({"bench", "-d", TestServerUri(), "--size", "10MB", "-j", "1,2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  EXPECT_NE(r.out.find("every restored database was compared row for row with the source: equal"),
            std::string::npos)
      << r.out;
  std::istringstream header_finder(r.out);
  bool header = false;
  for (std::string line; std::getline(header_finder, line);) {
    std::istringstream cols(line);
    std::vector<std::string> words{std::istream_iterator<std::string>(cols), {}};
    if (words == std::vector<std::string>{"tool", "step", "jobs", "seconds", "MiB/s", "rows/s",
                                          "archive", "ratio"}) {
      header = true;
    }
  }
  EXPECT_TRUE(header) << r.out;

  // One row per tool, step and -j, in this order, every figure positive.
  std::vector<std::string> rows = TableRows(r.out);
  ASSERT_EQ(rows.size(), 10u) << r.out;
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"hyperdump", "dump"},
      {"hyperdump", "restore"},
      {"hyperdump", "migrate"},
      {"pg_dump -Fd", "dump"},
      {"staged pg_restore", "restore"}};
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& [tool, step] = expected[i % 5];
    const std::string& row = rows[i];
    ASSERT_EQ(row.rfind(tool + " ", 0), 0u) << row;
    std::istringstream rest(row.substr(tool.size()));
    std::string got_step, mb_unit, ratio;
    int jobs = 0;
    double seconds = 0, mbps = 0, rowsps = 0, archive_mb = 0;
    rest >> got_step >> jobs >> seconds >> mbps >> rowsps >> archive_mb >> mb_unit >> ratio;
    EXPECT_EQ(got_step, step) << row;
    EXPECT_EQ(jobs, i < 5 ? 1 : 2) << row;
    EXPECT_GT(seconds, 0) << row;
    EXPECT_GT(mbps, 0) << row;
    EXPECT_GT(rowsps, 0) << row;
    EXPECT_GT(archive_mb, 0) << row;
    EXPECT_TRUE(mb_unit == "KiB" || mb_unit == "MiB") << row;
    EXPECT_EQ(ratio.back(), 'x') << row;
    EXPECT_GT(std::stod(ratio), 0) << row;
    if (tool != "hyperdump") {
      EXPECT_EQ(ratio, "1.00x") << row;
    }
  }
  EXPECT_NE(r.out.find("TimescaleDB: 2."), std::string::npos) << r.out;

  // Targets dropped, the source kept for the next bench, others untouched,
  // the temporary archives gone.
  EXPECT_EQ(BenchDatabases(), std::set<std::string>{"hyperdump_bench_source"});
  EXPECT_TRUE(DatabaseExists(other.name()));
  EXPECT_TRUE(TmpdirEmpty());
}

TEST_F(BenchTest, JsonParsesWithPositiveFiguresAndKeepKeepsTheArchives) {
  const std::string keep = tmp_ + "/archives";
  RunResult r = Run({"bench", "-d", TestServerUri(), "--size", "10MB", "-j", "2", "--json",
                     "--no-timescaledb", "--shape", "skewed", "--keep", keep, "--drop-source"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << r.out;

  EXPECT_EQ(j["source"]["database"], "hyperdump_bench_source");
  EXPECT_EQ(j["source"]["timescaledb"], "none");
  EXPECT_EQ(j["source"]["shape"], "skewed");
  EXPECT_GT(j["source"]["bytes"].get<double>(), 0);
  EXPECT_GT(j["source"]["rows"].get<double>(), 1000);
  EXPECT_GT(j["source"]["tables"].get<double>(), 5);
  EXPECT_EQ(j["postgresql"]["server_major"], j["postgresql"]["client_major"]);
  ASSERT_EQ(j["runs"].size(), 5u) << r.out;
  std::set<std::string> seen;
  for (const auto& run : j["runs"]) {
    seen.insert(run["tool"].get<std::string>() + "/" + run["operation"].get<std::string>());
    EXPECT_EQ(run["jobs"], 2) << run;
    EXPECT_EQ(run["verified"], true) << run;
    for (const char* field : {"seconds", "mb_per_s", "rows_per_s", "archive_bytes", "ratio"}) {
      ASSERT_TRUE(run[field].is_number()) << field << " in " << run;
      EXPECT_GT(run[field].get<double>(), 0) << field << " in " << run;
    }
  }
  EXPECT_EQ(seen, (std::set<std::string>{"hyperdump/dump", "hyperdump/restore", "hyperdump/migrate",
                                         "pg_dump -Fd/dump", "pg_restore/restore"}));

  // --keep: both archives stay, complete; --drop-source: no bench database left.
  EXPECT_TRUE(fs::exists(keep + "/hyperdump_j2/manifest.json"));
  EXPECT_TRUE(fs::exists(keep + "/hyperdump_migrate_j2/manifest.json"));
  EXPECT_TRUE(fs::exists(keep + "/pg_dump_j2/toc.dat"));
  EXPECT_TRUE(BenchDatabases().empty());
  EXPECT_TRUE(TmpdirEmpty());
}

TEST_F(BenchTest, ABadJobsListIsAUsageErrorNamingTheFlag) {
  for (const char* bad : {"1,x", "0", "2,,4"}) {
    RunResult r = Run({"bench", "-d", TestServerUri(), "-j", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("-j/--jobs: '" + std::string(bad) + "'"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_TRUE(TmpdirEmpty());
}

TEST_F(BenchTest, ClientProgramsOfAnotherMajorAreRefusedNamingTheFix) {
  // A PG_BINDIR whose pg_dump says it is PostgreSQL 99.
  const std::string bindir = tmp_ + "/bin";
  fs::create_directory(bindir);
  for (const char* program : {"pg_dump", "pg_restore"}) {
    std::ofstream(bindir + "/" + program)
        << "#!/bin/sh\necho '" << program << " (PostgreSQL) 99.1'\n";
    fs::permissions(bindir + "/" + program, fs::perms::owner_all);
  }
  std::set<std::string> before = BenchDatabases();
  RunResult r = Run({"bench", "-d", TestServerUri(), "--size", "10MB", "-j", "1"},
                    "PG_BINDIR=" + ShellQuote(bindir));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(bindir + "/pg_dump is \"pg_dump (PostgreSQL) 99.1\" but the server is "
                                "PostgreSQL "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("set PG_BINDIR"), std::string::npos) << r.err;
  EXPECT_EQ(BenchDatabases(), before);  // refused before touching the server
  EXPECT_TRUE(TmpdirEmpty());
}

}  // namespace
}  // namespace hyperdump
