// Selective restore (engine/restore/restore_selection.h), each flag against
// pg_restore 15 on the same source: the source is dumped by hyperdump (its
// archive) and by `pg_dump -Fd` (pg_restore's), and never changes after; each
// case restores with the same flags through the hyperdump binary into one
// empty database and through pg_restore into another, step by step, and
// after every step the two databases must hold the same objects (schemas,
// relations with their privileges and comments, constraints, triggers,
// functions, sequences' values, large objects) and the same rows
// (engine::CompareDatabases). `-L` lists are made from `hyperdump list --toc`
// and `pg_restore -l` and edited alike, line by line.
//
// TimescaleDB, on the real extension: a schema-only then data-only restore
// (and one section at a time) of the demo database equals its source and
// works; -t and -L on a hypertable bring its chunks, where pg_restore leaves
// the rows behind.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench/demo_data.h"
#include "engine/compare.h"
#include "engine/dump/dump.h"
#include "engine/pg/pg.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

namespace fs = std::filesystem;
using engine::PgConnection;
using testing::CommandResult;
using testing::ScratchDatabase;

const std::atomic<bool> kNoInterrupt{false};

std::string PgBin(const std::string& program) {
  const char* bindir = std::getenv("PG_BINDIR");
  return std::string(bindir ? bindir : "/usr/lib/postgresql/15/bin") + "/" + program;
}

// What a database holds, one line per object, comparable across databases.
constexpr const char* kObjects = R"SQL(
WITH n AS (SELECT oid, nspname FROM pg_namespace
            WHERE nspname NOT IN ('pg_catalog', 'information_schema', '_hyperdump')
              AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp%'),
ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e')
SELECT 'schema ' || nspname || coalesce(' comment ' || obj_description(oid, 'pg_namespace'), '')
  FROM n
UNION ALL
SELECT 'relation ' || c.relkind::text || ' ' || c.oid::regclass::text ||
       coalesce(' acl ' || c.relacl::text, '') ||
       coalesce(' comment ' || obj_description(c.oid, 'pg_class'), '') ||
       CASE WHEN c.relkind = 'm' THEN ' populated ' || c.relispopulated ELSE '' END
  FROM pg_class c JOIN n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'i', 'I')
   AND (c.oid, 'pg_class'::regclass) NOT IN (SELECT objid, classid FROM ext)
UNION ALL
SELECT 'column default ' || a.attrelid::regclass::text || '.' || a.attname || ' ' ||
       pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
  JOIN pg_class c ON c.oid = d.adrelid JOIN n ON n.oid = c.relnamespace
UNION ALL
SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' ||
       pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace IN (SELECT oid FROM n)
UNION ALL
SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname FROM pg_trigger
 WHERE NOT tgisinternal
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p JOIN n ON n.oid = p.pronamespace
 WHERE (p.oid, 'pg_proc'::regclass) NOT IN (SELECT objid, classid FROM ext)
UNION ALL
SELECT 'sequence ' || schemaname || '.' || sequencename || ' ' || coalesce(last_value::text, '-')
  FROM pg_sequences WHERE schemaname IN (SELECT nspname FROM n)
UNION ALL
SELECT 'large object ' || oid FROM pg_largeobject_metadata
UNION ALL
SELECT 'extension ' || extname FROM pg_extension WHERE extname <> 'plpgsql'
ORDER BY 1)SQL";

std::vector<std::string> Objects(const std::string& uri) {
  auto conn = PgConnection::Connect(uri);
  EXPECT_TRUE(conn.ok()) << conn.status().message();
  if (!conn.ok()) return {};
  auto r = conn->Exec(kObjects);
  EXPECT_TRUE(r.ok()) << r.status().message();
  std::vector<std::string> out;
  for (int i = 0; r.ok() && i < r->rows(); ++i) out.push_back(r->GetString(i, 0));
  return out;
}

// Same objects and same rows in `a` (hyperdump's) and `b` (pg_restore's).
// `lo_definitions_only`: pg_restore has restored the large objects'
// definitions (its pre-data BLOB entries) without their data, hyperdump,
// for which they are data, nothing: large objects are compared apart.
void ExpectSameObjectsAndRows(const std::string& a, const std::string& b,
                              bool lo_definitions_only = false) {
  auto is_lo = [lo_definitions_only](const std::string& line) {
    return lo_definitions_only && line.rfind("large object", 0) == 0;
  };
  std::vector<std::string> oa = Objects(a), ob = Objects(b);
  std::erase_if(oa, is_lo);
  std::erase_if(ob, is_lo);
  std::vector<std::string> only_a, only_b;
  std::set_difference(oa.begin(), oa.end(), ob.begin(), ob.end(), std::back_inserter(only_a));
  std::set_difference(ob.begin(), ob.end(), oa.begin(), oa.end(), std::back_inserter(only_b));
  EXPECT_TRUE(only_a.empty() && only_b.empty())
      << "only after hyperdump: " << ::testing::PrintToString(only_a)
      << "\nonly after pg_restore: " << ::testing::PrintToString(only_b);
  auto report = engine::CompareDatabases(a, b);
  ASSERT_TRUE(report.ok()) << report.status().message();
  std::erase_if(report->different, is_lo);
  std::erase_if(report->missing, is_lo);
  std::erase_if(report->extra, is_lo);
  std::string diff;
  for (const auto& d : report->different) diff += "\n  different: " + d;
  for (const auto& d : report->missing) diff += "\n  only after hyperdump: " + d;
  for (const auto& d : report->extra) diff += "\n  only after pg_restore: " + d;
  EXPECT_TRUE(report->ok()) << diff;
}

int64_t Count(const std::string& uri, const std::string& sql) {
  auto conn = PgConnection::Connect(uri);
  EXPECT_TRUE(conn.ok()) << conn.status().message();
  if (!conn.ok()) return -1;
  auto r = conn->Exec(sql);
  EXPECT_TRUE(r.ok()) << r.status().message() << " in " << sql;
  return r.ok() && r->rows() > 0 ? r->GetInt(0, 0) : -1;
}

// One step of a case: the flags each tool gets (the same unless a -L file).
struct Step {
  std::vector<std::string> hyperdump, pg_restore;
  // After this step pg_restore's database holds the large object's
  // definition (an empty object) and hyperdump's none: large objects are
  // data to hyperdump, restored whole with the data section.
  bool lo_definitions_only = false;
  Step(std::vector<std::string> both) : hyperdump(both), pg_restore(std::move(both)) {}
  Step(std::vector<std::string> hd, std::vector<std::string> pg)
      : hyperdump(std::move(hd)), pg_restore(std::move(pg)) {}
};
Step LoDefinitionsOnly(Step step) {
  step.lo_definitions_only = true;
  return step;
}

class SelectiveRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TEST_SERVER();
    char tmpl[] = "/tmp/hd-select-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }

  // The archive of `uri` by hyperdump (archive_) and by pg_dump -Fd (pgdump_).
  void DumpBoth(const std::string& uri, bool with_pg_dump = true) {
    engine::DumpOptions o;
    o.source = uri;
    o.dir = archive_ = tmp_ + "/archive";
    o.jobs = 2;
    o.selection.split_larger_than = 64 << 10;  // ranges too
    o.tool_version = "test";
    Status s = engine::RunDump(o, kNoInterrupt);
    ASSERT_TRUE(s.ok()) << s.message();
    if (!with_pg_dump) return;
    pgdump_ = tmp_ + "/pgdump";
    CommandResult r = Run({PgBin("pg_dump"), "-Fd", "-f", pgdump_, "-d", uri});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  CommandResult Run(const std::vector<std::string>& argv) {
    return testing::RunCommand("", argv, tmp_);
  }
  CommandResult Hyperdump(std::vector<std::string> args) {
    args.insert(args.begin(), HYPERDUMP_BIN);
    return Run(args);
  }

  // Restores step by step into a new database with each tool (after
  // `setup_sql` on both), comparing the two after every step.
  void ExpectSameAsPgRestore(const std::vector<Step>& steps, const std::string& setup_sql = "") {
    ScratchDatabase a("select_hd");
    ScratchDatabase b("select_pg");
    if (!setup_sql.empty()) {
      for (ScratchDatabase* db : {&a, &b}) {
        PgConnection c = db->Connect();
        ASSERT_TRUE(c.Run(setup_sql).ok());
      }
    }
    for (const Step& step : steps) {
      SCOPED_TRACE("step: hyperdump restore " + ::testing::PrintToString(step.hyperdump));
      std::vector<std::string> hd = {"restore", "-d", a.uri(), "-j", "2", "--quiet"};
      hd.insert(hd.end(), step.hyperdump.begin(), step.hyperdump.end());
      hd.push_back(archive_);
      CommandResult r = Hyperdump(hd);
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      std::vector<std::string> pg = {PgBin("pg_restore"), "-d", b.uri(), "--exit-on-error"};
      pg.insert(pg.end(), step.pg_restore.begin(), step.pg_restore.end());
      pg.push_back(pgdump_);
      r = Run(pg);
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      ExpectSameObjectsAndRows(a.uri(), b.uri(), step.lo_definitions_only);
      if (step.lo_definitions_only) {
        const std::string kLos = "SELECT count(*) FROM pg_largeobject_metadata";
        EXPECT_EQ(Count(a.uri(), kLos), 0);
        EXPECT_EQ(Count(b.uri(), kLos), 1);
      }
    }
  }

  // Writes `listing` with every entry line for which `keep` is false
  // commented out; returns the file's path.
  std::string EditList(const std::string& listing, const std::string& name,
                       const std::function<bool(const std::string&)>& keep) {
    std::string path = tmp_ + "/" + name;
    std::ofstream out(path);
    std::istringstream in(listing);
    int kept = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == ';') {
        out << line << "\n";
        continue;
      }
      // "ID; CATALOG OID DESC NAMESPACE TAG OWNER": compare from DESC on.
      size_t pos = line.find("; ");
      for (int field = 0; field < 2 && pos != std::string::npos; ++field) {
        pos = line.find(' ', pos + 2);
      }
      std::string text = pos == std::string::npos ? line : line.substr(pos + 1);
      if (keep(text)) {
        out << line << "\n";
        ++kept;
      } else {
        out << ";" << line << "\n";
      }
    }
    EXPECT_GT(kept, 0);
    return path;
  }

  std::string tmp_, archive_, pgdump_;
};

// The plain demo (no TimescaleDB), with a large object and a privilege.
class PlainSelectiveRestoreTest : public SelectiveRestoreTest {
 protected:
  void SetUp() override {
    SelectiveRestoreTest::SetUp();
    if (IsSkipped()) return;
    source_ = std::make_unique<ScratchDatabase>("select_src");
    PgConnection conn = source_->Connect();
    bench::DemoOptions demo;
    demo.target_bytes = 2ull << 20;
    demo.partitions = 3;
    demo.timescaledb = false;
    auto built = bench::BuildDemo(conn, demo);
    ASSERT_TRUE(built.ok()) << built.status().message();
    ASSERT_TRUE(conn.Run("GRANT SELECT ON demo.orders TO PUBLIC;"
                         "SELECT lo_from_bytea(0, '\\x68656c6c6f'::bytea);"
                         "SELECT setval('demo.invoice_seq', 4242);")
                    .ok());
    ASSERT_NO_FATAL_FAILURE(DumpBoth(source_->uri()));
  }
  std::unique_ptr<ScratchDatabase> source_;
};

// -t: tables, a view, a sequence (definition and value) by exact name, with
// the table's privilege and comment but none of its indexes or defaults;
// pg_restore creates no schema for them. -e is accepted.
TEST_F(PlainSelectiveRestoreTest, TableSelectsWhatPgRestoreSelects) {
  ExpectSameAsPgRestore(
      {Step({"-t", "orders", "-t", "customers", "-t", "order_totals", "--table", "invoice_seq"})},
      "CREATE SCHEMA demo");
  CommandResult r =
      Hyperdump({"restore", "-d", source_->uri(), "-e", "-t", "orders", "--clean", archive_});
  EXPECT_EQ(r.exit_code, 2) << "--clean restores the whole archive only";
  EXPECT_NE(r.err.find("--clean"), std::string::npos) << r.err;
}

// -n / -N: by schema name, exactly; -n creates no schema (pg_restore's
// SCHEMA entries have no namespace).
TEST_F(PlainSelectiveRestoreTest, SchemaAndExcludeSchemaSelectWhatPgRestoreSelects) {
  ExpectSameAsPgRestore({Step({"-n", "demo"})}, "CREATE SCHEMA demo");
  ExpectSameAsPgRestore({Step({"-N", "Ünïcode Schema.x", "--exclude-schema", "public"})});
  ExpectSameAsPgRestore({Step({"-n", "demo", "-N", "demo"})}, "CREATE SCHEMA demo");
}

// --section, one at a time, then with post-data before data: the data then
// goes into tables that have their keys and foreign keys already (appended
// in foreign-key order, never truncated). pg_restore --section=pre-data
// creates the large object (empty), hyperdump only with the data.
TEST_F(PlainSelectiveRestoreTest, SectionsOneAtATimeRestoreWhatPgRestoreRestores) {
  ExpectSameAsPgRestore({LoDefinitionsOnly(Step({"--section", "pre-data"})),
                         Step({"--section=data"}), Step({"--section", "post-data"})});
  // pg_restore loads in archive order, where demo.customers comes before the
  // demo.regions it references: it needs --disable-triggers (a superuser).
  ExpectSameAsPgRestore(
      {LoDefinitionsOnly(Step({"--section", "pre-data", "--section", "post-data"})),
       Step({"--section", "data"}, {"--section", "data", "--disable-triggers"})});
}

// -s, then -a into the schema it made (pg_restore -a needs --disable-triggers
// there: it loads in archive order, against the foreign keys -s made); and
// -a into a schema pg_restore made.
TEST_F(PlainSelectiveRestoreTest, SchemaOnlyThenDataOnlyRestoreWhatPgRestoreRestores) {
  ExpectSameAsPgRestore({Step({"--schema-only"}), Step({"-a"}, {"-a", "--disable-triggers"})});

  ScratchDatabase mixed("select_mixed");
  CommandResult r = Run({PgBin("pg_restore"), "-d", mixed.uri(), "-s", "--exit-on-error", pgdump_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Hyperdump({"restore", "-d", mixed.uri(), "--data-only", "-j", "3", archive_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto report = engine::CompareDatabases(source_->uri(), mixed.uri());
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->ok()) << ::testing::PrintToString(report->different)
                            << ::testing::PrintToString(report->missing);
  EXPECT_EQ(report->large_objects, 1);

  r = Hyperdump({"restore", "-d", mixed.uri(), "-s", "-a", archive_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot be used together"), std::string::npos) << r.err;
}

// --data-only keeps a ledger like any restore: killed half way (kill -9),
// it is refused without --resume and with another selection, and the same
// command with --resume finishes it without loading a row twice.
TEST_F(PlainSelectiveRestoreTest, DataOnlyResumesAfterACrashWithoutLoadingARowTwice) {
  ScratchDatabase t("select_resume");
  CommandResult r = Hyperdump({"restore", "-d", t.uri(), "-s", archive_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = testing::RunCommand(
      "HYPERDUMP_TEST_CRASH_AFTER_JOBS=6",
      {HYPERDUMP_FAULT_BIN, "restore", "-d", t.uri(), "-a", "-j", "2", archive_}, tmp_);
  ASSERT_EQ(r.exit_code, 137) << r.out << r.err;
  r = Hyperdump({"restore", "-d", t.uri(), "-a", archive_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;
  r = Hyperdump({"restore", "-d", t.uri(), "-a", "-n", "demo", "--resume", archive_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("selection(-n demo -a)"), std::string::npos) << r.err;
  r = Hyperdump({"restore", "-d", t.uri(), "-a", "-j", "2", "--resume", archive_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("already done before"), std::string::npos) << r.out;
  auto report = engine::CompareDatabases(source_->uri(), t.uri());
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->ok()) << ::testing::PrintToString(report->different)
                            << ::testing::PrintToString(report->missing);
}

// -I: one index, into tables made by --section=pre-data.
TEST_F(PlainSelectiveRestoreTest, IndexSelectsWhatPgRestoreSelects) {
  ExpectSameAsPgRestore(
      {LoDefinitionsOnly(Step({"--section", "pre-data"})),
       LoDefinitionsOnly(Step({"-I", "orders_created_at_idx", "--index", "customers_pkey"}))});
}

// -L: the same lines kept from each tool's listing (hyperdump list --toc,
// pg_restore -l): three tables with their data, keys, default and sequence.
TEST_F(PlainSelectiveRestoreTest, UseListRestoresTheListedItemsAsPgRestore) {
  CommandResult hd_list = Hyperdump({"list", "--toc", archive_});
  ASSERT_EQ(hd_list.exit_code, 0) << hd_list.err;
  CommandResult pg_list = Run({PgBin("pg_restore"), "-l", pgdump_});
  ASSERT_EQ(pg_list.exit_code, 0) << pg_list.err;
  // Every entry of pg_restore's listing is in hyperdump's, by its text.
  auto texts = [](const std::string& listing) {
    std::set<std::string> out;
    std::istringstream in(listing);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == ';') continue;
      size_t pos = line.find("; ");
      pos = line.find(' ', line.find(' ', pos + 2) + 1);
      out.insert(line.substr(pos + 1));
    }
    return out;
  };
  std::set<std::string> pg_texts = texts(pg_list.out), hd_texts = texts(hd_list.out);
  // Large objects are one BLOBS data entry in hyperdump's listing: no
  // pre-data BLOB entries (their definitions come with their data).
  std::erase_if(pg_texts, [](const std::string& t) { return t.rfind("BLOB ", 0) == 0; });
  std::vector<std::string> missing;
  std::set_difference(pg_texts.begin(), pg_texts.end(), hd_texts.begin(), hd_texts.end(),
                      std::back_inserter(missing));
  EXPECT_TRUE(missing.empty()) << ::testing::PrintToString(missing);

  auto keep = [](const std::string& text) {
    for (const char* prefix : {"SCHEMA - demo ",
                               "COMMENT - SCHEMA demo ",
                               "TABLE demo orders ",
                               "TABLE demo customers ",
                               "TABLE demo regions ",
                               "TABLE DATA demo orders ",
                               "TABLE DATA demo customers ",
                               "TABLE DATA demo regions ",
                               "CONSTRAINT demo orders ",
                               "CONSTRAINT demo customers ",
                               "CONSTRAINT demo regions ",
                               "FK CONSTRAINT demo orders ",
                               "FK CONSTRAINT demo customers ",
                               "SEQUENCE demo orders_id_seq ",
                               "SEQUENCE OWNED BY demo orders_id_seq ",
                               "DEFAULT demo orders ",
                               "SEQUENCE SET demo orders_id_seq ",
                               "ACL demo TABLE orders ",
                               "BLOB ",
                               "BLOBS "}) {
      if (text.rfind(prefix, 0) == 0) return true;
    }
    return false;
  };
  std::string hd = EditList(hd_list.out, "hd.list", keep);
  std::string pg = EditList(pg_list.out, "pg.list", keep);
  ExpectSameAsPgRestore({Step({"-L", hd}, {"-L", pg})});
  // Combined with another flag, as pg_restore does: both must select.
  ExpectSameAsPgRestore({LoDefinitionsOnly(Step({"--use-list", hd, "--section", "pre-data"},
                                                {"--use-list", pg, "--section", "pre-data"}))});
}

// --strict-names: a -t that matches nothing fails before anything is written,
// as pg_restore fails.
TEST_F(PlainSelectiveRestoreTest, StrictNamesFailsLikePgRestore) {
  ScratchDatabase a("select_strict");
  CommandResult r =
      Hyperdump({"restore", "-d", a.uri(), "--strict-names", "-t", "nosuch", archive_});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("table \"nosuch\" not found"), std::string::npos) << r.err;
  r = Run({PgBin("pg_restore"), "-d", a.uri(), "--strict-names", "-t", "nosuch", pgdump_});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("table \"nosuch\" not found"), std::string::npos) << r.err;
  EXPECT_EQ(Count(a.uri(), "SELECT count(*) FROM pg_class WHERE relname = 'orders'"), 0);
  // Without it, nothing matched is nothing restored.
  r = Hyperdump({"restore", "-d", a.uri(), "-t", "nosuch", archive_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("matches nothing"), std::string::npos) << r.err;
}

// A schema item that fails is named, and its transaction is rolled back
// whole: the items of a pass go to the server a hundred at a time as one
// query string, and the failing one is found by running them again one by
// one. Here the second of two tables already exists in the target.
TEST_F(PlainSelectiveRestoreTest, FailingSchemaItemIsNamedAndItsBatchLeavesNothing) {
  ScratchDatabase a("select_fail");
  PgConnection conn = a.Connect();
  ASSERT_TRUE(conn.Run("CREATE SCHEMA demo; CREATE TABLE demo.orders (x int)").ok());
  CommandResult r =
      Hyperdump({"restore", "-d", a.uri(), "-t", "customers", "-t", "orders", archive_});
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("restoring pre-data item"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" TABLE demo orders "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("relation \"orders\" already exists"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("TABLE demo customers"), std::string::npos) << r.err;
  // customers, created before orders in the same transaction, is gone with it.
  EXPECT_EQ(Count(a.uri(), "SELECT count(*) FROM pg_class WHERE relname = 'customers'"), 0);
  EXPECT_EQ(Count(a.uri(),
                  "SELECT count(*) FROM pg_attribute WHERE attrelid = "
                  "'demo.orders'::regclass AND attnum > 0"),
            1);
}

// --- TimescaleDB ---------------------------------------------------------

// The jobs and their schedules, as a user sees them.
constexpr const char* kJobs =
    "SELECT count(*) FROM timescaledb_information.jobs WHERE job_id >= 1000 AND scheduled";

void ExpectWorkingLike(const std::string& source, const std::string& target) {
  auto report = engine::CompareDatabases(source, target);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->ok()) << ::testing::PrintToString(report->different)
                            << ::testing::PrintToString(report->missing)
                            << ::testing::PrintToString(report->extra);
  EXPECT_GT(report->equal.size(), 10u);
  // Out of restore mode; the jobs as on the source; a new row gets a new chunk.
  EXPECT_EQ(Count(target,
                  "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d "
                  "ON d.oid = s.setdatabase WHERE d.datname = current_database() "
                  "AND array_to_string(s.setconfig, ',') LIKE '%timescaledb.restoring%'"),
            0);
  EXPECT_EQ(Count(target, kJobs), Count(source, kJobs));
  const std::string chunks = "SELECT count(*) FROM _timescaledb_catalog.chunk";
  int64_t before = Count(target, chunks);
  auto conn = PgConnection::Connect(target);
  ASSERT_TRUE(conn.ok());
  Status s = conn->Run(
      "INSERT INTO demo.metrics (\"time\", device_id, cpu, mem, label) VALUES "
      "('2031-01-01 00:00+00', 1, 1, 1, 'after restore')");
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Count(target, chunks), before + 1);
  EXPECT_EQ(Count(target, "SELECT count(*) FROM ONLY demo.metrics"), 0);
}

// -s then -a, and one section at a time, on the TimescaleDB demo (compressed
// chunks, a continuous aggregate, policies): each ends equal to the source,
// with TimescaleDB working. -n on part of it is refused: its catalog would
// name hypertables the restore does not create.
TEST_F(SelectiveRestoreTest, TimescaleDbSchemaOnlyThenDataOnlyAndSectionsEqualTheSource) {
  HD_REQUIRE_TIMESCALEDB();
  ScratchDatabase src("select_ts_src");
  {
    PgConnection conn = src.Connect();
    bench::DemoOptions demo;
    demo.target_bytes = 3ull << 20;
    demo.partitions = 4;
    auto built = bench::BuildDemo(conn, demo);
    ASSERT_TRUE(built.ok()) << built.status().message();
    ASSERT_EQ(built->timescaledb, "real");
  }
  ASSERT_NO_FATAL_FAILURE(DumpBoth(src.uri(), /*with_pg_dump=*/false));

  ScratchDatabase split("select_ts_split");
  CommandResult r = Hyperdump({"restore", "-d", split.uri(), "-s", archive_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Count(split.uri(), "SELECT count(*) FROM demo.orders"), 0);
  r = Hyperdump({"restore", "-d", split.uri(), "-a", "-j", "2", archive_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectWorkingLike(src.uri(), split.uri());

  ScratchDatabase sections("select_ts_sections");
  for (const char* section : {"pre-data", "data", "post-data"}) {
    r = Hyperdump({"restore", "-d", sections.uri(), "--section", section, "-j", "2", archive_});
    ASSERT_EQ(r.exit_code, 0) << section << ": " << r.out << r.err;
  }
  ExpectWorkingLike(src.uri(), sections.uri());

  ScratchDatabase part("select_ts_part");
  r = Hyperdump({"restore", "-d", part.uri(), "-n", "demo", archive_});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("_materialized_hypertable_"), std::string::npos) << r.err;
  EXPECT_EQ(Count(part.uri(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'demo'"), 0);
}

// A hypertable selected by -t (or its TABLE DATA line in -L) brings its
// chunks, compressed ones included, and the catalog: its rows, a working
// hypertable. pg_restore -t of the same table restores an empty plain table
// (the rows are in the chunks, which it leaves behind).
TEST_F(SelectiveRestoreTest, HypertableSelectedByTableOrListBringsItsChunks) {
  HD_REQUIRE_TIMESCALEDB();
  ScratchDatabase src("select_ht_src");
  {
    PgConnection conn = src.Connect();
    ASSERT_TRUE(conn.Run(R"SQL(
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS timescaledb;
CREATE TABLE public.metrics (t timestamptz NOT NULL, device int NOT NULL, v double precision);
SELECT create_hypertable('public.metrics', 't', chunk_time_interval => INTERVAL '1 day');
INSERT INTO public.metrics
  SELECT timestamptz '2024-01-01 00:00+00' + i * INTERVAL '30 minutes', d, i * 0.5 + d
    FROM generate_series(0, 4 * 48 - 1) i, generate_series(1, 3) d;
ALTER TABLE public.metrics SET (timescaledb.compress, timescaledb.compress_segmentby = 'device');
SELECT compress_chunk(c)
  FROM show_chunks('public.metrics', older_than => timestamptz '2024-01-03 00:00+00') c;
CREATE TABLE public.other (x int PRIMARY KEY);
INSERT INTO public.other SELECT generate_series(1, 10);
)SQL")
                    .ok());
  }
  ASSERT_NO_FATAL_FAILURE(DumpBoth(src.uri()));
  const std::string kRows = "SELECT count(*) FROM public.metrics";
  const std::string kSum = "SELECT sum(v * device)::bigint FROM public.metrics";
  const std::string kChunks =
      "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'metrics'";
  const std::string kCompressed = kChunks + " AND is_compressed";
  ASSERT_EQ(Count(src.uri(), kRows), 4 * 48 * 3);
  ASSERT_EQ(Count(src.uri(), kCompressed), 2);

  ScratchDatabase by_table("select_ht_t");
  CommandResult r = Hyperdump({"restore", "-d", by_table.uri(), "-t", "metrics", archive_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const std::string& sql : {kRows, kSum, kChunks, kCompressed}) {
    EXPECT_EQ(Count(by_table.uri(), sql), Count(src.uri(), sql)) << sql;
  }
  EXPECT_EQ(Count(by_table.uri(), "SELECT count(*) FROM pg_class WHERE relname = 'other'"), 0);
  auto conn = PgConnection::Connect(by_table.uri());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->Run("INSERT INTO public.metrics VALUES ('2030-01-01', 1, 1)").ok());
  EXPECT_EQ(Count(by_table.uri(), kChunks), Count(src.uri(), kChunks) + 1);

  ScratchDatabase pg("select_ht_pg");
  r = Run({PgBin("pg_restore"), "-d", pg.uri(), "-t", "metrics", "--exit-on-error", pgdump_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count(pg.uri(), kRows), 0) << "pg_restore -t leaves the chunks behind";

  // -L: schema first, then only the hypertable's TABLE DATA line.
  ScratchDatabase by_list("select_ht_l");
  r = Hyperdump({"restore", "-d", by_list.uri(), "--schema-only", archive_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  CommandResult listing = Hyperdump({"list", "--toc", archive_});
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  std::string list = EditList(listing.out, "metrics.list", [](const std::string& text) {
    return text.rfind("TABLE DATA public metrics ", 0) == 0;
  });
  r = Hyperdump({"restore", "-d", by_list.uri(), "-L", list, archive_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const std::string& sql : {kRows, kSum, kChunks, kCompressed}) {
    EXPECT_EQ(Count(by_list.uri(), sql), Count(src.uri(), sql)) << sql;
  }
  EXPECT_EQ(Count(by_list.uri(), "SELECT count(*) FROM public.other"), 0);
}

}  // namespace
}  // namespace hyperdump
