#include "bench/bench.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "bench/bench_db.h"
#include "bench/bench_pg.h"
#include "engine/compare.h"
#include "engine/dump/dump.h"
#include "engine/migrate.h"
#include "engine/pg/local_files.h"
#include "engine/pg/pg.h"
#include "engine/pg/subprocess.h"
#include "engine/restore/restore.h"

namespace hyperdump::bench {

using engine::DigestDatabase;
using engine::DumpOptions;
using engine::MigrateOptions;
using engine::PgBinDir;
using engine::PgConnection;
using engine::PgResult;
using engine::RestoreOptions;
using engine::RunDump;
using engine::RunMigrate;
using engine::RunRestore;
using engine::TableDigest;
using engine::TempDir;
namespace {

using Digests = std::map<std::string, TableDigest>;

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string Fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// What every round needs, fixed once the source is ready.
struct Round {
  const BenchOptions& options;
  const std::atomic<bool>& interrupt;
  const BenchLog& log;
  std::string source;  // conninfo of kBenchSourceDb
  const Digests& source_digests;
  bool timescaledb = false;
  PgTools tools;
  std::string archive_root;
};

// Runs `step` and returns how long it took, in seconds; the caller verifies
// what it produced.
template <typename Step>
Result<double> Timed(const std::string& what, const BenchLog& log, Step step) {
  log(what + "...");
  auto t0 = std::chrono::steady_clock::now();
  HD_RETURN_IF_ERROR(step().WithContext(what));
  return SecondsSince(t0);
}

// Digests `target` and fails unless it equals the source.
Status Verify(const Round& r, const BenchTarget& target, const std::string& what) {
  HD_ASSIGN_OR_RETURN(Digests digests, DigestDatabase(target.conninfo()));
  return VerifyEqual(r.source_digests, digests, what, target.name());
}

std::string TargetName(const std::string& tool, int jobs) {
  return std::string(kBenchPrefix) + std::to_string(::getpid()) + "_" + tool + "_j" +
         std::to_string(jobs);
}

// hyperdump dump -j N, then hyperdump restore -j N of that archive into a new
// database, verified equal to the source.
Status RunHyperdump(const Round& r, int jobs, std::vector<BenchRun>& runs) {
  const std::string j = std::to_string(jobs);
  DumpOptions dump;
  dump.source = r.source;
  dump.dir = r.archive_root + "/hyperdump_j" + j;
  dump.jobs = jobs;
  dump.tool_version = r.options.tool_version;
  HD_ASSIGN_OR_RETURN(double dump_s, Timed("hyperdump dump -j " + j, r.log,
                                           [&] { return RunDump(dump, r.interrupt); }));
  HD_ASSIGN_OR_RETURN(BenchTarget target,
                      BenchTarget::Create(r.options.server, TargetName("hyperdump", jobs)));
  RestoreOptions restore;
  restore.target = target.conninfo();
  restore.archive_dir = dump.dir;
  restore.jobs = jobs;
  restore.analyze = r.options.analyze;
  restore.pg_bindir = r.tools.bindir;
  const std::string what = "hyperdump restore -j " + j;
  HD_ASSIGN_OR_RETURN(double restore_s,
                      Timed(what, r.log, [&] { return RunRestore(restore, r.interrupt); }));
  HD_RETURN_IF_ERROR(Verify(r, target, what));
  uint64_t bytes = DirectoryBytes(dump.dir);
  r.log("hyperdump: dump " + Fixed2(dump_s) + " s, restore " + Fixed2(restore_s) +
        " s, equal to the source");
  runs.push_back({"hyperdump", "dump", jobs, dump_s, bytes, 0});
  runs.push_back({"hyperdump", "restore", jobs, restore_s, bytes, 0});
  return Status::Ok();
}

// hyperdump migrate -j N into a new database (dump and restore at once),
// verified equal to the source.
Status RunHyperdumpMigrate(const Round& r, int jobs, std::vector<BenchRun>& runs) {
  const std::string j = std::to_string(jobs);
  HD_ASSIGN_OR_RETURN(BenchTarget target,
                      BenchTarget::Create(r.options.server, TargetName("migrate", jobs)));
  MigrateOptions m;
  m.dump.source = r.source;
  m.dump.dir = r.archive_root + "/hyperdump_migrate_j" + j;
  m.dump.jobs = jobs;
  m.dump.tool_version = r.options.tool_version;
  m.restore.target = target.conninfo();
  m.restore.jobs = jobs;
  m.restore.analyze = r.options.analyze;
  m.restore.pg_bindir = r.tools.bindir;
  const std::string what = "hyperdump migrate -j " + j;
  HD_ASSIGN_OR_RETURN(double seconds, Timed(what, r.log, [&] {
                        return RunMigrate(m, r.interrupt, {}, {}, nullptr);
                      }));
  HD_RETURN_IF_ERROR(Verify(r, target, what));
  r.log("hyperdump migrate: " + Fixed2(seconds) + " s, equal to the source");
  runs.push_back({"hyperdump", "migrate", jobs, seconds, DirectoryBytes(m.dump.dir), 0});
  return Status::Ok();
}

// pg_dump -Fd -j N, then pg_restore -j N (or the staged procedure on
// TimescaleDB) into a new database, verified equal to the source.
Status RunPostgres(const Round& r, int jobs, std::vector<BenchRun>& runs) {
  const std::string j = std::to_string(jobs);
  const std::string dir = r.archive_root + "/pg_dump_j" + j;
  HD_ASSIGN_OR_RETURN(double dump_s, Timed("pg_dump -Fd -j " + j, r.log, [&] {
                        return RunPgDump(r.tools, r.source, dir, jobs);
                      }));
  HD_ASSIGN_OR_RETURN(BenchTarget target,
                      BenchTarget::Create(r.options.server, TargetName("pg", jobs)));
  const std::string tool = r.timescaledb ? "staged pg_restore" : "pg_restore";
  const std::string what = tool + " -j " + j;
  HD_ASSIGN_OR_RETURN(double restore_s, Timed(what, r.log, [&] {
                        return r.timescaledb
                                   ? RunStagedPgRestore(r.tools, target.conninfo(), dir, jobs)
                                   : RunPgRestore(r.tools, target.conninfo(), dir, jobs);
                      }));
  HD_RETURN_IF_ERROR(Verify(r, target, what));
  uint64_t bytes = DirectoryBytes(dir);
  r.log("pg_dump/" + tool + ": dump " + Fixed2(dump_s) + " s, restore " + Fixed2(restore_s) +
        " s, equal to the source");
  runs.push_back({"pg_dump -Fd", "dump", jobs, dump_s, bytes, 0});
  runs.push_back({tool, "restore", jobs, restore_s, bytes, 0});
  return Status::Ok();
}

// ratio = the PostgreSQL tool's time for the same operation and -j / this
// one's; for migrate, pg_dump's plus pg_restore's (one after the other).
void FillRatios(std::vector<BenchRun>& runs) {
  for (BenchRun& run : runs) {
    if (run.operation == "migrate") {
      double pg = 0;
      for (const BenchRun& ref : runs) {
        if (ref.tool != "hyperdump" && ref.jobs == run.jobs) pg += ref.seconds;
      }
      if (run.seconds > 0) run.ratio = pg / run.seconds;
      continue;
    }
    for (const BenchRun& ref : runs) {
      if (ref.tool != "hyperdump" && ref.operation == run.operation && ref.jobs == run.jobs &&
          run.seconds > 0) {
        run.ratio = ref.seconds / run.seconds;
      }
    }
  }
}

// The archives' directory: --keep DIR (created, must be empty) or a private
// temporary one removed when `temp` goes away.
Result<std::string> ArchiveRoot(const BenchOptions& options, std::optional<TempDir>& temp) {
  if (options.keep_dir.empty()) {
    HD_ASSIGN_OR_RETURN(TempDir dir, TempDir::Create("hyperdump-bench"));
    temp.emplace(std::move(dir));
    return temp->path();
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(options.keep_dir, ec);
  if (ec) return IoError("--keep: cannot create " + options.keep_dir + ": " + ec.message());
  if (!fs::is_empty(options.keep_dir, ec) || ec) {
    return InvalidArgument("--keep: " + options.keep_dir +
                           " is not empty: name a new or empty directory");
  }
  fs::permissions(options.keep_dir, fs::perms::owner_all, ec);  // archives are private
  return options.keep_dir;
}

// One bench at a time per server and maintenance database (benches share
// kBenchSourceDb, and two at once would time each other): a session advisory
// lock, held until `server` closes.
Status WaitForOtherBenches(PgConnection& server, const BenchLog& log) {
  constexpr const char* kKey = "7526478211452710400";  // arbitrary, hyperdump bench's own
  HD_ASSIGN_OR_RETURN(PgResult r,
                      server.Exec(std::string("SELECT pg_try_advisory_lock(") + kKey + ")"));
  if (r.GetBool(0, 0)) return Status::Ok();
  log("waiting for another hyperdump bench on this server to finish...");
  return server.Run(std::string("SELECT pg_advisory_lock(") + kKey + ")");
}

}  // namespace

Result<BenchReport> RunBench(const BenchOptions& options, const std::atomic<bool>& interrupt,
                             const BenchLog& log) {
  BenchReport report;
  report.size_text = options.size_text;
  report.source_db = kBenchSourceDb;
  report.shape = DemoShapeName(options.shape);
  report.pg_bindir = options.pg_bindir.empty() ? PgBinDir() : options.pg_bindir;

  // 1. The server, and client programs of its major version.
  HD_ASSIGN_OR_RETURN(PgConnection server,
                      PgConnection::Connect(options.server, "hyperdump bench"));
  report.server_major = server.server_version() / 10000;
  HD_RETURN_IF_ERROR(WaitForOtherBenches(server, log));
  HD_ASSIGN_OR_RETURN(TempDir work, TempDir::Create("hyperdump-bench-work"));
  HD_ASSIGN_OR_RETURN(report.client_major, CheckClientMajor(report.pg_bindir, report.server_major,
                                                            work.path(), interrupt));
  std::optional<TempDir> temp_archives;
  HD_ASSIGN_OR_RETURN(report.archive_dir, ArchiveRoot(options, temp_archives));

  // 2. The demo source, built or reused, and its digest (which reads every
  // table once: the cache is as warm for the first contender as for the last).
  HD_ASSIGN_OR_RETURN(report.source_reused, PrepareBenchSource(server, options, log));
  HD_ASSIGN_OR_RETURN(std::string source, ConninfoWithDatabase(options.server, kBenchSourceDb));
  Digests digests;
  {
    HD_ASSIGN_OR_RETURN(digests, DigestDatabase(source));
    HD_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(source, "hyperdump bench"));
    HD_ASSIGN_OR_RETURN(PgResult r, conn.Exec("SELECT pg_database_size(current_database()), "
                                              "(SELECT extversion FROM pg_extension "
                                              " WHERE extname = 'timescaledb')"));
    report.source_bytes = static_cast<uint64_t>(r.GetInt(0, 0));
    report.timescaledb = r.IsNull(0, 1) ? "none" : r.GetString(0, 1);
  }
  report.source_tables = static_cast<int64_t>(digests.size());
  for (const auto& [name, d] : digests) report.source_rows += d.rows;

  // 3. One round per job count: each tool dumps, restores, and is verified.
  Round round{options,
              interrupt,
              log,
              source,
              digests,
              report.timescaledb != "none",
              PgTools{report.pg_bindir, work.path(), &interrupt},
              report.archive_dir};
  for (int jobs : options.jobs) {
    HD_RETURN_IF_ERROR(RunHyperdump(round, jobs, report.runs));
    HD_RETURN_IF_ERROR(RunHyperdumpMigrate(round, jobs, report.runs));
    HD_RETURN_IF_ERROR(RunPostgres(round, jobs, report.runs));
  }
  FillRatios(report.runs);

  // 4. The source goes only when asked; archives with the temporary directory.
  if (options.drop_source) HD_RETURN_IF_ERROR(DropBenchDatabase(server, kBenchSourceDb));
  if (!options.keep_dir.empty()) log("archives kept in " + options.keep_dir);
  return report;
}

Result<std::vector<int>> ParseJobsList(const std::string& text) {
  auto bad = [&text] {
    return InvalidArgument("-j/--jobs: '" + text +
                           "' is not a list of job counts from 1 to 256 (e.g. 1,2,4)");
  };
  std::vector<int> jobs;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string item =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (item.empty() || item.size() > 3 ||
        item.find_first_not_of("0123456789") != std::string::npos) {
      return bad();
    }
    int n = std::stoi(item);
    if (n < 1 || n > 256) return bad();
    jobs.push_back(n);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return jobs;
}

}  // namespace hyperdump::bench
