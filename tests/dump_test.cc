// Integration tests of `hyperdump dump` (engine::RunDump) against the
// throwaway server of scripts/with-pg. Archives are read back with
// format::ArchiveReader and compared, row for row, with COPY of the source.
#include "engine/dump/dump.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bench/demo_data.h"
#include "engine/compare.h"
#include "engine/dump/copy_out.h"
#include "engine/dump/locks.h"
#include "engine/dump/schema_dump.h"
#include "engine/pg/pg.h"
#include "engine/pg/subprocess.h"
#include "engine/restore/restore.h"
#include "format/reader.h"
#include "scheduler/events.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

namespace fs = std::filesystem;
using engine::PgConnection;
using engine::QualifiedName;
using TableKey = std::pair<std::string, std::string>;  // schema, name
using Lines = std::vector<std::string>;
TableKey K(std::string schema, std::string name) { return {std::move(schema), std::move(name)}; }

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// COPY schema.name TO STDOUT, sorted lines.
// With `filter` (an extension configuration table's extcondition): only those rows.
Lines SourceLines(PgConnection& conn, const std::string& schema, const std::string& name,
                  const std::string& filter = "") {
  // With pg_dump's (and the dump's) empty search_path, so regclass values
  // come out schema-qualified as in the archive.
  EXPECT_TRUE(conn.Run("SET search_path = ''").ok());
  std::string data;
  std::string sql = filter.empty() ? "COPY " + QualifiedName(schema, name) + " TO STDOUT"
                                   : "COPY (SELECT * FROM ONLY " + QualifiedName(schema, name) +
                                         " " + filter + ") TO STDOUT";
  auto stats = engine::CopyOut(conn, sql,
                               [&](std::string_view b) {
                                 data.append(b);
                                 return Status::Ok();
                               },
                               {}, {});
  EXPECT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_TRUE(conn.Run("RESET search_path").ok());
  Lines lines = SplitLines(data);
  std::sort(lines.begin(), lines.end());
  return lines;
}

struct ArchiveContents {
  std::map<TableKey, Lines> lines;       // every data file's rows, per table, sorted
  std::map<TableKey, std::string> kind;  // meta.kind
  std::map<TableKey, int> files;         // data files per table
  std::map<TableKey, uint64_t> rows;     // manifest rows per table
  nlohmann::json plan;
  format::Manifest manifest;
};

ArchiveContents ReadArchive(const std::string& dir) {
  ArchiveContents out;
  auto reader = format::ArchiveReader::Open(dir);
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  if (!reader.ok()) return out;
  out.manifest = (*reader)->manifest();
  for (const format::FileEntry& e : out.manifest.files) {
    if (e.kind != format::FileKind::kData || e.meta.value("kind", "") == "large_objects") continue;
    TableKey key{e.meta.at("schema"), e.meta.at("name")};
    auto file = (*reader)->OpenFile(e.name);
    EXPECT_TRUE(file.ok()) << file.status().message();
    if (!file.ok()) continue;
    std::string data;
    char buf[65536];
    for (;;) {
      auto n = (*file)->Read(buf, sizeof buf);
      EXPECT_TRUE(n.ok()) << n.status().message();
      if (!n.ok() || *n == 0) break;
      data.append(buf, *n);
    }
    Lines& l = out.lines[key];
    if (e.meta.at("copy_format") == "text") {
      for (std::string& line : SplitLines(data)) l.push_back(std::move(line));
    }
    out.kind[key] = e.meta.at("kind");
    out.files[key]++;
    out.rows[key] += e.rows.value_or(0);
  }
  for (auto& [k, l] : out.lines) std::sort(l.begin(), l.end());
  auto plan = (*reader)->ReadBlob("plan.json");
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  if (plan.ok()) out.plan = nlohmann::json::parse(*plan);
  return out;
}

// Calls `fn` once, on the first data job that starts (from a worker thread).
class OnFirstStart : public scheduler::EventSink {
 public:
  explicit OnFirstStart(std::function<void()> fn) : fn_(std::move(fn)) {}
  void OnEvent(const scheduler::Event& e) override {
    if (e.type != scheduler::Event::kStarted) return;
    std::call_once(once_, fn_);
  }

 private:
  std::function<void()> fn_;
  std::once_flag once_;
};

class DumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TEST_SERVER();
    db_ = std::make_unique<testing::ScratchDatabase>("dump");
    conn_ = db_->Connect();
    ASSERT_TRUE(conn_.ok());
    std::string templ = (fs::temp_directory_path() / "hyperdump-dump-test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    tmp_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    if (!tmp_.empty()) fs::remove_all(tmp_, ec);
  }

  engine::DumpOptions Options() {
    engine::DumpOptions o;
    o.source = db_->uri();
    o.dir = tmp_ + "/archive";
    o.jobs = 2;
    o.lock_timeout_ms = 2000;
    o.tool_version = "test";
    return o;
  }
  void Sql(const std::string& sql) { ASSERT_TRUE(conn_.Run(sql).ok()) << conn_.Run(sql).message(); }
  // Restores archive `dir` into `target` with 2 jobs.
  Status RestoreInto(const std::string& dir, const std::string& target) {
    engine::RestoreOptions r;
    r.archive_dir = dir;
    r.target = target;
    r.jobs = 2;
    return engine::RunRestore(r, no_interrupt_);
  }
  int64_t Int(const std::string& sql) {
    auto r = conn_.Exec(sql);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() && r->rows() ? r->GetInt(0, 0) : -1;
  }

  // Every table of the archive equals COPY of the source now.
  void ExpectArchiveMatchesSource(const ArchiveContents& a) {
    ASSERT_FALSE(a.lines.empty());
    std::map<TableKey, std::string> filters;
    for (const auto& t : a.plan.at("tables")) {
      filters[K(t.at("schema"), t.at("name"))] = t.at("copy_filter");
    }
    for (const auto& [key, lines] : a.lines) {
      SCOPED_TRACE(key.first + "." + key.second);
      Lines source = SourceLines(conn_, key.first, key.second, filters[key]);
      EXPECT_EQ(lines.size(), source.size());
      EXPECT_TRUE(lines == source);
      EXPECT_EQ(a.rows.at(key), source.size());
    }
  }

  std::unique_ptr<testing::ScratchDatabase> db_;
  PgConnection conn_;
  std::string tmp_;
  std::atomic<bool> no_interrupt_{false};
};

TEST_F(DumpTest, AwkwardIdentifiersKindsAndSplitTablesMatchSourceRowForRow) {
  Sql(R"(
    CREATE SCHEMA "Odd ""Schema"".x";
    CREATE TABLE "Odd ""Schema"".x"."Mixed Case. ""Tab""" (id int PRIMARY KEY, "select" text,
                                                        "ünï" text, g int GENERATED ALWAYS AS (id * 2) STORED);
    INSERT INTO "Odd ""Schema"".x"."Mixed Case. ""Tab""" (id, "select", "ünï")
      SELECT i, 'tab	and\back ' || i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'ü€😀' || i END
      FROM generate_series(1, 500) i;
    CREATE TABLE public."order" ("from" int, "group" text);
    INSERT INTO public."order" SELECT i, E'line\nbreak' FROM generate_series(1, 50) i;
    CREATE TABLE public.empty (a int, b text);
    CREATE TABLE public.parted (id int, k text) PARTITION BY RANGE (id);
    CREATE TABLE public.parted_1 PARTITION OF public.parted FOR VALUES FROM (0) TO (100);
    CREATE TABLE public."Parted 2" PARTITION OF public.parted FOR VALUES FROM (100) TO (MAXVALUE);
    INSERT INTO public.parted SELECT i, 'p' || i FROM generate_series(0, 300) i;
    CREATE TABLE public.vehicles (id int, name text);
    CREATE TABLE public.cars (doors int) INHERITS (public.vehicles);
    INSERT INTO public.vehicles VALUES (1, 'parent only');
    INSERT INTO public.cars VALUES (2, 'car', 4), (3, 'car2', 2);
    CREATE TABLE public.big (id bigint, payload text);
    INSERT INTO public.big SELECT i, repeat('x', 100) || i FROM generate_series(1, 20000) i;
    DELETE FROM public.big WHERE id % 7 = 0;
    ANALYZE;
  )");
  engine::DumpOptions o = Options();
  o.selection.split_larger_than = 256 * 1024;  // public.big (~2.5 MB) is split
  Status s = engine::RunDump(o, no_interrupt_);
  ASSERT_TRUE(s.ok()) << s.message();

  ArchiveContents a = ReadArchive(o.dir);
  ExpectArchiveMatchesSource(a);
  TableKey odd{"Odd \"Schema\".x", "Mixed Case. \"Tab\""};
  ASSERT_TRUE(a.lines.count(odd));
  EXPECT_EQ(a.lines[odd].size(), 500u);
  EXPECT_TRUE(a.lines.count(K("public", "empty")));
  EXPECT_EQ(a.rows[K("public", "empty")], 0u);
  EXPECT_EQ(a.lines[K("public", "vehicles")].size(), 1u);  // parent rows only
  EXPECT_EQ(a.lines[K("public", "cars")].size(), 2u);
  EXPECT_EQ(a.lines[K("public", "parted_1")].size() + a.lines[K("public", "Parted 2")].size(),
            301u);
  EXPECT_EQ(a.kind[K("public", "parted_1")], "partition");
  EXPECT_GT(a.files[K("public", "big")], 1) << "the big table was not split";
  EXPECT_EQ(a.lines[K("public", "big")].size(), static_cast<size_t>(20000 - 20000 / 7));

  // The schema is there for pg_restore, and the post-data map names tables.
  EXPECT_TRUE(fs::exists(o.dir + "/schema.pgdump"));
  bool found_pk = false;
  for (const auto& item : a.plan.at("post_data")) {
    if (item.at("desc") == "CONSTRAINT" && item.value("table_name", "") == "Mixed Case. \"Tab\"") {
      found_pk = true;
      EXPECT_EQ(item.at("table_schema"), "Odd \"Schema\".x");
      EXPECT_FALSE(item.at("table_index").is_null());
      EXPECT_NE(item.at("toc_line").get<std::string>().find("CONSTRAINT"), std::string::npos);
    }
  }
  EXPECT_TRUE(found_pk) << a.plan.at("post_data").dump();
  EXPECT_EQ(a.manifest.source.at("snapshot").get<std::string>().empty(), false);
  EXPECT_FALSE(fs::exists(o.dir + "/INCOMPLETE"));
}

TEST_F(DumpTest, DemoDatabaseEveryTypeAndCompressedChunksAsTheyAre) {
  bench::DemoOptions demo;
  demo.target_bytes = 6ull << 20;
  demo.partitions = 4;
  auto built = bench::BuildDemo(conn_, demo);
  ASSERT_TRUE(built.ok()) << built.status().message();
  engine::DumpOptions o = Options();
  o.selection.split_larger_than = 512 * 1024;
  Status s = engine::RunDump(o, no_interrupt_);
  ASSERT_TRUE(s.ok()) << s.message();
  ArchiveContents a = ReadArchive(o.dir);
  ExpectArchiveMatchesSource(a);
  if (built->plan.compressed_chunks > 0) {
    int compressed_files = 0;
    uint64_t metrics_rows_in_chunks = 0;
    // demo.metrics's own chunks (the continuous aggregate's materialization
    // hypertable has chunks too, holding other rows).
    for (const auto& t : a.plan.at("tables")) {
      TableKey key = K(t.at("schema"), t.at("name"));
      const std::string kind = t.at("kind");
      if (kind == "compressed_chunk") compressed_files += a.rows[key] > 0;
      if ((kind == "chunk" || kind == "hypertable") && t.at("hypertable") == "demo.metrics") {
        metrics_rows_in_chunks += a.rows[key];
      }
    }
    EXPECT_EQ(compressed_files, built->plan.compressed_chunks);
    // Compressed rows stay compressed: the plain chunks hold fewer rows than
    // the hypertable shows (nothing was decompressed into them).
    EXPECT_LT(metrics_rows_in_chunks, static_cast<uint64_t>(built->plan.metrics));
  }
}

// As pg_dump by default: row_security off, so a role that a row-level
// security policy would filter fails, naming the table, rather than dumping
// the subset of rows the policy shows it.
TEST_F(DumpTest, ARoleThatRowSecurityWouldFilterGetsAnErrorNamingTheTable) {
  const std::string role = "hd_rls_" + std::to_string(::getpid());
  Sql("CREATE TABLE public.secret (owner name, v int);"
      "ALTER TABLE public.secret ENABLE ROW LEVEL SECURITY;"
      "CREATE POLICY mine ON public.secret USING (owner = current_user);");
  Sql("INSERT INTO public.secret VALUES ('someone', 1), (" + engine::QuoteLiteral(role) + ", 2)");
  Sql("DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role + " LOGIN");
  Sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role);
  engine::DumpOptions o = Options();
  const size_t at = o.source.find("postgres@");
  ASSERT_NE(at, std::string::npos) << o.source;
  o.source.replace(at, std::string("postgres@").size(), role + "@");
  Status s = engine::RunDump(o, no_interrupt_);
  Sql("DROP OWNED BY " + role + "; DROP ROLE " + role);
  ASSERT_FALSE(s.ok()) << "a role filtered by row security dumped a subset of public.secret";
  EXPECT_NE(s.message().find("row-level security"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("secret"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(o.dir + "/manifest.json"));
}

TEST_F(DumpTest, RowsCommittedDuringTheDumpAreAbsent) {
  Sql("CREATE TABLE public.t1 (id int PRIMARY KEY, v text);"
      "INSERT INTO public.t1 SELECT i, 'v' || i FROM generate_series(1, 5000) i;"
      "CREATE TABLE public.t2 (id int, v text);"
      "INSERT INTO public.t2 SELECT i, 'w' || i FROM generate_series(1, 3000) i;");
  Lines before1 = SourceLines(conn_, "public", "t1");
  Lines before2 = SourceLines(conn_, "public", "t2");
  PgConnection writer = db_->Connect();
  OnFirstStart sink([&] {
    Status w = writer.Run(
        "INSERT INTO public.t1 SELECT i, 'new' FROM generate_series(5001, 6000) i;"
        "UPDATE public.t1 SET v = 'changed' WHERE id <= 2500;"
        "DELETE FROM public.t2 WHERE id % 2 = 0; INSERT INTO public.t2 VALUES (-1, 'late');");
    EXPECT_TRUE(w.ok()) << w.message();
  });
  engine::DumpOptions o = Options();
  o.jobs = 1;
  Status s = engine::RunDump(o, no_interrupt_, &sink);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Int("SELECT count(*) FROM public.t1"), 6000);  // the writes did happen
  ArchiveContents a = ReadArchive(o.dir);
  EXPECT_TRUE(a.lines[K("public", "t1")] == before1);
  EXPECT_TRUE(a.lines[K("public", "t2")] == before2);
}

TEST_F(DumpTest, TableLockedByAnotherSessionFailsEarlyNamingTableAndSession) {
  Sql("CREATE TABLE public.free (a int); CREATE TABLE public.\"Busy Table\" (a int);");
  PgConnection other = db_->Connect();
  ASSERT_TRUE(other.Run("BEGIN; LOCK TABLE public.\"Busy Table\" IN ACCESS EXCLUSIVE MODE").ok());
  engine::DumpOptions o = Options();
  o.lock_timeout_ms = 300;
  Status s = engine::RunDump(o, no_interrupt_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kDatabase);
  EXPECT_NE(s.message().find("cannot lock table \"public\".\"Busy Table\""), std::string::npos)
      << s.message();
  EXPECT_NE(
      s.message().find("pid " + std::to_string(other.backend_pid()) + " holds ACCESS EXCLUSIVE"),
      std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("LOCK TABLE"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(o.dir)) << "a dump that wrote nothing leaves no directory";
  other.Run("ROLLBACK").IgnoreError();
}

TEST_F(DumpTest, LockPerJobDetectsATableTruncatedAfterTheSnapshot) {
  Sql("CREATE TABLE public.big (id int, v text);"
      "INSERT INTO public.big SELECT i, repeat('z', 200) FROM generate_series(1, 20000) i;"
      "CREATE TABLE public.victim (id int);"
      "INSERT INTO public.victim SELECT generate_series(1, 100);"
      "ANALYZE;");
  PgConnection other = db_->Connect();
  OnFirstStart sink([&] {
    // The largest job starts first; the victim is not locked by anyone yet.
    Status t = other.Run("SET lock_timeout = '5s'; TRUNCATE public.victim");
    EXPECT_TRUE(t.ok()) << t.message();
  });
  engine::DumpOptions o = Options();
  o.jobs = 1;
  o.lock_per_job = true;
  Status s = engine::RunDump(o, no_interrupt_, &sink);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(
      s.message().find("table \"public\".\"victim\" was rewritten, truncated or dropped after the "
                       "dump's snapshot"),
      std::string::npos)
      << s.message();
  EXPECT_FALSE(fs::exists(o.dir + "/manifest.json"));
  EXPECT_TRUE(fs::exists(o.dir + "/INCOMPLETE")) << "the big table's file was written";
  auto reader = format::ArchiveReader::Open(o.dir);
  EXPECT_FALSE(reader.ok());
}

TEST_F(DumpTest, LockPerJobDumpsConsistentlyWithoutLeaderLocks) {
  Sql("CREATE TABLE public.a (id int); INSERT INTO public.a SELECT generate_series(1, 1000);"
      "CREATE TABLE public.b (id int); INSERT INTO public.b SELECT generate_series(1, 10);");
  engine::DumpOptions o = Options();
  o.lock_per_job = true;
  Status s = engine::RunDump(o, no_interrupt_);
  ASSERT_TRUE(s.ok()) << s.message();
  ExpectArchiveMatchesSource(ReadArchive(o.dir));
}

TEST_F(DumpTest, BinaryFormatRecordsRowCounts) {
  Sql("CREATE TABLE public.n (id int, t timestamptz DEFAULT now(), j jsonb DEFAULT '{}');"
      "INSERT INTO public.n (id) SELECT generate_series(1, 777);");
  engine::DumpOptions o = Options();
  o.copy_format = engine::CopyFormat::kBinary;
  Status s = engine::RunDump(o, no_interrupt_);
  ASSERT_TRUE(s.ok()) << s.message();
  ArchiveContents a = ReadArchive(o.dir);
  EXPECT_EQ(a.rows[K("public", "n")], 777u);
  EXPECT_EQ(a.plan.at("copy_format"), "binary");
}

// --cpu-log: a line per data job, whose bytes add up to the archive's data,
// each with the worker backend's CPU (the test server is local), then the
// leader's session.
TEST_F(DumpTest, CpuLogHasALinePerDataJobWithItsServerCpuAndBytes) {
  Sql("CREATE TABLE public.a (id int, t text);"
      "INSERT INTO public.a SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;"
      "CREATE TABLE public.b (id int); INSERT INTO public.b SELECT generate_series(1, 500);");
  engine::DumpOptions o = Options();
  o.cpu_log = tmp_ + "/cpu.jsonl";
  Status s = engine::RunDump(o, no_interrupt_);
  ASSERT_TRUE(s.ok()) << s.message();
  std::ifstream in(o.cpu_log);
  uint64_t bytes = 0;
  int jobs = 0, leaders = 0;
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    ASSERT_TRUE(j["server_cpu_s"].is_number()) << line;
    EXPECT_GE(j["wall_s"].get<double>(), 0) << line;
    if (j["kind"] == "leader") {
      ++leaders;
      continue;
    }
    ++jobs;
    bytes += j["bytes"].get<uint64_t>();
  }
  EXPECT_EQ(leaders, 1);
  EXPECT_GE(jobs, 1);
  auto reader = format::ArchiveReader::Open(o.dir);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  uint64_t archived = 0;
  for (const format::FileEntry& f : (*reader)->manifest().files) {
    if (f.kind == format::FileKind::kData) archived += f.uncompressed_bytes;
  }
  EXPECT_EQ(bytes, archived);
  EXPECT_GT(archived, 2'000'000u);

  // restore --cpu-log: the data jobs' bytes add up to the same, each with
  // its backend's CPU.
  testing::ScratchDatabase target("dump_cpu_log_dst");
  engine::RestoreOptions r;
  r.archive_dir = o.dir;
  r.target = target.uri();
  r.jobs = 2;
  r.cpu_log = tmp_ + "/restore-cpu.jsonl";
  s = engine::RunRestore(r, no_interrupt_);
  ASSERT_TRUE(s.ok()) << s.message();
  std::ifstream restored(r.cpu_log);
  uint64_t loaded = 0;
  int analyzed = 0;
  for (std::string line; std::getline(restored, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    ASSERT_TRUE(j["server_cpu_s"].is_number()) << line;
    if (j["kind"] == "data") loaded += j["bytes"].get<uint64_t>();
    if (j["kind"] == "analyze") ++analyzed;
  }
  EXPECT_EQ(loaded, archived);
  EXPECT_GE(analyzed, 1);
}

// Large objects are dumped (engine/large_objects.h; round trips are in
// tests/large_objects_test.cc), unless left out on purpose.
TEST_F(DumpTest, LargeObjectsAreDumpedUnlessExcludedOnPurpose) {
  Sql("CREATE TABLE public.t (a int); SELECT lo_from_bytea(0, 'blob');");
  engine::DumpOptions o = Options();
  Status s = engine::RunDump(o, no_interrupt_);
  ASSERT_TRUE(s.ok()) << s.message();
  auto large_object_files = [](const std::string& dir) {
    std::vector<uint64_t> rows;
    auto reader = format::ArchiveReader::Open(dir);
    EXPECT_TRUE(reader.ok()) << reader.status().message();
    if (!reader.ok()) return rows;
    for (const format::FileEntry& f : (*reader)->manifest().files) {
      if (f.meta.value("kind", "") == "large_objects") rows.push_back(f.rows.value_or(0));
    }
    return rows;
  };
  ArchiveContents a = ReadArchive(o.dir);
  EXPECT_EQ(a.manifest.source.at("options").at("large_objects"), "included");
  EXPECT_EQ(a.plan.at("large_objects"), 1);
  EXPECT_EQ(large_object_files(o.dir), std::vector<uint64_t>{1});
  o.dir += "-without";
  o.no_large_objects = true;
  s = engine::RunDump(o, no_interrupt_);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ReadArchive(o.dir).manifest.source.at("options").at("large_objects"), "excluded");
  EXPECT_TRUE(large_object_files(o.dir).empty());
}

TEST_F(DumpTest, RolesAreStoredWithoutPasswords) {
  std::string role = db_->name() + "_Role";
  Sql("CREATE ROLE " + engine::QuoteIdent(role) + " LOGIN PASSWORD 'sekret-pw'");
  Sql("CREATE TABLE public.t (a int)");
  engine::DumpOptions o = Options();
  o.roles = true;
  Status s = engine::RunDump(o, no_interrupt_);
  conn_.Run("DROP ROLE " + engine::QuoteIdent(role)).IgnoreError();
  ASSERT_TRUE(s.ok()) << s.message();
  auto reader = format::ArchiveReader::Open(o.dir);
  ASSERT_TRUE(reader.ok());
  auto roles = (*reader)->ReadBlob("roles.sql");
  ASSERT_TRUE(roles.ok()) << roles.status().message();
  EXPECT_NE(roles->find("CREATE ROLE " + engine::QuoteIdent(role)), std::string::npos);
  EXPECT_EQ(roles->find("SCRAM-SHA-256"), std::string::npos);
  EXPECT_EQ(roles->find("PASSWORD"), std::string::npos);
}

TEST_F(DumpTest, InterruptLeavesNoCompleteArchive) {
  Sql("CREATE TABLE public.a (id int); INSERT INTO public.a SELECT generate_series(1, 100000);"
      "CREATE TABLE public.b (id int); INSERT INTO public.b SELECT generate_series(1, 10);");
  std::atomic<bool> interrupt{false};
  OnFirstStart sink([&] { interrupt = true; });
  engine::DumpOptions o = Options();
  o.jobs = 1;
  Status s = engine::RunDump(o, interrupt, &sink);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.message();
  EXPECT_FALSE(fs::exists(o.dir + "/manifest.json"));
}

TEST_F(DumpTest, RefusesANonEmptyDirectory) {
  engine::DumpOptions o = Options();
  fs::create_directory(o.dir);
  { std::ofstream(o.dir + "/keep.txt") << "mine"; }
  Status s = engine::RunDump(o, no_interrupt_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.message();
  EXPECT_TRUE(fs::exists(o.dir + "/keep.txt"));
}

TEST_F(DumpTest, LockCapacityCheckSaysWhatToRaise) {
  EXPECT_TRUE(engine::CheckLockCapacity(conn_, 100, true).ok());
  Status s = engine::CheckLockCapacity(conn_, 100'000'000, true);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("the dump needs about 100000000 table locks at once"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("ALTER SYSTEM SET max_locks_per_transaction = "), std::string::npos);
  EXPECT_NE(s.message().find("--lock-per-job"), std::string::npos);
}

// --lock-per-job still needs a lock per table for pg_dump --schema-only:
// with a lock table too small for them, the dump fails before writing
// anything, saying which setting to raise and to what.
TEST(DumpUnitTest, LockPerJobCapacityMessageNamesPgDumpAndTheSettingToRaise) {
  engine::LockTableFacts small{64, 100, 10};  // 6400 locks
  EXPECT_TRUE(engine::LockCapacityVerdict(small, 6390, false).ok());
  Status s = engine::LockCapacityVerdict(small, 10'000, false);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "the dump needs about 10000 table locks at once even with --lock-per-job: pg_dump "
            "--schema-only still takes ACCESS SHARE on every table it dumps, all in one "
            "transaction, before any data moves, but the server's lock table holds about "
            "max_locks_per_transaction (64) x max_connections (100) = 6400 locks, 10 of them in "
            "use: set max_locks_per_transaction to at least 111 (ALTER SYSTEM SET "
            "max_locks_per_transaction = 111; then restart the server), or dump fewer tables at "
            "once (-n/-t/-N/-T)");
  s = engine::LockCapacityVerdict(small, 10'000, true);
  EXPECT_NE(s.message().find("or dump with --lock-per-job"), std::string::npos) << s.message();
}

TEST(DumpUnitTest, ChildProcessesGetThePasswordOnlyThroughTheEnvironment) {
  std::vector<std::pair<std::string, std::string>> env;
  std::string c = engine::ConninfoForChild(
      "postgresql://alice:s3cr%27et@db.example:5433/app?sslmode=require", env);
  EXPECT_EQ(c.find("s3cr"), std::string::npos) << c;
  EXPECT_NE(c.find("host='db.example'"), std::string::npos) << c;
  EXPECT_NE(c.find("dbname='app'"), std::string::npos) << c;
  EXPECT_NE(c.find("sslmode='require'"), std::string::npos) << c;
  ASSERT_EQ(env.size(), 1u);
  EXPECT_EQ(env[0].first, "PGPASSWORD");
  EXPECT_EQ(env[0].second, "s3cr'et");
}

// TimescaleDB: jobs >= 1000 are unscheduled during the dump, recorded in the
// archive first, and rescheduled after.
class DumpTimescaleTest : public DumpTest {
 protected:
  void SetUp() override {
    DumpTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    HD_REQUIRE_TIMESCALEDB();
    Sql("CREATE EXTENSION IF NOT EXISTS timescaledb");
    Sql("CREATE TABLE public.m (t timestamptz NOT NULL, v double precision);"
        "SELECT create_hypertable('public.m', 't', chunk_time_interval => interval '1 day');"
        "INSERT INTO public.m SELECT timestamptz '2024-01-01' + i * interval '1 hour', i"
        "  FROM generate_series(0, 200) i;");
    Sql("ALTER TABLE public.m SET (timescaledb.compress)");
    Sql("SELECT add_compression_policy('public.m', interval '7 days');");
    job_ = Int("SELECT max(job_id) FROM timescaledb_information.jobs");
    ASSERT_GE(job_, 1000);
    // The real scheduler starts the policy at once (every chunk is older
    // than 7 days): let its first run end, so that each test starts from a
    // settled database whose job is next due hours from now.
    WaitUntilIdle(job_);
  }
  // Until job `id` has run at least once and no worker runs it. (total_runs
  // counts a run from its start, and job_status says Running only once the
  // worker has set its application_name: the run's end is what tells.)
  void WaitUntilIdle(int64_t id) {
    const std::string sql =
        "SELECT count(*) FROM timescaledb_information.job_stats WHERE job_id = " +
        std::to_string(id) +
        " AND total_runs > 0 AND last_run_duration IS NOT NULL AND job_status <> 'Running'";
    for (int i = 0; i < 600 && Int(sql) == 0; ++i) ::usleep(50'000);
    ASSERT_EQ(Int(sql), 1) << "job " << id << " never ran within 30 s";
  }
  bool Scheduled(PgConnection& c) {
    auto r = c.Exec("SELECT scheduled FROM timescaledb_information.jobs WHERE job_id = " +
                    std::to_string(job_));
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() && r->rows() == 1 && r->GetBool(0, 0);
  }
  int64_t job_ = 0;
};

TEST_F(DumpTimescaleTest, JobsArePausedDuringTheDumpAndRescheduledAfter) {
  Sql("SELECT compress_chunk(c) FROM show_chunks('public.m') c LIMIT 2");
  PgConnection observer = db_->Connect();
  std::optional<bool> during;
  OnFirstStart sink([&] { during = Scheduled(observer); });
  engine::DumpOptions o = Options();
  Status s = engine::RunDump(o, no_interrupt_, &sink);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(during.has_value());
  EXPECT_FALSE(*during) << "job " << job_ << " ran scheduled during the dump";
  EXPECT_TRUE(Scheduled(conn_)) << "job " << job_ << " was not rescheduled";
  auto reader = format::ArchiveReader::Open(o.dir);
  ASSERT_TRUE(reader.ok());
  auto paused = (*reader)->ReadBlob("paused_jobs.json");
  ASSERT_TRUE(paused.ok());
  EXPECT_EQ(nlohmann::json::parse(*paused).at("job_ids"), nlohmann::json::array({job_}));
  // The archived job row says "scheduled", as the source did before the dump.
  ArchiveContents a = ReadArchive(o.dir);
  ExpectArchiveMatchesSource(a);
}

TEST_F(DumpTimescaleTest, JobsAreRescheduledWhenTheDumpFails) {
  auto chunks =
      conn_.Exec("SELECT string_agg(format('%s', c), ', ') FROM show_chunks('public.m') c");
  ASSERT_TRUE(chunks.ok()) << chunks.status().message();
  std::string list = chunks->GetString(0, 0);
  PgConnection other = db_->Connect();
  OnFirstStart sink([&] {
    // Fails the dump mid-way: every chunk's lock is busy past --lock-timeout.
    Status l = other.Run("SET lock_timeout = '5s'; BEGIN; LOCK TABLE ONLY " + list +
                         " IN ACCESS EXCLUSIVE MODE");
    EXPECT_TRUE(l.ok()) << l.message();
  });
  engine::DumpOptions o = Options();
  o.lock_per_job = true;
  o.jobs = 1;
  o.lock_timeout_ms = 300;
  Status s = engine::RunDump(o, no_interrupt_, &sink);
  other.Run("ROLLBACK").IgnoreError();
  ASSERT_FALSE(s.ok());
  // Whichever waited first, a data job or pg_dump (the schema runs alongside
  // the data), the error names the lock timeout and the blocking session.
  EXPECT_TRUE(s.message().find("for copying within --lock-timeout") != std::string::npos ||
              s.message().find("pg_dump could not lock table") != std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("within --lock-timeout (300 ms)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("pid " + std::to_string(other.backend_pid())), std::string::npos)
      << s.message();
  EXPECT_TRUE(Scheduled(conn_)) << "job " << job_ << " was left unscheduled";
  EXPECT_FALSE(fs::exists(o.dir + "/manifest.json"));
}

// Ctrl-C (SIGINT to hyperdump's process group, as a terminal sends it) while
// pg_dump waits for a chunk's lock, after the jobs were paused: the process
// exits 5 (interrupted), the job is scheduled as before, no manifest.
TEST_F(DumpTimescaleTest, CtrlCReschedulesPausedJobsAndExitsInterrupted) {
  const std::string schedule_sql =
      "SELECT scheduled::text || ' ' || schedule_interval::text FROM "
      "timescaledb_information.jobs WHERE job_id = " +
      std::to_string(job_);
  auto text = [&](const std::string& sql) {
    auto r = conn_.Exec(sql);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() && r->rows() == 1 ? r->GetString(0, 0) : std::string("?");
  };
  const std::string before = text(schedule_sql);
  ASSERT_EQ(before.rfind("true ", 0), 0u) << before;
  const std::string chunk = text("SELECT c::text FROM show_chunks('public.m') c LIMIT 1");
  PgConnection locker = db_->Connect();
  ASSERT_TRUE(locker.Run("BEGIN; LOCK TABLE " + chunk + " IN ACCESS EXCLUSIVE MODE").ok());

  const std::string dir = tmp_ + "/archive", log = tmp_ + "/output.txt";
  const std::string uri = db_->uri();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(HYPERDUMP_BIN, "hyperdump", "dump", "-d", uri.c_str(), "-f", dir.c_str(), "-j", "1",
            "--lock-per-job", "--lock-timeout", "5min", "--quiet", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  // Until the job is paused and pg_dump (--schema-only) queues for the lock.
  const std::string waiting_sql =
      "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = '" + chunk + "'::regclass";
  bool waiting = false;
  int status = 0;
  for (int i = 0; i < 1200 && !waiting; ++i) {
    waiting = text(schedule_sql).rfind("false ", 0) == 0 && Int(waiting_sql) > 0;
    if (!waiting) {
      if (::waitpid(pid, &status, WNOHANG) == pid) break;  // ended early: reported below
      ::usleep(50'000);
    }
  }
  std::string output;
  if (waiting) {
    ::kill(-pid, SIGINT);
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  } else if (::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  locker.Run("ROLLBACK").IgnoreError();
  {
    std::ifstream in(log);
    output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_TRUE(waiting) << "the dump never waited for the chunk with its jobs paused: " << output;
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), kExitInterrupted) << output;
  EXPECT_NE(output.find("interrupted"), std::string::npos) << output;
  EXPECT_EQ(text(schedule_sql), before) << "job " << job_ << " not rescheduled as before";
  EXPECT_FALSE(fs::exists(dir + "/manifest.json"));
  // Removed when no data file was written yet; otherwise marked incomplete
  // (the data moves while pg_dump waits for the schema's locks).
  EXPECT_TRUE(!fs::exists(dir) || fs::exists(dir + "/INCOMPLETE")) << output;
}

TEST_F(DumpTimescaleTest, NoPauseJobsLeavesThemScheduled) {
  PgConnection observer = db_->Connect();
  std::optional<bool> during;
  OnFirstStart sink([&] { during = Scheduled(observer); });
  engine::DumpOptions o = Options();
  o.pause_jobs = false;
  Status s = engine::RunDump(o, no_interrupt_, &sink);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(during.has_value());
  EXPECT_TRUE(*during);
  EXPECT_FALSE(fs::exists(o.dir + "/paused_jobs.json"));
}

// Records what the dump tells its observer.
class RecordingObserver : public engine::RunObserver {
 public:
  void OnPhase(const std::string& name) override { phases.push_back(name); }
  void OnWarning(const std::string& text) override { warnings.push_back(text); }
  std::vector<std::string> phases, warnings;
};

// A job running when the dump starts (a user-defined action that sleeps, then
// compresses every chunk, as a policy due right now would) is paused, which
// makes TimescaleDB stop it, and waited out before the snapshot: the dump
// says so, and its archive restores row for row equal to the source.
TEST_F(DumpTimescaleTest, RunningJobIsWaitedOutBeforeTheSnapshotAndTheArchiveRestoresEqual) {
  Sql("SELECT decompress_chunk(c, if_compressed => true) FROM show_chunks('public.m') c");
  Sql(R"(CREATE PROCEDURE public.slow_compress(job_id int, config jsonb) LANGUAGE plpgsql AS $$
         BEGIN
           PERFORM pg_sleep(2);
           PERFORM compress_chunk(c, if_not_compressed => true) FROM show_chunks('public.m') c;
         END $$)");
  const int64_t slow =
      Int("SELECT add_job('public.slow_compress', '1 hour', initial_start => now())");
  // Until its worker runs (the scheduler starts it within a second or so).
  const std::string running =
      "SELECT count(*) FROM timescaledb_information.job_stats WHERE job_id = " +
      std::to_string(slow) + " AND job_status = 'Running'";
  for (int i = 0; i < 400 && Int(running) == 0; ++i) ::usleep(25'000);
  ASSERT_EQ(Int(running), 1) << "job " << slow << " did not start";

  RecordingObserver observer;
  engine::DumpOptions o = Options();
  Status s = engine::RunDump(o, no_interrupt_, nullptr, nullptr, &observer);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_FALSE(observer.warnings.empty());
  EXPECT_NE(observer.warnings[0].find("waiting for TimescaleDB job " + std::to_string(slow)),
            std::string::npos)
      << observer.warnings[0];
  // Pausing the running job made TimescaleDB stop it; the snapshot came
  // after its worker ended. Rescheduled after the dump, it next runs at its
  // retry after that stop, minutes away: the source stays as the snapshot
  // saw it.
  ArchiveContents a = ReadArchive(o.dir);
  ExpectArchiveMatchesSource(a);

  testing::ScratchDatabase target("dump_waited_dst");
  s = RestoreInto(o.dir, target.uri());
  ASSERT_TRUE(s.ok()) << s.message();
  auto report = engine::CompareDatabases(db_->uri(), target.uri());
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->ok()) << ::testing::PrintToString(report->different)
                            << ::testing::PrintToString(report->missing);
  EXPECT_EQ(Int("SELECT count(*) FROM public.m"), 201);
}

// While dumps run, another session decompresses and compresses the
// hypertable's chunks in a loop (compress_chunk truncates the chunk and
// fills a new companion table; decompress_chunk drops the companion). Each
// dump, with table locks held from the start or taken per job, either
// completes, and its archive restores to exactly the source's rows, or fails
// naming a chunk and leaves no manifest. None restores to fewer rows.
TEST_F(DumpTimescaleTest, ChunksCompressedAndDecompressedDuringTheDumpNeverLoseARow) {
  const int64_t rows = Int("SELECT count(*) FROM public.m");
  ASSERT_EQ(rows, 201);
  auto list = conn_.Exec("SELECT c::text FROM show_chunks('public.m') c ORDER BY 1");
  ASSERT_TRUE(list.ok()) << list.status().message();
  std::vector<std::string> chunks;
  for (int i = 0; i < list->rows(); ++i) chunks.push_back(list->GetString(i, 0));
  ASSERT_GE(chunks.size(), 8u);

  int completed = 0, failed = 0;
  for (int run = 0; run < 6; ++run) {
    const bool lock_per_job = run % 2 == 1;
    SCOPED_TRACE("run " + std::to_string(run) + (lock_per_job ? " --lock-per-job" : ""));
    std::atomic<bool> stop{false};
    std::atomic<int> churned{0};
    std::thread churn([&] {
      PgConnection c = db_->Connect();
      // Short waits: behind the dump's locks the loop moves on to the next
      // chunk rather than queue (a queued ACCESS EXCLUSIVE would hold up
      // the dump's own lock requests until its lock timeout).
      if (!c.Run("SET lock_timeout = '100ms'; SET client_min_messages = error").ok()) return;
      for (size_t k = 0; !stop.load(); ++k) {
        const std::string& chunk = chunks[k % chunks.size()];
        if (c.Run("SELECT decompress_chunk('" + chunk + "', if_compressed => true)").ok()) {
          ++churned;
        }
        if (c.Run("SELECT compress_chunk('" + chunk + "', if_not_compressed => true)").ok()) {
          ++churned;
        }
      }
    });
    while (churned.load() < 2) ::usleep(10'000);  // the churn is under way
    engine::DumpOptions o = Options();
    o.dir = tmp_ + "/archive" + std::to_string(run);
    o.lock_per_job = lock_per_job;
    o.lock_timeout_ms = 1000;
    Status s = engine::RunDump(o, no_interrupt_);
    stop = true;
    churn.join();
    if (!s.ok()) {
      ++failed;
      std::cout << "run " << run << " failed: " << s.message() << "\n";
      EXPECT_TRUE(std::regex_search(s.message(), std::regex(R"(_hyper_\d+_\d+_chunk)")))
          << "a failure must name the chunk: " << s.message();
      // Why: the chunk was dropped after the snapshot, or (on a loaded
      // machine) the churn's ACCESS EXCLUSIVE requests, queued one after
      // another ahead of a batch's LOCK, outlasted --lock-timeout: then the
      // blocking session is named.
      EXPECT_TRUE(s.message().find("after the dump's snapshot") != std::string::npos ||
                  (s.message().find("within --lock-timeout (1000 ms)") != std::string::npos &&
                   s.message().find("ACCESS EXCLUSIVE") != std::string::npos))
          << "a failure must say why: " << s.message();
      EXPECT_FALSE(fs::exists(o.dir + "/manifest.json")) << s.message();
      continue;
    }
    ++completed;
    testing::ScratchDatabase target("dump_churn_dst");
    s = RestoreInto(o.dir, target.uri());
    ASSERT_TRUE(s.ok()) << s.message();
    // Rows as a user reads them (the chunks' compression states differ from
    // the source's now, which went on churning after the snapshot).
    PgConnection t = target.Connect();
    auto restored = t.Exec(
        "SELECT count(*) || ' ' || sum(hashtextextended(ROW(m.*)::text, 0)) FROM public.m m");
    auto source = conn_.Exec(
        "SELECT count(*) || ' ' || sum(hashtextextended(ROW(m.*)::text, 0)) FROM public.m m");
    ASSERT_TRUE(restored.ok() && source.ok());
    EXPECT_EQ(restored->GetString(0, 0), source->GetString(0, 0));
    EXPECT_EQ(restored->GetString(0, 0).rfind("201 ", 0), 0u) << restored->GetString(0, 0);
  }
  // What happened, for the record (both outcomes are allowed).
  std::cout << "churn during dumps: " << completed << " completed, " << failed
            << " failed naming a chunk\n";
  EXPECT_EQ(completed + failed, 6);
}

}  // namespace
}  // namespace hyperdump
