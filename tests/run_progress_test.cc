// Integration tests of what dump and restore report to the user about their
// progress (engine/run_observer.h, engine/run_phases.h, cli/ui), against the
// throwaway server of scripts/with-pg:
//  - `--log-format json` carries the phases, in order, and an estimate, and
//    the summary event lists the same phases with their durations;
//  - the end-of-run summary (ui::RunSummary, from the scheduler's events)
//    and engine::RestoreSummary count the same jobs and rows, which are the
//    archive's rows, also when --resume finishes an interrupted restore.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/demo_data.h"
#include "cli/ui/run_ui.h"
#include "cli/ui_observer.h"
#include "engine/dump/dump.h"
#include "engine/pg/pg.h"
#include "engine/restore/restore.h"
#include "format/reader.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

namespace fs = std::filesystem;
using engine::PgConnection;
using testing::ScratchDatabase;

std::atomic<bool> no_interrupt{false};

using RunResult = testing::CommandResult;

// Runs the hyperdump binary with `args` (`env` prepended, "K=V ..."),
// keeping stdout and stderr apart (the JSON log is on stderr). With a test
// hook in `env` (HYPERDUMP_TEST_...), the test build of it, which alone reads
// them (tests/fault_injection/).
RunResult RunHyperdump(const std::string& env, const std::vector<std::string>& args,
                       const std::string& tmp) {
  std::vector<std::string> argv = {env.rfind("HYPERDUMP_TEST_", 0) == 0 ? HYPERDUMP_FAULT_BIN
                                                                        : HYPERDUMP_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunCommand(env, argv, tmp);
}

// Every line of `text` as JSON; a line that is not JSON fails the test.
std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "not a JSON line: " << line;
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

std::vector<std::string> PhaseEvents(const std::vector<nlohmann::json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.value("event", "") == "phase") out.push_back(e.value("phase", ""));
  }
  return out;
}

// The archive's data files: decoded bytes and rows, as the manifest says.
struct ArchiveTotals {
  uint64_t bytes = 0, rows = 0;
};
ArchiveTotals Totals(const std::string& archive) {
  ArchiveTotals t;
  auto reader = format::ArchiveReader::Open(archive);
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  if (!reader.ok()) return t;
  for (const format::FileEntry& f : (*reader)->manifest().files) {
    if (f.kind != format::FileKind::kData) continue;
    t.bytes += f.uncompressed_bytes;
    t.rows += f.rows.value_or(0);
  }
  return t;
}

class RunProgressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TEST_SERVER();
    char tmpl[] = "/tmp/hd-progress-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }

  // A demo database (TimescaleDB when the server has it, which adds the
  // catalog and pre_restore phases).
  void BuildSource(ScratchDatabase& src) {
    PgConnection conn = src.Connect();
    bench::DemoOptions demo;
    demo.target_bytes = 3ull << 20;
    demo.partitions = 4;
    auto built = bench::BuildDemo(conn, demo);
    ASSERT_TRUE(built.ok()) << built.status().message();
    timescaledb_ = built->timescaledb != "none";
  }

  std::string tmp_;
  bool timescaledb_ = false;
};

TEST_F(RunProgressTest, JsonLogCarriesPhasesInOrderAnEstimateAndTheirDurations) {
  ScratchDatabase src("progress_json_src");
  ScratchDatabase dst("progress_json_dst");
  BuildSource(src);
  const std::string archive = tmp_ + "/archive";

  RunResult dump = RunHyperdump("",
                                {"dump", "-d", src.uri(), "-f", archive, "-j", "2",
                                 "--split-larger-than", "256kB", "--log-format", "json"},
                                tmp_);
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_EQ(dump.out, "");  // JSON mode: nothing but the log, on stderr
  std::vector<nlohmann::json> events = JsonLines(dump.err);
  ASSERT_FALSE(events.empty());
  const std::vector<std::string> dump_phases = {"snapshot", "locks", "schema and data", "finish"};
  EXPECT_EQ(PhaseEvents(events), dump_phases);
  // The estimate comes after discovery (in "snapshot"), before any data job.
  auto estimate = std::find_if(events.begin(), events.end(),
                               [](const auto& e) { return e.value("event", "") == "estimate"; });
  ASSERT_NE(estimate, events.end());
  // Rows (reltuples: the demo is analyzed), or bytes when some table is not.
  EXPECT_GT((*estimate)["rows"].get<uint64_t>() + (*estimate)["bytes"].get<uint64_t>(), 0u);
  auto first_job = std::find_if(events.begin(), events.end(),
                                [](const auto& e) { return e.value("event", "") == "started"; });
  EXPECT_LT(estimate - events.begin(), first_job - events.begin());
  const nlohmann::json& dump_summary = events.back();
  ASSERT_EQ(dump_summary.value("event", ""), "summary");
  std::vector<std::string> listed;
  for (const auto& p : dump_summary["phases"]) {
    listed.push_back(p["phase"]);
    EXPECT_GE(p["duration_ms"].get<int64_t>(), 0);
  }
  EXPECT_EQ(listed, dump_phases);
  const ArchiveTotals totals = Totals(archive);
  EXPECT_EQ(dump_summary["rows"].get<uint64_t>(), totals.rows);

  RunResult restore = RunHyperdump(
      "", {"restore", "-d", dst.uri(), "-j", "2", "--log-format", "json", archive}, tmp_);
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  events = JsonLines(restore.err);
  ASSERT_FALSE(events.empty());
  std::vector<std::string> phases = PhaseEvents(events);
  // Every phase in this order; "analyze" is named only when ANALYZE jobs are
  // what is left once the rest of post-data is done.
  std::vector<std::string> expected = {"checks"};
  if (timescaledb_) expected.push_back("pre_restore");
  for (const char* p : {"pre-data", "catalog", "data", "post-data"}) expected.push_back(p);
  std::vector<std::string> without_analyze = phases;
  without_analyze.erase(std::remove(without_analyze.begin(), without_analyze.end(), "analyze"),
                        without_analyze.end());
  expected.push_back(timescaledb_ ? "post_restore" : "finish");
  EXPECT_EQ(without_analyze, expected) << ::testing::PrintToString(phases);
  EXPECT_LE(phases.size(), expected.size() + 1);
  // The restore's estimate is exact: the manifest's bytes and rows.
  estimate = std::find_if(events.begin(), events.end(),
                          [](const auto& e) { return e.value("event", "") == "estimate"; });
  ASSERT_NE(estimate, events.end());
  EXPECT_EQ((*estimate)["bytes"].get<uint64_t>(), totals.bytes);
  EXPECT_EQ((*estimate)["rows"].get<uint64_t>(), totals.rows);
  const nlohmann::json& summary = events.back();
  ASSERT_EQ(summary.value("event", ""), "summary");
  listed.clear();
  for (const auto& p : summary["phases"]) listed.push_back(p["phase"]);
  EXPECT_EQ(listed, phases);
  EXPECT_EQ(summary["rows"].get<uint64_t>(), totals.rows);
  EXPECT_EQ(summary["bytes"].get<uint64_t>(), totals.bytes);
}

// What the user sees at the end (ui::RunSummary) against what the restore
// counted (engine::RestoreSummary) and what the archive holds.
void ExpectSummariesAgree(const ui::RunSummary& shown, const engine::RestoreSummary& counted,
                          uint64_t rows_expected, uint64_t bytes_expected) {
  EXPECT_EQ(shown.jobs_done, static_cast<uint64_t>(counted.jobs_run + counted.jobs_skipped));
  EXPECT_EQ(shown.jobs_failed, 0u);
  EXPECT_EQ(shown.rows, static_cast<uint64_t>(counted.rows));
  EXPECT_EQ(shown.bytes, counted.bytes);
  EXPECT_EQ(counted.rows, static_cast<int64_t>(rows_expected));
  EXPECT_EQ(counted.bytes, bytes_expected);
}

// Forwards to the command's UiObserver and keeps the last estimate.
struct EstimateKeeper : engine::RunObserver {
  explicit EstimateKeeper(ui::RunUi& ui) : forward(ui) {}
  void OnPhase(const std::string& name) override { forward.OnPhase(name); }
  void OnEstimate(uint64_t b, uint64_t r) override {
    bytes = b;
    rows = r;
    forward.OnEstimate(b, r);
  }
  void OnWarning(const std::string& text) override { forward.OnWarning(text); }
  cli::UiObserver forward;
  uint64_t bytes = 0, rows = 0;
};

struct Restored {
  ui::RunSummary shown;
  engine::RestoreSummary counted;
  ArchiveTotals estimate;
};

// Restores `archive` into `target` in-process, through a quiet RunUi as the
// command does; returns both summaries and the estimate.
Restored RestoreWithUi(const std::string& archive, const std::string& target, bool resume) {
  ui::UiOptions uo;
  uo.command = "restore";
  uo.quiet = true;
  uo.out = nullptr;
  auto ui = ui::RunUi::Create(uo);
  EXPECT_TRUE(ui.ok());
  engine::RestoreOptions o;
  o.target = target;
  o.archive_dir = archive;
  o.jobs = 2;
  o.resume = resume;
  engine::RestoreSummary counted;
  EstimateKeeper observer(**ui);
  Status s = engine::RunRestore(o, no_interrupt, (*ui)->sink(), &counted, &observer);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE((*ui)->Finish(s).ok());
  return {(*ui)->summary(), counted, {observer.bytes, observer.rows}};
}

TEST_F(RunProgressTest, SummaryCountsTheSameJobsAndRowsAsTheRestoreAndTheArchive) {
  ScratchDatabase src("progress_count_src");
  BuildSource(src);
  const std::string archive = tmp_ + "/archive";
  engine::DumpOptions d;
  d.source = src.uri();
  d.dir = archive;
  d.jobs = 2;
  d.selection.split_larger_than = 256 << 10;
  d.tool_version = "test";
  ASSERT_TRUE(engine::RunDump(d, no_interrupt).ok());
  const ArchiveTotals totals = Totals(archive);
  ASSERT_GT(totals.rows, 0u);

  {
    SCOPED_TRACE("a whole restore");
    ScratchDatabase dst("progress_count_dst");
    auto [shown, counted, estimate] = RestoreWithUi(archive, dst.uri(), false);
    ExpectSummariesAgree(shown, counted, totals.rows, totals.bytes);
    EXPECT_EQ(counted.jobs_skipped, 0);
    EXPECT_GT(counted.schema_items, 0);
    EXPECT_EQ(estimate.rows, totals.rows);
    EXPECT_EQ(estimate.bytes, totals.bytes);
    // Every phase is timed in the summary.
    ASSERT_GE(shown.phases.size(), 5u);
    EXPECT_EQ(shown.phases.front().name, "checks");
  }
  {
    SCOPED_TRACE("--resume after a crash");
    ScratchDatabase dst("progress_resume_dst");
    RunResult crashed = RunHyperdump("HYPERDUMP_TEST_CRASH_AFTER_JOBS=6",
                                     {"restore", "-d", dst.uri(), "-j", "2", archive}, tmp_);
    ASSERT_EQ(crashed.exit_code, 137) << crashed.err;
    PgConnection conn = dst.Connect();
    auto before = conn.Exec("SELECT job, coalesce(rows, 0) FROM _hyperdump.restore_ledger");
    ASSERT_TRUE(before.ok()) << before.status().message();
    // What the crashed run committed: the ledger's rows, and the bytes of
    // the data files its keys name ("data:FILE", "catalog": every
    // extension configuration table's file).
    std::set<std::string> keys;
    uint64_t rows_before = 0, bytes_before = 0;
    for (int i = 0; i < before->rows(); ++i) {
      keys.insert(before->GetString(i, 0));
      rows_before += static_cast<uint64_t>(before->GetInt(i, 1));
    }
    auto reader = format::ArchiveReader::Open(archive);
    ASSERT_TRUE(reader.ok());
    for (const format::FileEntry& f : (*reader)->manifest().files) {
      if (f.kind != format::FileKind::kData) continue;
      bool catalog = f.meta.value("kind", "") == "extension_config";
      if (keys.count(catalog ? "catalog" : "data:" + f.name)) bytes_before += f.uncompressed_bytes;
    }
    auto [shown, counted, estimate] = RestoreWithUi(archive, dst.uri(), true);
    // This run's rows and bytes are the archive's less those committed
    // before, as estimated; the summary's jobs include the jobs found done.
    ExpectSummariesAgree(shown, counted, totals.rows - rows_before, totals.bytes - bytes_before);
    EXPECT_EQ(estimate.rows, totals.rows - rows_before);
    EXPECT_EQ(estimate.bytes, totals.bytes - bytes_before);
    EXPECT_GT(counted.jobs_skipped, 0);
  }
}

// Server notices on any connection of a run reach the observer, never the
// terminal raw: in JSON mode one "warning" event each, with severity,
// SQLSTATE and message; in text mode one "hyperdump: warning: server ..."
// line each. A message repeated is shown once, then counted.
std::string ReadFile(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  return out;
}

TEST(ServerNoticeTest, ReachTheUiOnceEachWithSeverityAndSqlstateNeverRaw) {
  HD_REQUIRE_TEST_SERVER();
  ScratchDatabase db("notices");
  const std::string raise =
      "DO $$ BEGIN RAISE NOTICE 'chunk data moved'; "
      "RAISE WARNING 'disk almost full' USING ERRCODE = '01000', DETAIL = 'at 95%'; END $$";
  for (const std::string format : {"json", "text"}) {
    SCOPED_TRACE(format);
    std::FILE* out = std::tmpfile();
    ASSERT_NE(out, nullptr);
    ui::UiOptions o;
    o.command = "dump";
    o.log_format = format;
    o.out = out;
    o.progress_mode = ui::ProgressSink::Mode::kPlain;
    auto ui = ui::RunUi::Create(o);
    ASSERT_TRUE(ui.ok()) << ui.status().message();
    {
      cli::UiObserver observer(**ui);
      engine::NoticeForwarder forward(observer);
      PgConnection a = db.Connect();
      PgConnection b = db.Connect();
      ASSERT_TRUE(a.Run(raise).ok());
      ASSERT_TRUE(b.Run(raise).ok());  // the same two messages, from another session
    }
    ASSERT_TRUE((*ui)->Finish(Status::Ok()).ok());
    const std::string text = ReadFile(out);
    std::fclose(out);
    EXPECT_EQ(text.find("NOTICE:  "), std::string::npos) << text;  // libpq's raw form
    EXPECT_EQ(text.find("DETAIL:  "), std::string::npos) << text;
    if (format == "json") {
      std::vector<nlohmann::json> warnings;
      for (const auto& j : JsonLines(text)) {
        if (j.value("event", "") == "warning" && j.value("source", "") == "server") {
          warnings.push_back(j);
        }
      }
      ASSERT_EQ(warnings.size(), 2u) << text;
      EXPECT_EQ(warnings[0]["severity"], "NOTICE");
      EXPECT_EQ(warnings[0]["sqlstate"], "00000");
      EXPECT_EQ(warnings[0]["message"], "NOTICE 00000: chunk data moved");
      EXPECT_EQ(warnings[1]["severity"], "WARNING");
      EXPECT_EQ(warnings[1]["sqlstate"], "01000");
      EXPECT_EQ(warnings[1]["message"], "WARNING 01000: disk almost full (at 95%)");
      EXPECT_NE(text.find("repeated \\\"NOTICE 00000: chunk data moved\\\" 1 more time"),
                std::string::npos)
          << text;
    } else {
      EXPECT_NE(text.find("hyperdump: warning: server NOTICE 00000: chunk data moved\n"),
                std::string::npos)
          << text;
      EXPECT_NE(text.find("hyperdump: warning: server WARNING 01000: disk almost full (at 95%)\n"),
                std::string::npos)
          << text;
      EXPECT_NE(text.find("the server repeated \"WARNING 01000: disk almost full (at 95%)\" 1 "
                          "more time"),
                std::string::npos)
          << text;
    }
  }
}

}  // namespace
}  // namespace hyperdump
