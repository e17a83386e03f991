#include "cli/ui/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "cli/ui/side_sink.h"
#include "cli/ui/test_events.h"
#include "cli/ui/units.h"

namespace hyperdump::ui {
namespace {

using scheduler::Event;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::At;
using testing::Ev;
using testing::Progress;

constexpr uint64_t kGiB = 1024ULL * 1024 * 1024;
constexpr double kMiB = 1024.0 * 1024;

ProgressView MidRestore() {
  ProgressView v;
  v.label = "restore";
  v.phase = "data";
  v.elapsed = seconds(160);
  v.bytes = 12 * kGiB;
  v.bytes_estimate = 30 * kGiB;
  v.rows = 1'200'000;
  v.rows_estimate = 2'700'000;
  v.bytes_per_second = 100 * kMiB;
  v.jobs_done = 120;
  v.jobs_running = 1;
  v.jobs_ready = 30;
  v.retries = 2;
  SlotView busy;
  busy.slot = 0;
  busy.busy = true;
  busy.kind = "data";
  busy.name = "public.metrics chunk 17";
  busy.bytes = 1288490189;  // 1.2 GiB
  busy.running = seconds(12);
  SlotView idle;
  idle.slot = 1;
  v.slots = {busy, idle};
  return v;
}

std::string Spaces(int n) { return std::string(static_cast<size_t>(n), ' '); }

TEST(RenderTerminalLinesTest, ShowsOverallProgressJobsAndEachSlot) {
  std::vector<std::string> lines = RenderTerminalLines(MidRestore(), 100);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0],
            "restore \xC2\xB7 data [========>           ] 12.0 GiB of 30.0 GiB (40%)  "
            "100.0 MiB/s  ETA 3m 05s");
  EXPECT_EQ(lines[1],
            "1.2M of 2.7M rows \xC2\xB7 jobs 120 done, 1 running, 30 ready, 2 retries "
            "\xC2\xB7 elapsed 2m 40s");
  // slot(3) kind(10) name(100-40=60) amount(10) time(8)
  EXPECT_EQ(lines[2], "    0  data       public.metrics chunk 17" + Spaces(60 - 23) +
                          "     1.2 GiB     12.0s");
  EXPECT_EQ(lines[3], "    1  idle");
}

TEST(RenderTerminalLinesTest, WithoutAnEstimateShowsNoBarNorEta) {
  ProgressView v;
  v.phase = "schema";
  v.bytes = 2048;
  std::vector<std::string> lines = RenderTerminalLines(v, 100);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "schema  2.0 KiB  -");
  EXPECT_EQ(lines[1], "0 rows \xC2\xB7 jobs 0 done, 0 running, 0 ready \xC2\xB7 elapsed 0.0s");
}

TEST(RenderTerminalLinesTest, FitsLinesToTheWidth) {
  ProgressView v = MidRestore();
  v.slots[0].name = std::string(200, 'x');
  for (const std::string& line : RenderTerminalLines(v, 50)) {
    EXPECT_LE(DisplayColumns(line), 50) << line;
  }
}

TEST(RenderTerminalLinesTest, ShowsBusySlotsFirstWhenTheyDoNotAllFit) {
  ProgressView v;
  for (int i = 0; i < 6; ++i) {
    SlotView s;
    s.slot = i;
    s.busy = i >= 4;
    s.kind = "index";
    s.name = "idx" + std::to_string(i);
    v.slots.push_back(s);
  }
  std::vector<std::string> lines = RenderTerminalLines(v, 80, 3);
  ASSERT_EQ(lines.size(), 2u + 3 + 1);
  EXPECT_EQ(lines[2].substr(0, 7), "    4  ");
  EXPECT_EQ(lines[3].substr(0, 7), "    5  ");
  EXPECT_EQ(lines[4], "    0  idle");
  EXPECT_EQ(lines[5], "  \xE2\x80\xA6 3 more slots (0 busy)");
}

TEST(RenderPlainLineTest, IsOneSelfContainedLine) {
  EXPECT_EQ(RenderPlainLine(MidRestore()),
            "[2m 40s] restore data: 12.0 GiB of 30.0 GiB (40%), 1.2M of 2.7M rows, 100.0 MiB/s, "
            "ETA 3m 05s; jobs 120 done, 1 running, 30 ready, 2 retries");
}

TEST(RenderPlainLineTest, FallsBackToRowsWhenBytesAreNotEstimated) {
  ProgressView v;
  v.label = "dump";
  v.rows = 500;
  v.rows_estimate = 1000;
  v.rows_per_second = 50;
  v.elapsed = milliseconds(1500);
  EXPECT_EQ(
      RenderPlainLine(v),
      "[1.5s] dump: 0 B, 500 of 1.0k rows (50%), -, ETA 10s; jobs 0 done, 0 running, 0 ready");
}

// The "x of y (p%)" and ETA texts the display and the plain lines share.
TEST(ProgressTextTest, ShowsDoneOfEstimateWithThePercentage) {
  ProgressView v = MidRestore();
  EXPECT_EQ(BytesDoneText(v), "12.0 GiB of 30.0 GiB (40%)");
  EXPECT_EQ(RowsDoneText(v), "1.2M of 2.7M rows");  // the percentage is the bytes'
  v.bytes_estimate = 0;
  EXPECT_EQ(BytesDoneText(v), "12.0 GiB");
  EXPECT_EQ(RowsDoneText(v), "1.2M of 2.7M rows (44%)");  // rounded down
  v.rows_estimate = 0;
  EXPECT_EQ(RowsDoneText(v), "1.2M rows");
}

TEST(ProgressTextTest, CapsThePercentageWhenTheEstimateIsExceeded) {
  ProgressView v;
  v.bytes = 5 * kGiB;
  v.bytes_estimate = 4 * kGiB;  // a catalog estimate can be low
  v.bytes_per_second = kMiB;
  EXPECT_EQ(BytesDoneText(v), "5.0 GiB of 4.0 GiB (100%)");
  EXPECT_EQ(EtaText(v), "ETA 0s");
}

TEST(ProgressTextTest, EtaIsWhatIsLeftOverTheRateOrUnknown) {
  ProgressView v = MidRestore();  // 18 GiB left at 100 MiB/s
  EXPECT_EQ(EtaText(v), "ETA 3m 05s");
  v.bytes_per_second = 0;  // no rate yet
  EXPECT_EQ(EtaText(v), "ETA --");
  v.bytes_estimate = 0;
  v.rows_per_second = 1000;  // 1.5M rows left
  EXPECT_EQ(EtaText(v), "ETA 25m 00s");
  v.rows_estimate = 0;  // nothing to measure against
  EXPECT_EQ(EtaText(v), "");
}

TEST(RateMeterTest, MeasuresOverTheWindow) {
  RateMeter m(seconds(10));
  EXPECT_EQ(m.PerSecond(), 0);
  m.Add(At(0), 0);
  EXPECT_EQ(m.PerSecond(), 0);
  m.Add(At(5), 500);
  EXPECT_DOUBLE_EQ(m.PerSecond(), 100);
  m.Add(At(10), 1000);
  // Samples older than the window drop out: only the last 10 s count.
  m.Add(At(20), 5000);
  EXPECT_DOUBLE_EQ(m.PerSecond(), 400);
}

// A clock the test moves by hand.
struct FakeClock {
  Clock::time_point now = At(0);
  std::function<Clock::time_point()> Fn() {
    return [this] { return now; };
  }
};

ProgressSink::Options QuietOptions(FakeClock* clock) {
  ProgressSink::Options o;
  o.mode = ProgressSink::Mode::kQuiet;
  o.out = nullptr;
  o.clock = clock->Fn();
  return o;
}

TEST(ProgressSinkTest, CountsJobsAndCreditsOnlyWorkThatStays) {
  FakeClock clock;
  ProgressSink sink(QuietOptions(&clock));
  for (scheduler::JobId j = 1; j <= 3; ++j) sink.OnEvent(Ev(Event::kQueued, j, 0));
  sink.OnEvent(Ev(Event::kStarted, 1, 1, 0, "copy a", "data"));
  sink.OnEvent(Ev(Event::kStarted, 2, 1, 1, "copy b", "data"));
  sink.OnEvent(Progress(1, 2, 0, 1000, 10));
  sink.OnEvent(Progress(2, 2, 1, 500, 5));

  clock.now = At(4);
  ProgressView v = sink.View();
  EXPECT_EQ(v.bytes, 1500u);
  EXPECT_EQ(v.jobs_running, 2u);
  EXPECT_EQ(v.jobs_ready, 1u);
  ASSERT_EQ(v.slots.size(), 2u);
  EXPECT_TRUE(v.slots[1].busy);
  EXPECT_EQ(v.slots[1].name, "copy b");
  EXPECT_EQ(v.slots[1].bytes, 500u);
  EXPECT_EQ(v.slots[1].running, seconds(3));

  sink.OnEvent(testing::Ended(Event::kFinished, 1, 5, 0));
  sink.OnEvent(testing::Ended(Event::kRetry, 2, 5, 1, Status(StatusCode::kConnection, "lost")));
  v = sink.View();
  EXPECT_EQ(v.bytes, 1000u);  // the retried attempt's 500 bytes will be redone
  EXPECT_EQ(v.rows, 10u);
  EXPECT_EQ(v.jobs_done, 1u);
  EXPECT_EQ(v.jobs_running, 0u);
  EXPECT_EQ(v.retries, 1u);
  EXPECT_FALSE(v.slots[0].busy);
  EXPECT_FALSE(v.slots[1].busy);
}

// `hyperdump migrate`: two sides share the display through SideSinks; the
// bar and the ETA are the slower side's, both sides' bytes are shown, and
// their slots do not collide.
TEST(ProgressSinkTest, TwoSidesShowBothAndProgressIsTheSlowerOnes) {
  FakeClock clock;
  ProgressSink sink(QuietOptions(&clock));
  SideSink dump("dump", &sink, 0, 0), restore("restore", &sink, 1u << 30, 2);
  sink.SetEstimate(4000, 0);
  dump.OnEvent(Ev(Event::kStarted, 1, 1, 0, "copy a", "copy"));
  restore.OnEvent(Ev(Event::kStarted, 1, 1, 0, "copy a", "copy"));
  dump.OnEvent(Progress(1, 2, 0, 3000, 30));
  restore.OnEvent(Progress(1, 2, 0, 1000, 10));
  clock.now = At(3);
  ProgressView v = sink.View();
  EXPECT_EQ(v.bytes, 1000u);  // the restore is behind
  EXPECT_EQ(v.rows, 10u);
  ASSERT_EQ(v.slots.size(), 3u);
  EXPECT_EQ(v.slots[0].name, "dump copy a");
  EXPECT_EQ(v.slots[2].name, "restore copy a");
  std::string line = RenderPlainLine(v);
  EXPECT_NE(line.find("dump 2.9 KiB, restore 1000 B; slower: 1000 B of 3.9 KiB (25%)"),
            std::string::npos)
      << line;
}

TEST(ProgressSinkTest, AStartOnABusySlotEndsWhatWasThere) {
  FakeClock clock;
  ProgressSink sink(QuietOptions(&clock));
  sink.OnEvent(Ev(Event::kStarted, 1, 0, 0, "a", "data"));
  sink.OnEvent(Ev(Event::kStarted, 2, 1, 0, "b", "data"));  // job 1's end was lost
  sink.OnEvent(Ev(Event::kStarted, 2, 2, 1, "b", "data"));  // so was job 2's
  ProgressView v = sink.View();
  EXPECT_EQ(v.jobs_running, 1u);
  EXPECT_FALSE(v.slots[0].busy);
  EXPECT_EQ(v.slots[1].name, "b");
  sink.OnEvent(testing::Ended(Event::kFinished, 1, 3, 0));  // late: ignored
  sink.OnEvent(testing::Ended(Event::kFinished, 2, 3, 1));
  v = sink.View();
  EXPECT_EQ(v.jobs_running, 0u);
  EXPECT_EQ(v.jobs_done, 2u);
}

TEST(ProgressSinkTest, ComputesRateAndEtaFromTheInjectedClock) {
  FakeClock clock;
  ProgressSink sink(QuietOptions(&clock));
  sink.SetEstimate(10'000, 0);
  sink.OnEvent(Ev(Event::kStarted, 1, 0, 0, "copy", "data"));
  (void)sink.View();  // first sample: 0 bytes at t=0
  sink.OnEvent(Progress(1, 1, 0, 2000, 0));
  clock.now = At(2);
  ProgressView v = sink.View();
  EXPECT_DOUBLE_EQ(v.bytes_per_second, 1000);
  EXPECT_EQ(Remaining(v), seconds(8));
  EXPECT_EQ(PercentDone(v), 20);
}

TEST(ProgressSinkTest, TimesEachPhase) {
  FakeClock clock;
  ProgressSink sink(QuietOptions(&clock));
  sink.SetPhase("schema");
  clock.now = At(4);
  sink.SetPhase("data");
  clock.now = At(10.5);
  std::vector<PhaseTiming> phases = sink.Phases();
  ASSERT_EQ(phases.size(), 2u);
  EXPECT_EQ(phases[0].name, "schema");
  EXPECT_EQ(phases[0].duration, seconds(4));
  EXPECT_EQ(phases[1].name, "data");
  EXPECT_EQ(phases[1].duration, milliseconds(6500));
}

std::string ReadAll(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

TEST(ProgressSinkTest, PlainModeWritesPhaseLinesAndAFinalLine) {
  FakeClock clock;
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressSink::Options o;
  o.mode = ProgressSink::Mode::kPlain;
  o.out = f;
  o.label = "dump";
  o.plain_interval = std::chrono::hours(1);  // no periodic line within the test
  o.clock = clock.Fn();
  {
    ProgressSink sink(o);
    EXPECT_EQ(sink.mode(), ProgressSink::Mode::kPlain);
    sink.SetPhase("data");
    sink.OnEvent(Ev(Event::kStarted, 1, 0, 0, "copy", "data"));
    sink.OnEvent(Progress(1, 1, 0, 4096, 7));
    sink.OnEvent(testing::Ended(Event::kFinished, 1, 2, 0));
    clock.now = At(3);
    sink.Print("warning: table t has no primary key");
  }  // the destructor stops the sink
  EXPECT_EQ(ReadAll(f),
            "[0.0s] dump: phase data\n"
            "warning: table t has no primary key\n"
            "[3.0s] dump data: 4.0 KiB, 7 rows, -; jobs 1 done, 0 running, 0 ready\n");
  std::fclose(f);
}

TEST(ProgressSinkTest, AutoModeIsPlainWhenOutputIsNotATerminal) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressSink::Options o;
  o.out = f;
  ProgressSink sink(o);
  EXPECT_EQ(sink.mode(), ProgressSink::Mode::kPlain);
  sink.Stop();
  std::fclose(f);
}

TEST(ProgressSinkTest, QuietModePrintsOnlyMessages) {
  FakeClock clock;
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressSink::Options o;
  o.mode = ProgressSink::Mode::kQuiet;
  o.out = f;
  o.clock = clock.Fn();
  {
    ProgressSink sink(o);
    sink.SetPhase("data");
    sink.OnEvent(Ev(Event::kStarted, 1, 0, 0, "copy", "data"));
    sink.Print("warning: w");
  }
  EXPECT_EQ(ReadAll(f), "warning: w\n");
  std::fclose(f);
}

TEST(ProgressSinkTest, TerminalModeRedrawsInPlaceAndErasesOnStop) {
  FakeClock clock;
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressSink::Options o;
  o.mode = ProgressSink::Mode::kTerminal;
  o.out = f;
  o.width = 61;  // lines are cut to width-1 so the cursor never wraps
  o.refresh = std::chrono::hours(1);
  o.clock = clock.Fn();
  {
    ProgressSink sink(o);
    sink.SetPhase("schema");
    sink.Print("one");
    sink.Print("two");
    sink.Stop();
    sink.Print("after stop");
  }
  const std::string frame =
      "\x1b[2Kschema  0 B  -\n"
      "\x1b[2K0 rows \xC2\xB7 jobs 0 done, 0 running, 0 ready \xC2\xB7 elapsed 0.0s\n"
      "\x1b[J";
  EXPECT_EQ(ReadAll(f),
            "one\n" + frame + "\x1b[2F\x1b[Jtwo\n" + frame + "\x1b[2F\x1b[J" + "after stop\n");
  std::fclose(f);
}

TEST(ProgressSinkTest, TakesEventsFromManyThreads) {
  FakeClock clock;
  ProgressSink sink(QuietOptions(&clock));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&sink, t] {
      auto job = static_cast<scheduler::JobId>(t + 1);
      sink.OnEvent(Ev(Event::kStarted, job, 0, t, "j", "data"));
      for (int i = 0; i < 1000; ++i) sink.OnEvent(Progress(job, 0, t, 3, 1));
      sink.OnEvent(testing::Ended(Event::kFinished, job, 1, t));
    });
  }
  for (int i = 0; i < 100; ++i) (void)sink.View();
  for (std::thread& th : threads) th.join();
  ProgressView v = sink.View();
  EXPECT_EQ(v.bytes, 12'000u);
  EXPECT_EQ(v.rows, 4'000u);
  EXPECT_EQ(v.jobs_done, 4u);
}

}  // namespace
}  // namespace hyperdump::ui
