// Integration tests for discovery (engine/plan/discovery.h) on plain PostgreSQL:
// every table exactly once, with sizes, and nothing else; filters equal to
// pg_dump's own selection; split ranges that cover every row exactly once.
#include "engine/plan/discovery.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "engine/dump/dry_run.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

using engine::DiscoveryOptions;
using engine::DumpPlan;
using engine::TableKind;
using testing::ScratchDatabase;

class DiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TEST_SERVER();
    db_ = std::make_unique<ScratchDatabase>("discovery");
    conn_ = db_->Connect();
    ASSERT_TRUE(conn_.ok());
  }

  void Sql(const std::string& sql) {
    Status st = conn_.Run(sql);
    ASSERT_TRUE(st.ok()) << sql << ": " << st.message();
  }

  // Discovers in a fresh REPEATABLE READ READ ONLY transaction, as a dump does.
  Result<DumpPlan> Discover(const DiscoveryOptions& opts = {}) {
    engine::PgConnection c = db_->Connect();
    HD_RETURN_IF_ERROR(c.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    Result<DumpPlan> plan = engine::Discover(c, opts);
    c.Run("ROLLBACK").IgnoreError();
    return plan;
  }

  // "kind schema.name" for every table of the plan, sorted.
  static std::vector<std::string> Listed(const DumpPlan& plan) {
    std::vector<std::string> out;
    for (const auto& t : plan.tables) {
      out.push_back(std::string(engine::TableKindName(t.kind)) + " " + t.schema + "." + t.name);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  const engine::TableInfo* Find(const DumpPlan& plan, const std::string& schema,
                                const std::string& name) {
    for (const auto& t : plan.tables) {
      if (t.schema == schema && t.name == name) return &t;
    }
    return nullptr;
  }

  std::unique_ptr<ScratchDatabase> db_;
  engine::PgConnection conn_;
};

TEST_F(DiscoveryTest, ListsPlainAndEmptyTablesOnceWithSizes) {
  Sql("CREATE TABLE big (id int, pad text);"
      "INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g;"
      "CREATE TABLE empty (id int);"
      "CREATE VIEW v AS SELECT * FROM big;"
      "CREATE MATERIALIZED VIEW mv AS SELECT * FROM big;");
  Sql("VACUUM ANALYZE big");  // VACUUM runs alone: not in a multi-statement string
  Sql("VACUUM ANALYZE empty");
  auto plan = Discover();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(Listed(*plan), (std::vector<std::string>{"table public.big", "table public.empty"}));
  const auto* big = Find(*plan, "public", "big");
  ASSERT_NE(big, nullptr);
  EXPECT_GT(big->bytes, 5000 * 200);
  EXPECT_GT(big->pages, 100);
  EXPECT_EQ(big->rows_estimate, 5000);
  EXPECT_NE(big->relfilenode, 0u);
  EXPECT_EQ(Find(*plan, "public", "empty")->bytes, 0);
  ASSERT_EQ(plan->jobs.size(), 2u);
  EXPECT_EQ(plan->tables[plan->jobs[0].table_index].name, "big");  // largest first
  EXPECT_EQ(plan->server.database, db_->name());
  EXPECT_GE(plan->server.server_version_num, 150000);
  EXPECT_TRUE(plan->server.timescaledb_version.empty());
}

TEST_F(DiscoveryTest, ExactSizesReadStorageEvenBeforeAnalyze) {
  Sql("CREATE TABLE fresh AS SELECT g AS id, repeat('y', 100) AS pad"
      " FROM generate_series(1, 2000) g");
  DiscoveryOptions exact;
  exact.exact_sizes = true;
  auto plan = Discover(exact);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  auto r = conn_.Exec("SELECT pg_table_size('fresh'), pg_relation_size('fresh') / 8192");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Find(*plan, "public", "fresh")->bytes, r->GetInt(0, 0));
  EXPECT_EQ(Find(*plan, "public", "fresh")->pages, r->GetInt(0, 1));
}

TEST_F(DiscoveryTest, LeafPartitionsAtAnyDepthCarryTheData) {
  Sql("CREATE TABLE m (k int, region text) PARTITION BY RANGE (k);"
      "CREATE TABLE m_low PARTITION OF m FOR VALUES FROM (0) TO (100);"
      "CREATE TABLE m_high PARTITION OF m FOR VALUES FROM (100) TO (200)"
      "  PARTITION BY LIST (region);"
      "CREATE TABLE m_high_eu PARTITION OF m_high FOR VALUES IN ('eu');"
      "CREATE TABLE m_high_rest PARTITION OF m_high DEFAULT;"
      "CREATE TABLE m_default PARTITION OF m DEFAULT;"
      "INSERT INTO m VALUES (1, 'eu'), (150, 'eu'), (150, 'us'), (500, 'x');");
  auto plan = Discover();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(Listed(*plan),
            (std::vector<std::string>{"partition public.m_default", "partition public.m_high_eu",
                                      "partition public.m_high_rest", "partition public.m_low"}));
  EXPECT_EQ(Find(*plan, "public", "m_high_eu")->parent, "public.m_high");
  EXPECT_EQ(Find(*plan, "public", "m_low")->parent, "public.m");
}

TEST_F(DiscoveryTest, InheritanceParentAndChildrenAreSeparateJobs) {
  Sql("CREATE TABLE animal (name text);"
      "CREATE TABLE dog (barks bool) INHERITS (animal);"
      "CREATE TABLE puppy () INHERITS (dog);"
      "INSERT INTO animal VALUES ('generic'); INSERT INTO dog VALUES ('rex', true);");
  auto plan = Discover();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(Listed(*plan),
            (std::vector<std::string>{"inheritance_child public.dog",
                                      "inheritance_child public.puppy", "table public.animal"}));
  EXPECT_EQ(Find(*plan, "public", "puppy")->parent, "public.dog");
}

TEST_F(DiscoveryTest, AwkwardIdentifiersAreListedVerbatim) {
  Sql("CREATE SCHEMA \"My Schema\";"
      "CREATE TABLE \"My Schema\".\"we\"\"ird\" (a int);"
      "CREATE TABLE \"My Schema\".\"with space\" (a int);"
      "CREATE TABLE public.\"dot.ted\" (a int);"
      "CREATE TABLE public.\"Upper\" (a int);"
      "CREATE TABLE public.\"données\" (a int);"
      "CREATE TABLE public.\"select\" (a int);"
      "CREATE TABLE public.upper (a int);");
  auto plan = Discover();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(Listed(*plan), (std::vector<std::string>{
                               "table My Schema.we\"ird", "table My Schema.with space",
                               "table public.Upper", "table public.données", "table public.dot.ted",
                               "table public.select", "table public.upper"}));
  // Quoted patterns keep case and dots; unquoted ones fold.
  DiscoveryOptions quoted;
  quoted.include_tables = {"\"My Schema\".\"we\"\"ird\"", "\"Upper\"", "\"dot.ted\""};
  auto q = Discover(quoted);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(Listed(*q), (std::vector<std::string>{"table My Schema.we\"ird", "table public.Upper",
                                                  "table public.dot.ted"}));
  DiscoveryOptions folded;
  folded.include_tables = {"UPPER", "données", "select"};
  auto f = Discover(folded);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(Listed(*f), (std::vector<std::string>{"table public.données", "table public.select",
                                                  "table public.upper"}));
}

TEST_F(DiscoveryTest, SequencesWithTheirValuesInTheSnapshot) {
  Sql("CREATE TABLE t (id serial, n int GENERATED ALWAYS AS IDENTITY, v text);"
      "INSERT INTO t (v) VALUES ('a'), ('b'), ('c');"
      "CREATE SEQUENCE \"Free Seq\"; SELECT setval('\"Free Seq\"', 42, false);");
  auto plan = Discover();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  std::map<std::string, engine::SequenceInfo> seqs;
  for (const auto& s : plan->sequences) seqs[s.schema + "." + s.name] = s;
  ASSERT_EQ(seqs.size(), 3u);
  EXPECT_EQ(seqs["public.t_id_seq"].last_value, 3);
  EXPECT_TRUE(seqs["public.t_id_seq"].is_called);
  EXPECT_EQ(seqs["public.t_id_seq"].owned_by, "public.t.id");
  EXPECT_EQ(seqs["public.t_n_seq"].last_value, 3);
  EXPECT_EQ(seqs["public.t_n_seq"].owned_by, "public.t.n");
  EXPECT_EQ(seqs["public.Free Seq"].last_value, 42);
  EXPECT_FALSE(seqs["public.Free Seq"].is_called);
  EXPECT_EQ(seqs["public.Free Seq"].owned_by, "");
}

TEST_F(DiscoveryTest, LargeObjectsAreCountedEvenWhenFiltered) {
  Sql("CREATE TABLE t (a int);"
      "SELECT lo_create(0); SELECT lo_create(0); SELECT lo_from_bytea(0, 'abc');");
  auto plan = Discover();
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->large_objects, 3);
  DiscoveryOptions only_t;
  only_t.include_tables = {"t"};
  auto filtered = Discover(only_t);
  ASSERT_TRUE(filtered.ok()) << filtered.status().message();
  EXPECT_EQ(filtered->large_objects, 3);
}

TEST_F(DiscoveryTest, SplitRangesCoverEveryRowExactlyOnce) {
  Sql("CREATE TABLE big (id int, pad text);"
      "INSERT INTO big SELECT g, repeat('z', 300) FROM generate_series(1, 20000) g;");
  Sql("VACUUM ANALYZE big");
  Sql(  // Rows stored after the statistics: beyond relpages, the last range's job.
      "INSERT INTO big SELECT g, repeat('z', 300) FROM generate_series(20001, 23000) g;"
      // Holes: deleted rows are not counted anywhere.
      "DELETE FROM big WHERE id % 7 = 0;");
  DiscoveryOptions opts;
  opts.split_larger_than = 1 << 20;  // 1 MiB
  auto plan = Discover(opts);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_EQ(plan->tables.size(), 1u);
  const auto& t = plan->tables[0];
  ASSERT_GT(t.bytes, 5 << 20);
  std::vector<engine::CtidRange> ranges;
  for (const auto& j : plan->jobs) {
    ASSERT_TRUE(j.range.has_value()) << j.id;
    EXPECT_GT(j.estimated_bytes, 0);
    ranges.push_back(*j.range);
  }
  ASSERT_EQ(ranges.size(), static_cast<size_t>((t.bytes + (1 << 20) - 1) / (1 << 20)));
  std::sort(ranges.begin(), ranges.end(),
            [](const auto& a, const auto& b) { return a.start_block < b.start_block; });
  EXPECT_EQ(ranges.front().start_block, 0);
  EXPECT_EQ(ranges.back().end_block, 0);
  int64_t sum = 0;
  for (const auto& r : ranges) {
    std::string where = "ctid >= '(" + std::to_string(r.start_block) + ",0)'::tid";
    if (r.end_block != 0) where += " AND ctid < '(" + std::to_string(r.end_block) + ",0)'::tid";
    auto c = conn_.Exec("SELECT count(*) FROM big WHERE " + where);
    ASSERT_TRUE(c.ok()) << c.status().message();
    sum += c->GetInt(0, 0);
  }
  auto total = conn_.Exec("SELECT count(*) FROM big");
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(sum, total->GetInt(0, 0));
  EXPECT_EQ(sum, 23000 - 23000 / 7);
}

TEST_F(DiscoveryTest, DryRunPrintsJobsAndJson) {
  Sql("CREATE TABLE \"Odd Name\" (a int); INSERT INTO \"Odd Name\" VALUES (1);");
  std::ostringstream text;
  Status st = engine::PrintDryRun(db_->uri(), {}, /*json=*/false, text);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_NE(text.str().find("public.Odd Name"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("t000000"), std::string::npos) << text.str();
  std::ostringstream json;
  st = engine::PrintDryRun(db_->uri(), {}, /*json=*/true, json);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_NE(json.str().find("\"name\":\"Odd Name\""), std::string::npos) << json.str();
  std::ostringstream bad;
  DiscoveryOptions none;
  none.include_tables = {"no_such_table"};
  st = engine::PrintDryRun(db_->uri(), none, false, bad);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("no matching tables were found for -t no_such_table"),
            std::string::npos)
      << st.message();
  EXPECT_TRUE(bad.str().empty());
}

// --- Filters compared with pg_dump's own selection ---------------------------

using testing::ShellQuote;

// The qualified names of "CREATE TABLE" / "CREATE SEQUENCE" statements in
// `pg_dump --schema-only` with `flags`; nullopt when pg_dump fails.
std::optional<std::set<std::string>> PgDumpSelects(const std::string& uri,
                                                   const std::vector<std::string>& flags,
                                                   const std::string& what) {
  const char* bindir = std::getenv("PG_BINDIR");
  std::string cmd = std::string(bindir ? bindir : "/usr/lib/postgresql/15/bin") +
                    "/pg_dump --schema-only -d " + ShellQuote(uri);
  for (const auto& f : flags) cmd += " " + ShellQuote(f);
  cmd += " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::set<std::string> out;
  std::string prefix = "CREATE " + what + " ";
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) {
    std::string line(buf);
    // Identity sequences appear as "... AS IDENTITY (SEQUENCE NAME s.n".
    size_t at = what == "SEQUENCE" ? line.find("SEQUENCE NAME ") : std::string::npos;
    if (at != std::string::npos) {
      line = line.substr(at + 14);
    } else if (line.rfind(prefix, 0) == 0) {
      line = line.substr(prefix.size());
    } else {
      continue;
    }
    std::string name = line;
    name = name.substr(0, name.find_first_of(" \n"));  // test names hold no spaces
    out.insert(name);
  }
  if (pclose(p) != 0) return std::nullopt;
  return out;
}

class DiscoveryFilterTest : public DiscoveryTest {
 protected:
  void SetUp() override {
    DiscoveryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    Sql("CREATE SCHEMA s1; CREATE SCHEMA s2; CREATE SCHEMA \"S3\";"
        "CREATE TABLE public.a (id serial); CREATE TABLE public.b (x int);"
        "CREATE TABLE s1.a (id int GENERATED BY DEFAULT AS IDENTITY);"
        "CREATE TABLE s1.\"Mixed\" (x int); CREATE TABLE s1.ab (x int);"
        "CREATE TABLE s2.c (id bigserial); CREATE SEQUENCE s2.free;"
        "CREATE TABLE \"S3\".d (x int); CREATE TABLE \"S3\".a (x int);");
  }

  // Quoted the way pg_dump prints names (fmtId ~ quote_ident).
  std::set<std::string> Quoted(const std::vector<std::pair<std::string, std::string>>& names) {
    std::set<std::string> out;
    for (const auto& [schema, name] : names) {
      auto r = conn_.ExecParams("SELECT quote_ident($1) || '.' || quote_ident($2)", {schema, name});
      EXPECT_TRUE(r.ok());
      if (r.ok()) out.insert(r->GetString(0, 0));
    }
    return out;
  }

  void ExpectSameAsPgDump(const DiscoveryOptions& opts) {
    std::vector<std::string> flags;
    for (const auto& p : opts.include_schemas) flags.push_back("--schema=" + p);
    for (const auto& p : opts.exclude_schemas) flags.push_back("--exclude-schema=" + p);
    for (const auto& p : opts.include_tables) flags.push_back("--table=" + p);
    for (const auto& p : opts.exclude_tables) flags.push_back("--exclude-table=" + p);
    std::string desc;
    for (const auto& f : flags) desc += f + " ";
    auto tables = PgDumpSelects(db_->uri(), flags, "TABLE");
    auto sequences = PgDumpSelects(db_->uri(), flags, "SEQUENCE");
    auto plan = Discover(opts);
    if (!tables) {  // pg_dump refused (e.g. nothing matched): so must we
      EXPECT_FALSE(plan.ok()) << desc;
      return;
    }
    ASSERT_TRUE(plan.ok()) << desc << plan.status().message();
    std::vector<std::pair<std::string, std::string>> ours, our_seqs;
    for (const auto& t : plan->tables) ours.emplace_back(t.schema, t.name);
    for (const auto& s : plan->sequences) our_seqs.emplace_back(s.schema, s.name);
    EXPECT_EQ(Quoted(ours), *tables) << desc;
    EXPECT_EQ(Quoted(our_seqs), *sequences) << desc;
  }
};

TEST_F(DiscoveryFilterTest, SelectsWhatPgDumpSelects) {
  auto opts = [](std::vector<std::string> n, std::vector<std::string> N, std::vector<std::string> t,
                 std::vector<std::string> T) {
    DiscoveryOptions o;
    o.include_schemas = std::move(n);
    o.exclude_schemas = std::move(N);
    o.include_tables = std::move(t);
    o.exclude_tables = std::move(T);
    return o;
  };
  ExpectSameAsPgDump(opts({}, {}, {}, {}));
  ExpectSameAsPgDump(opts({}, {}, {"a"}, {}));  // unqualified: visible ones only
  ExpectSameAsPgDump(opts({}, {}, {"*.a"}, {}));
  ExpectSameAsPgDump(opts({}, {}, {"s1.*"}, {"s1.a"}));
  ExpectSameAsPgDump(opts({}, {}, {"s1.mixed"}, {}));  // folds: matches nothing
  ExpectSameAsPgDump(opts({}, {}, {"s1.\"Mixed\"", "\"S3\".?"}, {}));
  ExpectSameAsPgDump(opts({}, {}, {"S3.d"}, {}));  // folds to s3: no such schema
  ExpectSameAsPgDump(opts({"s1"}, {}, {}, {}));
  ExpectSameAsPgDump(opts({"s*"}, {"s2"}, {}, {"s1.a*"}));
  ExpectSameAsPgDump(opts({}, {"s1", "\"S3\""}, {}, {}));
  ExpectSameAsPgDump(opts({}, {}, {}, {"*.a", "b"}));
  ExpectSameAsPgDump(opts({"s1"}, {}, {"s2.c"}, {}));  // -t wins over -n
  ExpectSameAsPgDump(opts({}, {"s2"}, {"s2.*"}, {}));  // -N has no effect with -t
  ExpectSameAsPgDump(opts({"nope*"}, {}, {}, {}));
  ExpectSameAsPgDump(opts({}, {}, {"s2.free"}, {}));  // a sequence on its own
}

}  // namespace
}  // namespace hyperdump
