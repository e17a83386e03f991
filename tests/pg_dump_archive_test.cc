// `hyperdump restore` of archives made by `pg_dump --format=directory`
// (issue 17 part 4, engine/restore/pg_dump_archive.h), on the real
// TimescaleDB: each test makes the archive with PostgreSQL 15's pg_dump -j 2,
// restores it with the hyperdump binary and compares the two databases row
// for row (engine::CompareDatabases: every table, chunks, the TimescaleDB
// catalog and large objects included).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/status.h"
#include "bench/demo_data.h"
#include "engine/pg/pg.h"
#include "engine/pg/subprocess.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

namespace fs = std::filesystem;
using engine::PgConnection;
using testing::ScratchDatabase;

class PgDumpArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TEST_SERVER();
    HD_REQUIRE_TIMESCALEDB();
    char tmpl[] = "/tmp/hd-pgdump-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }

  // The real-TimescaleDB demo (hypertable with compressed chunks, a
  // continuous aggregate, policies, partitions, odd names) plus two large
  // objects referenced from a table; returns pg_dump -Fd -j 2's archive.
  std::string BuildAndDump(ScratchDatabase& src) {
    PgConnection conn = src.Connect();
    bench::DemoOptions demo;
    demo.target_bytes = 4ull << 20;
    demo.partitions = 6;
    auto built = bench::BuildDemo(conn, demo);
    EXPECT_TRUE(built.ok()) << built.status().message();
    EXPECT_NE(built.ok() ? built->timescaledb : "", "none");
    EXPECT_TRUE(conn.Run("CREATE TABLE public.docs (id int PRIMARY KEY, doc oid);"
                         "INSERT INTO public.docs VALUES "
                         "(1, lo_from_bytea(0, convert_to(repeat('page ', 50000), 'UTF8'))),"
                         "(2, lo_from_bytea(0, '\\x00ff'::bytea))")
                    .ok());
    std::string dir = tmp_ + "/pgdump";
    testing::CommandResult r = testing::RunCommand(
        "", {engine::PgBinDir() + "/pg_dump", "-Fd", "-j", "2", "-f", dir, "-d", src.uri()}, tmp_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return dir;
  }

  testing::CommandResult Hyperdump(const std::string& env, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {env.empty() ? HYPERDUMP_BIN : HYPERDUMP_FAULT_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunCommand(env, argv, tmp_);
  }

  std::string tmp_;
};

int64_t Count(PgConnection& conn, const std::string& sql) {
  auto r = conn.Exec(sql);
  EXPECT_TRUE(r.ok()) << r.status().message() << " in " << sql;
  return r.ok() && r->rows() > 0 ? r->GetInt(0, 0) : -1;
}

// The target is out of TimescaleDB's restore mode and its hypertable works:
// a new row lands in a new chunk, compressed chunks read back through the
// hypertable, the policies' jobs are scheduled as on the source.
void ExpectWorkingHypertables(PgConnection& source, PgConnection& target) {
  EXPECT_EQ(Count(target,
                  "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d "
                  "ON d.oid = s.setdatabase WHERE d.datname = current_database() "
                  "AND array_to_string(s.setconfig, ',') LIKE '%timescaledb.restoring%'"),
            0);
  const std::string rows = "SELECT count(*) FROM demo.metrics";
  EXPECT_EQ(Count(target, rows), Count(source, rows));
  const std::string compressed =
      "SELECT count(*) FROM timescaledb_information.chunks WHERE is_compressed";
  EXPECT_GT(Count(target, compressed), 0);
  EXPECT_EQ(Count(target, compressed), Count(source, compressed));
  int64_t chunks = Count(target, "SELECT count(*) FROM _timescaledb_catalog.chunk");
  ASSERT_TRUE(target
                  .Run("INSERT INTO demo.metrics (\"time\", device_id, cpu, mem, label) VALUES "
                       "('2030-01-01 00:00+00', 1, 1, 1, 'after restore')")
                  .ok());
  EXPECT_EQ(Count(target, "SELECT count(*) FROM ONLY demo.metrics"), 0);
  EXPECT_EQ(Count(target, "SELECT count(*) FROM _timescaledb_catalog.chunk"), chunks + 1);
  const std::string jobs =
      "SELECT count(*) FROM timescaledb_information.jobs WHERE job_id >= 1000 AND scheduled";
  EXPECT_GT(Count(target, jobs), 0);
  EXPECT_EQ(Count(target, jobs), Count(source, jobs));
}

TEST_F(PgDumpArchiveTest, TimescaleDbDemoRestoresInParallelRowForRowAndItsHypertablesWork) {
  ScratchDatabase src("pgdump_demo_src");
  ScratchDatabase dst("pgdump_demo_dst");
  std::string archive = BuildAndDump(src);
  testing::CommandResult r = Hyperdump("", {"restore", "-d", dst.uri(), "-j", "2", archive});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("restored " + archive), std::string::npos) << r.out;
  testing::ExpectSameRows(src.uri(), dst.uri(), 20);
  PgConnection s = src.Connect();
  PgConnection t = dst.Connect();
  // Indexes and keys are all there (each placed on its table by its SQL).
  const std::string indexes =
      "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n "
      "ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', "
      "'pg_toast', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_cache')";
  EXPECT_EQ(Count(t, indexes), Count(s, indexes));
  const std::string keys =
      "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated";
  EXPECT_EQ(Count(t, keys), Count(s, keys));
  // The large objects' data and the table referring to them by OID.
  EXPECT_EQ(Count(t,
                  "SELECT count(*) FROM public.docs d JOIN pg_largeobject_metadata m "
                  "ON m.oid = d.doc"),
            2);
  ExpectWorkingHypertables(s, t);  // last: it adds a chunk
}

TEST_F(PgDumpArchiveTest, KilledRestoreResumesToTheSameDatabase) {
  ScratchDatabase src("pgdump_crash_src");
  std::string archive = BuildAndDump(src);
  for (int crash_after : {2, 15}) {
    SCOPED_TRACE("crash after " + std::to_string(crash_after) + " jobs");
    ScratchDatabase dst("pgdump_crash_dst");
    testing::CommandResult r =
        Hyperdump("HYPERDUMP_TEST_CRASH_AFTER_JOBS=" + std::to_string(crash_after),
                  {"restore", "-d", dst.uri(), "-j", "2", archive});
    ASSERT_EQ(r.exit_code, 137) << r.out << r.err;
    r = Hyperdump("", {"restore", "-d", dst.uri(), "-j", "2", archive});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
    r = Hyperdump("", {"restore", "-d", dst.uri(), "-j", "2", "--resume", archive});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("already done before"), std::string::npos) << r.out;
    testing::ExpectSameRows(src.uri(), dst.uri(), 20);
    PgConnection s = src.Connect();
    PgConnection t = dst.Connect();
    ExpectWorkingHypertables(s, t);
  }
}

// The data file of demo.orders (the largest ordinary table) and its item id.
std::pair<std::string, std::string> OrdersDataFile(const std::string& archive,
                                                   const std::string& scratch) {
  testing::CommandResult r =
      testing::RunCommand("", {engine::PgBinDir() + "/pg_restore", "-l", archive}, scratch);
  std::string line;
  std::istringstream in(r.out);
  while (std::getline(in, line)) {
    if (line.find(" TABLE DATA demo orders ") != std::string::npos) break;
  }
  std::string id = line.substr(0, line.find(';'));
  return {archive + "/" + id + ".dat.gz", id};
}

TEST_F(PgDumpArchiveTest, MissingDataFileIsRefusedBeforeAnythingIsWritten) {
  ScratchDatabase src("pgdump_missing_src");
  ScratchDatabase dst("pgdump_missing_dst");
  std::string archive = BuildAndDump(src);
  auto [path, id] = OrdersDataFile(archive, tmp_);
  ASSERT_TRUE(fs::remove(path)) << path;
  testing::CommandResult r = Hyperdump("", {"restore", "-d", dst.uri(), "-j", "2", archive});
  EXPECT_EQ(r.exit_code, kExitCorrupt) << r.err;
  EXPECT_NE(r.err.find("pg_dump archive " + archive + " lacks the data file of item " + id +
                       " (TABLE DATA demo orders postgres): " + id +
                       ".dat.gz or .dat is missing; restore from a complete copy or re-run "
                       "pg_dump"),
            std::string::npos)
      << r.err;
  PgConnection t = dst.Connect();
  EXPECT_EQ(Count(t, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"),
            0);
  EXPECT_EQ(Count(t, "SELECT count(*) FROM pg_namespace WHERE nspname = 'demo'"), 0);
}

// A damaged file fails its job with no row of it committed, TimescaleDB's
// restore mode ends all the same; once the file is back, --resume finishes.
TEST_F(PgDumpArchiveTest, DamagedDataFileFailsItsJobWithoutRowsThenResumeCompletes) {
  ScratchDatabase src("pgdump_damaged_src");
  ScratchDatabase dst("pgdump_damaged_dst");
  std::string archive = BuildAndDump(src);
  auto [path, id] = OrdersDataFile(archive, tmp_);
  fs::copy_file(path, tmp_ + "/good");
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
    f.put('\x5a').put('\xa5').put('\x00').put('\x13');
  }
  testing::CommandResult r = Hyperdump("", {"restore", "-d", dst.uri(), "-j", "2", archive});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("item " + id + " of pg_dump archive " + archive), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("restore incomplete"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
  PgConnection t = dst.Connect();
  EXPECT_EQ(Count(t, "SELECT count(*) FROM demo.orders"), 0) << "no partial rows";
  EXPECT_EQ(Count(t,
                  "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d "
                  "ON d.oid = s.setdatabase WHERE d.datname = current_database() "
                  "AND array_to_string(s.setconfig, ',') LIKE '%timescaledb.restoring%'"),
            0);
  fs::remove(path);
  fs::copy_file(tmp_ + "/good", path);
  r = Hyperdump("", {"restore", "-d", dst.uri(), "-j", "2", "--resume", archive});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  testing::ExpectSameRows(src.uri(), dst.uri(), 20);
}

TEST_F(PgDumpArchiveTest, SelectiveRestoreAndRolesAreRefusedNamingTheWayOut) {
  ScratchDatabase dst("pgdump_refuse_dst");
  std::string dir = tmp_ + "/pgdump";
  testing::CommandResult r = testing::RunCommand(
      "", {engine::PgBinDir() + "/pg_dump", "-Fd", "-f", dir, "-d", dst.uri()}, tmp_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Hyperdump("", {"restore", "-d", dst.uri(), "-n", "demo", dir});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_NE(
      r.err.find(dir + " is a pg_dump archive: hyperdump restores it whole (no -n, -N, -t, -I, "
                       "-L, --section, -s or -a); for part of it use pg_restore, or dump with "
                       "hyperdump"),
      std::string::npos)
      << r.err;
  r = Hyperdump("", {"restore", "-d", dst.uri(), "--roles", dir});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_NE(r.err.find("holds no roles: drop --roles"), std::string::npos) << r.err;
  // pg_dump's single-file formats are named, with the ways out.
  for (const char* format : {"c", "t"}) {
    std::string file = tmp_ + "/dump." + format;
    r = testing::RunCommand(
        "",
        {engine::PgBinDir() + "/pg_dump", std::string("-F") + format, "-f", file, "-d", dst.uri()},
        tmp_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Hyperdump("", {"restore", "-d", dst.uri(), file});
    EXPECT_EQ(r.exit_code, kExitUsage);
    EXPECT_NE(r.err.find(file + " is a pg_dump " +
                         (format == std::string("c") ? "custom-format (-Fc)" : "tar-format (-Ft)") +
                         " file: hyperdump restores pg_dump's directory format; restore this file "
                         "with pg_restore, or dump again with pg_dump -Fd (or hyperdump dump)"),
              std::string::npos)
        << r.err;
  }
}

// pg_dump --load-via-partition-root prints a partition's rows as a COPY
// into its root: refused at that table, naming the dump option and
// pg_restore, never loaded into the partition it was not meant for.
TEST_F(PgDumpArchiveTest, LoadViaPartitionRootIsRefusedNamingTheOption) {
  ScratchDatabase src("pgdump_viaroot_src");
  ScratchDatabase dst("pgdump_viaroot_dst");
  PgConnection conn = src.Connect();
  ASSERT_TRUE(conn.Run("CREATE TABLE public.p (k int, v text) PARTITION BY RANGE (k);"
                       "CREATE TABLE public.p1 PARTITION OF public.p FOR VALUES FROM (0) TO (10);"
                       "INSERT INTO public.p SELECT g, 'v' FROM generate_series(0, 9) g")
                  .ok());
  std::string dir = tmp_ + "/viaroot";
  testing::CommandResult r =
      testing::RunCommand("",
                          {engine::PgBinDir() + "/pg_dump", "-Fd", "--load-via-partition-root",
                           "-f", dir, "-d", src.uri()},
                          tmp_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Hyperdump("", {"restore", "-d", dst.uri(), dir});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("(table \"public\".\"p1\") loads another table: \"COPY public.p (k, v) FROM "
                       "stdin\" (a dump made with --load-via-partition-root?): restore this "
                       "archive with pg_restore"),
            std::string::npos)
      << r.err;
  PgConnection t = dst.Connect();
  EXPECT_EQ(Count(t, "SELECT count(*) FROM public.p"), 0);
}

}  // namespace
}  // namespace hyperdump
