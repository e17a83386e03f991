#include "cli/ui/run_ui.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/ui/test_events.h"

namespace hyperdump::ui {
namespace {

using scheduler::Event;
using testing::Ev;

std::string ReadAll(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

void RunTwoJobs(RunUi* ui) {
  ui->SetPhase("data");
  ui->sink()->OnEvent(Ev(Event::kStarted, 1, 0, 0, "copy public.t", "copy"));
  ui->sink()->OnEvent(testing::Progress(1, 1, 0, 2048, 20));
  ui->sink()->OnEvent(testing::Ended(Event::kFinished, 1, 2, 0));
  ui->Warn("table public.t has no primary key; password=hunter2");
}

TEST(RunUiTest, RejectsAnUnknownLogFormat) {
  UiOptions o;
  o.log_format = "xml";
  auto ui = RunUi::Create(o);
  ASSERT_FALSE(ui.ok());
  EXPECT_EQ(ui.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ui.status().message(),
            "unknown --log-format 'xml': use 'text' (the default) or 'json'");
}

TEST(RunUiTest, TextModePrintsWarningsAndTheSummary) {
  std::FILE* f = std::tmpfile();
  UiOptions o;
  o.command = "restore";
  o.out = f;
  o.progress_mode = ProgressSink::Mode::kQuiet;  // the display is tested elsewhere
  auto ui = RunUi::Create(o);
  ASSERT_TRUE(ui.ok());
  RunTwoJobs(ui->get());
  ASSERT_TRUE((*ui)->Finish(Status::Ok()).ok());
  std::string out = ReadAll(f);
  EXPECT_NE(out.find("hyperdump: warning: table public.t has no primary key; password=********\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("hyperdump restore finished in "), std::string::npos) << out;
  EXPECT_NE(out.find("  moved:      2.0 KiB, 20 rows\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  jobs:       1 done, 0 failed, 0 retries, 0 requeued\n"), std::string::npos);
  EXPECT_EQ(out.find("hunter2"), std::string::npos);
  EXPECT_EQ((*ui)->summary().phases.size(), 1u);
  std::fclose(f);
}

TEST(RunUiTest, QuietModeKeepsOnlyWarnings) {
  std::FILE* f = std::tmpfile();
  UiOptions o;
  o.command = "dump";
  o.quiet = true;
  o.out = f;
  auto ui = RunUi::Create(o);
  ASSERT_TRUE(ui.ok());
  RunTwoJobs(ui->get());
  ASSERT_TRUE((*ui)->Finish(Status::Ok()).ok());
  EXPECT_EQ(ReadAll(f),
            "hyperdump: warning: table public.t has no primary key; password=********\n");
  std::fclose(f);
}

TEST(RunUiTest, JsonModeWritesOnlyJsonLinesEndingWithTheSummary) {
  std::FILE* f = std::tmpfile();
  UiOptions o;
  o.command = "restore";
  o.log_format = "json";
  o.out = f;
  o.progress_mode = ProgressSink::Mode::kPlain;  // json must win over any display
  auto ui = RunUi::Create(o);
  ASSERT_TRUE(ui.ok());
  (*ui)->SetPhase("schema");
  (*ui)->SetEstimate(4096, 40);
  RunTwoJobs(ui->get());
  ASSERT_TRUE((*ui)->Finish(Status(StatusCode::kDatabase, "boom", "XX000")).ok());
  std::istringstream in(ReadAll(f));
  std::vector<std::string> events;
  nlohmann::json last;
  std::string line;
  while (std::getline(in, line)) {
    last = nlohmann::json::parse(line);
    events.push_back(last["event"]);
  }
  EXPECT_EQ(events, (std::vector<std::string>{"phase", "estimate", "phase", "started", "finished",
                                              "warning", "summary"}));
  EXPECT_EQ(last["outcome"], "failed");
  ASSERT_EQ(last["phases"].size(), 2u);  // the summary times each phase
  EXPECT_EQ(last["phases"][0]["phase"], "schema");
  EXPECT_EQ(last["phases"][1]["phase"], "data");
  EXPECT_EQ(last["sqlstate"], "XX000");
  EXPECT_EQ(last["bytes"], 2048);
  std::fclose(f);
}

TEST(RunUiTest, FinishWritesTheReportOrNamesItsPath) {
  std::string path = ::testing::TempDir() + "/run_ui_test.html";
  UiOptions o;
  o.command = "dump";
  o.quiet = true;
  o.out = nullptr;
  o.report_path = path;
  auto ui = RunUi::Create(o);
  ASSERT_TRUE(ui.ok());
  RunTwoJobs(ui->get());
  ASSERT_TRUE((*ui)->Finish(Status::Ok()).ok());
  std::ifstream html(path);
  std::stringstream ss;
  ss << html.rdbuf();
  EXPECT_NE(ss.str().find("<title>hyperdump dump</title>"), std::string::npos);
  EXPECT_NE(ss.str().find("<rect class=\"bar k-data\""), std::string::npos);
  std::remove(path.c_str());

  o.report_path = "/nonexistent-dir/x.html";
  auto bad = RunUi::Create(o);
  ASSERT_TRUE(bad.ok());
  Status st = (*bad)->Finish(Status::Ok());
  EXPECT_EQ(st.code(), StatusCode::kIo);
  EXPECT_NE(st.message().find("/nonexistent-dir/x.html"), std::string::npos);
}

}  // namespace
}  // namespace hyperdump::ui
