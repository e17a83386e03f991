// The torture suite (ctest label `torture`): hyperdump broken on purpose,
// many times, at random points drawn from a printed seed, each outcome
// checked row for row against the source. See docs/reliability.md.
//
// Replay: HYPERDUMP_TORTURE_SEED=<seed> scripts/with-pg build/tests/torture_test
// (--gtest_filter=... for one scenario). Results: a JSON and a Markdown table
// written to HYPERDUMP_TORTURE_RESULTS (default torture-results.{json,md} in
// the working directory) when the run ends.
//
// Kills are real: SIGKILL to the hyperdump process group (pg_restore and
// pg_dump children included) from this process, at a time drawn from the
// seed, never a hook inside hyperdump.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/demo_data.h"
#include "engine/compare.h"
#include "engine/dump/dump.h"
#include "engine/pg/pg.h"
#include "format/reader.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

namespace fs = std::filesystem;
using engine::PgConnection;
using testing::ScratchDatabase;
using Clock = std::chrono::steady_clock;

// --- Seed and results --------------------------------------------------------

uint64_t Seed() {
  static const uint64_t seed = [] {
    if (const char* s = std::getenv("HYPERDUMP_TORTURE_SEED"); s && *s) {
      return static_cast<uint64_t>(std::strtoull(s, nullptr, 10));
    }
    return static_cast<uint64_t>(std::random_device{}()) << 16 ^
           static_cast<uint64_t>(Clock::now().time_since_epoch().count() & 0xffff);
  }();
  return seed;
}

// One trial's random stream: the same for the same seed, scenario and trial.
std::mt19937_64 TrialRng(const std::string& scenario, int trial) {
  std::seed_seq seq{Seed(), static_cast<uint64_t>(std::hash<std::string>{}(scenario)),
                    static_cast<uint64_t>(trial)};
  return std::mt19937_64(seq);
}

struct ScenarioResult {
  int trials = 0;
  int survived = 0;
  int64_t rows_lost = 0;
  int64_t rows_duplicated = 0;
  std::vector<std::string> notes;  // what happened, one line per trial
};

std::map<std::string, ScenarioResult>& Results() {
  static std::map<std::string, ScenarioResult> results;
  return results;
}

// Writes the results table when the run ends (gtest's environment teardown).
class ResultsWriter : public ::testing::Environment {
 public:
  void SetUp() override {
    std::printf("torture seed: %llu (replay with HYPERDUMP_TORTURE_SEED=%llu)\n",
                static_cast<unsigned long long>(Seed()), static_cast<unsigned long long>(Seed()));
  }
  void TearDown() override {
    if (Results().empty()) return;
    const char* env = std::getenv("HYPERDUMP_TORTURE_RESULTS");
    const std::string base = env && *env ? env : "torture-results";
    nlohmann::json j = {{"seed", std::to_string(Seed())}, {"scenarios", nlohmann::json::array()}};
    std::ostringstream md;
    md << "Seed " << Seed() << ".\n\n"
       << "| scenario | trials | survived | rows lost | rows duplicated |\n"
       << "|---|---|---|---|---|\n";
    for (const auto& [name, r] : Results()) {
      j["scenarios"].push_back({{"scenario", name},
                                {"trials", r.trials},
                                {"survived", r.survived},
                                {"rows_lost", r.rows_lost},
                                {"rows_duplicated", r.rows_duplicated},
                                {"notes", r.notes}});
      md << "| " << name << " | " << r.trials << " | " << r.survived << " | " << r.rows_lost
         << " | " << r.rows_duplicated << " |\n";
    }
    std::ofstream(base + ".json") << j.dump(1) << "\n";
    std::ofstream(base + ".md") << md.str();
    std::printf("torture results: %s.json, %s.md\n%s", base.c_str(), base.c_str(),
                md.str().c_str());
  }
};
[[maybe_unused]] const auto* const kResults =
    ::testing::AddGlobalTestEnvironment(new ResultsWriter);

// --- Running hyperdump -------------------------------------------------------

// A hyperdump process in its own process group, its stdout and stderr in a
// file. Not copyable; waits for the process when it goes away.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& log) : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      FILE* out = std::freopen(log.c_str(), "w", stdout);
      if (out) ::dup2(::fileno(stdout), 2);
      std::vector<char*> argv;
      std::string bin = HYPERDUMP_BIN;
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (std::string& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);
    start_ = Clock::now();
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (!done_) {
      ::kill(-pid_, SIGKILL);
      Wait();
    }
  }

  // Sleeps until `at` after the start, then SIGKILLs the whole group, unless
  // the process ended first. True when it was killed.
  bool KillAt(std::chrono::milliseconds at) {
    while (Clock::now() - start_ < at) {
      if (Finished()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (Finished()) return false;
    ::kill(-pid_, SIGKILL);
    Wait();
    // Children in the group (pg_dump, pg_restore) die with it.
    return true;
  }
  int Wait() {
    if (!done_) {
      int status = 0;
      ::waitpid(pid_, &status, 0);
      done_ = true;
      code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return code_;
  }
  std::string Output() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  double Seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  bool Finished() {
    if (done_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    done_ = true;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  }
  std::string log_;
  pid_t pid_ = -1;
  Clock::time_point start_;
  bool done_ = false;
  int code_ = -1;
};

testing::CommandResult RunHd(const std::vector<std::string>& args, const std::string& scratch) {
  std::vector<std::string> argv = {HYPERDUMP_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunCommand("", argv, scratch);
}

// Seconds since midnight of a JSON log "ts" ("2026-11-29T15:10:00.123Z").
double TsSeconds(const std::string& ts) {
  if (ts.size() < 23) return 0;
  return std::stoi(ts.substr(11, 2)) * 3600 + std::stoi(ts.substr(14, 2)) * 60 +
         std::stod(ts.substr(17, 6));
}

// --- Checking a target -------------------------------------------------------

int64_t Value(PgConnection& c, const std::string& sql) {
  auto r = c.Exec(sql);
  if (!r.ok() || r->rows() != 1) return -1;
  return r->GetInt(0, 0);
}

// Rows lost and duplicated in `target` against `source`, table by table
// (chunks and catalog rows included; hypertables' logical digests left out,
// their chunks count).
struct RowDelta {
  int64_t lost = 0, duplicated = 0;
  bool identical = false;
  std::string differences;
};
RowDelta CompareRows(const std::string& source, const std::string& target) {
  RowDelta d;
  auto a = engine::DigestDatabase(source);
  auto b = engine::DigestDatabase(target);
  if (!a.ok() || !b.ok()) {
    d.differences = (a.ok() ? b.status() : a.status()).message();
    return d;
  }
  for (const auto& [name, digest] : *a) {
    if (!digest.hypertable.empty() && engine::HypertableKey(digest.hypertable) == name) continue;
    auto it = b->find(name);
    const int64_t got = it == b->end() ? 0 : it->second.rows;
    if (got < digest.rows) d.lost += digest.rows - got;
    if (got > digest.rows) d.duplicated += got - digest.rows;
  }
  for (const auto& [name, digest] : *b) {
    if (!a->count(name)) d.duplicated += digest.rows;
  }
  engine::CompareReport report = engine::CompareDigests(*a, *b);
  d.identical = report.ok();
  for (const auto& x : report.different) d.differences += "\n  different: " + x;
  for (const auto& x : report.missing) d.differences += "\n  missing: " + x;
  for (const auto& x : report.extra) d.differences += "\n  extra: " + x;
  return d;
}

// TimescaleDB's restore mode as a new session of `uri` sees it.
bool InRestoreMode(const std::string& uri) {
  auto c = PgConnection::Connect(uri);
  if (!c.ok()) return false;
  auto r = c->Exec("SELECT coalesce(current_setting('timescaledb.restoring', true), 'off')");
  return r.ok() && r->GetString(0, 0) == "on";
}

// User relations of `uri` (nothing outside the extensions' and system schemas).
int64_t UserObjects(const std::string& uri) {
  auto c = PgConnection::Connect(uri);
  if (!c.ok()) return -1;
  return Value(*c,
               "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
               " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
               " AND n.nspname !~ '^(_timescaledb|timescaledb_)'"
               " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid"
               " AND d.deptype = 'e')");
}

// After a kill: waits until the dead restore's sessions have ended (each
// finishes its statement first), then says whether its ledger is there.
enum class Ledger { kPresent, kAbsentEmptyTarget, kGoneAfterFinishing };
Ledger SettleAndCheckLedger(const std::string& uri) {
  auto c = PgConnection::Connect(uri);
  if (!c.ok()) return Ledger::kPresent;
  for (int i = 0; i < 300; ++i) {
    if (Value(*c,
              "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
              " AND pid <> pg_backend_pid() AND (application_name LIKE 'hyperdump restore%'"
              " OR application_name = 'pg_restore')") == 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (Value(*c, "SELECT count(*) FROM pg_namespace WHERE nspname = '_hyperdump'") > 0) {
    return Ledger::kPresent;
  }
  return UserObjects(uri) > 0 ? Ledger::kGoneAfterFinishing : Ledger::kAbsentEmptyTarget;
}

// --- The fixture -------------------------------------------------------------

class TortureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TIMESCALEDB();
    char tmpl[] = "/tmp/hd-torture.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
    src_ = std::make_unique<ScratchDatabase>("torture_src");
    PgConnection conn = src_->Connect();
    ASSERT_TRUE(conn.ok());
    // The real TimescaleDB demo: a hypertable with compressed chunks, a
    // continuous aggregate and policies, plus partitions, inheritance,
    // awkward names and values.
    bench::DemoOptions demo;
    demo.target_bytes = 6ull << 20;
    demo.partitions = 6;
    auto built = bench::BuildDemo(conn, demo);
    ASSERT_TRUE(built.ok()) << built.status().message();
    ASSERT_EQ(built->timescaledb, "real");
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }

  std::string Archive() {
    const std::string dir = tmp_ + "/archive";
    if (fs::exists(dir + "/manifest.json")) return dir;
    testing::CommandResult r = RunHd({"dump", "-d", src_->uri(), "-f", dir, "-j", "2",
                                      "--split-larger-than", "256kB", "--quiet"},
                                     tmp_);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return dir;
  }

  // Job ids scheduled on the source, as text ("1000,1001").
  std::string ScheduledJobs() {
    PgConnection c = src_->Connect();
    auto r = c.Exec(
        "SELECT coalesce(string_agg(job_id::text, ',' ORDER BY job_id), '') FROM "
        "timescaledb_information.jobs WHERE job_id >= 1000 AND scheduled");
    return r.ok() ? r->GetString(0, 0) : "<error>";
  }

  std::string tmp_;
  std::unique_ptr<ScratchDatabase> src_;
};

// 1. Restore killed with SIGKILL at random moments, spread over its phases,
//    then --resume. While it is dead the target is in restore mode (once
//    pre_restore ran) and a plain restore names --resume as the way out;
//    after --resume the target is identical and out of restore mode.
TEST_F(TortureTest, RestoreKilledAtRandomMomentsThenResumedIsIdentical) {
  const std::string archive = Archive();
  // Where the phases fall in time: one restore, with the JSON log.
  std::vector<std::pair<std::string, double>> phases;  // name, start (s)
  double total = 0;
  {
    ScratchDatabase calib("torture_calib");
    Child c({"restore", "-d", calib.uri(), "-j", "2", "--log-format", "json", archive},
            tmp_ + "/calib.log");
    ASSERT_EQ(c.Wait(), 0) << c.Output();
    total = c.Seconds();
    std::istringstream lines(c.Output());
    double first = -1;
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("ts")) continue;
      double ts = TsSeconds(j.value("ts", ""));
      if (first < 0) first = ts;
      if (j.value("event", "") == "phase") phases.emplace_back(j.value("phase", ""), ts - first);
    }
  }
  ASSERT_GE(phases.size(), 5u);
  const int kTrials = 20;
  ScenarioResult& result = Results()["restore SIGKILL + --resume"];
  for (int trial = 0; trial < kTrials; ++trial) {
    std::mt19937_64 rng = TrialRng("restore-kill", trial);
    // Trial i aims at phase i mod n, at a random point inside it.
    const size_t p = static_cast<size_t>(trial) % phases.size();
    const double begin = phases[p].second;
    const double end = p + 1 < phases.size() ? phases[p + 1].second : total;
    const double at = begin + std::uniform_real_distribution<double>(0, 1)(rng) * (end - begin);
    SCOPED_TRACE("trial " + std::to_string(trial) + ": kill in phase " + phases[p].first + " at " +
                 std::to_string(at) + " s");
    ScratchDatabase dst("torture_restore");
    Child c({"restore", "-d", dst.uri(), "-j", "2", "--quiet", archive}, tmp_ + "/restore.log");
    const bool killed = c.KillAt(std::chrono::milliseconds(static_cast<int64_t>(at * 1000)));
    std::string note = "phase " + phases[p].first + " +" + std::to_string(at).substr(0, 5) + "s: ";
    if (!killed) {
      EXPECT_EQ(c.Wait(), 0) << c.Output();
      note += "finished before the kill";
    } else if (SettleAndCheckLedger(dst.uri()) == Ledger::kGoneAfterFinishing) {
      // Killed after its last step (the ledger is dropped last): finished.
      note += "killed after it finished";
    } else {
      // Dead after it created objects: a plain restore is refused and names
      // the way out (before that, the target is as empty as it was).
      if (UserObjects(dst.uri()) > 0) {
        testing::CommandResult again =
            RunHd({"restore", "-d", dst.uri(), "-j", "2", archive}, tmp_);
        EXPECT_NE(again.exit_code, 0);
        EXPECT_NE((again.out + again.err).find("--resume"), std::string::npos)
            << again.out << again.err;
      }
      note += InRestoreMode(dst.uri()) ? "killed in restore mode, " : "killed, ";
      testing::CommandResult resumed =
          RunHd({"restore", "-d", dst.uri(), "-j", "2", "--resume", "--quiet", archive}, tmp_);
      EXPECT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
      note += "resumed";
    }
    RowDelta d = CompareRows(src_->uri(), dst.uri());
    const bool out_of_restore_mode = !InRestoreMode(dst.uri());
    EXPECT_TRUE(d.identical) << d.differences;
    EXPECT_TRUE(out_of_restore_mode);
    ++result.trials;
    result.survived += d.identical && out_of_restore_mode;
    result.rows_lost += d.lost;
    result.rows_duplicated += d.duplicated;
    result.notes.push_back(note + (d.identical ? ", identical" : ", DIFFERENT" + d.differences));
  }
}

// `migrate --resume --partial` after a kill before the dump side finished:
// it restores what was sealed, or refuses (nothing consistent sealed yet)
// naming --clean. Restored: every table it does not name as lacking data is
// identical, the target is out of restore mode and without a ledger.
std::string PartialResume(std::vector<std::string> resume, const std::string& source,
                          const std::string& target, const std::string& dir) {
  resume.push_back("--partial");
  testing::CommandResult r = RunHd(resume, "/tmp");
  if (r.exit_code != 0) {
    EXPECT_NE(r.err.find("--clean"), std::string::npos) << r.err;
    EXPECT_FALSE(InRestoreMode(target));
    const bool nothing_sealed = r.err.find("before it sealed") != std::string::npos;
    return nothing_sealed ? "--partial refused: too little sealed" : "--partial FAILED: " + r.err;
  }
  std::ifstream in(dir + "/local/migrated.json");
  nlohmann::json record = nlohmann::json::parse(in, nullptr, false);
  EXPECT_TRUE(record.is_object() && record.value("partial", false)) << dir;
  std::set<std::string> lacking;
  if (record.is_object()) {
    for (const auto& item : record["lacking_data"]) {
      const std::string text = item.get<std::string>();
      lacking.insert(text.substr(0, text.find(' ')));
    }
  }
  testing::PartialComparison c = testing::CompareBeyondLacking(source, target, lacking);
  EXPECT_TRUE(c.unaccounted.empty()) << ::testing::PrintToString(c.unaccounted);
  EXPECT_FALSE(InRestoreMode(target));
  return "--partial restored all but " + std::to_string(lacking.size()) + " tables" +
         (c.unaccounted.empty() ? "" : ", UNACCOUNTED DIFFERENCES");
}

// 1b. Migrate killed with SIGKILL at random moments, half of them before its
//     dump side finished and half after. With a complete archive (manifest),
//     `migrate --resume` finishes the target from it; without one, --resume
//     is refused (the snapshot is gone) naming --clean, and `migrate --clean`
//     starts again. Either way the target ends identical, out of restore
//     mode, and the source's jobs scheduled.
TEST_F(TortureTest, MigrateKilledAtRandomMomentsThenResumedOrRestartedIsIdentical) {
  const std::string before = ScheduledJobs();
  ASSERT_FALSE(before.empty());
  // When the dump side ends, and the whole run: one migration, JSON log.
  double dump_end = -1, total = 0;
  {
    ScratchDatabase calib("torture_calib");
    Child c({"migrate", "-d", src_->uri(), "--to", calib.uri(), "-f", tmp_ + "/calib", "-j", "2",
             "--log-format", "json"},
            tmp_ + "/calib.log");
    ASSERT_EQ(c.Wait(), 0) << c.Output();
    total = c.Seconds();
    std::istringstream lines(c.Output());
    double first = -1;
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("ts")) continue;
      double ts = TsSeconds(j.value("ts", ""));
      if (first < 0) first = ts;
      if (j.value("event", "") == "phase" && j.value("phase", "") == "dump: finish") {
        dump_end = ts - first;
      }
    }
  }
  ASSERT_GT(dump_end, 0);
  const int kTrials = 8;
  ScenarioResult& result = Results()["migrate SIGKILL + --resume or --clean"];
  for (int trial = 0; trial < kTrials; ++trial) {
    std::mt19937_64 rng = TrialRng("migrate-kill", trial);
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    // Every fourth trial also tries --partial: killed late in the dump side,
    // when the schema is likelier to be sealed (before it, --partial refuses).
    const double at = trial % 4 == 0   ? (0.6 + 0.4 * u) * dump_end
                      : trial % 2 == 0 ? u * dump_end
                                       : dump_end + u * (total - dump_end);
    SCOPED_TRACE("trial " + std::to_string(trial) + ": kill at " + std::to_string(at) + " s");
    ScratchDatabase dst("torture_migrate");
    const std::string dir = tmp_ + "/migrate" + std::to_string(trial);
    std::vector<std::string> args = {"migrate", "-d", src_->uri(), "--to", dst.uri(),
                                     "-f",      dir,  "-j",        "2",    "--quiet"};
    Child c(args, tmp_ + "/migrate.log");
    const bool killed = c.KillAt(std::chrono::milliseconds(static_cast<int64_t>(at * 1000)));
    std::string note = "+" + std::to_string(at).substr(0, 5) + "s: ";
    if (!killed) {
      EXPECT_EQ(c.Wait(), 0) << c.Output();
      note += "finished before the kill";
    } else {
      SettleAndCheckLedger(dst.uri());  // the dead run's sessions end first
      std::vector<std::string> resume = args;
      resume.push_back("--resume");
      testing::CommandResult r = RunHd(resume, tmp_);
      if (fs::exists(dir + "/manifest.json")) {
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
        note += "killed after the dump side finished, --resume finished it";
      } else if (!fs::exists(dir)) {
        // Killed during the checks: nothing written anywhere yet.
        EXPECT_NE(r.exit_code, 0);
        EXPECT_NE(r.err.find("no migration to resume"), std::string::npos) << r.err;
        testing::CommandResult again = RunHd(args, tmp_);
        EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
        note += "killed before the archive existed, --resume refused, started again";
      } else {
        EXPECT_NE(r.exit_code, 0);
        EXPECT_NE(r.err.find("did not finish"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("--clean"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("--resume --partial"), std::string::npos) << r.err;
        if (trial % 4 == 0) {
          // The other way out first: what the dump had sealed, the rest named.
          note += PartialResume(resume, src_->uri(), dst.uri(), dir) + "; then ";
        }
        std::vector<std::string> clean = args;
        clean.push_back("--clean");
        testing::CommandResult again = RunHd(clean, tmp_);
        EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
        note += "killed before the dump side finished, --resume refused, --clean redid it";
      }
    }
    RowDelta d = CompareRows(src_->uri(), dst.uri());
    const bool out_of_restore_mode = !InRestoreMode(dst.uri());
    const std::string jobs = ScheduledJobs();
    EXPECT_TRUE(d.identical) << d.differences;
    EXPECT_TRUE(out_of_restore_mode);
    EXPECT_EQ(jobs, before) << "the source's jobs end scheduled";
    ++result.trials;
    result.survived += d.identical && out_of_restore_mode && jobs == before;
    result.rows_lost += d.lost;
    result.rows_duplicated += d.duplicated;
    result.notes.push_back(note + (d.identical ? ", identical" : ", DIFFERENT" + d.differences));
  }
}

// 2. Dump killed with SIGKILL at random moments: no manifest; verify says
//    incomplete; restore refuses before touching the target; dumping again
//    into the directory names the fix; the jobs the dead dump paused are
//    reported by compare and rescheduled by resume-jobs (or the next dump).
TEST_F(TortureTest, DumpKilledAtRandomMomentsLeavesNoArchiveThatLooksCompleteAndNoPausedJob) {
  const std::string before = ScheduledJobs();
  ASSERT_FALSE(before.empty());
  double total = 0;
  {
    Child c({"dump", "-d", src_->uri(), "-f", tmp_ + "/calib", "-j", "2", "--quiet"},
            tmp_ + "/calib.log");
    ASSERT_EQ(c.Wait(), 0) << c.Output();
    total = c.Seconds();
  }
  const int kTrials = 10;
  ScenarioResult& result = Results()["dump SIGKILL"];
  for (int trial = 0; trial < kTrials; ++trial) {
    std::mt19937_64 rng = TrialRng("dump-kill", trial);
    const double at = std::uniform_real_distribution<double>(0, 1.1)(rng) * total;
    SCOPED_TRACE("trial " + std::to_string(trial) + ": kill at " + std::to_string(at) + " s");
    const std::string dir = tmp_ + "/dump" + std::to_string(trial);
    Child c({"dump", "-d", src_->uri(), "-f", dir, "-j", "2", "--quiet"}, tmp_ + "/dump.log");
    const bool killed = c.KillAt(std::chrono::milliseconds(static_cast<int64_t>(at * 1000)));
    std::string note = "+" + std::to_string(at).substr(0, 5) + "s: ";
    bool ok = true;
    if (!killed) {
      ok = c.Wait() == 0;
      EXPECT_TRUE(ok) << c.Output();
      note += "finished before the kill";
    } else {
      note += "killed";
      if (fs::exists(dir + "/manifest.json")) {
        // Killed after its manifest (while rescheduling jobs): the archive
        // is complete, and must verify.
        testing::CommandResult v = RunHd({"verify", dir}, tmp_);
        EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
        ok = v.exit_code == 0;
        note += " after its manifest, archive verified";
      } else if (fs::exists(dir)) {
        testing::CommandResult v = RunHd({"verify", dir}, tmp_);
        EXPECT_NE(v.exit_code, 0);
        EXPECT_NE((v.out + v.err).find("incomplete"), std::string::npos) << v.out << v.err;
        ScratchDatabase dst("torture_dump_dst");
        testing::CommandResult r = RunHd({"restore", "-d", dst.uri(), "-j", "2", dir}, tmp_);
        EXPECT_NE(r.exit_code, 0);
        EXPECT_EQ(UserObjects(dst.uri()), 0) << "restore touched the target";
        ok = ok && r.exit_code != 0 && UserObjects(dst.uri()) == 0;
        // Dumping again into the same directory: works, or names the fix.
        testing::CommandResult again =
            RunHd({"dump", "-d", src_->uri(), "-f", dir, "-j", "2", "--quiet"}, tmp_);
        if (again.exit_code != 0) {
          const std::string text = again.out + again.err;
          const bool names_fix = text.find("resume-jobs") != std::string::npos ||
                                 text.find("not empty") != std::string::npos;
          EXPECT_TRUE(names_fix) << text;
          ok = ok && names_fix;
          note += ", dump into the same directory refused";
        } else {
          note += ", dump into the same directory worked";
        }
      }
      // Jobs the dead dump paused: compare says so until they are back.
      if (ScheduledJobs() != before) {
        testing::CommandResult cmp = RunHd({"compare", src_->uri(), src_->uri()}, tmp_);
        EXPECT_NE(cmp.err.find("were paused by a hyperdump dump"), std::string::npos) << cmp.err;
        testing::CommandResult plan = RunHd({"dump", "-d", src_->uri(), "--dry-run"}, tmp_);
        EXPECT_NE(plan.err.find("were paused by a hyperdump dump"), std::string::npos) << plan.err;
        testing::CommandResult resume = RunHd({"resume-jobs", dir, "-d", src_->uri()}, tmp_);
        EXPECT_EQ(resume.exit_code, 0) << resume.out << resume.err;
        note += ", jobs paused until resume-jobs";
      }
    }
    const std::string after = ScheduledJobs();
    EXPECT_EQ(after, before) << "jobs left unscheduled";
    ok = ok && after == before;
    ++result.trials;
    result.survived += ok;
    result.notes.push_back(note);
  }
}

// 7. Corrupt archives: each kind of file (manifest, schema, plan, a data
//    file) with a byte flipped, truncated, deleted, or with garbage appended.
//    restore refuses before touching the target, or fails only the job that
//    reads the file, naming it; no row of a corrupt file is committed; with
//    the good file back, --resume gives an identical database.
TEST_F(TortureTest, CorruptArchivesAreRefusedOrFailOnlyTheirJobAndResumeAfterRepair) {
  const std::string archive = Archive();
  auto reader = format::ArchiveReader::Open(archive);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  std::string data_file, data_table;
  uint64_t biggest = 0;
  for (const format::FileEntry& f : (*reader)->manifest().files) {
    if (f.kind != format::FileKind::kData || f.compressed_bytes <= biggest) continue;
    if (f.meta.value("kind", "") == "extension_config") continue;
    biggest = f.compressed_bytes;
    data_file = f.name;
    data_table = engine::QualifiedName(f.meta.value("schema", ""), f.meta.value("name", ""));
  }
  ASSERT_FALSE(data_file.empty());
  const std::vector<std::string> files = {"manifest.json", "schema.pgdump", "plan.json", data_file};
  const std::vector<std::string> damages = {"flip", "truncate", "delete", "append"};
  ScenarioResult& result = Results()["corrupt archive"];
  int trial = 0;
  for (const std::string& file : files) {
    for (const std::string& damage : damages) {
      std::mt19937_64 rng = TrialRng("corrupt", trial++);
      SCOPED_TRACE(file + ": " + damage);
      const std::string path = archive + "/" + file, good = tmp_ + "/good";
      fs::copy_file(path, good, fs::copy_options::overwrite_existing);
      const uint64_t size = fs::file_size(path);
      if (damage == "flip") {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        const auto at =
            static_cast<std::streamoff>(std::uniform_int_distribution<uint64_t>(0, size - 1)(rng));
        f.seekg(at);
        char c = 0;
        f.get(c);
        f.seekp(at);
        f.put(static_cast<char>(c ^ 0x5a));
      } else if (damage == "truncate") {
        fs::resize_file(path, std::uniform_int_distribution<uint64_t>(0, size - 1)(rng));
      } else if (damage == "delete") {
        fs::remove(path);
      } else {
        std::ofstream(path, std::ios::app | std::ios::binary) << "garbage\x01\x02\x03";
      }
      ScratchDatabase dst("torture_corrupt");
      testing::CommandResult r = RunHd({"restore", "-d", dst.uri(), "-j", "2", archive}, tmp_);
      const std::string text = r.out + r.err;
      bool ok = r.exit_code != 0;
      EXPECT_NE(r.exit_code, 0) << "a damaged " << file << " restored without complaint";
      std::string note = file + " " + damage + ": ";
      if (UserObjects(dst.uri()) == 0) {
        note += "refused before touching the target";
      } else {
        // It touched the target: only the damaged data file's job may fail,
        // and the error names it; nothing of it is committed.
        const bool names = text.find(file) != std::string::npos;
        EXPECT_TRUE(names) << text;
        auto t = PgConnection::Connect(dst.uri());
        ASSERT_TRUE(t.ok());
        EXPECT_EQ(Value(*t, "SELECT count(*) FROM ONLY " + data_table), 0)
            << "rows of a corrupt file were committed";
        ok = ok && names && Value(*t, "SELECT count(*) FROM ONLY " + data_table) == 0;
        note += "failed its job, named the file";
      }
      fs::copy_file(good, path, fs::copy_options::overwrite_existing);
      if (UserObjects(dst.uri()) > 0) {
        testing::CommandResult resumed =
            RunHd({"restore", "-d", dst.uri(), "-j", "2", "--resume", "--quiet", archive}, tmp_);
        EXPECT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
        RowDelta d = CompareRows(src_->uri(), dst.uri());
        EXPECT_TRUE(d.identical) << d.differences;
        ok = ok && d.identical;
        result.rows_lost += d.lost;
        result.rows_duplicated += d.duplicated;
        note += ", then --resume: " + std::string(d.identical ? "identical" : "DIFFERENT");
      }
      ++result.trials;
      result.survived += ok;
      result.notes.push_back(note);
    }
  }
}

// 8. Concurrent writes during the dump: a pgbench custom script appends a
//    batch of rows to three tables and adds the batch size to a counter row,
//    in one transaction, on 2 clients, throughout each dump. In every
//    restored database each table's rows agree with the counter: one
//    snapshot for the leader, every worker and pg_dump.
TEST_F(TortureTest, WritesDuringTheDumpRestoreToOneConsistentSnapshot) {
  {
    PgConnection c = src_->Connect();
    ASSERT_TRUE(c.Run("CREATE TABLE public.counter (n bigint NOT NULL);"
                      "INSERT INTO public.counter VALUES (0);"
                      "CREATE TABLE public.log_a (n bigint, pad text);"
                      "CREATE TABLE public.log_b (n bigint, pad text);"
                      "CREATE TABLE public.log_c (n bigint, pad text)")
                    .ok());
  }
  const char* bindir = std::getenv("PG_BINDIR");
  const std::string pgbench =
      std::string(bindir && *bindir ? bindir : "/usr/lib/postgresql/15/bin") + "/pgbench";
  const int kTrials = 5;
  ScenarioResult& result = Results()["writes during the dump"];
  for (int trial = 0; trial < kTrials; ++trial) {
    std::mt19937_64 rng = TrialRng("writes", trial);
    const int batch = std::uniform_int_distribution<int>(1, 50)(rng);
    SCOPED_TRACE("trial " + std::to_string(trial) + ": batches of " + std::to_string(batch));
    const std::string script = tmp_ + "/append.sql";
    std::ofstream(script) << "\\set batch " << batch << "\n"
                          << "BEGIN;\n"
                          << "UPDATE public.counter SET n = n + :batch;\n"
                          << "INSERT INTO public.log_a SELECT g, repeat('a', 100) FROM "
                             "generate_series(1, :batch) g;\n"
                          << "INSERT INTO public.log_b SELECT g, repeat('b', 100) FROM "
                             "generate_series(1, :batch) g;\n"
                          << "INSERT INTO public.log_c SELECT g, repeat('c', 100) FROM "
                             "generate_series(1, :batch) g;\n"
                          << "END;\n";
    // pgbench runs 3 s; the dump starts after 0.5 s and takes well under that.
    std::string cmd = testing::ShellQuote(pgbench) + " -n -c 2 -T 3 -f " +
                      testing::ShellQuote(script) + " " + testing::ShellQuote(src_->uri()) + " >" +
                      testing::ShellQuote(tmp_ + "/pgbench.log") + " 2>&1";
    std::thread writers([cmd] { (void)std::system(cmd.c_str()); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const std::string dir = tmp_ + "/writes" + std::to_string(trial);
    testing::CommandResult d =
        RunHd({"dump", "-d", src_->uri(), "-f", dir, "-j", "2", "--quiet"}, tmp_);
    writers.join();
    ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
    ScratchDatabase dst("torture_writes");
    testing::CommandResult r = RunHd({"restore", "-d", dst.uri(), "-j", "2", "--quiet", dir}, tmp_);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    PgConnection t = dst.Connect();
    const int64_t counter = Value(t, "SELECT n FROM public.counter");
    const int64_t a = Value(t, "SELECT count(*) FROM public.log_a");
    const int64_t b = Value(t, "SELECT count(*) FROM public.log_b");
    const int64_t c = Value(t, "SELECT count(*) FROM public.log_c");
    EXPECT_GT(counter, 0) << "pgbench wrote nothing before the snapshot";
    EXPECT_EQ(a, counter);
    EXPECT_EQ(b, counter);
    EXPECT_EQ(c, counter);
    const bool consistent = counter > 0 && a == counter && b == counter && c == counter;
    ++result.trials;
    result.survived += consistent;
    for (int64_t got : {a, b, c}) {
      if (got < counter) result.rows_lost += counter - got;
      if (got > counter) result.rows_duplicated += got - counter;
    }
    result.notes.push_back("counter " + std::to_string(counter) + ", tables " + std::to_string(a) +
                           "/" + std::to_string(b) + "/" + std::to_string(c));
  }
}

// 10. Security: a password given in the URI never shows in `ps` (hyperdump's
//     or its children's arguments), in the output or the JSON log, in the
//     report, or in the archive; archive files are 0600 and directories 0700.
TEST_F(TortureTest, APasswordNeverShowsAndTheArchiveIsPrivate) {
  const std::string secret = "Hunter2-" + std::to_string(Seed() % 100000);
  // The test server trusts local connections: the password is sent, unused.
  std::string uri = src_->uri();
  const size_t at = uri.find('@');
  ASSERT_NE(at, std::string::npos) << uri;
  uri = uri.substr(0, at) + ":" + secret + uri.substr(at);
  const std::string dir = tmp_ + "/secure", report = tmp_ + "/report.html";
  Child c({"dump", "-d", uri, "-f", dir, "-j", "2", "--log-format", "json", "--report", report},
          tmp_ + "/secure.log");
  // Every process's arguments while the dump runs (pg_dump included). The
  // kernel shows hyperdump's own arguments as given until its main() masks
  // them (after the dynamic loader: a few ms); from then on, and in every
  // child, the password must never show.
  std::string seen_in_ps;
  bool masked = false;
  double unmasked_for = 0;
  while (true) {
    testing::CommandResult ps = testing::RunCommand("", {"ps", "-eo", "args"}, tmp_);
    std::istringstream lines(ps.out);
    for (std::string line; std::getline(lines, line);) {
      const bool ours =
          line.rfind(HYPERDUMP_BIN, 0) == 0 && line.find(" dump ") != std::string::npos;
      if (ours && line.find(":" + std::string(secret.size(), '*') + "@") != std::string::npos) {
        masked = true;
      }
      if (line.find(secret) == std::string::npos) continue;
      if (ours && !masked) {
        unmasked_for = c.Seconds();
      } else {
        seen_in_ps += line + "\n";
      }
    }
    if (c.Seconds() > 60) break;
    if (fs::exists(dir + "/manifest.json")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_LT(unmasked_for, 1.0) << "hyperdump's arguments were not masked within a second";
  ASSERT_EQ(c.Wait(), 0) << c.Output();
  EXPECT_EQ(seen_in_ps, "") << "the password showed in ps";
  EXPECT_EQ(c.Output().find(secret), std::string::npos) << "the password is in the JSON log";
  std::ifstream html(report);
  const std::string report_text((std::istreambuf_iterator<char>(html)),
                                std::istreambuf_iterator<char>());
  EXPECT_FALSE(report_text.empty());
  EXPECT_EQ(report_text.find(secret), std::string::npos) << "the password is in the report";
  bool private_files = true, no_secret = true;
  auto check_mode = [&](const fs::path& p, fs::perms want) {
    fs::perms got = fs::status(p).permissions() & fs::perms::all;
    if (got != want) {
      private_files = false;
      ADD_FAILURE() << p << " has mode " << std::oct << static_cast<int>(got);
    }
  };
  check_mode(dir, fs::perms::owner_all);
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_directory()) {
      check_mode(e.path(), fs::perms::owner_all);
      continue;
    }
    check_mode(e.path(), fs::perms::owner_read | fs::perms::owner_write);
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(secret) != std::string::npos) {
      no_secret = false;
      ADD_FAILURE() << "the password is in " << e.path();
    }
  }
  // An error message naming the source never shows it either.
  testing::CommandResult bad =
      RunHd({"dump", "-d", uri + "_missing_db", "-f", tmp_ + "/none"}, tmp_);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ((bad.out + bad.err).find(secret), std::string::npos) << bad.err;
  // A password given by PGPASSWORD: in no output, log, report or archive.
  const std::string env_secret = "EnvSecret-" + std::to_string(Seed() % 100000);
  const std::string env_dir = tmp_ + "/secure_env", env_report = tmp_ + "/report_env.html";
  std::vector<std::string> env_argv = {HYPERDUMP_BIN,  "dump",  "-d",       src_->uri(),
                                       "-f",           env_dir, "-j",       "2",
                                       "--log-format", "json",  "--report", env_report};
  testing::CommandResult with_env =
      testing::RunCommand("PGPASSWORD=" + testing::ShellQuote(env_secret), env_argv, tmp_);
  EXPECT_EQ(with_env.exit_code, 0) << with_env.err;
  bool env_clean = (with_env.out + with_env.err).find(env_secret) == std::string::npos;
  for (const auto& e : fs::recursive_directory_iterator(env_dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    env_clean = env_clean && bytes.find(env_secret) == std::string::npos;
  }
  {
    std::ifstream in(env_report);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    env_clean = env_clean && bytes.find(env_secret) == std::string::npos;
  }
  EXPECT_TRUE(env_clean) << "the PGPASSWORD value showed up";
  no_secret = no_secret && env_clean;
  ScenarioResult& result = Results()["password and archive privacy"];
  ++result.trials;
  result.survived += seen_in_ps.empty() && private_files && no_secret &&
                     c.Output().find(secret) == std::string::npos &&
                     report_text.find(secret) == std::string::npos &&
                     (bad.out + bad.err).find(secret) == std::string::npos;
  result.notes.push_back(
      "URI password: ps, output, JSON log, report, archive, error text; PGPASSWORD: output, "
      "JSON log, report, archive; hyperdump's own arguments unmasked for the first " +
      std::to_string(static_cast<int>(unmasked_for * 1000)) + " ms (start-up, before main)");
}

// 9. Hostile names and every type, one round trip with every case in it:
//    identifiers with quotes, spaces, dots, newlines, unicode, reserved words
//    and 63 bytes (schemas, tables, columns, indexes, constraints, a
//    hypertable); arrays of built-in scalars, ranges, multiranges, domains,
//    enums, composites, json, a 10 MB bytea, NaN and infinities, geometric,
//    network, text search, xml and money values; generated, dropped and
//    identity columns, TOAST, NULLs, an empty table, a table with no columns,
//    1,600 columns, unlogged, row-level security, inheritance, a default
//    partition; and a table named `x"; DROP TABLE y; --` next to a table y.
TEST_F(TortureTest, HostileNamesAndEveryTypeRoundTripIdentically) {
  PgConnection c = src_->Connect();
  const char* kSchema = R"SQL(
CREATE SCHEMA "we""ird sch.ema ☃
line";
SET search_path = "we""ird sch.ema ☃
line", public;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'quote''s');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, "b b" text);
CREATE TABLE "select" ("from" int PRIMARY KEY, "where" text, "col ""q"" .x" text);
INSERT INTO "select" SELECT g, 'w' || g, E'q\t"' || g FROM generate_series(1, 50) g;
CREATE INDEX "idx ""odd"" name.☃" ON "select" ("where");
CREATE TABLE "a23456789_123456789_123456789_123456789_123456789_123456789_123" (
  "c23456789_123456789_123456789_123456789_123456789_123456789_123" int);
INSERT INTO "a23456789_123456789_123456789_123456789_123456789_123456789_123" VALUES (1), (NULL);
CREATE TABLE public.y (keep int);
INSERT INTO public.y VALUES (42);
CREATE TABLE public."x""; DROP TABLE y; --" (v text);
INSERT INTO public."x""; DROP TABLE y; --" VALUES ('still here'), (NULL);
CREATE TABLE types (
  id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  a_int2 int2[], a_int4 int4[], a_int8 int8[], a_f4 float4[], a_f8 float8[], a_num numeric[],
  a_text text[], a_bool bool[], a_date date[], a_ts timestamptz[], a_uuid uuid[],
  a_bytea bytea[], a_jsonb jsonb[], a_inet inet[],
  r int4range, tr tstzrange, mr int4multirange, d posint, e mood, comp pair,
  j json, jb jsonb, n numeric, f8 float8, ts timestamp, tstz timestamptz, iv interval,
  bv bit varying(20), ip inet, net cidr, mac macaddr8, tsv tsvector,
  pt point, ln line, ls lseg, bx box, ph path, pg polygon, ci circle,
  u uuid, x xml, m money, big text,
  doubled int GENERATED ALWAYS AS (d * 2) STORED,
  to_drop text);
ALTER TABLE types DROP COLUMN to_drop;
INSERT INTO types (a_int2, a_int4, a_int8, a_f4, a_f8, a_num, a_text, a_bool, a_date, a_ts,
  a_uuid, a_bytea, a_jsonb, a_inet, r, tr, mr, d, e, comp, j, jb, n, f8, ts, tstz, iv, bv, ip,
  net, mac, tsv, pt, ln, ls, bx, ph, pg, ci, u, x, m, big) VALUES
 ('{1,-2,NULL}', '{2147483647}', '{-9223372036854775808}', '{1.5,NaN,Infinity}',
  '{-Infinity,0.1}', '{NaN,1.000000000000000000001,-Infinity}', '{"a,b","c\"d",NULL,"é€😀"}',
  '{t,f,NULL}', '{2024-02-29,infinity}', '{"2024-01-01 00:00:00+00",-infinity}',
  '{00000000-0000-0000-0000-000000000001}', '{"\\x00ff",NULL}', ARRAY['{"k":[1,2]}'::jsonb],
  '{10.0.0.1,::1}', '[1,10)', '[2024-01-01,2024-02-01)', '{[1,3),[5,9)}', 7, 'quote''s',
  ROW(1, 'b "b"'), '{"x": [1, "two", null]}', '{"nested": {"a": 1}}', 'NaN', 'Infinity',
  'infinity', '-infinity', '1 year 2 mons -3 days 04:05:06.789', B'10110', '192.168.0.1/24',
  '10.0.0.0/8', '08:00:2b:01:02:03:04:05', to_tsvector('simple', 'the quick brown fox'),
  '(1,2)', '{1,-1,0}', '[(0,0),(1,1)]', '(2,2),(0,0)', '[(0,0),(1,1),(2,0)]',
  '((0,0),(1,1),(1,0))', '<(0,0),5>', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '<doc a="1">text &amp; more</doc>', '$1,234.56', repeat('toast me ', 20000)),
 (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, '-Infinity', '-0', NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE blob (id int, data bytea);
INSERT INTO blob SELECT 1, decode(repeat(md5('x'), 655360), 'hex');  -- 16 bytes x 655360 = 10 MiB
CREATE TABLE empty_one (a int);
CREATE TABLE no_columns ();
INSERT INTO no_columns DEFAULT VALUES;
INSERT INTO no_columns DEFAULT VALUES;
CREATE UNLOGGED TABLE unlogged_one (a int);
INSERT INTO unlogged_one VALUES (1), (2);
CREATE TABLE secured (owner name, v int);
INSERT INTO secured VALUES ('someone', 1), ('else', 2);
ALTER TABLE secured ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_mine ON secured USING (owner = current_user);
CREATE TABLE parent_t (id int, v text);
CREATE TABLE child_t (extra int) INHERITS (parent_t);
INSERT INTO parent_t VALUES (1, 'p');
INSERT INTO child_t VALUES (2, 'c', 3);
CREATE TABLE parted (k int, v text) PARTITION BY RANGE (k);
CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (10);
CREATE TABLE "parted default ☃" PARTITION OF parted DEFAULT;
INSERT INTO parted SELECT g, 'v' || g FROM generate_series(0, 30) g;
CREATE TABLE "Hyper ""Table"".☃" ("time" timestamptz NOT NULL, "dev ice" int, v float8,
  CONSTRAINT "chk ""v""" CHECK (v IS NULL OR v > -1e9));
SELECT create_hypertable('"we""ird sch.ema ☃
line"."Hyper ""Table"".☃"', 'time', chunk_time_interval => interval '1 day');
INSERT INTO "Hyper ""Table"".☃" SELECT timestamptz '2024-01-01' + g * interval '1 hour', g % 3, g
  FROM generate_series(0, 100) g;
ALTER TABLE "Hyper ""Table"".☃" SET (timescaledb.compress,
  timescaledb.compress_segmentby = '"dev ice"');
RESET search_path;
)SQL";
  Status st = c.Run(kSchema);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_TRUE(c.Run("SELECT compress_chunk(ch) FROM (SELECT ch FROM show_chunks("
                    "'\"we\"\"ird sch.ema ☃\nline\".\"Hyper \"\"Table\"\".☃\"') ch"
                    " ORDER BY 1 LIMIT 2) s")
                  .ok());
  // 1,600 columns, the most a table may have.
  ASSERT_TRUE(c.Run("DO $$ BEGIN EXECUTE 'CREATE TABLE public.wide (' || (SELECT string_agg("
                    "format('c%s int', g), ', ') FROM generate_series(1, 1600) g) || ')'; "
                    "EXECUTE 'INSERT INTO public.wide VALUES (' || (SELECT string_agg(g::text, "
                    "', ') FROM generate_series(1, 1600) g) || ')'; END $$")
                  .ok());

  const std::string dir = tmp_ + "/hostile";
  testing::CommandResult d = RunHd({"dump", "-d", src_->uri(), "-f", dir, "-j", "2"}, tmp_);
  ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
  ScratchDatabase dst("torture_hostile");
  testing::CommandResult r = RunHd({"restore", "-d", dst.uri(), "-j", "2", dir}, tmp_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  RowDelta delta = CompareRows(src_->uri(), dst.uri());
  EXPECT_TRUE(delta.identical) << delta.differences;
  PgConnection t = dst.Connect();
  EXPECT_EQ(Value(t, "SELECT keep FROM public.y"), 42) << "public.y was dropped";
  EXPECT_EQ(Value(t, "SELECT count(*) FROM public.\"x\"\"; DROP TABLE y; --\""), 2);
  EXPECT_EQ(Value(t, "SELECT length(data) FROM \"we\"\"ird sch.ema ☃\nline\".blob"), 10485760);
  EXPECT_EQ(Value(t, "SELECT count(*) FROM \"we\"\"ird sch.ema ☃\nline\".no_columns"), 2);
  EXPECT_EQ(Value(t, "SELECT c1600 FROM public.wide"), 1600);
  EXPECT_EQ(Value(t, "SELECT count(*) FROM pg_policies WHERE policyname = 'only_mine'"), 1);
  ScenarioResult& result = Results()["hostile names and every type"];
  ++result.trials;
  result.survived += delta.identical && Value(t, "SELECT keep FROM public.y") == 42;
  result.rows_lost += delta.lost;
  result.rows_duplicated += delta.duplicated;
  result.notes.push_back(delta.identical ? "identical" : "DIFFERENT" + delta.differences);
}

// 6. Disk full during a dump: a small tmpfs (mounted by the test, as root)
//    fills up. The error names the path and the space the dump needed; no
//    manifest is written; what is left is named incomplete by verify.
TEST_F(TortureTest, DiskFullDuringADumpNamesThePathAndLeavesNoArchiveThatLooksComplete) {
  ASSERT_EQ(::geteuid(), 0u) << "this scenario mounts a tmpfs: run the suite as root";
  ScenarioResult& result = Results()["disk full during the dump"];
  for (int trial = 0; trial < 3; ++trial) {
    std::mt19937_64 rng = TrialRng("disk-full", trial);
    const int kib = std::uniform_int_distribution<int>(64, 400)(rng);  // the archive: ~460 KiB
    SCOPED_TRACE("trial " + std::to_string(trial) + ": " + std::to_string(kib) + " KiB");
    const std::string mnt = tmp_ + "/small" + std::to_string(trial);
    fs::create_directories(mnt);
    testing::CommandResult m = testing::RunCommand(
        "", {"mount", "-t", "tmpfs", "-o", "size=" + std::to_string(kib) + "k", "tmpfs", mnt},
        tmp_);
    ASSERT_EQ(m.exit_code, 0) << m.err;
    const std::string dir = mnt + "/archive";
    testing::CommandResult d = RunHd({"dump", "-d", src_->uri(), "-f", dir, "-j", "2"}, tmp_);
    const std::string text = d.out + d.err;
    bool ok = d.exit_code != 0;
    EXPECT_NE(d.exit_code, 0) << text;
    const bool names_path = text.find(mnt) != std::string::npos;
    const bool says_space = text.find("space") != std::string::npos;
    const bool says_needed = text.find("needs about") != std::string::npos;
    EXPECT_TRUE(names_path && says_space && says_needed) << text;
    ok = ok && names_path && says_space && says_needed;
    EXPECT_FALSE(fs::exists(dir + "/manifest.json"));
    ok = ok && !fs::exists(dir + "/manifest.json");
    if (fs::exists(dir)) {
      testing::CommandResult v = RunHd({"verify", dir}, tmp_);
      EXPECT_NE(v.exit_code, 0);
      EXPECT_NE((v.out + v.err).find("incomplete"), std::string::npos) << v.out << v.err;
      ok = ok && v.exit_code != 0;
    }
    EXPECT_EQ(ScheduledJobs().empty(), false);
    testing::RunCommand("", {"umount", mnt}, tmp_);
    ++result.trials;
    result.survived += ok;
    std::string first_line = text.substr(
        text.rfind("hyperdump: error:") == std::string::npos ? 0 : text.rfind("hyperdump: error:"));
    result.notes.push_back(std::to_string(kib) + " KiB: " + first_line.substr(0, 300));
  }
}

// Restarts the test server at once (`pg_ctl restart -m immediate`: every
// session killed, crash recovery), and returns when it accepts connections
// again. The suite runs alone (RUN_SERIAL) for this.
void RestartServer() {
  auto c = PgConnection::Connect(testing::TestServerUri());
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto dir = c->Exec("SHOW data_directory");
  ASSERT_TRUE(dir.ok()) << dir.status().message();
  const std::string data = dir->GetString(0, 0);
  const char* bindir = std::getenv("PG_BINDIR");
  const std::string pg_ctl =
      std::string(bindir && *bindir ? bindir : "/usr/lib/postgresql/15/bin") + "/pg_ctl";
  std::vector<std::string> argv = {pg_ctl,      "-D", data, "restart", "-m",
                                   "immediate", "-w", "-t", "120"};
  if (::geteuid() == 0) {
    std::string cmd;
    for (const std::string& a : argv) cmd += testing::ShellQuote(a) + " ";
    argv = {"su", "postgres", "-s", "/bin/bash", "-c", cmd + ">/dev/null 2>&1"};
  }
  testing::CommandResult r = testing::RunCommand("", argv, "/tmp");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

// 3. The target's server restarted mid-restore (5 trials): hyperdump carries
//    on (its jobs retry on new connections) or exits with a clear error;
//    then --resume gives an identical database, out of restore mode.
TEST_F(TortureTest, ServerRestartedMidRestoreThenResumedIsIdentical) {
  const std::string archive = Archive();
  double total = 0;
  {
    ScratchDatabase calib("torture_calib3");
    Child c({"restore", "-d", calib.uri(), "-j", "2", "--quiet", archive}, tmp_ + "/calib.log");
    ASSERT_EQ(c.Wait(), 0) << c.Output();
    total = c.Seconds();
  }
  ScenarioResult& result = Results()["target server restarted mid-restore"];
  for (int trial = 0; trial < 5; ++trial) {
    std::mt19937_64 rng = TrialRng("restart-restore", trial);
    const double at = std::uniform_real_distribution<double>(0.1, 0.9)(rng) * total;
    SCOPED_TRACE("trial " + std::to_string(trial) + ": restart at " + std::to_string(at) + " s");
    ScratchDatabase dst("torture_restart_dst");
    Child c({"restore", "-d", dst.uri(), "-j", "2", "--quiet", archive}, tmp_ + "/restart.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(at * 1000)));
    RestartServer();
    const int code = c.Wait();
    std::string note = "+" + std::to_string(at).substr(0, 5) + "s: ";
    bool ok = true;
    if (code == 0) {
      note += "carried on";
    } else {
      const std::string out = c.Output();
      const bool clear = out.find("hyperdump: error:") != std::string::npos;
      EXPECT_TRUE(clear) << out;
      ok = clear;
      note += "exited " + std::to_string(code) + ", then --resume";
      SettleAndCheckLedger(dst.uri());
      testing::CommandResult resumed =
          RunHd({"restore", "-d", dst.uri(), "-j", "2", "--resume", "--quiet", archive}, tmp_);
      EXPECT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
      ok = ok && resumed.exit_code == 0;
    }
    RowDelta d = CompareRows(src_->uri(), dst.uri());
    EXPECT_TRUE(d.identical) << d.differences;
    EXPECT_FALSE(InRestoreMode(dst.uri()));
    ok = ok && d.identical && !InRestoreMode(dst.uri());
    ++result.trials;
    result.survived += ok;
    result.rows_lost += d.lost;
    result.rows_duplicated += d.duplicated;
    result.notes.push_back(note + (d.identical ? ", identical" : ", DIFFERENT"));
  }
}

// 4. The source's server restarted mid-dump (5 trials): a clean failure (no
//    manifest, the error names the cause) and the jobs rescheduled once the
//    source is back, or the error says how (resume-jobs).
TEST_F(TortureTest, ServerRestartedMidDumpFailsCleanlyAndLeavesNoJobPaused) {
  const std::string before = ScheduledJobs();
  ASSERT_FALSE(before.empty());
  double total = 0;
  {
    Child c({"dump", "-d", src_->uri(), "-f", tmp_ + "/calib4", "-j", "2", "--quiet"},
            tmp_ + "/calib.log");
    ASSERT_EQ(c.Wait(), 0) << c.Output();
    total = c.Seconds();
  }
  ScenarioResult& result = Results()["source server restarted mid-dump"];
  for (int trial = 0; trial < 5; ++trial) {
    std::mt19937_64 rng = TrialRng("restart-dump", trial);
    const double at = std::uniform_real_distribution<double>(0.05, 0.9)(rng) * total;
    SCOPED_TRACE("trial " + std::to_string(trial) + ": restart at " + std::to_string(at) + " s");
    const std::string dir = tmp_ + "/restart" + std::to_string(trial);
    Child c({"dump", "-d", src_->uri(), "-f", dir, "-j", "2", "--quiet"}, tmp_ + "/dump4.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(at * 1000)));
    RestartServer();
    const int code = c.Wait();
    const std::string out = c.Output();
    std::string note = "+" + std::to_string(at).substr(0, 5) + "s: ";
    bool ok = true;
    if (code == 0) {
      // Finished before the restart reached it: a complete, good archive.
      testing::CommandResult v = RunHd({"verify", dir}, tmp_);
      EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
      ok = v.exit_code == 0;
      note += "finished first";
    } else if (fs::exists(dir + "/manifest.json")) {
      // The restart came after the manifest, while the jobs were being
      // rescheduled: a complete archive, and an error naming resume-jobs.
      testing::CommandResult v = RunHd({"verify", dir}, tmp_);
      EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
      EXPECT_NE(out.find("resume-jobs"), std::string::npos) << out;
      ok = v.exit_code == 0 && out.find("resume-jobs") != std::string::npos;
      note += "archive complete, jobs left to resume-jobs";
    } else {
      const bool cause =
          out.find("hyperdump: error:") != std::string::npos &&
          (out.find("connection") != std::string::npos ||
           out.find("terminat") != std::string::npos || out.find("shut") != std::string::npos ||
           out.find("recovery") != std::string::npos);
      EXPECT_TRUE(cause) << out;
      ok = cause;
      note += "failed: " + out.substr(out.rfind("hyperdump: error:") == std::string::npos
                                          ? 0
                                          : out.rfind("hyperdump: error:"),
                                      160);
    }
    if (ScheduledJobs() != before) {
      const bool says_how = out.find("resume-jobs") != std::string::npos;
      EXPECT_TRUE(says_how) << "jobs left paused without a word: " << out;
      ok = ok && says_how;
      testing::CommandResult resume = RunHd({"resume-jobs", dir, "-d", src_->uri()}, tmp_);
      EXPECT_EQ(resume.exit_code, 0) << resume.out << resume.err;
      note += ", jobs rescheduled by resume-jobs";
    }
    EXPECT_EQ(ScheduledJobs(), before);
    ok = ok && ScheduledJobs() == before;
    ++result.trials;
    result.survived += ok;
    result.notes.push_back(note);
  }
}

// A TCP proxy on 127.0.0.1 between hyperdump and the server, written for
// the suite: it forwards every connection to `target_port` and can cut one
// of them, at random, in both directions at once (as a dropped network path
// or a killed firewall state would). Threads: one accepting, one per
// connection; CutOne from any thread. Everything stops with the object.
class CuttingProxy {
 public:
  explicit CuttingProxy(int target_port) : target_port_(target_port) {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listen_, 64);
    socklen_t len = sizeof a;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~CuttingProxy() {
    stop_ = true;
    ::shutdown(listen_, SHUT_RDWR);
    ::close(listen_);
    acceptor_.join();
    std::vector<std::thread> relays;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [client, server] : live_) {
        ::shutdown(client, SHUT_RDWR);
        ::shutdown(server, SHUT_RDWR);
      }
      relays.swap(relays_);
    }
    for (auto& t : relays) t.join();
  }
  CuttingProxy(const CuttingProxy&) = delete;
  CuttingProxy& operator=(const CuttingProxy&) = delete;

  int port() const { return port_; }
  // Cuts one live connection, chosen with `rng`; false when none is open.
  bool CutOne(std::mt19937_64& rng) {
    std::lock_guard<std::mutex> lock(mu_);
    if (live_.empty()) return false;
    auto it = live_.begin();
    std::advance(it, std::uniform_int_distribution<size_t>(0, live_.size() - 1)(rng));
    ::shutdown(it->first, SHUT_RDWR);
    ::shutdown(it->second, SHUT_RDWR);
    ++cuts_;
    return true;
  }
  int cuts() const { return cuts_; }

 private:
  void Accept() {
    while (!stop_) {
      int client = ::accept(listen_, nullptr, nullptr);
      if (client < 0) return;
      int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(target_port_));
      if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      live_.emplace(client, server);
      relays_.emplace_back([this, client, server] { Relay(client, server); });
    }
  }
  void Relay(int client, int server) {
    char buf[65536];
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    while (!stop_) {
      if (::poll(fds, 2, 100) < 0) break;
      bool done = false;
      for (int i = 0; i < 2 && !done; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
        if (n <= 0) {
          done = true;
          break;
        }
        for (ssize_t off = 0; off < n;) {
          ssize_t w = ::send(fds[1 - i].fd, buf + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
          if (w <= 0) {
            done = true;
            break;
          }
          off += w;
        }
      }
      if (done) break;
    }
    ::shutdown(client, SHUT_RDWR);
    ::shutdown(server, SHUT_RDWR);
    std::lock_guard<std::mutex> lock(mu_);
    live_.erase({client, server});
    ::close(client);
    ::close(server);
  }

  const int target_port_;
  int listen_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> cuts_{0};
  std::mutex mu_;
  std::set<std::pair<int, int>> live_;  // under mu_
  std::vector<std::thread> relays_;     // under mu_
  std::thread acceptor_;
};

// `uri` (postgresql://user@127.0.0.1:PORT/db) through `port` instead.
std::string ViaPort(const std::string& uri, int port) {
  const size_t host = uri.find("@127.0.0.1:");
  const size_t slash = uri.find('/', host == std::string::npos ? 0 : host);
  if (host == std::string::npos || slash == std::string::npos) return uri;
  return uri.substr(0, host) + "@127.0.0.1:" + std::to_string(port) + uri.substr(slash);
}

int ServerPort(const std::string& uri) {
  const size_t host = uri.find("@127.0.0.1:");
  return host == std::string::npos ? 0 : std::atoi(uri.c_str() + host + 11);
}

// 5. Dropped connections (10 trials, dumps and restores in turn): a proxy cuts
//    a random connection at a random moment. The run either succeeds (jobs
//    that lost their connection are retried) and is identical, or fails
//    with a clear error, leaving no manifest (dump) or a target that --resume
//    makes identical (restore). No row is ever lost or duplicated.
TEST_F(TortureTest, DroppedConnectionsNeverLoseOrDuplicateARow) {
  const std::string archive = Archive();
  const int port = ServerPort(src_->uri());
  ASSERT_GT(port, 0) << src_->uri();
  ScenarioResult& result = Results()["dropped connections"];
  for (int trial = 0; trial < 10; ++trial) {
    std::mt19937_64 rng = TrialRng("proxy", trial);
    const bool dump = trial % 2 == 0;
    const int cut_ms = std::uniform_int_distribution<int>(20, 400)(rng);
    SCOPED_TRACE(std::string(dump ? "dump" : "restore") + " trial " + std::to_string(trial) +
                 ": cut at " + std::to_string(cut_ms) + " ms");
    CuttingProxy proxy(port);
    ScratchDatabase dst("torture_proxy_dst");
    const std::string dir = tmp_ + "/proxy" + std::to_string(trial);
    std::vector<std::string> args =
        dump
            ? std::vector<std::string>{"dump", "-d",     ViaPort(src_->uri(), proxy.port()),
                                       "-f",   dir,      "-j",
                                       "2",    "--quiet"}
            : std::vector<std::string>{
                  "restore", "-d", ViaPort(dst.uri(), proxy.port()), "-j", "2", "--quiet", archive};
    Child c(args, tmp_ + "/proxy.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(cut_ms));
    const bool cut = proxy.CutOne(rng);
    const int code = c.Wait();
    const std::string out = c.Output();
    std::string note = std::string(dump ? "dump" : "restore") + ", cut at " +
                       std::to_string(cut_ms) + " ms" + (cut ? "" : " (nothing open)") + ": ";
    bool ok = true;
    if (dump) {
      if (code == 0) {
        testing::CommandResult r =
            RunHd({"restore", "-d", dst.uri(), "-j", "2", "--quiet", dir}, tmp_);
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
        note += "completed";
      } else {
        EXPECT_NE(out.find("hyperdump: error:"), std::string::npos) << out;
        EXPECT_FALSE(fs::exists(dir + "/manifest.json"));
        ok = out.find("hyperdump: error:") != std::string::npos &&
             !fs::exists(dir + "/manifest.json");
        note += "failed cleanly";
      }
    } else if (code == 0) {
      note += "completed";
    } else {
      EXPECT_NE(out.find("hyperdump: error:"), std::string::npos) << out;
      ok = out.find("hyperdump: error:") != std::string::npos;
      SettleAndCheckLedger(dst.uri());
      testing::CommandResult r =
          RunHd({"restore", "-d", dst.uri(), "-j", "2", "--resume", "--quiet", archive}, tmp_);
      EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
      ok = ok && r.exit_code == 0;
      note += "failed, then --resume";
    }
    if (!dump || code == 0) {
      RowDelta d = CompareRows(src_->uri(), dst.uri());
      EXPECT_TRUE(d.identical) << d.differences;
      ok = ok && d.identical;
      result.rows_lost += d.lost;
      result.rows_duplicated += d.duplicated;
      note += d.identical ? ", identical" : ", DIFFERENT";
    }
    ++result.trials;
    result.survived += ok;
    result.notes.push_back(note);
  }
}

// 10, continued. A restore with --no-owner as a non-superuser role that owns
// the target database, as on a managed service: a plain PostgreSQL archive
// restores identically and everything in the target belongs to that role; a
// TimescaleDB archive is refused before anything is written, naming the need
// for a superuser (a stock TimescaleDB lets only a superuser stop the
// database's background workers in timescaledb_pre_restore()).
TEST_F(TortureTest, NoOwnerRestoreAsTheTargetsNonSuperuserOwner) {
  const std::string role = "hd_owner_" + std::to_string(::getpid());
  auto admin = PgConnection::Connect(testing::TestServerUri());
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE(admin->Run("DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role + " LOGIN").ok());
  ScenarioResult& result = Results()["--no-owner restore as the target's non-superuser owner"];
  auto as_role = [&](const std::string& uri) {
    std::string out = uri;
    const size_t at = out.find("postgres@");
    if (at != std::string::npos) out.replace(at, std::string("postgres@").size(), role + "@");
    return out;
  };
  // A plain source: tables, a sequence, a view, an index, a foreign key.
  ScratchDatabase plain("torture_plain_src");
  {
    PgConnection c = plain.Connect();
    ASSERT_TRUE(c.Run("CREATE TABLE parent (id serial PRIMARY KEY, name text);"
                      "CREATE TABLE child (id int REFERENCES parent, v numeric);"
                      "INSERT INTO parent (name) SELECT 'p' || g FROM generate_series(1, 500) g;"
                      "INSERT INTO child SELECT 1 + g % 500, g FROM generate_series(1, 2000) g;"
                      "CREATE INDEX child_v ON child (v);"
                      "CREATE VIEW both_v AS SELECT p.name, c.v FROM parent p JOIN child c"
                      " ON c.id = p.id")
                    .ok());
  }
  const std::string plain_dir = tmp_ + "/plain", ts_dir = Archive();
  testing::CommandResult d =
      RunHd({"dump", "-d", plain.uri(), "-f", plain_dir, "-j", "2", "--quiet"}, tmp_);
  ASSERT_EQ(d.exit_code, 0) << d.err;
  bool ok = true;
  {
    ScratchDatabase dst("torture_owned_dst");
    ASSERT_TRUE(admin
                    ->Run("ALTER DATABASE " + engine::QuoteIdent(dst.name()) + " OWNER TO " + role +
                          "; REVOKE CREATE ON SCHEMA public FROM PUBLIC")
                    .ok());
    PgConnection owner_setup = dst.Connect();
    ASSERT_TRUE(owner_setup.Run("ALTER SCHEMA public OWNER TO " + role).ok());
    testing::CommandResult r = RunHd(
        {"restore", "-d", as_role(dst.uri()), "-j", "2", "--no-owner", "--quiet", plain_dir}, tmp_);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    RowDelta delta = CompareRows(plain.uri(), dst.uri());
    EXPECT_TRUE(delta.identical) << delta.differences;
    PgConnection t = dst.Connect();
    const int64_t foreign =
        Value(t,
              "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
              " WHERE n.nspname = 'public' AND c.relowner <> '" +
                  role + "'::regrole");
    EXPECT_EQ(foreign, 0) << "the restore created objects its role does not own";
    ok = r.exit_code == 0 && delta.identical && foreign == 0;
    result.notes.push_back(std::string("plain archive: ") +
                           (ok ? "identical, every object owned by the role" : "FAILED"));
  }
  {
    ScratchDatabase dst("torture_owned_ts");
    ASSERT_TRUE(
        admin->Run("ALTER DATABASE " + engine::QuoteIdent(dst.name()) + " OWNER TO " + role).ok());
    testing::CommandResult r = RunHd(
        {"restore", "-d", as_role(dst.uri()), "-j", "2", "--no-owner", "--quiet", ts_dir}, tmp_);
    const std::string text = r.out + r.err;
    EXPECT_NE(r.exit_code, 0) << text;
    EXPECT_NE(text.find("needs a superuser"), std::string::npos) << text;
    EXPECT_EQ(UserObjects(dst.uri()), 0) << "the refused restore wrote into the target";
    const bool refused = r.exit_code != 0 && text.find("needs a superuser") != std::string::npos &&
                         UserObjects(dst.uri()) == 0;
    ok = ok && refused;
    result.notes.push_back(std::string("TimescaleDB archive: ") +
                           (refused ? "refused before writing, naming the superuser it needs"
                                    : "NOT REFUSED CLEANLY"));
  }
  admin->Run("DROP ROLE IF EXISTS " + role).IgnoreError();
  ++result.trials;
  result.survived += ok;
}

}  // namespace
}  // namespace hyperdump
