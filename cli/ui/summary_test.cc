#include "cli/ui/summary.h"

#include <gtest/gtest.h>

#include "cli/ui/tee.h"
#include "cli/ui/test_events.h"
#include "cli/ui/timeline.h"

namespace hyperdump::ui {
namespace {

using scheduler::Event;
using std::chrono::milliseconds;
using testing::Ended;
using testing::Ev;
using testing::Progress;

// Two slots over 10 s: slot 0 busy 0-10 (one job), slot 1 busy 0-2 (retried)
// and 3-8: 17 of 20 slot-seconds busy.
std::vector<Event> TwoSlotRun() {
  return {
      Ev(Event::kQueued, 1, 0),
      Ev(Event::kQueued, 2, 0),
      Ev(Event::kStarted, 1, 0, 0, "copy big", "data"),
      Ev(Event::kStarted, 2, 0, 1, "index i", "index"),
      Progress(1, 1, 0, 1000, 100),
      Progress(2, 1, 1, 50, 0),
      Ended(Event::kRetry, 2, 2, 1, Status(StatusCode::kDatabase, "deadlock", "40P01")),
      Ev(Event::kQueued, 2, 3),
      Ev(Event::kStarted, 2, 3, 1, "index i", "index"),
      Progress(2, 4, 1, 70, 0),
      Ended(Event::kFinished, 2, 8, 1),
      Progress(1, 9, 0, 24, 4),
      Ended(Event::kFinished, 1, 10, 0),
  };
}

TEST(BuildSpansTest, OneSpanPerAttemptWithItsOwnProgress) {
  std::vector<JobSpan> spans = BuildSpans(TwoSlotRun());
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].name, "copy big");
  EXPECT_EQ(spans[0].bytes, 1024u);
  EXPECT_EQ(spans[0].rows, 104u);
  EXPECT_EQ(spans[1].outcome, Event::kRetry);
  EXPECT_EQ(spans[1].status.sqlstate(), "40P01");
  EXPECT_EQ(spans[1].bytes, 50u);
  EXPECT_EQ(spans[2].attempt, 2);
  EXPECT_EQ(spans[2].bytes, 70u);
  EXPECT_EQ(spans[2].end - spans[2].start, testing::At(8) - testing::At(3));
}

TEST(BuildSpansTest, AnAttemptThatNeverEndedIsCutAtTheLastEvent) {
  std::vector<JobSpan> spans =
      BuildSpans({Ev(Event::kStarted, 1, 0, 0, "a", "data"),
                  Ev(Event::kStarted, 2, 1, 1, "b", "data"), Ended(Event::kFinished, 2, 5, 1)});
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_TRUE(spans[0].open);
  EXPECT_EQ(spans[0].end, testing::At(5));
  EXPECT_FALSE(spans[1].open);
}

TEST(CompactRecorderTest, FoldsProgressPerAttemptAndGivesTheSameTotals) {
  CompactRecorder recorder;
  for (const Event& e : TwoSlotRun()) recorder.OnEvent(e);
  std::vector<Event> events = recorder.events();
  size_t progress = 0;
  for (const Event& e : events) progress += e.type == Event::kProgress ? 1 : 0;
  EXPECT_EQ(progress, 3u);  // one per attempt, not one per report
  RunSummary full, compact;
  AddEventTotals(TwoSlotRun(), &full);
  AddEventTotals(events, &compact);
  EXPECT_EQ(compact.bytes, full.bytes);
  EXPECT_EQ(compact.rows, full.rows);
  EXPECT_EQ(compact.retries, full.retries);
  EXPECT_DOUBLE_EQ(compact.busy_fraction, full.busy_fraction);
  std::vector<JobSpan> spans = BuildSpans(events);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[1].bytes, 50u);  // the retried attempt keeps its own progress
}

TEST(CompactRecorderTest, ARunningAttemptComesWithItsProgressSoFar) {
  CompactRecorder recorder;
  recorder.OnEvent(Ev(Event::kStarted, 1, 0, 0, "a", "data"));
  recorder.OnEvent(Progress(1, 1, 0, 10, 1));
  recorder.OnEvent(Progress(1, 2, 0, 20, 2));
  std::vector<JobSpan> spans = BuildSpans(recorder.events());
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_TRUE(spans[0].open);
  EXPECT_EQ(spans[0].bytes, 30u);
  EXPECT_EQ(spans[0].end, testing::At(2));
}

TEST(ClassifyKindTest, MapsEachJobKindOntoItsColourGroup) {
  EXPECT_EQ(ClassifyKind("schema"), KindClass::kSchema);
  EXPECT_EQ(ClassifyKind("catalog"), KindClass::kCatalog);
  EXPECT_EQ(ClassifyKind("copy"), KindClass::kData);
  EXPECT_EQ(ClassifyKind("index"), KindClass::kIndex);
  EXPECT_EQ(ClassifyKind("key"), KindClass::kConstraint);
  EXPECT_EQ(ClassifyKind("foreign key"), KindClass::kConstraint);
  EXPECT_EQ(ClassifyKind("analyze"), KindClass::kAnalyze);
  EXPECT_EQ(ClassifyKind("sequences"), KindClass::kOther);
  EXPECT_STREQ(KindClassName(KindClass::kConstraint), "constraint");
}

TEST(ClassifyKindTest, TextThatNamesNoJobKindIsOther) {
  EXPECT_EQ(ClassifyKind("data"), KindClass::kOther);
  EXPECT_EQ(ClassifyKind("snapshot"), KindClass::kOther);
  EXPECT_EQ(ClassifyKind(""), KindClass::kOther);
}

TEST(AddEventTotalsTest, CountsFinishedWorkRetriesAndIdleTime) {
  RunSummary s;
  AddEventTotals(TwoSlotRun(), &s);
  EXPECT_EQ(s.bytes, 1024u + 70u);  // the retried attempt's 50 bytes do not count
  EXPECT_EQ(s.rows, 104u);
  EXPECT_EQ(s.jobs_done, 2u);
  EXPECT_EQ(s.jobs_failed, 0u);
  EXPECT_EQ(s.retries, 1u);
  EXPECT_EQ(s.slots, 2);
  EXPECT_DOUBLE_EQ(s.busy_fraction, 17.0 / 20.0);
}

TEST(FormatSummaryTest, ListsPhasesVolumeThroughputJobsAndWarnings) {
  RunSummary s;
  s.command = "restore";
  s.total = milliseconds(347'000);
  s.phases = {{"schema", milliseconds(4'100)}, {"data", milliseconds(242'000)}};
  s.bytes = 1024ULL * 1024 * 347;  // 1 MiB/s
  s.rows = 3'470'000;
  s.jobs_done = 412;
  s.retries = 3;
  s.requeues = 1;
  s.slots = 8;
  s.busy_fraction = 0.912;
  s.warnings = {"table public.t has no primary key", "conninfo password=secret ignored"};
  EXPECT_EQ(FormatSummary(s),
            "hyperdump restore finished in 5m 47s\n"
            "  phases:     schema 4.1s, data 4m 02s\n"
            "  moved:      347.0 MiB, 3,470,000 rows\n"
            "  throughput: 1.0 MiB/s, 10,000 rows/s\n"
            "  jobs:       412 done, 0 failed, 3 retries, 1 requeued\n"
            "  workers:    8, busy 91% of the time\n"
            "  warnings:   2\n"
            "    - table public.t has no primary key\n"
            "    - conninfo password=******** ignored\n");
}

TEST(FormatSummaryTest, ARunWithTwoSidesSaysWhatEachMovedAndCountsTheSlowerOne) {
  std::vector<scheduler::Event> events;
  for (const char* side : {"dump", "restore"}) {
    const uint64_t bytes = std::string(side) == "dump" ? 2048 : 1024;
    scheduler::Event start = testing::Ev(scheduler::Event::kStarted, 1, 0, 0, "copy t", "copy");
    scheduler::Event progress = testing::Progress(1, 1, 0, bytes, 10);
    scheduler::Event end = testing::Ev(scheduler::Event::kFinished, 1, 2, 0);
    for (scheduler::Event* e : {&start, &progress, &end}) {
      e->side = side;
      if (std::string(side) == "restore") e->job += 100, e->slot += 1;
      events.push_back(*e);
    }
  }
  RunSummary s;
  AddEventTotals(events, &s);
  EXPECT_EQ(s.bytes, 1024u);
  EXPECT_EQ(s.rows, 10u);
  s.command = "migrate";
  s.total = milliseconds(2'000);
  std::string text = FormatSummary(s);
  EXPECT_NE(text.find("  moved:      dump 2.0 KiB, 10 rows; restore 1.0 KiB, 10 rows\n"),
            std::string::npos)
      << text;
}

TEST(FormatSummaryTest, SaysThePeakMemoryOfHyperdumpAndOfItsChildren) {
  RunSummary s;
  s.command = "dump";
  s.total = milliseconds(1000);
  s.peak_rss_kib = 97 * 1024;
  s.children_peak_rss_kib = 210 * 1024;
  EXPECT_NE(FormatSummary(s).find(
                "  memory:     peak 97.0 MiB (pg_dump/pg_restore: 210.0 MiB)\n  warnings:"),
            std::string::npos)
      << FormatSummary(s);
  s.children_peak_rss_kib = 0;
  EXPECT_NE(FormatSummary(s).find("  memory:     peak 97.0 MiB\n"), std::string::npos)
      << FormatSummary(s);
}

TEST(FormatSummaryTest, SaysFailedOrInterruptedAfterHowLong) {
  RunSummary s;
  s.command = "dump";
  s.total = milliseconds(1500);
  s.status = Status(StatusCode::kCancelled, "interrupted");
  s.jobs_cancelled = 2;
  s.retries = 1;
  EXPECT_EQ(FormatSummary(s),
            "hyperdump dump interrupted after 1.5s\n"
            "  moved:      0 B, 0 rows\n"
            "  throughput: -, 0 rows/s\n"
            "  jobs:       0 done, 0 failed, 2 cancelled, 1 retry, 0 requeued\n"
            "  warnings:   0\n");
  s.status = Status(StatusCode::kDatabase, "boom", "XX000");
  EXPECT_EQ(FormatSummary(s).substr(0, 36), "hyperdump dump failed after 1.5s\n  m");
}

class CountingSink : public scheduler::EventSink {
 public:
  void OnEvent(const Event& e) override { seen.push_back(e.job); }
  std::vector<scheduler::JobId> seen;
};

TEST(TeeTest, PassesEveryEventToEverySinkInOrder) {
  CountingSink a, b;
  scheduler::RecorderSink recorder;
  Tee tee{&a, nullptr, &b};
  tee.Add(&recorder);
  tee.OnEvent(Ev(Event::kQueued, 1, 0));
  tee.OnEvent(Ev(Event::kQueued, 2, 0));
  EXPECT_EQ(a.seen, (std::vector<scheduler::JobId>{1, 2}));
  EXPECT_EQ(b.seen, (std::vector<scheduler::JobId>{1, 2}));
  EXPECT_EQ(recorder.events().size(), 2u);
}

}  // namespace
}  // namespace hyperdump::ui
