// Integration tests of large objects (engine/large_objects.h) on the
// throwaway server of scripts/with-pg: dumped under the snapshot in batches,
// restored with their OIDs, owners, privileges and comments, compared, and
// resumed after a crash without losing or repeating one.
#include "engine/large_objects.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/compare.h"
#include "engine/dump/dump.h"
#include "engine/pg/pg.h"
#include "engine/restore/restore.h"
#include "format/reader.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

namespace fs = std::filesystem;
using engine::PgConnection;
using engine::QuoteIdent;
using testing::QueryValue;
using testing::ScratchDatabase;

std::atomic<bool> no_interrupt{false};

// A role for one test, dropped after the databases that refer to it (declare
// it before them).
class ScratchRole {
 public:
  explicit ScratchRole(std::string name, const std::string& options = "") : name_(std::move(name)) {
    auto c = PgConnection::Connect(testing::TestServerUri());
    EXPECT_TRUE(c.ok());
    if (c.ok()) {
      Status s = c->Run("CREATE ROLE " + QuoteIdent(name_) + " " + options);
      EXPECT_TRUE(s.ok()) << s.message();
    }
  }
  ~ScratchRole() {
    auto c = PgConnection::Connect(testing::TestServerUri());
    if (c.ok()) c->Run("DROP ROLE IF EXISTS " + QuoteIdent(name_)).IgnoreError();
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

class LargeObjectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TEST_SERVER();
    char tmpl[] = "/tmp/hd-lo-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }

  engine::DumpOptions DumpOptionsFor(const std::string& uri) {
    engine::DumpOptions o;
    o.source = uri;
    o.dir = tmp_ + "/archive" + std::to_string(archives_++);
    o.jobs = 2;
    o.tool_version = "test";
    return o;
  }
  std::string Dump(const std::string& uri) {
    engine::DumpOptions o = DumpOptionsFor(uri);
    Status s = engine::RunDump(o, no_interrupt);
    EXPECT_TRUE(s.ok()) << s.message();
    return o.dir;
  }
  static Status Restore(const std::string& archive, const std::string& target,
                        bool no_owner = false, bool no_privileges = false, bool clean = false) {
    engine::RestoreOptions o;
    o.target = target;
    o.archive_dir = archive;
    o.jobs = 2;
    o.no_owner = no_owner;
    o.no_privileges = no_privileges;
    o.clean = clean;
    return engine::RunRestore(o, no_interrupt);
  }

  std::string tmp_;
  int archives_ = 0;
};

void Exec(PgConnection& conn, const std::string& sql) {
  Status s = conn.Run(sql);
  ASSERT_TRUE(s.ok()) << s.message() << " in " << sql;
}

// The archive's large object files: (rows, first oid) each.
std::vector<std::pair<uint64_t, uint64_t>> LargeObjectFiles(const std::string& archive) {
  auto reader = format::ArchiveReader::Open(archive);
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  std::vector<std::pair<uint64_t, uint64_t>> out;
  if (!reader.ok()) return out;
  for (const format::FileEntry& f : (*reader)->manifest().files) {
    if (f.meta.value("kind", "") != engine::kLargeObjectsKind) continue;
    EXPECT_EQ(f.kind, format::FileKind::kData);
    out.emplace_back(f.rows.value_or(0), f.meta.value("first_oid", uint64_t{0}));
  }
  return out;
}

// Every large object of both databases equal (data, owner, privileges,
// comment), and every table; returns how many objects were compared.
int64_t ExpectSameDatabase(const std::string& source, const std::string& target) {
  auto report = engine::CompareDatabases(source, target);
  EXPECT_TRUE(report.ok()) << report.status().message();
  if (!report.ok()) return -1;
  std::string diff;
  for (const auto& d : report->different) diff += "\n  different: " + d;
  for (const auto& d : report->missing) diff += "\n  missing: " + d;
  for (const auto& d : report->extra) diff += "\n  extra: " + d;
  EXPECT_TRUE(report->ok()) << diff;
  return report->large_objects;
}

constexpr uint32_t kHugeOid = 900000000;
constexpr const char* kDocsSql =
    "SELECT string_agg(id || ':' || doc || ':' || md5(lo_get(doc)), ',' ORDER BY id)"
    " FROM public.docs";

// 10,000 small objects, an empty one, one of 200 MB (25 distinct 8 MB
// pieces, written server-side) and a table whose oid column refers to some;
// `role` owns one more object and may read the huge one, which has a comment.
TEST_F(LargeObjectsTest, TenThousandSmallOneHugeAndOidColumnsRoundTrip) {
  ScratchRole role("lo_owner_" + std::to_string(getpid()));
  ScratchDatabase src("lo_src");
  PgConnection conn = src.Connect();
  Exec(
      conn,
      "SELECT lo_from_bytea(0, convert_to('object ' || g || repeat('x', g % 100), 'UTF8'))"
      " FROM generate_series(1, 10000) g;"
      "SELECT lo_from_bytea(0, '');"
      "SELECT lo_create(" +
          std::to_string(kHugeOid) +
          ");"
          "SELECT lo_put(" +
          std::to_string(kHugeOid) +
          ", (g - 1)::bigint * 8388608,"
          " decode(repeat(lpad(to_hex(g), 8, '0'), 2097152), 'hex')) FROM generate_series(1, 25) g;"
          "CREATE TABLE public.docs (id int PRIMARY KEY, title text, doc oid);"
          "INSERT INTO public.docs SELECT row_number() OVER (ORDER BY oid), 'doc ' || oid, oid"
          " FROM pg_largeobject_metadata WHERE oid::bigint % 97 = 0 OR oid = " +
          std::to_string(kHugeOid) +
          ";"
          "COMMENT ON LARGE OBJECT " +
          std::to_string(kHugeOid) +
          " IS 'the huge one';"
          "GRANT SELECT ON LARGE OBJECT " +
          std::to_string(kHugeOid) + " TO " + QuoteIdent(role.name()) +
          ";"
          "GRANT UPDATE ON LARGE OBJECT " +
          std::to_string(kHugeOid) +
          " TO PUBLIC;"
          "SELECT lo_from_bytea(4000000, 'owned by the role');"
          "ALTER LARGE OBJECT 4000000 OWNER TO " +
          QuoteIdent(role.name()));
  ASSERT_EQ(QueryValue(
                conn, "SELECT lo_lseek64(lo_open(" + std::to_string(kHugeOid) + ", 262144), 0, 2)"),
            "209715200");
  ASSERT_EQ(QueryValue(conn, "SELECT count(*) > 100 FROM public.docs"), "t");

  std::string archive = Dump(src.uri());
  // A few batches of small objects; the 200 MB one alone in its own file.
  auto files = LargeObjectFiles(archive);
  uint64_t objects = 0;
  int alone = 0;
  for (const auto& [rows, first] : files) {
    objects += rows;
    if (first == kHugeOid) {
      EXPECT_EQ(rows, 1u);
      ++alone;
    }
  }
  EXPECT_EQ(objects, 10003u);
  EXPECT_EQ(alone, 1);
  EXPECT_LE(files.size(), 8u);

  ScratchDatabase dst("lo_dst");
  Status s = Restore(archive, dst.uri());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ExpectSameDatabase(src.uri(), dst.uri()), 10003);
  // The table's oid column opens the same objects with the same content.
  PgConnection t = dst.Connect();
  std::string docs = QueryValue(conn, kDocsSql);
  EXPECT_EQ(QueryValue(t, kDocsSql), docs);
  EXPECT_NE(docs.find(std::to_string(kHugeOid) + ":"), std::string::npos);
  // The comment and the privileges once each (pg_dump --no-blobs has none).
  const std::string meta =
      "SELECT count(*) || ' ' || string_agg(d.description, ',') FROM pg_description d"
      " WHERE d.classoid = 'pg_largeobject'::regclass";
  EXPECT_EQ(QueryValue(t, meta), "1 the huge one");
  EXPECT_EQ(QueryValue(t, "SELECT lomacl::text FROM pg_largeobject_metadata WHERE oid = " +
                              std::to_string(kHugeOid)),
            "{postgres=rw/postgres," + role.name() + "=r/postgres,=w/postgres}");
  EXPECT_EQ(QueryValue(t, "SELECT count(*) FROM pg_largeobject_metadata WHERE lomowner = " +
                              engine::QuoteLiteral(role.name()) + "::regrole"),
            "1");
  // One object changed on the target is named by compare.
  Exec(t, "SELECT lo_put(" + std::to_string(kHugeOid) + ", 1000, 'changed')");
  auto report = engine::CompareDatabases(src.uri(), dst.uri());
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->different.size(), 1u);
  EXPECT_EQ(report->different[0].rfind("large object " + std::to_string(kHugeOid) + ": source ", 0),
            0u)
      << report->different[0];
  Exec(conn, "DROP OWNED BY " + QuoteIdent(role.name()));
  Exec(t, "DROP OWNED BY " + QuoteIdent(role.name()));
}

// --no-owner leaves the objects to the restoring role, --no-privileges
// leaves their default privileges; the comment stays. --clean then restores
// them over themselves, owner and privileges included.
TEST_F(LargeObjectsTest, NoOwnerAndNoPrivilegesAreRespected) {
  ScratchRole role("lo_noowner_" + std::to_string(getpid()));
  ScratchDatabase src("lo_noowner_src");
  PgConnection conn = src.Connect();
  Exec(conn,
       "SELECT lo_from_bytea(4242, 'abc'); COMMENT ON LARGE OBJECT 4242 IS 'c';"
       "ALTER LARGE OBJECT 4242 OWNER TO " +
           QuoteIdent(role.name()) +
           ";"
           "GRANT SELECT ON LARGE OBJECT 4242 TO PUBLIC;");
  std::string archive = Dump(src.uri());
  ScratchDatabase dst("lo_noowner_dst");
  Status s = Restore(archive, dst.uri(), /*no_owner=*/true, /*no_privileges=*/true);
  ASSERT_TRUE(s.ok()) << s.message();
  PgConnection t = dst.Connect();
  EXPECT_EQ(QueryValue(t,
                       "SELECT lomowner::regrole::text || ' ' || (lomacl IS NULL) || ' ' ||"
                       " obj_description(oid, 'pg_largeobject') || ' ' ||"
                       " convert_from(lo_get(oid), 'UTF8')"
                       " FROM pg_largeobject_metadata WHERE oid = 4242"),
            "postgres true c abc");
  // --clean replaces the objects of the same OIDs.
  Exec(t, "SELECT lo_put(4242, 0, 'xyz')");
  s = Restore(archive, dst.uri(), /*no_owner=*/false, /*no_privileges=*/false, /*clean=*/true);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ExpectSameDatabase(src.uri(), dst.uri()), 1);
  Exec(conn, "DROP OWNED BY " + QuoteIdent(role.name()));
}

// A role that may not read an object fails the dump before anything is
// written, naming the object and the ways out.
TEST_F(LargeObjectsTest, UnreadableObjectFailsTheDumpNamingTheFix) {
  const std::string server = testing::TestServerUri();
  if (server.find("://postgres@") == std::string::npos) {
    GTEST_SKIP() << "needs a URI with user postgres, not " << engine::RedactConninfo(server);
  }
  ScratchRole role("lo_reader_" + std::to_string(getpid()), "LOGIN");
  ScratchDatabase src("lo_denied_src");
  PgConnection conn = src.Connect();
  Exec(conn, "SELECT lo_from_bytea(5151, 'secret')");
  std::string uri = src.uri();
  uri.replace(uri.find("://postgres@"), 12, "://" + role.name() + "@");
  engine::DumpOptions o = DumpOptionsFor(uri);
  Status s = engine::RunDump(o, no_interrupt);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("permission denied for large object 5151"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("pass --no-large-objects to dump everything else without them"),
            std::string::npos)
      << s.message();
  EXPECT_FALSE(fs::exists(o.dir));
  o.no_large_objects = true;
  s = engine::RunDump(o, no_interrupt);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(LargeObjectFiles(o.dir).empty());
}

// A restore killed after some batches committed, then --resume: every
// object restored exactly once (a second lo_create of the same OID fails).
TEST_F(LargeObjectsTest, ResumeAfterCrashRestoresEveryObjectExactlyOnce) {
  ScratchDatabase src("lo_crash_src");
  PgConnection conn = src.Connect();
  Exec(conn,
       "SELECT lo_from_bytea(0, convert_to(repeat('y', g % 50) || g, 'UTF8'))"
       " FROM generate_series(1, 10000) g;"
       "CREATE TABLE public.docs (id int PRIMARY KEY, title text, doc oid);"
       "INSERT INTO public.docs SELECT row_number() OVER (ORDER BY oid), 'doc', oid"
       " FROM pg_largeobject_metadata WHERE oid::bigint % 10 = 0;");
  std::string archive = Dump(src.uri());
  const size_t batches = LargeObjectFiles(archive).size();
  ASSERT_GE(batches, 3u);
  ScratchDatabase dst("lo_crash_dst");
  // Jobs commit in order: pre-data, then the batches (the heaviest jobs).
  testing::CommandResult r = testing::RunCommand(
      "HYPERDUMP_TEST_CRASH_AFTER_JOBS=3",
      {HYPERDUMP_FAULT_BIN, "restore", "-d", dst.uri(), "-j", "2", archive}, tmp_);
  ASSERT_EQ(r.exit_code, 137) << r.out << r.err;
  PgConnection t = dst.Connect();
  std::string committed =
      QueryValue(t, "SELECT count(*) FROM _hyperdump.restore_ledger WHERE job LIKE 'lo:%'");
  EXPECT_GE(std::stoi(committed), 1);
  EXPECT_LT(static_cast<size_t>(std::stoi(committed)), batches);
  r = testing::RunCommand(
      "", {HYPERDUMP_BIN, "restore", "-d", dst.uri(), "-j", "2", "--resume", archive}, tmp_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ExpectSameDatabase(src.uri(), dst.uri()), 10000);
  EXPECT_EQ(QueryValue(t, kDocsSql), QueryValue(conn, kDocsSql));
}

}  // namespace
}  // namespace hyperdump
