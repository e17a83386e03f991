#include "scheduler/events.h"

#include <gtest/gtest.h>

#include <thread>

namespace hyperdump::scheduler {
namespace {

TEST(RecorderSinkTest, KeepsEveryEventFromManyThreadsInArrivalOrderPerThread) {
  RecorderSink sink;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&sink, t] {
      for (int i = 0; i < 1000; ++i) {
        Event e;
        e.type = Event::kProgress;
        e.slot = t;
        e.bytes = static_cast<uint64_t>(i);
        sink.OnEvent(e);
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::vector<Event> events = sink.events();
  ASSERT_EQ(events.size(), 4000u);
  std::vector<uint64_t> next(4, 0);
  for (const Event& e : events) EXPECT_EQ(e.bytes, next[e.slot]++);
}

TEST(JobContextTest, AddProgressSendsAProgressEventNamingTheJobAndSlot) {
  RecorderSink sink;
  JobSpec spec;
  spec.name = "copy public.metrics";
  spec.kind = "copy";
  JobContext ctx(/*slot_in=*/3, /*id_in=*/7, /*attempt_in=*/2, &spec, &sink);
  ctx.AddProgress(4096, 10);
  const auto events = sink.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Event::kProgress);
  EXPECT_EQ(events[0].job, 7u);
  EXPECT_EQ(events[0].name, "copy public.metrics");
  EXPECT_EQ(events[0].kind, "copy");
  EXPECT_EQ(events[0].slot, 3);
  EXPECT_EQ(events[0].bytes, 4096u);
  EXPECT_EQ(events[0].rows, 10u);
  EXPECT_STREQ(EventTypeName(events[0].type), "progress");
}

TEST(JobContextTest, WithoutSinkOrCancelFlagNothingHappens) {
  JobContext ctx(0, 0, 1);
  ctx.AddProgress(1, 1);
  EXPECT_FALSE(ctx.cancelled());
  std::atomic<bool> cancel{false};
  JobContext watched(0, 0, 1, nullptr, nullptr, &cancel);
  EXPECT_FALSE(watched.cancelled());
  cancel = true;
  EXPECT_TRUE(watched.cancelled());
}

}  // namespace
}  // namespace hyperdump::scheduler
