// Unit tests of the selection rules (engine/restore/restore_selection.h) on
// hand-made archives: no server, no pg_restore (the schema's verdict is
// given, as `pg_restore -l` with the flags would list it).
#include "engine/restore/restore_selection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace hyperdump::engine {
namespace {

RestoreTable Table(const std::string& schema, const std::string& name, const char* kind = "table",
                   const std::string& parent = "", const std::string& hypertable = "",
                   const std::string& extension = "") {
  RestoreTable t;
  t.schema = schema;
  t.name = name;
  t.kind = kind;
  t.parent = parent;
  t.hypertable = hypertable;
  t.extension = extension;
  return t;
}

SchemaItem Item(int id, const std::string& desc, const std::string& toc_line,
                ItemPass pass = ItemPass::kPreData, const std::string& on = "",
                const std::string& ref = "") {
  SchemaItem item;
  item.dump_id = id;
  item.SetToc(desc, toc_line);
  item.pass = pass;
  item.table = on;
  item.ref = ref;
  return item;
}

// A TimescaleDB archive: demo.metrics with two chunks (one compressed),
// plain tables with a foreign key, a partitioned table, the catalog.
struct Archive {
  RestoreInput input;
  SchemaScript schema;
  std::vector<TocLine> toc;
  format::FileEntry lo_file;

  Archive() {
    input.timescaledb_version = "2.28.3";
    input.timescaledb_job_stats = "[{}]";
    input.tables = {
        Table("_timescaledb_catalog", "hypertable", "extension_config", "", "", "timescaledb"),
        Table("_timescaledb_catalog", "chunk", "extension_config", "", "", "timescaledb"),
        Table("_timescaledb_internal", "_hyper_1_1_chunk", "chunk", "demo.metrics", "demo.metrics"),
        Table("_timescaledb_internal", "_hyper_1_2_chunk", "chunk", "demo.metrics", "demo.metrics"),
        Table("_timescaledb_internal", "compress_hyper_2_3_chunk", "compressed_chunk",
              "_timescaledb_internal._compressed_hypertable_2", "demo.metrics"),
        Table("demo", "devices"),
        Table("demo", "orders"),
        Table("demo", "readings_p1", "partition", "demo.readings"),
    };
    SequenceInfo chunk_seq;
    chunk_seq.schema = "_timescaledb_catalog";
    chunk_seq.name = "chunk_id_seq";
    chunk_seq.owned_by = "_timescaledb_catalog.chunk.id";
    SequenceInfo order_seq;
    order_seq.schema = "demo";
    order_seq.name = "orders_id_seq";
    order_seq.owned_by = "demo.orders.id";
    input.sequences = {chunk_seq, order_seq};
    lo_file.name = "large_objects/0000.lo.zst";
    input.large_object_files = {&lo_file};
    schema.items = {
        Item(2, "EXTENSION", "- timescaledb "),
        Item(10, "TABLE", "demo metrics postgres"),
        Item(11, "TABLE", "_timescaledb_internal _hyper_1_1_chunk postgres"),
        Item(12, "TABLE", "_timescaledb_internal _hyper_1_2_chunk postgres"),
        Item(13, "TABLE", "_timescaledb_internal _compressed_hypertable_2 postgres"),
        Item(14, "TABLE", "_timescaledb_internal compress_hyper_2_3_chunk postgres"),
        Item(20, "TABLE", "demo devices postgres"),
        Item(21, "TABLE", "demo orders postgres"),
        Item(22, "TABLE", "demo readings postgres"),
        Item(23, "TABLE", "demo readings_p1 postgres"),
        Item(24, "SEQUENCE", "demo orders_id_seq postgres"),
        Item(30, "INDEX", "demo metrics_time_idx postgres", ItemPass::kTable, "demo.metrics"),
        Item(31, "INDEX", "_timescaledb_internal _hyper_1_1_chunk_metrics_time_idx postgres",
             ItemPass::kTable, "_timescaledb_internal._hyper_1_1_chunk"),
        Item(32, "INDEX", "_timescaledb_internal _hyper_1_2_chunk_metrics_time_idx postgres",
             ItemPass::kTable, "_timescaledb_internal._hyper_1_2_chunk"),
        Item(33, "CONSTRAINT", "demo devices devices_pkey postgres", ItemPass::kTable,
             "demo.devices"),
        Item(40, "FK CONSTRAINT", "demo orders orders_device_fkey postgres", ItemPass::kForeignKey,
             "demo.orders", "demo.devices"),
        Item(41, "FK CONSTRAINT", "demo readings readings_device_fkey postgres",
             ItemPass::kForeignKey, "demo.readings", "demo.devices"),
        Item(42, "FK CONSTRAINT", "demo devices devices_order_fkey postgres", ItemPass::kForeignKey,
             "demo.devices", "demo.orders"),  // a cycle
    };
    for (const SchemaItem& item : schema.items) {
      TocLine l;
      l.id = item.dump_id;
      l.oid = static_cast<uint32_t>(16000 + item.dump_id);
      l.text = item.Describe();
      toc.push_back(l);
    }
  }

  std::vector<DataTocEntry> Data() const { return DataTocEntries(input, toc); }
  int IdOf(const std::string& line_text) const {
    for (const DataTocEntry& e : Data()) {
      if (e.Line().find(line_text) != std::string::npos) return e.id;
    }
    return 0;
  }
  // pg_restore's verdict: every item of `ids`.
  Result<SelectionOutcome> Apply(const RestoreSelection& sel, std::set<int> ids,
                                 std::optional<std::set<int>> listed = std::nullopt) {
    std::vector<DataTocEntry> data = Data();
    return ApplySelection(sel, ids, listed, data, input, schema);
  }
  std::set<int> Items() const {
    std::set<int> out;
    for (const SchemaItem& item : schema.items) out.insert(item.dump_id);
    return out;
  }
  std::set<std::string> Tables() const {
    std::set<std::string> out;
    for (const RestoreTable& t : input.tables) out.insert(t.Key());
    return out;
  }
  std::set<std::string> Sequences() const {
    std::set<std::string> out;
    for (const SequenceInfo& s : input.sequences) out.insert(s.schema + "." + s.name);
    return out;
  }
};

TEST(RestoreSelectionTest, DataEntriesAreNumberedAboveTheSchemaAsPgRestoreListsThem) {
  Archive a;
  std::vector<DataTocEntry> data = a.Data();
  std::vector<std::string> lines;
  for (const DataTocEntry& e : data) lines.push_back(e.Line());
  // The hypertable and the compressed hypertable have an entry of their own,
  // before their first chunk; extension config tables have no schema item.
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "43; 0 0 TABLE DATA _timescaledb_catalog hypertable ",
                       "44; 0 0 TABLE DATA _timescaledb_catalog chunk ",
                       "45; 0 16010 TABLE DATA demo metrics postgres",
                       "46; 0 16011 TABLE DATA _timescaledb_internal _hyper_1_1_chunk postgres",
                       "47; 0 16012 TABLE DATA _timescaledb_internal _hyper_1_2_chunk postgres",
                       "48; 0 16013 TABLE DATA _timescaledb_internal _compressed_hypertable_2 "
                       "postgres",
                       "49; 0 16014 TABLE DATA _timescaledb_internal compress_hyper_2_3_chunk "
                       "postgres",
                       "50; 0 16020 TABLE DATA demo devices postgres",
                       "51; 0 16021 TABLE DATA demo orders postgres",
                       "52; 0 16023 TABLE DATA demo readings_p1 postgres",
                       "53; 0 0 SEQUENCE SET _timescaledb_catalog chunk_id_seq ",
                       "54; 0 0 SEQUENCE SET demo orders_id_seq postgres",
                       "55; 0 0 BLOBS - BLOBS ",
                   }));
}

TEST(RestoreSelectionTest, UseListIsReadAsPgRestoreReadsIt) {
  std::set<int> known = {2, 10, 11, 43};
  auto list = ParseUseList(
      "; a comment\n\n10; 1259 17282 TABLE demo metrics postgres\n;11; commented out\n"
      "  43 ; data\nabc\n10\n99\n-1\n",
      known, 55, "my.list");
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(list->ids, (std::set<int>{10, 43}));
  EXPECT_EQ(list->warnings,
            (std::vector<std::string>{"my.list: line ignored: abc", "my.list: line ignored: 10",
                                      "my.list: line ignored: 99", "my.list: line ignored: -1"}));
  auto bad = ParseUseList("12\n", known, 55, "my.list");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("could not find entry for ID 12"), std::string::npos);
  EXPECT_NE(bad.status().message().find("hyperdump list --toc"), std::string::npos);
}

TEST(RestoreSelectionTest, DataEntriesFollowPgRestoreRules) {
  DataTocEntry orders;
  orders.id = 51;
  orders.schema = "demo";
  orders.name = "orders";
  DataTocEntry blobs;
  blobs.id = 55;
  blobs.kind = DataTocEntry::Kind::kBlobs;
  auto wanted = [&](const RestoreSelection& sel, const DataTocEntry& e,
                    std::optional<std::set<int>> listed = std::nullopt) {
    return DataEntryWanted(sel, listed, e);
  };
  RestoreSelection sel;
  EXPECT_TRUE(wanted(sel, orders));
  sel.schemas = {"demo"};
  EXPECT_TRUE(wanted(sel, orders));
  EXPECT_FALSE(wanted(sel, blobs)) << "-n: an entry without a schema is not selected";
  sel = {};
  sel.exclude_schemas = {"demo"};
  EXPECT_FALSE(wanted(sel, orders));
  EXPECT_TRUE(wanted(sel, blobs));
  sel = {};
  sel.tables = {"orders"};
  EXPECT_TRUE(wanted(sel, orders));
  EXPECT_FALSE(wanted(sel, blobs));
  sel.tables = {"other"};
  EXPECT_FALSE(wanted(sel, orders));
  sel = {};
  sel.indexes = {"orders_pkey"};
  EXPECT_FALSE(wanted(sel, orders)) << "-I alone selects no table data";
  sel = {};
  sel.sections = {"pre-data", "post-data"};
  EXPECT_FALSE(wanted(sel, orders));
  sel.sections = {"data"};
  EXPECT_TRUE(wanted(sel, orders));
  EXPECT_TRUE(wanted(sel, blobs));
  sel = {};
  sel.schema_only = true;
  EXPECT_FALSE(wanted(sel, orders));
  EXPECT_FALSE(wanted(sel, blobs));
  sel = {};
  sel.data_only = true;
  EXPECT_TRUE(wanted(sel, orders));
  EXPECT_TRUE(wanted(sel, blobs));
  sel = {};
  sel.use_list = "x";
  EXPECT_TRUE(wanted(sel, orders, std::set<int>{51}));
  EXPECT_FALSE(wanted(sel, orders, std::set<int>{55}));
}

TEST(RestoreSelectionTest, NoSelectionLeavesEverything) {
  Archive a;
  auto out = a.Apply(RestoreSelection{}, {});
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->selective);
  EXPECT_EQ(a.schema.items.size(), 18u);
  EXPECT_EQ(a.input.tables.size(), 8u);
}

TEST(RestoreSelectionTest, TableOfAPlainTableKeepsItsItemsAndDataAndNoTimescaleDbWindow) {
  Archive a;
  RestoreSelection sel;
  sel.tables = {"orders"};
  auto out = a.Apply(sel, {21});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->selective);
  EXPECT_FALSE(out->append_only) << "the table is created by this run";
  EXPECT_EQ(a.Items(), (std::set<int>{21}));
  EXPECT_EQ(a.Tables(), (std::set<std::string>{"demo.orders"}));
  EXPECT_TRUE(a.Sequences().empty()) << "-t orders does not name orders_id_seq";
  EXPECT_TRUE(a.input.large_object_files.empty());
  EXPECT_TRUE(a.input.timescaledb_version.empty()) << "nothing of TimescaleDB is restored";
  EXPECT_TRUE(a.input.timescaledb_job_stats.empty());
}

TEST(RestoreSelectionTest, ChunksFollowTheirHypertableWithTheCatalog) {
  Archive a;
  RestoreSelection sel;
  sel.schemas = {"demo"};
  // pg_restore -n demo: the demo items only (no chunk in _timescaledb_internal).
  auto out = a.Apply(sel, {10, 20, 21, 22, 23, 24, 30, 33, 40, 41, 42});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(a.Items(),
            (std::set<int>{10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 30, 31, 32, 33, 40, 41, 42}))
      << "chunks, the compressed hypertable and the chunks' indexes follow demo.metrics";
  EXPECT_EQ(a.Tables(), (std::set<std::string>{
                            "_timescaledb_catalog.hypertable",
                            "_timescaledb_catalog.chunk",
                            "_timescaledb_internal._hyper_1_1_chunk",
                            "_timescaledb_internal._hyper_1_2_chunk",
                            "_timescaledb_internal.compress_hyper_2_3_chunk",
                            "demo.devices",
                            "demo.orders",
                            "demo.readings_p1",
                        }));
  EXPECT_EQ(a.Sequences(),
            (std::set<std::string>{"_timescaledb_catalog.chunk_id_seq", "demo.orders_id_seq"}))
      << "the catalog's sequences go with the catalog";
  EXPECT_FALSE(out->append_only);
  EXPECT_EQ(a.input.timescaledb_version, "2.28.3");
}

TEST(RestoreSelectionTest, ExcludingTheHypertablesSchemaExcludesItsChunks) {
  // pg_restore -N demo keeps what is outside demo: the chunks too, and the
  // catalog's data, which names demo.metrics: refused.
  const std::set<int> outside_demo = {2, 11, 12, 13, 14, 31, 32};
  Archive a;
  RestoreSelection sel;
  sel.exclude_schemas = {"demo"};
  auto out = a.Apply(sel, outside_demo);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("demo.metrics"), std::string::npos)
      << out.status().message();

  Archive b;
  sel.exclude_schemas = {"demo", "_timescaledb_catalog"};
  out = b.Apply(sel, outside_demo);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(b.Items(), (std::set<int>{2})) << "chunks, their indexes, the compressed hypertable";
  EXPECT_TRUE(b.Tables().empty());
}

TEST(RestoreSelectionTest, TableOfAHypertableTakesChunksButNotTheirIndexes) {
  Archive a;
  RestoreSelection sel;
  sel.tables = {"metrics"};
  auto out = a.Apply(sel, {10});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(a.Items(), (std::set<int>{10, 11, 12, 13, 14}))
      << "pg_restore -t takes no index of metrics, so none of its chunks'";
  EXPECT_EQ(a.Tables(), (std::set<std::string>{
                            "_timescaledb_catalog.hypertable",
                            "_timescaledb_catalog.chunk",
                            "_timescaledb_internal._hyper_1_1_chunk",
                            "_timescaledb_internal._hyper_1_2_chunk",
                            "_timescaledb_internal.compress_hyper_2_3_chunk",
                        }));
}

TEST(RestoreSelectionTest, CatalogWithoutEveryHypertableIsRefusedUnlessTheTablesExist) {
  Archive a;
  a.input.tables.push_back(Table("_timescaledb_internal", "_hyper_3_9_chunk", "chunk",
                                 "_timescaledb_internal._materialized_hypertable_3",
                                 "_timescaledb_internal._materialized_hypertable_3"));
  a.schema.items.push_back(
      Item(50, "TABLE", "_timescaledb_internal _materialized_hypertable_3 postgres"));
  a.schema.items.push_back(Item(51, "TABLE", "_timescaledb_internal _hyper_3_9_chunk postgres"));
  for (int id : {50, 51}) {
    TocLine l;
    l.id = id;
    l.text = "TABLE " + std::string(a.schema.items[id == 50 ? 18 : 19].toc_line());
    a.toc.push_back(l);
  }
  RestoreSelection sel;
  sel.tables = {"metrics"};
  auto out = a.Apply(sel, {10});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("_timescaledb_internal._materialized_hypertable_3"),
            std::string::npos)
      << out.status().message();

  Archive b;  // --data-only: the tables exist, the catalog goes in whole
  b.input.tables = a.input.tables;
  b.schema.items = a.schema.items;
  b.toc = a.toc;
  RestoreSelection data;
  data.data_only = true;
  auto ok = b.Apply(data, {});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_TRUE(ok->append_only);
  EXPECT_TRUE(b.Items().empty());
  EXPECT_EQ(b.Tables().size(), 9u);
}

TEST(RestoreSelectionTest, DataOnlyAppendsInForeignKeyOrderWithoutCycles) {
  Archive a;
  RestoreSelection sel;
  sel.data_only = true;
  auto out = a.Apply(sel, {});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->append_only);
  EXPECT_TRUE(a.Items().empty());
  EXPECT_EQ(a.Tables().size(), 8u);
  EXPECT_EQ(a.Sequences().size(), 2u);
  EXPECT_EQ(a.input.large_object_files.size(), 1u);
  // devices before orders and before readings' partition (its FK is on the
  // partitioned parent); orders -> devices would close a cycle: left out.
  EXPECT_EQ(out->load_order,
            (std::vector<std::pair<std::string, std::string>>{
                {"demo.devices", "demo.orders"}, {"demo.devices", "demo.readings_p1"}}));
}

TEST(RestoreSelectionTest, SectionsSplitSchemaAndData) {
  Archive a;
  RestoreSelection sel;
  sel.sections = {"pre-data"};
  auto out = a.Apply(sel, {2, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(a.Tables().empty());
  EXPECT_TRUE(a.Sequences().empty());
  EXPECT_TRUE(a.input.large_object_files.empty());
  EXPECT_FALSE(out->append_only);

  Archive post;
  sel.sections = {"post-data"};
  out = post.Apply(sel, {30, 31, 32, 33, 40, 41, 42});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(post.Items(), (std::set<int>{30, 31, 32, 33, 40, 41, 42}));
  EXPECT_EQ(post.input.timescaledb_version, "2.28.3") << "indexes of chunks: restore mode";
}

TEST(RestoreSelectionTest, UseListSelectsAChunksOwnDataOrTheHypertablesForAll) {
  Archive a;
  RestoreSelection sel;
  sel.use_list = "list";
  const int chunk = a.IdOf("_hyper_1_2_chunk ");
  ASSERT_GT(chunk, 0);
  auto out = a.Apply(sel, {}, std::set<int>{chunk});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(a.Tables(),
            (std::set<std::string>{"_timescaledb_catalog.hypertable", "_timescaledb_catalog.chunk",
                                   "_timescaledb_internal._hyper_1_2_chunk"}));

  Archive b;
  const int metrics = b.IdOf("TABLE DATA demo metrics");
  out = b.Apply(sel, {}, std::set<int>{metrics});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(b.Tables().size(), 5u) << "the catalog and every chunk of demo.metrics";
  EXPECT_TRUE(out->append_only);
}

}  // namespace
}  // namespace hyperdump::engine
