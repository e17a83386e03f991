#include "engine/plan/plan_json.h"

#include <gtest/gtest.h>

#include <sstream>

namespace hyperdump::engine {
namespace {

PlanFile SamplePlanFile() {
  PlanFile f;
  f.plan.server.server_version_num = 150018;
  f.plan.server.database = "app";
  f.plan.server.timescaledb_version = "2.28.3";
  f.plan.server.extensions = {{"timescaledb", "2.28.3"}};
  TableInfo t;
  t.oid = 17202;
  t.schema = "public";
  t.name = "Odd \"t\"";
  t.kind = TableKind::kChunk;
  t.hypertable = "public.metrics";
  t.load_after = {"public.a"};
  t.bytes = 8192;
  t.rows_estimate = 10;
  t.pages = 1;
  f.plan.tables = {t};
  f.plan.jobs = {DataJob{"t000000.r001", 0, CtidRange{0, 10}, 4096}};
  f.plan.sequences = {{"public", "s", "public.t.id", 42, true}};
  f.plan.large_objects = 2;
  f.job_files = {"data/t000000.r001.copy.zst"};
  f.large_object_files = {"large_objects/0000.lo.zst"};
  f.copy_format = "binary";
  f.timescaledb_job_stats = nlohmann::json::array({{{"job_id", 1000}}});
  PostDataItem fk;
  fk.desc = "FK CONSTRAINT";
  fk.toc_id = 3223;
  fk.toc_line = "3223; 2606 16407 FK CONSTRAINT public r r_id_fkey postgres";
  fk.schema = "public";
  fk.name = "r_id_fkey";
  fk.table = TableName{"public", "Odd \"t\""};
  fk.table_index = 0;
  fk.references = TableName{"other", "p"};
  PostDataItem trigger;
  trigger.desc = "EVENT TRIGGER";
  trigger.toc_id = 3230;
  f.post_data = std::vector<PostDataItem>{fk, trigger};
  return f;
}

TEST(PlanJsonTest, WritesTheDocumentRestoreReads) {
  nlohmann::json j = SamplePlanFile();
  EXPECT_EQ(j["jobs"][0]["file"], "data/t000000.r001.copy.zst");
  EXPECT_EQ(j["jobs"][0]["object"], "public.Odd \"t\"");
  EXPECT_EQ(j["jobs"][0]["kind"], "chunk");
  EXPECT_EQ(j["tables"][0]["rows"], 10);
  EXPECT_EQ(j["post_data"][0]["table"], "public.Odd \"t\"");
  EXPECT_EQ(j["post_data"][0]["table_index"], 0);
  EXPECT_EQ(j["post_data"][0]["references_schema"], "other");
  EXPECT_TRUE(j["post_data"][0]["references_index"].is_null());
  EXPECT_TRUE(j["post_data"][1]["table"].is_null());
  EXPECT_FALSE(j["post_data"][1].contains("table_schema"));
  EXPECT_EQ(j["copy_format"], "binary");
}

// What the dump writes, in pieces, against the tree written at once: the
// same text, with empty arrays, with one element each, with several, and
// without a post-data map.
TEST(PlanJsonTest, StreamedTextIsExactlyTheTreesText) {
  auto streamed = [](const PlanFile& f) {
    std::string text;
    Status s = WritePlanFile(f.plan, f, [&](std::string_view bytes) {
      text.append(bytes);
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return text;
  };
  PlanFile f = SamplePlanFile();
  EXPECT_EQ(streamed(f), nlohmann::json(f).dump(1) + "\n");
  for (int i = 1; i < 2000; ++i) {  // past the 1 MiB flush
    TableInfo t = f.plan.tables[0];
    t.name = "chunk_" + std::to_string(i) + std::string(400, 'x');
    f.plan.tables.push_back(t);
    f.plan.jobs.push_back(DataJob{"t" + std::to_string(i), static_cast<size_t>(i), {}, 8192});
    f.job_files.push_back("data/t" + std::to_string(i) + ".copy.zst");
    f.post_data->push_back((*f.post_data)[0]);
  }
  EXPECT_EQ(streamed(f), nlohmann::json(f).dump(1) + "\n");
  // The same map handed over in batches of 7 (2,001 items: the last short).
  PostDataBatches batches{f.post_data->size(), 7, [&](size_t begin, size_t end) {
                            EXPECT_LE(end - begin, 7u);
                            return Result<std::vector<PostDataItem>>(std::vector<PostDataItem>(
                                f.post_data->begin() + static_cast<ptrdiff_t>(begin),
                                f.post_data->begin() + static_cast<ptrdiff_t>(end)));
                          }};
  PlanAdditions without_map = f;
  without_map.post_data.reset();
  std::string text;
  ASSERT_TRUE(WritePlanFile(
                  f.plan, without_map,
                  [&](std::string_view bytes) {
                    text.append(bytes);
                    return Status::Ok();
                  },
                  &batches)
                  .ok());
  EXPECT_EQ(text, nlohmann::json(f).dump(1) + "\n");
  // A batch that fails fails the file.
  PostDataBatches failing{3, 2, [](size_t, size_t) -> Result<std::vector<PostDataItem>> {
                            return Internal("catalog query failed");
                          }};
  Status s = WritePlanFile(
      f.plan, without_map, [](std::string_view) { return Status::Ok(); }, &failing);
  EXPECT_EQ(s.message(), "catalog query failed");
  f.post_data.reset();
  f.plan.jobs.clear();
  f.job_files.clear();
  EXPECT_EQ(streamed(f), nlohmann::json(f).dump(1) + "\n");
  EXPECT_EQ(streamed(PlanFile{}), nlohmann::json(PlanFile{}).dump(1) + "\n");
  auto back = ReadPlanFile(streamed(SamplePlanFile()), "plan.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(nlohmann::json(*back), nlohmann::json(SamplePlanFile()));
}

TEST(PlanJsonTest, RoundTripsEveryStoredField) {
  const std::string text = nlohmann::json(SamplePlanFile()).dump(1);
  Result<PlanFile> read = ReadPlanFile(text, "plan.json");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(nlohmann::json(*read).dump(1), text);
  const PlanFile& f = *read;
  ASSERT_EQ(f.plan.tables.size(), 1u);
  EXPECT_EQ(f.plan.tables[0].kind, TableKind::kChunk);
  EXPECT_EQ(f.plan.tables[0].name, "Odd \"t\"");
  ASSERT_EQ(f.plan.jobs.size(), 1u);
  ASSERT_TRUE(f.plan.jobs[0].range.has_value());
  EXPECT_EQ(f.plan.jobs[0].range->end_block, 10);
  ASSERT_TRUE(f.post_data.has_value());
  ASSERT_EQ(f.post_data->size(), 2u);
  EXPECT_EQ((*f.post_data)[0].table->name, "Odd \"t\"");
  EXPECT_EQ((*f.post_data)[0].references->Key(), "other.p");
  EXPECT_FALSE((*f.post_data)[1].table.has_value());
}

TEST(PlanJsonTest, SinksTakeTheLongArraysElementByElementInFileOrder) {
  std::istringstream in(nlohmann::json(SamplePlanFile()).dump(1));
  std::vector<std::string> seen;
  PlanElementSinks sinks;
  sinks.table = [&](const TableInfo& t) { seen.push_back("table " + t.name); };
  sinks.job = [&](const DataJob& j, const std::string& file) {
    seen.push_back("job " + j.id + " " + file);
  };
  sinks.post_data = [&](const PostDataItem& item) {
    const ItemPlacement p = PlacementOf(item);
    seen.push_back("item " + std::to_string(p.toc_id) + " " + p.table + " " + p.ref);
  };
  Result<PlanFile> read = ReadPlanFile(in, "plan.json", sinks);
  ASSERT_TRUE(read.ok()) << read.status().message();
  const PlanFile f = SamplePlanFile();
  // nlohmann::json writes keys sorted: jobs, post_data, tables.
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], "job " + f.plan.jobs[0].id + " " + f.job_files[0]);
  EXPECT_EQ(seen[1],
            "item " + std::to_string((*f.post_data)[0].toc_id) + " public.Odd \"t\" other.p");
  EXPECT_EQ(seen[2], "item " + std::to_string((*f.post_data)[1].toc_id) + "  ");
  EXPECT_EQ(seen[3], "table Odd \"t\"");
  // What the sinks took is not kept; the rest is read as without them.
  EXPECT_TRUE(read->plan.tables.empty());
  EXPECT_TRUE(read->plan.jobs.empty());
  ASSERT_TRUE(read->post_data.has_value());
  EXPECT_TRUE(read->post_data->empty());
  EXPECT_EQ(read->plan.server.server_version_num, f.plan.server.server_version_num);
}

TEST(PlanJsonTest, AbsentKeysReadAsTheirDefaults) {
  Result<PlanFile> read =
      ReadPlanFile(R"({"tables": [{"schema": "public", "name": "t"}], "jobs": []})", "plan.json");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->plan.tables[0].kind, TableKind::kTable);
  EXPECT_FALSE(read->post_data.has_value());
  EXPECT_TRUE(read->timescaledb_job_stats.empty());
  EXPECT_TRUE(read->large_object_files.empty());
}

TEST(PlanJsonTest, WhatDoesNotReadAsAPlanIsCorrupt) {
  EXPECT_EQ(ReadPlanFile("{not json", "plan.json in d").status().message(),
            "plan.json in d is not valid JSON");
  Result<PlanFile> wrong = ReadPlanFile(R"({"tables": [{"name": 7}]})", "plan.json in d");
  EXPECT_EQ(wrong.status().code(), StatusCode::kCorrupt);
  Result<PlanFile> kind = ReadPlanFile(R"({"tables": [{"kind": "view"}]})", "plan.json in d");
  EXPECT_EQ(kind.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(kind.status().message().find("unknown table kind \"view\""), std::string::npos);
}

}  // namespace
}  // namespace hyperdump::engine
