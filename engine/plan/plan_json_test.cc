#include "engine/plan/plan_json.h"

#include <gtest/gtest.h>

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
