#include "cli/ui/json_log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/ui/test_events.h"

namespace hyperdump::ui {
namespace {

using nlohmann::json;
using scheduler::Event;
using testing::At;
using testing::Ev;

std::vector<json> Lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));  // throws if not JSON
  return out;
}

JsonLogSink::Options FixedClocks() {
  JsonLogSink::Options o;
  o.steady_now = [] { return At(0); };
  // 2026-11-25T11:00:00Z
  o.wall_now = [] {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1795604400));
  };
  return o;
}

TEST(FormatTimestampTest, IsUtcIso8601WithMilliseconds) {
  EXPECT_EQ(FormatTimestamp(
                std::chrono::system_clock::time_point(std::chrono::milliseconds(1795604400123))),
            "2026-11-25T11:00:00.123Z");
}

TEST(JsonLogSinkTest, WritesOneObjectPerJobEventWithTotalsAndDuration) {
  std::ostringstream out;
  JsonLogSink sink(out, FixedClocks());
  sink.OnEvent(Ev(Event::kQueued, 7, 0));
  sink.OnEvent(Ev(Event::kStarted, 7, 1, 2, "copy public.metrics chunk 3", "data"));
  sink.OnEvent(testing::Progress(7, 1.5, 2, 1000, 10));
  sink.OnEvent(testing::Progress(7, 2, 2, 24, 2));
  Event done = testing::Ended(Event::kFinished, 7, 3.25, 2);
  done.name = "copy public.metrics chunk 3";
  done.kind = "data";
  sink.OnEvent(done);

  std::vector<json> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 2u);  // queued and progress are left out by default
  EXPECT_EQ(lines[0]["event"], "started");
  EXPECT_EQ(lines[0]["ts"], "2026-11-25T11:00:01.000Z");
  EXPECT_EQ(lines[0]["job"], 7);
  EXPECT_EQ(lines[0]["slot"], 2);
  EXPECT_EQ(lines[0]["kind"], "data");
  EXPECT_EQ(lines[0]["name"], "copy public.metrics chunk 3");
  EXPECT_EQ(lines[0]["attempt"], 1);
  EXPECT_EQ(lines[1]["event"], "finished");
  EXPECT_EQ(lines[1]["ts"], "2026-11-25T11:00:03.250Z");
  EXPECT_EQ(lines[1]["bytes"], 1024);
  EXPECT_EQ(lines[1]["rows"], 12);
  EXPECT_EQ(lines[1]["duration_ms"], 2250);
  EXPECT_FALSE(lines[1].contains("error"));
}

TEST(JsonLogSinkTest, AllEventsIncludesQueuedAndProgress) {
  std::ostringstream out;
  JsonLogSink::Options o = FixedClocks();
  o.all_events = true;
  JsonLogSink sink(out, o);
  sink.OnEvent(Ev(Event::kQueued, 1, 0, -1, "n", "index"));
  sink.OnEvent(Ev(Event::kStarted, 1, 0, 0, "n", "index"));
  sink.OnEvent(testing::Progress(1, 0.5, 0, 5, 1));
  std::vector<json> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["event"], "queued");
  EXPECT_FALSE(lines[0].contains("slot"));
  EXPECT_EQ(lines[2]["event"], "progress");
  EXPECT_EQ(lines[2]["bytes"], 5);
}

TEST(JsonLogSinkTest, FailuresCarryErrorCodeAndSqlstate) {
  std::ostringstream out;
  JsonLogSink sink(out, FixedClocks());
  sink.OnEvent(Ev(Event::kStarted, 3, 0, 0, "index i", "index"));
  sink.OnEvent(
      testing::Ended(Event::kRetry, 3, 1, 0,
                     Status(StatusCode::kDatabase, "deadlock detected [SQLSTATE 40P01]", "40P01")));
  sink.OnEvent(Ev(Event::kStarted, 3, 2, 1, "index i", "index"));
  sink.OnEvent(
      testing::Ended(Event::kFailed, 3, 2.5, 1,
                     Status(StatusCode::kDatabase, "could not create unique index", "23505")));
  std::vector<json> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1]["event"], "retry");
  EXPECT_EQ(lines[1]["sqlstate"], "40P01");
  EXPECT_EQ(lines[1]["code"], "database");
  EXPECT_EQ(lines[1]["error"], "deadlock detected [SQLSTATE 40P01]");
  EXPECT_EQ(lines[1]["attempt"], 1);
  EXPECT_EQ(lines[2]["attempt"], 2);
  EXPECT_EQ(lines[3]["event"], "failed");
  EXPECT_EQ(lines[3]["sqlstate"], "23505");
  EXPECT_EQ(lines[3]["duration_ms"], 500);
}

TEST(JsonLogSinkTest, NeverWritesAPassword) {
  std::ostringstream out;
  JsonLogSink sink(out, FixedClocks());
  sink.OnEvent(Ev(Event::kStarted, 1, 0, 0, "connect postgresql://bob:hunter2@db/app", "other"));
  sink.OnEvent(
      testing::Ended(Event::kFailed, 1, 1, 0,
                     Status(StatusCode::kConnection,
                            "cannot connect to host=db password=hunter2: refused", "08001")));
  sink.LogWarning("retrying with PGPASSWORD=hunter2");
  sink.LogError(Status(StatusCode::kConnection, "postgres://u:hunter2@h/db unreachable"));
  RunSummary s;
  s.warnings = {"password=hunter2"};
  sink.LogSummary(s);
  EXPECT_EQ(out.str().find("hunter2"), std::string::npos) << out.str();
  std::vector<json> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 5u);
  // A bare conninfo value runs to the next space: the ':' goes too, safely.
  EXPECT_EQ(lines[1]["error"], "cannot connect to host=db password=******** refused");
  EXPECT_EQ(lines[3]["event"], "error");
  EXPECT_EQ(lines[3]["code"], "connection");
}

TEST(JsonLogSinkTest, PhaseAndSummaryEvents) {
  std::ostringstream out;
  JsonLogSink sink(out, FixedClocks());
  sink.LogPhase("data");
  RunSummary s;
  s.command = "restore";
  s.total = std::chrono::milliseconds(90'000);
  s.phases = {{"schema", std::chrono::milliseconds(1000)},
              {"data", std::chrono::milliseconds(89'000)}};
  s.bytes = 123;
  s.rows = 4;
  s.jobs_done = 9;
  s.retries = 1;
  s.peak_rss_kib = 99'000;
  s.children_peak_rss_kib = 200'000;
  s.status = Status(StatusCode::kCancelled, "interrupted by SIGINT");
  sink.LogSummary(s);
  std::vector<json> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["event"], "phase");
  EXPECT_EQ(lines[0]["phase"], "data");
  EXPECT_EQ(lines[0]["ts"], "2026-11-25T11:00:00.000Z");
  EXPECT_EQ(lines[1]["event"], "summary");
  EXPECT_EQ(lines[1]["outcome"], "interrupted");
  EXPECT_EQ(lines[1]["code"], "cancelled");
  EXPECT_EQ(lines[1]["duration_ms"], 90'000);
  EXPECT_EQ(lines[1]["phases"][1]["phase"], "data");
  EXPECT_EQ(lines[1]["phases"][1]["duration_ms"], 89'000);
  EXPECT_EQ(lines[1]["jobs_done"], 9);
  EXPECT_EQ(lines[1]["retries"], 1);
  EXPECT_EQ(lines[1]["peak_rss_kib"], 99'000);
  EXPECT_EQ(lines[1]["children_peak_rss_kib"], 200'000);
}

TEST(JsonLogSinkTest, InvalidUtf8InANameStillMakesValidJson) {
  std::ostringstream out;
  JsonLogSink sink(out, FixedClocks());
  sink.OnEvent(Ev(Event::kStarted, 1, 0, 0, "bad \xFF name", "data"));
  std::vector<json> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["name"], "bad \xEF\xBF\xBD name");  // U+FFFD
}

TEST(JsonLogSinkTest, EstimateEventCarriesBytesAndRows) {
  std::ostringstream out;
  JsonLogSink sink(out, FixedClocks());
  sink.LogEstimate(30ULL << 30, 2'700'000);
  EXPECT_EQ(
      out.str(),
      R"({"bytes":32212254720,"event":"estimate","rows":2700000,"ts":"2026-11-25T11:00:00.000Z"})"
      "\n");
}

TEST(JsonLogSinkTest, WritesToAFile) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    JsonLogSink sink(f, FixedClocks());
    sink.LogPhase("schema");
  }
  std::rewind(f);
  char buf[256] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, f), nullptr);
  EXPECT_EQ(std::string(buf),
            R"({"event":"phase","phase":"schema","ts":"2026-11-25T11:00:00.000Z"})"
            "\n");
  std::fclose(f);
}

}  // namespace
}  // namespace hyperdump::ui
