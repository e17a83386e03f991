// Integration tests of `hyperdump restore` (engine::RunRestore and the
// hyperdump binary) against the throwaway server of scripts/with-pg.
//
// Every test dumps a real source database with engine::RunDump, restores it
// into a fresh database and compares the two row for row, table by table
// (engine::CompareDatabases: row count and an order-independent hash per
// table, chunks and TimescaleDB catalog rows included). Crash tests run the
// test build of the binary (tests/fault_injection/) with
// HYPERDUMP_TEST_CRASH_AFTER_JOBS=N, which makes it _exit(137) right after
// its N-th committed job, as kill -9 would.
#include "engine/restore/restore.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "bench/demo_data.h"
#include "engine/compare.h"
#include "engine/dump/dump.h"
#include "engine/pg/pg.h"
#include "engine/restore/target_settings.h"
#include "engine/timescaledb/timescale_window.h"
#include "format/manifest.h"
#include "format/reader.h"
#include "scheduler/events.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

namespace fs = std::filesystem;
using engine::PgConnection;
using testing::ScratchDatabase;
using testing::ShellQuote;

std::atomic<bool> no_interrupt{false};

class RestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TEST_SERVER();
    char tmpl[] = "/tmp/hd-restore-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }

  // Dumps `uri` with RunDump; returns the archive directory.
  std::string Dump(const std::string& uri, int64_t split_larger_than = 1LL << 30) {
    engine::DumpOptions o;
    o.source = uri;
    o.dir = tmp_ + "/archive" + std::to_string(archives_++);
    o.jobs = 2;
    o.selection.split_larger_than = split_larger_than;
    o.tool_version = "test";
    Status s = engine::RunDump(o, no_interrupt);
    EXPECT_TRUE(s.ok()) << s.message();
    return o.dir;
  }

  static Status Restore(const std::string& archive, const std::string& target, int jobs = 2,
                        bool resume = false) {
    engine::RestoreOptions o;
    o.target = target;
    o.archive_dir = archive;
    o.jobs = jobs;
    o.resume = resume;
    engine::RestoreSummary summary;
    return engine::RunRestore(o, no_interrupt, nullptr, &summary);
  }

  std::string tmp_;
  int archives_ = 0;
};

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout, then stderr
};

// Runs the hyperdump binary with `args`, `env` prepended ("K=V ..."). With a
// test hook in `env` (HYPERDUMP_TEST_...), the test build of it, which alone
// reads them (tests/fault_injection/).
RunResult RunHyperdump(const std::string& env, const std::vector<std::string>& args) {
  char dir[] = "/tmp/hd-restore-run.XXXXXX";
  if (!mkdtemp(dir)) return {};
  std::vector<std::string> argv = {env.rfind("HYPERDUMP_TEST_", 0) == 0 ? HYPERDUMP_FAULT_BIN
                                                                        : HYPERDUMP_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  testing::CommandResult r = testing::RunCommand(env, argv, dir);
  fs::remove_all(dir);
  return {r.exit_code, r.out + r.err};
}

// Row-for-row equality of every table (chunks and extension catalog rows
// included), and equal counts of the schema objects restore rebuilds.
void ExpectSameDatabase(const std::string& source, const std::string& target) {
  auto report = engine::CompareDatabases(source, target);
  ASSERT_TRUE(report.ok()) << report.status().message();
  std::string diff;
  for (const auto& d : report->different) diff += "\n  different: " + d;
  for (const auto& d : report->missing) diff += "\n  missing: " + d;
  for (const auto& d : report->extra) diff += "\n  extra: " + d;
  EXPECT_TRUE(report->ok()) << diff;
  EXPECT_GT(report->equal.size(), 0u);

  // Indexes, constraints, triggers, sequences' values: same on both sides.
  static const char* kShape = R"SQL(
SELECT 'index ' || schemaname || '.' || indexname || ' ' || indexdef FROM pg_indexes
  WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' ||
       pg_get_constraintdef(oid) || ' ' || convalidated
  FROM pg_constraint WHERE connamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal
UNION ALL
SELECT 'sequence ' || schemaname || '.' || sequencename || ' ' || coalesce(last_value::text, 'null')
  FROM pg_sequences
  -- TimescaleDB numbers each job run in its history: each server's own.
  WHERE (schemaname, sequencename) <> ('_timescaledb_internal', 'bgw_job_stat_history_id_seq')
UNION ALL
SELECT 'schema ' || nspname FROM pg_namespace
ORDER BY 1)SQL";
  auto a = PgConnection::Connect(source);
  auto b = PgConnection::Connect(target);
  ASSERT_TRUE(a.ok() && b.ok());
  auto ra = a->Exec(kShape);
  auto rb = b->Exec(kShape);
  ASSERT_TRUE(ra.ok()) << ra.status().message();
  ASSERT_TRUE(rb.ok()) << rb.status().message();
  std::vector<std::string> sa, sb;
  for (int i = 0; i < ra->rows(); ++i) sa.push_back(ra->GetString(i, 0));
  for (int i = 0; i < rb->rows(); ++i) sb.push_back(rb->GetString(i, 0));
  // Only the differences, named: the lists run to hundreds of items.
  std::vector<std::string> only_source, only_target;
  std::set_difference(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(only_source));
  std::set_difference(sb.begin(), sb.end(), sa.begin(), sa.end(), std::back_inserter(only_target));
  EXPECT_TRUE(only_source.empty() && only_target.empty())
      << "only on the source: " << ::testing::PrintToString(only_source)
      << "\nonly on the target: " << ::testing::PrintToString(only_target);
}

int64_t Count(PgConnection& conn, const std::string& sql) {
  auto r = conn.Exec(sql);
  EXPECT_TRUE(r.ok()) << r.status().message() << " in " << sql;
  return r.ok() && r->rows() > 0 ? r->GetInt(0, 0) : -1;
}

// Plain PostgreSQL shapes: awkward identifiers and values, partitions,
// inheritance, foreign keys across schemas, a table split into ranges,
// sequences, triggers, comments, a view.
void BuildShapes(PgConnection& conn) {
  Status s = conn.Run(R"SQL(
CREATE SCHEMA "My ""Odd"" Schema";
CREATE TABLE "My ""Odd"" Schema"."Ta ble" (id int PRIMARY KEY, "sel ect" text, v numeric);
INSERT INTO "My ""Odd"" Schema"."Ta ble"
  SELECT g, E'tab\there \\ back\nline ' || g, g / 7.0 FROM generate_series(1, 3000) g;
INSERT INTO "My ""Odd"" Schema"."Ta ble" VALUES (0, NULL, 'NaN'), (-1, 'ünï€ode', NULL);
CREATE TABLE public.child (id bigserial PRIMARY KEY,
  p int REFERENCES "My ""Odd"" Schema"."Ta ble"(id), payload text, n int);
INSERT INTO public.child (p, payload, n)
  SELECT g % 3000 + 1, repeat('x', 50) || g, g FROM generate_series(1, 40000) g;
CREATE INDEX child_p_idx ON public.child (p);
CREATE UNIQUE INDEX "child N idx" ON public.child (n);
CREATE TABLE public.pt (id int, k int, v text) PARTITION BY RANGE (k);
CREATE TABLE public.pt1 PARTITION OF public.pt FOR VALUES FROM (0) TO (100);
CREATE TABLE public.pt2 PARTITION OF public.pt FOR VALUES FROM (100) TO (200);
CREATE TABLE public.pt_default PARTITION OF public.pt DEFAULT;
ALTER TABLE public.pt ADD PRIMARY KEY (id, k);
CREATE INDEX ON public.pt (v);
INSERT INTO public.pt SELECT g, g % 250, 'v' || g FROM generate_series(1, 5000) g;
CREATE TABLE public.ih (a int, t text);
CREATE TABLE public.ihc (b int) INHERITS (public.ih);
INSERT INTO public.ih SELECT g, 'parent' FROM generate_series(1, 100) g;
INSERT INTO public.ihc SELECT g, 'child', g * 2 FROM generate_series(1, 200) g;
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER touch BEFORE INSERT ON public.child FOR EACH ROW EXECUTE FUNCTION public.touch();
COMMENT ON TABLE public.child IS 'the child';
CREATE VIEW public.v AS SELECT count(*) FROM public.child;
CREATE SEQUENCE public.counter;
SELECT setval('public.counter', 42);
CREATE TABLE public.empty_one (x int);
)SQL");
  ASSERT_TRUE(s.ok()) << s.message();
}

// A parent column added after the child had local columns gives the child
// the order (a, b, z) on the source, while pg_dump's CREATE TABLE ... INHERITS
// gives it (a, z, b) on the target: rows must land by column name.
TEST_F(RestoreTest, InheritanceChildWithDifferentColumnOrderRestoresByName) {
  ScratchDatabase source("restore_colorder_src");
  ScratchDatabase target("restore_colorder_dst");
  {
    PgConnection c = source.Connect();
    ASSERT_TRUE(c.Run("CREATE TABLE parent (a int);"
                      "CREATE TABLE child (b text) INHERITS (parent);"
                      "ALTER TABLE parent ADD COLUMN z int;"
                      "INSERT INTO child (a, b, z) VALUES (1, 'one', 10), (2, 'two', 20);")
                    .ok());
  }
  std::string archive = Dump(source.uri());
  Status s = Restore(archive, target.uri());
  ASSERT_TRUE(s.ok()) << s.message();
  PgConnection t = target.Connect();
  auto order = t.Exec(
      "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute"
      " WHERE attrelid = 'child'::regclass AND attnum > 0 AND NOT attisdropped");
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->GetString(0, 0), "a,z,b");  // the case this test is about
  auto rows = t.Exec("SELECT a, b, z FROM child ORDER BY a");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->rows(), 2);
  EXPECT_EQ(rows->GetString(0, 1), "one");
  EXPECT_EQ(rows->GetInt(0, 2), 10);
  EXPECT_EQ(rows->GetString(1, 1), "two");
  EXPECT_EQ(rows->GetInt(1, 2), 20);
}

TEST_F(RestoreTest, PlainShapesRestoreRowForRowWithSplitTables) {
  ScratchDatabase src("restore_shapes_src");
  ScratchDatabase dst("restore_shapes_dst");
  PgConnection conn = src.Connect();
  BuildShapes(conn);
  ASSERT_TRUE(conn.Run("ANALYZE").ok());
  std::string archive = Dump(src.uri(), /*split_larger_than=*/256 << 10);
  Status s = Restore(archive, dst.uri(), 2);
  ASSERT_TRUE(s.ok()) << s.message();
  ExpectSameDatabase(src.uri(), dst.uri());
  PgConnection t = dst.Connect();
  EXPECT_EQ(Count(t, "SELECT count(*) FROM pg_namespace WHERE nspname = '_hyperdump'"), 0)
      << "the ledger is removed after success";
  EXPECT_GT(Count(t, "SELECT count(*) FROM pg_stats WHERE tablename = 'child'"), 0)
      << "restored tables are analyzed";
  // The foreign key is enforced again.
  EXPECT_FALSE(t.Run("INSERT INTO public.child (p, n) VALUES (999999, -5)").ok());
}

// The settings restore advises on are read in bytes, whatever unit the
// server keeps them in (engine/restore/target_settings.h).
TEST_F(RestoreTest, TargetSettingsAreReadInBytes) {
  ScratchDatabase dst("restore_settings");
  PgConnection admin = dst.Connect();
  ASSERT_TRUE(admin.Run("ALTER DATABASE " + dst.name() + " SET maintenance_work_mem = '3MB'").ok());
  PgConnection t = dst.Connect();
  Result<engine::TargetSettings> s = engine::ReadTargetSettings(t);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->maintenance_work_mem_bytes, 3 << 20);
  EXPECT_EQ(std::to_string(s->max_wal_size_bytes),
            testing::QueryValue(t, "SELECT pg_size_bytes(current_setting('max_wal_size'))"));
  EXPECT_EQ(s->wal_level, testing::QueryValue(t, "SELECT current_setting('wal_level')"));
  EXPECT_EQ(s->full_page_writes,
            testing::QueryValue(t, "SELECT current_setting('full_page_writes')") == "on");
}

TEST_F(RestoreTest, RefusesNonEmptyTargetNamingAnObject) {
  ScratchDatabase src("restore_nonempty_src");
  ScratchDatabase dst("restore_nonempty_dst");
  PgConnection conn = src.Connect();
  ASSERT_TRUE(conn.Run("CREATE TABLE t (x int); INSERT INTO t VALUES (1)").ok());
  std::string archive = Dump(src.uri());
  PgConnection t = dst.Connect();
  ASSERT_TRUE(t.Run("CREATE TABLE already_here (y int)").ok());
  Status s = Restore(archive, dst.uri());
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find("already_here"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("--clean"), std::string::npos) << s.message();
  EXPECT_EQ(Count(t, "SELECT count(*) FROM pg_class WHERE relname = 't'"), 0);

  // --clean drops the archive's objects; unrelated ones stay.
  RunResult r = RunHyperdump("", {"restore", "-d", dst.uri(), "--clean", archive});
  // already_here is not in the archive: still not empty, but --clean does
  // not require emptiness (pg_restore's semantics).
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Count(t, "SELECT count(*) FROM public.t"), 1);
  r = RunHyperdump("", {"restore", "-d", dst.uri(), "--clean", "--if-exists", archive});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Count(t, "SELECT count(*) FROM public.t"), 1) << "restored once, not twice";
}

TEST_F(RestoreTest, DemoDatabaseRestoresRowForRowAndTimescaleDbWorksAfterwards) {
  ScratchDatabase src("restore_demo_src");
  ScratchDatabase dst("restore_demo_dst");
  PgConnection conn = src.Connect();
  bench::DemoOptions demo;
  demo.target_bytes = 6ull << 20;
  demo.partitions = 6;
  auto built = bench::BuildDemo(conn, demo);
  ASSERT_TRUE(built.ok()) << built.status().message();
  std::string archive = Dump(src.uri(), /*split_larger_than=*/512 << 10);
  RunResult r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("restored"), std::string::npos) << r.output;
  ExpectSameDatabase(src.uri(), dst.uri());

  if (built->timescaledb == "none") return;
  PgConnection t = dst.Connect();
  // Restore mode is over for the database (post_restore ran).
  EXPECT_EQ(Count(t,
                  "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d "
                  "ON d.oid = s.setdatabase WHERE d.datname = current_database() "
                  "AND array_to_string(s.setconfig, ',') LIKE '%timescaledb.restoring%'"),
            0);
  // Inserts into the hypertable land in chunks, including a brand new one.
  int64_t chunks = Count(t, "SELECT count(*) FROM _timescaledb_catalog.chunk");
  ASSERT_TRUE(t.Run("INSERT INTO demo.metrics (\"time\", device_id, cpu, mem, label) VALUES "
                    "('2030-01-01 00:00+00', 1, 1, 1, 'after restore')")
                  .ok());
  EXPECT_EQ(Count(t, "SELECT count(*) FROM ONLY demo.metrics"), 0);
  EXPECT_EQ(Count(t, "SELECT count(*) FROM demo.metrics WHERE label = 'after restore'"), 1);
  EXPECT_EQ(Count(t, "SELECT count(*) FROM _timescaledb_catalog.chunk"), chunks + 1);
  // The policies' jobs are there and scheduled as on the source.
  std::string jobs_sql =
      "SELECT count(*) FROM _timescaledb_config.bgw_job WHERE id >= 1000 AND scheduled";
  if (Count(t,
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = '_timescaledb_config' AND c.relname = 'bgw_job'") == 0) {
    jobs_sql = "SELECT count(*) FROM _timescaledb_catalog.bgw_job WHERE id >= 1000 AND scheduled";
  }
  EXPECT_EQ(Count(t, jobs_sql), Count(conn, jobs_sql));
  EXPECT_GT(Count(t, jobs_sql), 0);
}

TEST_F(RestoreTest, ResumeAfterCrashAtSeveralPointsLosesAndDuplicatesNothing) {
  ScratchDatabase src("restore_crash_src");
  PgConnection conn = src.Connect();
  bench::DemoOptions demo;
  demo.target_bytes = 4ull << 20;
  demo.partitions = 4;
  auto built = bench::BuildDemo(conn, demo);
  ASSERT_TRUE(built.ok()) << built.status().message();
  std::string archive = Dump(src.uri(), /*split_larger_than=*/256 << 10);
  for (int crash_after : {1, 4, 12, 30}) {
    SCOPED_TRACE("crash after " + std::to_string(crash_after) + " jobs");
    ScratchDatabase dst("restore_crash_dst");
    RunResult r = RunHyperdump("HYPERDUMP_TEST_CRASH_AFTER_JOBS=" + std::to_string(crash_after),
                               {"restore", "-d", dst.uri(), "-j", "2", archive});
    ASSERT_EQ(r.exit_code, 137) << r.output;
    // Without --resume the half-restored target is refused.
    r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", archive});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;
    r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", "--resume", archive});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("already done before"), std::string::npos) << r.output;
    ExpectSameDatabase(src.uri(), dst.uri());
  }
}

// The server commits the restore's last statement (its ledger dropped) and
// the answer never arrives, as when it restarts at that moment (the torture
// suite's restart scenario once hit it): the restore asks the target again
// on a new connection, finds no ledger, and succeeds, where it used to fail
// and leave a complete target that --resume refused as not empty.
TEST_F(RestoreTest, LostAnswerToTheLastCommitStillEndsTheRestoreDone) {
  ScratchDatabase src("restore_lost_reply_src");
  PgConnection conn = src.Connect();
  bench::DemoOptions demo;
  demo.target_bytes = 2ull << 20;
  demo.partitions = 2;
  auto built = bench::BuildDemo(conn, demo);
  ASSERT_TRUE(built.ok()) << built.status().message();
  std::string archive = Dump(src.uri());
  ScratchDatabase dst("restore_lost_reply_dst");
  RunResult r = RunHyperdump("HYPERDUMP_TEST_LOSE_LAST_REPLY=1",
                             {"restore", "-d", dst.uri(), "-j", "2", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  PgConnection t = dst.Connect();
  EXPECT_EQ(Count(t, "SELECT count(*) FROM pg_namespace WHERE nspname = '_hyperdump'"), 0);
  ExpectSameDatabase(src.uri(), dst.uri());
}

// The largest data file of an ordinary table, and that table.
std::pair<std::string, std::string> LargestDataFile(const std::string& archive) {
  auto reader = format::ArchiveReader::Open(archive);
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  std::pair<std::string, std::string> best;
  uint64_t size = 0;
  for (const format::FileEntry& f : (*reader)->manifest().files) {
    if (f.kind != format::FileKind::kData || f.compressed_bytes <= size) continue;
    if (f.meta.value("kind", "") == "extension_config") continue;
    size = f.compressed_bytes;
    best = {f.name, engine::QualifiedName(f.meta.value("schema", ""), f.meta.value("name", ""))};
  }
  return best;
}

// Overwrites three bytes in the middle of the archive's largest data file of
// an ordinary table, after keeping a good copy at `good_copy`; returns the
// file's name and its table (empty when there is none).
std::pair<std::string, std::string> CorruptLargestDataFile(const std::string& archive,
                                                           const std::string& good_copy) {
  auto found = LargestDataFile(archive);
  if (found.first.empty()) return found;
  std::string path = archive + "/" + found.first;
  fs::copy_file(path, good_copy);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
  f.put('\x5a').put('\xa5').put('\x00');
  return found;
}

TEST_F(RestoreTest, CorruptDataFileFailsItsJobWithoutRowsThenResumeCompletes) {
  ScratchDatabase src("restore_corrupt_src");
  ScratchDatabase dst("restore_corrupt_dst");
  PgConnection conn = src.Connect();
  BuildShapes(conn);
  std::string archive = Dump(src.uri());
  auto [name, table] = CorruptLargestDataFile(archive, tmp_ + "/good");
  ASSERT_FALSE(name.empty());
  std::string path = archive + "/" + name;
  RunResult r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", archive});
  EXPECT_EQ(r.exit_code, kExitCorrupt) << r.output;
  EXPECT_NE(r.output.find(name), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(table), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;
  PgConnection t = dst.Connect();
  EXPECT_EQ(Count(t, "SELECT count(*) FROM ONLY " + table), 0) << "no partial rows";

  fs::remove(path);
  fs::copy_file(tmp_ + "/good", path);
  r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", "--resume", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectSameDatabase(src.uri(), dst.uri());
}

// Digests of every table of `uri` (engine/compare.h), keyed "schema.name".
std::map<std::string, engine::TableDigest> Digests(const std::string& uri) {
  auto d = engine::DigestDatabase(uri);
  EXPECT_TRUE(d.ok()) << d.status().message();
  return d.ok() ? *d : std::map<std::string, engine::TableDigest>{};
}

// The target holds exactly the source's tables but `left_out`, row for row.
void ExpectSameTablesBut(const std::string& source, const std::string& target,
                         const std::set<std::string>& left_out) {
  std::map<std::string, engine::TableDigest> want = Digests(source);
  for (const std::string& t : left_out) EXPECT_EQ(want.erase(t), 1u) << t;
  engine::CompareReport report = engine::CompareDigests(want, Digests(target));
  std::string diff;
  for (const auto& d : report.different) diff += "\n  different: " + d;
  for (const auto& d : report.missing) diff += "\n  missing: " + d;
  for (const auto& d : report.extra) diff += "\n  extra: " + d;
  EXPECT_TRUE(report.ok()) << diff;
  EXPECT_GT(report.equal.size(), 0u);
}

// -t/-n on a partitioned table: its partitions (at any depth, in any schema)
// come along, data and definitions, so the restore is complete. Names hold
// pattern characters (* ? . and quotes) and a decoy matches them unquoted.
TEST_F(RestoreTest, PartitionedTableSelectedByTableOrSchemaRestoresEveryPartition) {
  ScratchDatabase src("restore_selpart_src");
  PgConnection conn = src.Connect();
  ASSERT_TRUE(conn.Run(R"SQL(
CREATE SCHEMA "Sel *.?";
CREATE TABLE "Sel *.?"."Par.t*ed" (id int PRIMARY KEY, k text) PARTITION BY RANGE (id);
CREATE TABLE "Sel *.?"."p?1" PARTITION OF "Sel *.?"."Par.t*ed" FOR VALUES FROM (0) TO (100);
CREATE TABLE public."P ""2" PARTITION OF "Sel *.?"."Par.t*ed" FOR VALUES FROM (100) TO (1000)
  PARTITION BY RANGE (id);
CREATE TABLE public."p2 low" PARTITION OF public."P ""2" FOR VALUES FROM (100) TO (500);
CREATE TABLE public."p2 high" PARTITION OF public."P ""2" FOR VALUES FROM (500) TO (1000);
INSERT INTO "Sel *.?"."Par.t*ed" SELECT g, 'k' || g FROM generate_series(0, 999) g;
CREATE TABLE "Sel *.?"."Parxed" (x int);
INSERT INTO "Sel *.?"."Parxed" VALUES (1);
CREATE TABLE public.unrelated (x int);
INSERT INTO public.unrelated VALUES (2);
)SQL")
                  .ok());
  struct Case {
    std::vector<std::string> tables, schemas;
    std::set<std::string> left_out;
  };
  std::vector<Case> cases = {
      {{"\"Sel *.?\".\"Par.t*ed\""}, {}, {"Sel *.?.Parxed", "public.unrelated"}},
      {{}, {"\"Sel *.?\""}, {"public.unrelated"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.tables.empty() ? "-n " + c.schemas[0] : "-t " + c.tables[0]);
    ScratchDatabase dst("restore_selpart_dst");
    engine::DumpOptions o;
    o.source = src.uri();
    o.dir = tmp_ + "/archive" + std::to_string(archives_++);
    o.selection.include_tables = c.tables;
    o.selection.include_schemas = c.schemas;
    o.tool_version = "test";
    Status s = engine::RunDump(o, no_interrupt);
    ASSERT_TRUE(s.ok()) << s.message();
    // Like pg_dump -t, the archive does not create the schema: the user does.
    if (!c.tables.empty()) {
      ASSERT_TRUE(dst.Connect().Run("CREATE SCHEMA \"Sel *.?\"").ok());
    }
    s = Restore(o.dir, dst.uri());
    ASSERT_TRUE(s.ok()) << s.message();
    ExpectSameTablesBut(src.uri(), dst.uri(), c.left_out);
    PgConnection t = dst.Connect();
    EXPECT_EQ(Count(t, "SELECT count(*) FROM \"Sel *.?\".\"Par.t*ed\""), 1000);
  }
}

// -t/-n on a hypertable: the restore yields a working hypertable (chunks,
// compressed companions and the TimescaleDB catalog rows of that hypertable),
// never an empty table.
TEST_F(RestoreTest, HypertableSelectedByTableOrSchemaRestoresAWorkingHypertable) {
  HD_REQUIRE_TIMESCALEDB();
  ScratchDatabase src("restore_selht_src");
  PgConnection conn = src.Connect();
  ASSERT_TRUE(conn.Run("CREATE EXTENSION IF NOT EXISTS timescaledb").ok());
  ASSERT_TRUE(conn.Run("CREATE TABLE public.m (t timestamptz NOT NULL, v double precision);"
                       "SELECT create_hypertable('public.m', 't', chunk_time_interval => "
                       "interval '1 day');"
                       "INSERT INTO public.m SELECT timestamptz '2024-01-01' + i * interval "
                       "'1 hour', i FROM generate_series(0, 200) i;"
                       "CREATE SCHEMA other; CREATE TABLE other.plain (x int);"
                       "INSERT INTO other.plain VALUES (1);")
                  .ok());
  ASSERT_TRUE(conn.Run("ALTER TABLE public.m SET (timescaledb.compress)").ok());
  ASSERT_TRUE(conn.Run("SELECT compress_chunk(c) FROM show_chunks('public.m') c LIMIT 2").ok());
  const int64_t chunks = Count(conn, "SELECT count(*) FROM show_chunks('public.m')");
  ASSERT_GT(chunks, 2);
  for (const auto& [flag, pattern] :
       std::vector<std::pair<std::string, std::string>>{{"-t", "public.m"}, {"-n", "public"}}) {
    SCOPED_TRACE(flag + " " + pattern);
    ScratchDatabase dst("restore_selht_dst");
    engine::DumpOptions o;
    o.source = src.uri();
    o.dir = tmp_ + "/archive" + std::to_string(archives_++);
    (flag == "-t" ? o.selection.include_tables : o.selection.include_schemas) = {pattern};
    o.tool_version = "test";
    Status s = engine::RunDump(o, no_interrupt);
    ASSERT_TRUE(s.ok()) << s.message();
    s = Restore(o.dir, dst.uri());
    ASSERT_TRUE(s.ok()) << s.message();
    ExpectSameTablesBut(src.uri(), dst.uri(), {"other.plain"});
    PgConnection t = dst.Connect();
    EXPECT_EQ(Count(t, "SELECT count(*) FROM show_chunks('public.m')"), chunks);
    ASSERT_TRUE(t.Run("INSERT INTO public.m VALUES ('2030-01-01 00:00+00', -1)").ok());
    EXPECT_EQ(Count(t, "SELECT count(*) FROM ONLY public.m"), 0);
    EXPECT_EQ(Count(t, "SELECT count(*) FROM show_chunks('public.m')"), chunks + 1);
    // --clean over it: the archive has no CREATE EXTENSION (pg_dump -t/-n
    // leaves extensions out), so the hypertable, its chunks and compressed
    // chunks are dropped with TimescaleDB's hooks on, the ways it allows.
    RunResult again = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", "--clean", o.dir});
    ASSERT_EQ(again.exit_code, 0) << again.output;
    ExpectSameTablesBut(src.uri(), dst.uri(), {"other.plain"});
    EXPECT_EQ(Count(t, "SELECT count(*) FROM show_chunks('public.m')"), chunks);
  }
  // -T on the hypertable: neither it nor any chunk definition is left behind
  // (pg_dump alone would keep the chunks' CREATE TABLE ... INHERITS public.m).
  ScratchDatabase dst("restore_selht_dst");
  engine::DumpOptions o;
  o.source = src.uri();
  o.dir = tmp_ + "/archive" + std::to_string(archives_++);
  o.selection.exclude_tables = {"public.m"};
  o.tool_version = "test";
  Status s = engine::RunDump(o, no_interrupt);
  ASSERT_TRUE(s.ok()) << s.message();
  s = Restore(o.dir, dst.uri());
  ASSERT_TRUE(s.ok()) << s.message();
  PgConnection t = dst.Connect();
  EXPECT_EQ(Count(t, "SELECT count(*) FROM other.plain"), 1);
  EXPECT_EQ(Count(t,
                  "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                  "c.relnamespace WHERE n.nspname = '_timescaledb_internal' AND c.relkind = 'r'"
                  " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid"
                  " AND d.deptype = 'e')"),
            0);
  EXPECT_EQ(Count(t, "SELECT count(*) FROM pg_class WHERE oid = to_regclass('public.m')"), 0);
}

TEST_F(RestoreTest, TimescaleDbVersionMismatchIsRefusedNamingBothVersions) {
  HD_REQUIRE_TIMESCALEDB();
  ScratchDatabase src("restore_version_src");
  ScratchDatabase dst("restore_version_dst");
  PgConnection conn = src.Connect();
  ASSERT_TRUE(conn.Run("CREATE EXTENSION IF NOT EXISTS timescaledb").ok());
  auto version = conn.Exec("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'");
  ASSERT_TRUE(version.ok() && version->rows() == 1);
  std::string target_version = version->GetString(0, 0);
  std::string archive = Dump(src.uri());
  // Pretend the source ran another version.
  std::string manifest_path = archive + "/manifest.json";
  nlohmann::json m = nlohmann::json::parse(std::ifstream(manifest_path));
  m["source"]["timescaledb_version"] = "2.27.1";
  format::ResealManifest(m);  // as a dump on that version would have sealed it
  std::ofstream(manifest_path) << m.dump(2) << "\n";

  RunResult r = RunHyperdump("", {"restore", "-d", dst.uri(), archive});
  EXPECT_EQ(r.exit_code, kExitUsage) << r.output;
  EXPECT_NE(r.output.find("2.27.1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(target_version), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--allow-version-mismatch"), std::string::npos) << r.output;
  PgConnection t = dst.Connect();
  EXPECT_EQ(Count(t, "SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'"), 0)
      << "nothing written before the checks pass";
  EXPECT_EQ(Count(t, "SELECT count(*) FROM pg_namespace WHERE nspname = '_hyperdump'"), 0);
}

TEST_F(RestoreTest, NoOwnerNoPrivilegesAndRolesBehaveAsPgRestore) {
  ScratchDatabase src("restore_owner_src");
  ScratchDatabase plain("restore_owner_plain");
  ScratchDatabase bare("restore_owner_bare");
  PgConnection conn = src.Connect();
  // Roles are cluster-wide: the throwaway server keeps this one.
  ASSERT_TRUE(conn.Run("DO $$BEGIN CREATE ROLE hd_restore_owner; EXCEPTION WHEN duplicate_object "
                       "THEN NULL; END$$")
                  .ok());
  ASSERT_TRUE(conn.Run("CREATE TABLE public.owned (x int); INSERT INTO public.owned VALUES (7);"
                       "ALTER TABLE public.owned OWNER TO hd_restore_owner;"
                       "GRANT SELECT ON public.owned TO PUBLIC")
                  .ok());
  engine::DumpOptions o;
  o.source = src.uri();
  o.dir = tmp_ + "/roles_archive";
  o.roles = true;
  o.tool_version = "test";
  Status dumped = engine::RunDump(o, no_interrupt);
  ASSERT_TRUE(dumped.ok()) << dumped.message();
  const char* kOwner =
      "SELECT tableowner || ' ' || coalesce((SELECT relacl::text FROM pg_class "
      "WHERE oid = 'public.owned'::regclass), 'no-acl') FROM pg_tables WHERE tablename = 'owned'";

  RunResult r = RunHyperdump("", {"restore", "-d", plain.uri(), "--roles", o.dir});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("role \"hd_restore_owner\" already exists"), std::string::npos)
      << r.output;
  PgConnection p = plain.Connect();
  auto owner = p.Exec(kOwner);
  ASSERT_TRUE(owner.ok() && owner->rows() == 1);
  EXPECT_EQ(owner->GetString(0, 0).rfind("hd_restore_owner {", 0), 0u) << owner->GetString(0, 0);

  r = RunHyperdump("", {"restore", "-d", bare.uri(), "-O", "-x", "--no-tablespaces", o.dir});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  PgConnection b = bare.Connect();
  owner = b.Exec(kOwner);
  ASSERT_TRUE(owner.ok() && owner->rows() == 1);
  EXPECT_EQ(owner->GetString(0, 0), "postgres no-acl");
  EXPECT_EQ(Count(b, "SELECT x FROM public.owned"), 7);
}

// A table dumped as several ctid ranges, alone big enough to matter: one
// large table and a small one.
void BuildSplitTable(PgConnection& conn) {
  Status s = conn.Run(
      "CREATE TABLE big (id int PRIMARY KEY, t text);"
      "INSERT INTO big SELECT g, repeat('y', 40) || g FROM generate_series(1, 30000) g;"
      "CREATE TABLE small (id int); INSERT INTO small SELECT generate_series(1, 100);"
      "ANALYZE;");
  EXPECT_TRUE(s.ok()) << s.message();
}

// Pages of `table` that are all-frozen (the visibility map), and all pages.
std::pair<int64_t, int64_t> FrozenPages(PgConnection& conn, const std::string& table) {
  EXPECT_TRUE(conn.Run("CREATE EXTENSION IF NOT EXISTS pg_visibility").ok());
  auto r = conn.Exec("SELECT all_frozen, pg_relation_size('" + table +
                     "') / current_setting('block_size')::int FROM pg_visibility_map_summary('" +
                     table + "')");
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return {-1, -1};
  return {r->GetInt(0, 0), r->GetInt(0, 1)};
}

int DataFilesOf(const std::string& archive, const std::string& table) {
  auto reader = format::ArchiveReader::Open(archive);
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  int n = 0;
  for (const format::FileEntry& f : (*reader)->manifest().files) {
    if (f.kind == format::FileKind::kData && f.meta.value("name", "") == table) ++n;
  }
  return n;
}

// With one connection the whole table is a fair share: its ranges load in
// one transaction, TRUNCATE + COPY FREEZE, so every page is frozen at once.
// With two, the table is most of the work: its ranges load in parallel.
TEST_F(RestoreTest, SplitTableLoadsFrozenInOneJobWhenItIsAFairShare) {
  ScratchDatabase src("restore_freeze_src");
  PgConnection conn = src.Connect();
  BuildSplitTable(conn);
  std::string archive = Dump(src.uri(), /*split_larger_than=*/256 << 10);
  ASSERT_GT(DataFilesOf(archive, "big"), 1);

  ScratchDatabase one("restore_freeze_one");
  RunResult r =
      RunHyperdump("", {"restore", "-d", one.uri(), "-j", "1", "--log-format", "json", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"name\":\"copy public.big\""), std::string::npos) << r.output;
  ExpectSameDatabase(src.uri(), one.uri());
  PgConnection c1 = one.Connect();
  auto [frozen, pages] = FrozenPages(c1, "public.big");
  EXPECT_GT(pages, 0);
  EXPECT_EQ(frozen, pages);

  ScratchDatabase two("restore_freeze_two");
  r = RunHyperdump("", {"restore", "-d", two.uri(), "-j", "2", "--log-format", "json", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("\"name\":\"copy public.big\""), std::string::npos)
      << "ranges of a table bigger than a fair share load in parallel";
  ExpectSameDatabase(src.uri(), two.uri());
}

// A table's indexes wait for its key (ALTER TABLE takes an ACCESS EXCLUSIVE
// lock), not for each other: CREATE INDEX's SHARE lock does not conflict
// with itself, so both become ready when the key is built, and a free slot
// can build one while the other builds (issue 13: the skewed shape's tail).
TEST_F(RestoreTest, TableIndexesBecomeReadyTogetherOnceItsKeyIsBuilt) {
  ScratchDatabase src("restore_indexes_src");
  PgConnection conn = src.Connect();
  Status s = conn.Run(
      "CREATE TABLE big (id int PRIMARY KEY, a int, b text);"
      "INSERT INTO big SELECT g, g % 1000, md5(g::text) FROM generate_series(1, 50000) g;"
      "CREATE INDEX big_a ON big (a); CREATE INDEX big_b ON big (b);"
      "CREATE TABLE small (id int); INSERT INTO small SELECT generate_series(1, 100);");
  ASSERT_TRUE(s.ok()) << s.message();
  std::string archive = Dump(src.uri());

  ScratchDatabase dst("restore_indexes_dst");
  engine::RestoreOptions o;
  o.target = dst.uri();
  o.archive_dir = archive;
  o.jobs = 2;
  scheduler::RecorderSink events;
  s = engine::RunRestore(o, no_interrupt, &events);
  ASSERT_TRUE(s.ok()) << s.message();
  ExpectSameDatabase(src.uri(), dst.uri());

  // Per job of `big`'s key and indexes: when it became ready, when it ended.
  std::map<std::string, std::pair<size_t, size_t>> at;  // "key", "big_a", "big_b"
  std::vector<scheduler::Event> all = events.events();
  for (size_t i = 0; i < all.size(); ++i) {
    const scheduler::Event& e = all[i];
    std::string what = e.kind == "key" && e.name.find("big") != std::string::npos ? "key"
                       : e.name.find("big_a") != std::string::npos                ? "big_a"
                       : e.name.find("big_b") != std::string::npos                ? "big_b"
                                                                                  : "";
    if (what.empty()) continue;
    if (e.type == scheduler::Event::kQueued) at[what].first = i;
    if (e.type == scheduler::Event::kFinished) at[what].second = i;
  }
  ASSERT_EQ(at.size(), 3u) << "the key and both indexes of big ran as jobs of their own";
  EXPECT_GT(at["big_a"].first, at["key"].second) << "an index waits for the key";
  EXPECT_GT(at["big_b"].first, at["key"].second);
  EXPECT_LT(at["big_a"].first, at["big_b"].second) << "neither index waits for the other";
  EXPECT_LT(at["big_b"].first, at["big_a"].second);
}

// A crash after some ranges of the table committed; --resume with one
// connection (which alone would merge the ranges and TRUNCATE first) must
// keep the committed ranges and load only the others.
TEST_F(RestoreTest, ResumeNeverTruncatesRangesAnEarlierRunCommitted) {
  ScratchDatabase src("restore_freeze_resume_src");
  PgConnection conn = src.Connect();
  BuildSplitTable(conn);
  std::string archive = Dump(src.uri(), /*split_larger_than=*/256 << 10);
  ASSERT_GT(DataFilesOf(archive, "big"), 2);
  ScratchDatabase dst("restore_freeze_resume_dst");
  // Jobs commit in order: pre-data, catalog, then the ranges (largest first).
  RunResult r = RunHyperdump("HYPERDUMP_TEST_CRASH_AFTER_JOBS=4",
                             {"restore", "-d", dst.uri(), "-j", "2", archive});
  ASSERT_EQ(r.exit_code, 137) << r.output;
  PgConnection t = dst.Connect();
  int64_t committed =
      Count(t, "SELECT count(*) FROM _hyperdump.restore_ledger WHERE job LIKE 'data:%'");
  ASSERT_GT(committed, 0) << "the crash must come after a range committed";
  ASSERT_LT(committed, DataFilesOf(archive, "big"));
  r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "1", "--resume", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectSameDatabase(src.uri(), dst.uri());
}

// --- TimescaleDB restore mode on every way out (issue 7, phase 6) ----------

// A demo source (hypertable with compressed chunks, continuous aggregate,
// policy jobs) in `src`; false (with a skip) when the server has no
// TimescaleDB.
bool BuildTimescaleDemo(ScratchDatabase& src) {
  PgConnection conn = src.Connect();
  bench::DemoOptions demo;
  demo.target_bytes = 3ull << 20;
  demo.partitions = 4;
  auto built = bench::BuildDemo(conn, demo);
  EXPECT_TRUE(built.ok()) << built.status().message();
  return built.ok() && built->timescaledb != "none";
}

// Policy jobs (ids >= 1000) that are scheduled, wherever this version keeps them.
int64_t ScheduledJobs(PgConnection& conn) {
  std::string table = Count(conn,
                            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                            "c.relnamespace WHERE n.nspname = '_timescaledb_config' AND "
                            "c.relname = 'bgw_job'") > 0
                          ? "_timescaledb_config.bgw_job"
                          : "_timescaledb_catalog.bgw_job";
  return Count(conn, "SELECT count(*) FROM " + table + " WHERE id >= 1000 AND scheduled");
}

// What timescaledb_post_restore() undoes, seen from a NEW session of `uri`:
// no database-level timescaledb.restoring, the session not restoring, the
// policy jobs scheduled as on the source, and (once the restore is
// `complete`) an insert into the hypertable routed to a chunk (rolled back).
void ExpectOutOfRestoreMode(const std::string& uri, PgConnection& source, bool complete = true) {
  auto fresh = PgConnection::Connect(uri);
  ASSERT_TRUE(fresh.ok()) << fresh.status().message();
  EXPECT_EQ(Count(*fresh,
                  "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d "
                  "ON d.oid = s.setdatabase WHERE d.datname = current_database() "
                  "AND array_to_string(s.setconfig, ',') LIKE '%timescaledb.restoring%'"),
            0);
  auto restoring =
      fresh->Exec("SELECT coalesce(current_setting('timescaledb.restoring', true), '')");
  ASSERT_TRUE(restoring.ok()) << restoring.status().message();
  EXPECT_NE(restoring->GetString(0, 0), "on");
  EXPECT_GT(ScheduledJobs(source), 0);
  if (!complete) {
    // Out of restore mode, the scheduler runs: the unfinished target's jobs
    // are paused (recorded in the ledger) until --resume finishes.
    EXPECT_EQ(ScheduledJobs(*fresh), 0) << "a job could run on the half-restored target";
    EXPECT_EQ(Count(*fresh,
                    "SELECT count(*) FROM _hyperdump.restore_ledger "
                    "WHERE job LIKE 'paused_job:%'"),
              ScheduledJobs(source));
    return;
  }
  EXPECT_EQ(ScheduledJobs(*fresh), ScheduledJobs(source));
  ASSERT_TRUE(fresh->Run("BEGIN").ok());
  Status inserted = fresh->Run(
      "INSERT INTO demo.metrics (\"time\", device_id, cpu, mem, label) VALUES "
      "('2031-01-01 00:00+00', 1, 1, 1, 'routed?')");
  EXPECT_TRUE(inserted.ok()) << inserted.message();
  EXPECT_EQ(Count(*fresh, "SELECT count(*) FROM ONLY demo.metrics WHERE label = 'routed?'"), 0)
      << "the insert landed in the hypertable itself: restore mode is still on";
  EXPECT_EQ(Count(*fresh, "SELECT count(*) FROM demo.metrics WHERE label = 'routed?'"), 1);
  ASSERT_TRUE(fresh->Run("ROLLBACK").ok());
}

TEST_F(RestoreTest, FailedDataJobStillEndsTimescaleDbRestoreModeThenResumeCompletes) {
  HD_REQUIRE_TIMESCALEDB();
  ScratchDatabase src("restore_tsfail_src");
  ScratchDatabase dst("restore_tsfail_dst");
  ASSERT_TRUE(BuildTimescaleDemo(src));
  std::string archive = Dump(src.uri());
  auto [name, table] = CorruptLargestDataFile(archive, tmp_ + "/good");
  ASSERT_FALSE(name.empty());
  std::string path = archive + "/" + name;
  RunResult r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", archive});
  ASSERT_EQ(r.exit_code, kExitCorrupt) << r.output;
  EXPECT_NE(r.output.find(name), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("timescaledb_post_restore() failed"), std::string::npos) << r.output;
  PgConnection source = src.Connect();
  ExpectOutOfRestoreMode(dst.uri(), source, /*complete=*/false);

  fs::remove(path);
  fs::copy_file(tmp_ + "/good", path);
  r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", "--resume", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectSameDatabase(src.uri(), dst.uri());
  ExpectOutOfRestoreMode(dst.uri(), source);
}

TEST_F(RestoreTest, SigintMidRestoreExitsFiveOutOfRestoreModeThenResumeCompletes) {
  HD_REQUIRE_TIMESCALEDB();
  ScratchDatabase src("restore_tsint_src");
  ScratchDatabase dst("restore_tsint_dst");
  ASSERT_TRUE(BuildTimescaleDemo(src));
  std::string archive = Dump(src.uri(), /*split_larger_than=*/256 << 10);
  // The 4th commit comes after the pre-data schema and the TimescaleDB
  // catalog, with data jobs still to run.
  RunResult r = RunHyperdump("HYPERDUMP_TEST_INTERRUPT_AFTER_JOBS=4",
                             {"restore", "-d", dst.uri(), "-j", "2", archive});
  ASSERT_EQ(r.exit_code, kExitInterrupted) << r.output;
  EXPECT_NE(r.output.find("interrupted"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" TimescaleDB jobs of the unfinished target are paused; --resume "
                          "schedules them again when the restore finishes"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;
  PgConnection t = dst.Connect();
  EXPECT_EQ(Count(t, "SELECT count(*) FROM pg_namespace WHERE nspname = '_hyperdump'"), 1)
      << "the ledger stays for --resume";
  PgConnection source = src.Connect();
  ExpectOutOfRestoreMode(dst.uri(), source, /*complete=*/false);

  r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", "--resume", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("already done before"), std::string::npos) << r.output;
  ExpectSameDatabase(src.uri(), dst.uri());
  ExpectOutOfRestoreMode(dst.uri(), source);
}

// The repair command carries the connection string without its password,
// quoted for the shell.
TEST(TimescaleWindowRepairCommand, LeavesOutThePasswordAndQuotesForTheShell) {
  EXPECT_EQ(engine::TimescaleWindow::RepairCommand(
                "postgresql://ann:s3cret@db.example:5433/tsdb?sslmode=require&password=x"),
            "psql -d 'postgresql://ann@db.example:5433/tsdb?sslmode=require' "
            "-c 'SELECT timescaledb_post_restore()'");
  EXPECT_EQ(engine::TimescaleWindow::RepairCommand(
                "host=h password='se cret' dbname=it's application_name=x"),
            "psql -d 'host=h dbname=it'\\''s application_name=x' "
            "-c 'SELECT timescaledb_post_restore()'");
}

// When post_restore cannot run (here: the database refuses connections),
// Close() says so with the exact command, the destructor prints it, and
// that command, run as printed, ends restore mode.
TEST_F(RestoreTest, PostRestoreThatCannotRunPrintsTheRepairCommandThatWorks) {
  HD_REQUIRE_TIMESCALEDB();
  ScratchDatabase dst("restore_repair_dst");
  auto admin = PgConnection::Connect(testing::TestServerUri());
  ASSERT_TRUE(admin.ok()) << admin.status().message();
  const std::string allow =
      "ALTER DATABASE " + engine::QuoteIdent(dst.name()) + " ALLOW_CONNECTIONS ";
  const std::string command = "psql -d '" + dst.uri() + "' -c 'SELECT timescaledb_post_restore()'";
  auto restoring = [&] {
    return Count(*admin,
                 "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = "
                 "s.setdatabase WHERE d.datname = '" +
                     dst.name() +
                     "' AND array_to_string(s.setconfig, ',') LIKE '%timescaledb.restoring=on%'");
  };

  auto window = engine::TimescaleWindow::Open(dst.uri(), "", "");
  ASSERT_TRUE(window.ok()) << window.status().message();
  EXPECT_EQ(restoring(), 1);
  ASSERT_TRUE(admin->Run(allow + "false").ok());
  Status closed = (*window)->Close();
  ASSERT_FALSE(closed.ok());
  const std::string prefix =
      "timescaledb_post_restore() failed, the database is still in TimescaleDB restore mode "
      "(hooks and background jobs off): ";
  const std::string suffix = "; once the cause is fixed, run: " + command;
  EXPECT_EQ(closed.message().rfind(prefix, 0), 0u) << closed.message();
  ASSERT_GE(closed.message().size(), suffix.size());
  EXPECT_EQ(closed.message().substr(closed.message().size() - suffix.size()), suffix)
      << closed.message();
  EXPECT_EQ(restoring(), 1);

  // The destructor's way (errors, Ctrl-C): the same message on stderr.
  ASSERT_TRUE(admin->Run(allow + "true").ok());
  auto second = engine::TimescaleWindow::Open(dst.uri(), "", "");
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_TRUE(admin->Run(allow + "false").ok());
  ::testing::internal::CaptureStderr();
  second->reset();
  std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(printed.find("hyperdump: error: " + prefix), std::string::npos) << printed;
  EXPECT_NE(printed.find(suffix + "\n"), std::string::npos) << printed;
  EXPECT_EQ(restoring(), 1);

  // Once the cause is fixed, the printed command repairs the database.
  ASSERT_TRUE(admin->Run(allow + "true").ok());
  const char* bindir = std::getenv("PG_BINDIR");
  std::string path = std::string(bindir ? bindir : "/usr/lib/postgresql/15/bin") + ":" +
                     (std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
  std::string shell = "PATH=" + ShellQuote(path) + " " + command + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(shell.c_str()), 0) << shell;
  EXPECT_EQ(restoring(), 0);
}

// --- Targets that are not fresh databases ----------------------------------

// A managed service gives a database with CREATE EXTENSION timescaledb
// already done (and often no right to drop or create databases): restore
// into it keeps that extension and is row-for-row equal.
TEST_F(RestoreTest, TargetWithTimescaleDbAlreadyCreatedRestoresRowForRow) {
  HD_REQUIRE_TIMESCALEDB();
  ScratchDatabase src("restore_managed_src");
  ScratchDatabase dst("restore_managed_dst");
  ASSERT_TRUE(BuildTimescaleDemo(src));
  std::string archive = Dump(src.uri());
  PgConnection t = dst.Connect();
  ASSERT_TRUE(t.Run("CREATE EXTENSION timescaledb").ok());
  const char* kExtension = "SELECT oid::bigint FROM pg_extension WHERE extname = 'timescaledb'";
  int64_t extension = Count(t, kExtension);

  RunResult r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectSameDatabase(src.uri(), dst.uri());
  EXPECT_EQ(Count(t, kExtension), extension) << "the existing extension is kept, not recreated";
  PgConnection source = src.Connect();
  ExpectOutOfRestoreMode(dst.uri(), source);
}

// --clean over a previous restore of the same archive (complete, then one
// killed half-way with restore mode left on) drops it and restores again.
TEST_F(RestoreTest, CleanOverAPreviousTimescaleDbRestoreRestoresRowForRow) {
  HD_REQUIRE_TIMESCALEDB();
  ScratchDatabase src("restore_clean_src");
  ScratchDatabase dst("restore_clean_dst");
  ASSERT_TRUE(BuildTimescaleDemo(src));
  std::string archive = Dump(src.uri(), /*split_larger_than=*/256 << 10);
  PgConnection source = src.Connect();

  RunResult r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", archive});
  EXPECT_EQ(r.exit_code, kExitUsage) << r.output;  // not empty: refused
  EXPECT_NE(r.output.find("--clean"), std::string::npos) << r.output;

  r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", "--clean", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectSameDatabase(src.uri(), dst.uri());
  ExpectOutOfRestoreMode(dst.uri(), source);

  r = RunHyperdump("HYPERDUMP_TEST_CRASH_AFTER_JOBS=8",
                   {"restore", "-d", dst.uri(), "-j", "2", "--clean", "--if-exists", archive});
  ASSERT_EQ(r.exit_code, 137) << r.output;
  r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", "--clean", "--if-exists", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectSameDatabase(src.uri(), dst.uri());
  ExpectOutOfRestoreMode(dst.uri(), source);
}

// --- Materialized views ------------------------------------------------------

// "rows:hash" of a view's rows (order-independent), or the error text.
std::string ViewRows(PgConnection& conn, const std::string& view) {
  auto r = conn.Exec(
      "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY "
      "t::text)), '') FROM " +
      view + " t");
  return r.ok() ? r->GetString(0, 0) : "error: " + r.status().message();
}

// Materialized views come back populated as on the source (a view over
// another one included, refreshed after it), one created WITH NO DATA stays
// unpopulated; with TimescaleDB, a view over a hypertable and the continuous
// aggregate read the same rows as on the source.
TEST_F(RestoreTest, MaterializedViewsComeBackPopulatedAsOnTheSource) {
  ScratchDatabase src("restore_matview_src");
  ScratchDatabase dst("restore_matview_dst");
  HD_REQUIRE_TIMESCALEDB();
  const bool timescale = BuildTimescaleDemo(src);
  ASSERT_TRUE(timescale);
  PgConnection conn = src.Connect();
  ASSERT_TRUE(conn.Run(R"SQL(
CREATE TABLE public.base (id int PRIMARY KEY, g int, v numeric);
INSERT INTO public.base SELECT i, i % 17, i / 3.0 FROM generate_series(1, 5000) i;
CREATE MATERIALIZED VIEW public.mv_sum AS SELECT g, count(*) AS n, sum(v) AS s FROM public.base GROUP BY g;
CREATE UNIQUE INDEX mv_sum_g ON public.mv_sum (g);
CREATE MATERIALIZED VIEW public."mv Top" AS SELECT g, n FROM public.mv_sum WHERE g < 5;
CREATE MATERIALIZED VIEW public.mv_empty AS SELECT * FROM public.base WITH NO DATA;
GRANT SELECT ON public.mv_sum TO PUBLIC;
)SQL")
                  .ok());
  std::vector<std::string> views = {"public.mv_sum", "public.\"mv Top\""};
  if (timescale) {
    ASSERT_TRUE(conn.Run("CREATE MATERIALIZED VIEW public.mv_metrics AS SELECT device_id, "
                         "count(*) AS n, max(cpu) AS cpu FROM demo.metrics GROUP BY device_id")
                    .ok());
    views.push_back("public.mv_metrics");
    views.push_back("demo.metrics_hourly");  // the continuous aggregate
  }
  std::string archive = Dump(src.uri());
  RunResult r = RunHyperdump("", {"restore", "-d", dst.uri(), "-j", "2", archive});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectSameDatabase(src.uri(), dst.uri());

  PgConnection t = dst.Connect();
  for (const std::string& v : views) {
    std::string want = ViewRows(conn, v);
    EXPECT_EQ(want.rfind("error", 0), std::string::npos) << v << ": " << want;
    EXPECT_NE(want.rfind("0:", 0), 0u) << v << " is empty on the source";
    EXPECT_EQ(ViewRows(t, v), want) << v;
  }
  const char* kPopulated =
      "SELECT string_agg(matviewname || '=' || ispopulated, ',' ORDER BY matviewname) "
      "FROM pg_matviews";
  auto a = conn.Exec(kPopulated);
  auto b = t.Exec(kPopulated);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->GetString(0, 0), a->GetString(0, 0));
  EXPECT_NE(b->GetString(0, 0).find("mv_empty=false"), std::string::npos) << b->GetString(0, 0);
  EXPECT_EQ(Count(t, "SELECT count(*) FROM pg_namespace WHERE nspname = '_hyperdump'"), 0);
  // Still a materialized view: it refreshes from the restored data.
  EXPECT_TRUE(t.Run("REFRESH MATERIALIZED VIEW CONCURRENTLY public.mv_sum").ok());
  EXPECT_EQ(ViewRows(t, "public.mv_sum"), ViewRows(conn, "public.mv_sum"));
}

}  // namespace
}  // namespace hyperdump
