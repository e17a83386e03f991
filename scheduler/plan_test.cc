// Steps the Plan by hand: no threads, made-up time, every decision checked.
#include "scheduler/plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace hyperdump::scheduler {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ms = std::chrono::milliseconds;

const Plan::TimePoint kT0{};

JobSpec Spec(std::string name, uint64_t weight = 1, std::vector<std::string> keys = {}) {
  JobSpec spec;
  spec.name = std::move(name);
  spec.kind = "test";
  spec.weight = weight;
  spec.conflict_keys = std::move(keys);
  return spec;
}

PlanOptions Options(int slots) {
  PlanOptions o;
  o.slots = slots;
  return o;
}

TEST(PlanTest, StartsReadyJobsHeaviestPathFirst) {
  JobGraph g;
  const JobId small = g.Add(Spec("small", 1));
  const JobId big = g.Add(Spec("big", 100));
  const JobId head = g.Add(Spec("head of long chain", 1));
  const JobId tail = g.Add(Spec("tail", 500));
  g.AddDependency(head, tail);
  Plan plan(g, Options(3), kT0);
  EXPECT_EQ(plan.Next(0, kT0), head);  // 501 to the end
  EXPECT_EQ(plan.Next(1, kT0), big);
  EXPECT_EQ(plan.Next(2, kT0), small);
}

TEST(PlanTest, EqualPrioritiesStartInOrderOfAdd) {
  JobGraph g;
  for (int i = 0; i < 4; ++i) g.Add(Spec("j" + std::to_string(i), 7));
  Plan plan(g, Options(4), kT0);
  for (int slot = 0; slot < 4; ++slot) EXPECT_EQ(plan.Next(slot, kT0), JobId(slot));
}

TEST(PlanTest, DependentStartsOnlyAfterItsDependencyIsDone) {
  JobGraph g;
  const JobId data = g.Add(Spec("copy t", 10));
  const JobId index = g.Add(Spec("index t", 1));
  g.AddDependency(data, index);
  Plan plan(g, Options(2), kT0);
  EXPECT_EQ(plan.Next(0, kT0), data);
  EXPECT_EQ(plan.Next(1, kT0), std::nullopt);
  plan.Complete(data, JobOutcome::Done(), kT0 + ms(5));
  EXPECT_EQ(plan.Next(1, kT0 + ms(5)), index);
  plan.Complete(index, JobOutcome::Done(), kT0 + ms(6));
  EXPECT_TRUE(plan.finished());
  const RunReport r = plan.Report();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.jobs[index].state, JobReport::kDone);
  EXPECT_EQ(r.jobs[index].attempts, 1);
}

TEST(PlanTest, JobWaitsForAllOfItsDependencies) {
  JobGraph g;
  const JobId t1 = g.Add(Spec("copy t1")), t2 = g.Add(Spec("copy t2")), fk = g.Add(Spec("fk"));
  g.AddDependency(t1, fk);
  g.AddDependency(t2, fk);
  Plan plan(g, Options(2), kT0);
  EXPECT_EQ(plan.Next(0, kT0), t1);
  EXPECT_EQ(plan.Next(1, kT0), t2);
  plan.Complete(t1, JobOutcome::Done(), kT0);
  EXPECT_EQ(plan.Next(0, kT0), std::nullopt);
  plan.Complete(t2, JobOutcome::Done(), kT0);
  EXPECT_EQ(plan.Next(0, kT0), fk);
}

TEST(PlanTest, JobsSharingAConflictKeyNeverRunTogether) {
  JobGraph g;
  const JobId a = g.Add(Spec("a", 10, {"lock:t"}));
  const JobId b = g.Add(Spec("b", 9, {"lock:t", "lock:u"}));
  const JobId c = g.Add(Spec("c", 8, {"lock:u"}));
  const JobId d = g.Add(Spec("d", 1));
  Plan plan(g, Options(4), kT0);
  EXPECT_EQ(plan.Next(0, kT0), a);
  EXPECT_EQ(plan.Next(1, kT0), c);  // b waits for a's key; c's key is free
  EXPECT_EQ(plan.Next(2, kT0), d);
  EXPECT_EQ(plan.Next(3, kT0), std::nullopt);
  plan.Complete(a, JobOutcome::Done(), kT0);
  EXPECT_EQ(plan.Next(0, kT0), std::nullopt);  // b now waits for c's key
  plan.Complete(c, JobOutcome::Done(), kT0);
  EXPECT_EQ(plan.Next(0, kT0), b);
}

TEST(PlanTest, ReportsWhichJobRunsOnWhichSlot) {
  JobGraph g;
  g.Add(Spec("a"));
  g.Add(Spec("b"));
  Plan plan(g, Options(2), kT0);
  EXPECT_EQ(plan.Next(1, kT0), 0u);
  EXPECT_EQ(plan.job_on_slot(1), 0u);
  EXPECT_EQ(plan.job_on_slot(0), std::nullopt);
  EXPECT_EQ(plan.running_count(), 1);
  plan.Complete(0, JobOutcome::Done(), kT0);
  EXPECT_EQ(plan.job_on_slot(1), std::nullopt);
  EXPECT_EQ(plan.running_count(), 0);
}

TEST(PlanTest, RetryWaitsForAnExponentialBackoffWithoutHoldingTheSlot) {
  JobGraph g;
  const JobId flaky = g.Add(Spec("flaky", 10));
  const JobId other = g.Add(Spec("other", 1));
  PlanOptions o = Options(1);
  o.max_attempts = 4;
  o.backoff_initial = ms(100);
  o.backoff_max = ms(250);
  Plan plan(g, o, kT0);
  const Status transient(StatusCode::kDatabase, "lock not available", "55P03");

  EXPECT_EQ(plan.Next(0, kT0), flaky);
  plan.Complete(flaky, JobOutcome::Retry(transient), kT0);
  EXPECT_EQ(plan.NextWakeup(), kT0 + ms(100));
  EXPECT_EQ(plan.Next(0, kT0), other);  // the slot is not kept idle for the retry
  plan.Complete(other, JobOutcome::Done(), kT0 + ms(1));
  EXPECT_EQ(plan.Next(0, kT0 + ms(99)), std::nullopt);
  EXPECT_EQ(plan.Next(0, kT0 + ms(100)), flaky);
  EXPECT_EQ(plan.attempts(flaky), 2);
  plan.Complete(flaky, JobOutcome::Retry(transient), kT0 + ms(100));
  EXPECT_EQ(plan.NextWakeup(), kT0 + ms(300));  // 200 ms
  EXPECT_EQ(plan.Next(0, kT0 + ms(300)), flaky);
  plan.Complete(flaky, JobOutcome::Retry(transient), kT0 + ms(300));
  EXPECT_EQ(plan.NextWakeup(), kT0 + ms(550));  // 400 ms, capped at 250
  EXPECT_EQ(plan.Next(0, kT0 + ms(550)), flaky);
  plan.Complete(flaky, JobOutcome::Done(), kT0 + ms(560));
  const RunReport r = plan.Report();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.retries, 3);
  EXPECT_EQ(r.jobs[flaky].attempts, 4);
}

TEST(PlanTest, RetriesExhaustedIsAHardFailureNamingTheJob) {
  JobGraph g;
  const JobId flaky = g.Add(Spec("copy t"));
  const JobId after = g.Add(Spec("index t"));
  g.AddDependency(flaky, after);
  PlanOptions o = Options(1);
  o.max_attempts = 2;
  o.backoff_initial = ms(0);
  Plan plan(g, o, kT0);
  const Status transient(StatusCode::kConnection, "server closed the connection", "08006");
  EXPECT_EQ(plan.Next(0, kT0), flaky);
  plan.Complete(flaky, JobOutcome::Retry(transient), kT0);
  EXPECT_EQ(plan.Next(0, kT0), flaky);
  plan.Complete(flaky, JobOutcome::Retry(transient), kT0);
  EXPECT_TRUE(plan.stopping());
  EXPECT_TRUE(plan.finished());
  const RunReport r = plan.Report();
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.failed, ElementsAre(flaky));
  EXPECT_THAT(r.not_started, ElementsAre(after));
  EXPECT_EQ(r.first_error.code(), StatusCode::kConnection);
  EXPECT_EQ(r.first_error.sqlstate(), "08006");
  EXPECT_EQ(r.first_error.message(),
            "job 'copy t' gave up after 2 attempts: server closed the connection");
  EXPECT_EQ(r.retries, 1);
}

TEST(PlanTest, RequeueDelaysTheJobAndDoesNotCountAsAnAttemptFailure) {
  JobGraph g;
  const JobId busy = g.Add(Spec("busy", 10));
  const JobId other = g.Add(Spec("other", 1));
  PlanOptions o = Options(1);
  o.max_attempts = 1;
  Plan plan(g, o, kT0);
  EXPECT_EQ(plan.Next(0, kT0), busy);
  plan.Complete(busy, JobOutcome::Requeue(ms(50), "lock on t held by pid 42"), kT0);
  EXPECT_FALSE(plan.stopping());
  EXPECT_EQ(plan.Next(0, kT0 + ms(1)), other);
  plan.Complete(other, JobOutcome::Done(), kT0 + ms(2));
  EXPECT_EQ(plan.Next(0, kT0 + ms(49)), std::nullopt);
  EXPECT_EQ(plan.Next(0, kT0 + ms(50)), busy);
  plan.Complete(busy, JobOutcome::Done(), kT0 + ms(51));
  const RunReport r = plan.Report();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.jobs[busy].requeues, 1);
  EXPECT_EQ(r.jobs[busy].attempts, 2);
  EXPECT_EQ(r.requeues, 1);
}

TEST(PlanTest, TooManyRequeuesFailsTheJob) {
  JobGraph g;
  const JobId busy = g.Add(Spec("lock t"));
  PlanOptions o = Options(1);
  o.max_requeues = 2;
  Plan plan(g, o, kT0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(plan.Next(0, kT0), busy);
    plan.Complete(busy, JobOutcome::Requeue(ms(0), "lock busy"), kT0);
  }
  const RunReport r = plan.Report();
  EXPECT_THAT(r.failed, ElementsAre(busy));
  EXPECT_EQ(r.first_error.message(),
            "job 'lock t' was requeued 2 times and is still not ready (lock busy); find what "
            "holds it back or raise the limit");
}

TEST(PlanTest, HardFailureStopsNewJobsAndLetsRunningOnesFinish) {
  JobGraph g;
  const JobId bad = g.Add(Spec("bad", 10));
  const JobId slow = g.Add(Spec("slow", 9));
  const JobId waiting = g.Add(Spec("waiting", 8));
  const JobId dependent = g.Add(Spec("dependent of bad", 1));
  g.AddDependency(bad, dependent);
  Plan plan(g, Options(2), kT0);
  EXPECT_EQ(plan.Next(0, kT0), bad);
  EXPECT_EQ(plan.Next(1, kT0), slow);
  plan.Complete(bad,
                JobOutcome::Fail(Status(StatusCode::kDatabase, "permission denied for t", "42501")),
                kT0);
  EXPECT_TRUE(plan.stopping());
  EXPECT_EQ(plan.Next(0, kT0), std::nullopt);
  EXPECT_FALSE(plan.finished());  // slow still runs
  plan.Complete(slow, JobOutcome::Done(), kT0);
  EXPECT_TRUE(plan.finished());
  const RunReport r = plan.Report();
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.failed, ElementsAre(bad));
  EXPECT_THAT(r.not_started, ElementsAre(waiting, dependent));
  EXPECT_EQ(r.jobs[slow].state, JobReport::kDone);
  EXPECT_EQ(r.first_error.message(), "permission denied for t");
  EXPECT_EQ(r.jobs[waiting].status.code(), StatusCode::kCancelled);
  EXPECT_EQ(r.jobs[waiting].status.message(),
            "job 'waiting' did not run: the run stopped after: permission denied for t");
}

TEST(PlanTest, CancelledRunningJobsAreReportedCancelled) {
  JobGraph g;
  const JobId bad = g.Add(Spec("bad", 10));
  const JobId slow = g.Add(Spec("slow", 9));
  const JobId retrying = g.Add(Spec("retrying", 8));
  Plan plan(g, Options(3), kT0);
  EXPECT_EQ(plan.Next(0, kT0), bad);
  EXPECT_EQ(plan.Next(1, kT0), slow);
  EXPECT_EQ(plan.Next(2, kT0), retrying);
  plan.Complete(bad, JobOutcome::Fail(Internal("boom")), kT0);
  EXPECT_THAT(plan.CancelRunning(), ElementsAre(1, 2));
  EXPECT_THAT(plan.CancelRunning(), ElementsAre());  // each job once
  plan.Complete(slow, JobOutcome::Fail(Cancelled("canceling statement due to user request")), kT0);
  plan.Complete(retrying, JobOutcome::Retry(Status(StatusCode::kConnection, "lost")), kT0);
  ASSERT_TRUE(plan.finished());
  const RunReport r = plan.Report();
  EXPECT_THAT(r.failed, ElementsAre(bad));
  EXPECT_THAT(r.cancelled, ElementsAre(slow, retrying));
  EXPECT_EQ(r.first_error.message(), "boom");
  EXPECT_EQ(r.retries, 0);
}

TEST(PlanTest, RetryAfterTheRunStoppedIsNotRetried) {
  JobGraph g;
  const JobId bad = g.Add(Spec("bad", 10));
  const JobId flaky = g.Add(Spec("flaky", 9));
  Plan plan(g, Options(2), kT0);
  EXPECT_EQ(plan.Next(0, kT0), bad);
  EXPECT_EQ(plan.Next(1, kT0), flaky);
  plan.Complete(bad, JobOutcome::Fail(Internal("boom")), kT0);
  plan.Complete(flaky, JobOutcome::Retry(Status(StatusCode::kDatabase, "deadlock", "40P01")), kT0);
  const RunReport r = plan.Report();
  EXPECT_EQ(r.jobs[flaky].state, JobReport::kCancelled);
  EXPECT_EQ(r.jobs[flaky].status.message(), "not retried because the run stopped: deadlock");
}

TEST(PlanTest, JobWaitingForItsRetryWhenTheRunStopsIsCancelled) {
  JobGraph g;
  const JobId flaky = g.Add(Spec("flaky", 10));
  const JobId bad = g.Add(Spec("bad", 1));
  Plan plan(g, Options(1), kT0);
  EXPECT_EQ(plan.Next(0, kT0), flaky);
  plan.Complete(flaky, JobOutcome::Retry(Status(StatusCode::kDatabase, "deadlock", "40P01")), kT0);
  EXPECT_EQ(plan.Next(0, kT0), bad);
  plan.Complete(bad, JobOutcome::Fail(Internal("boom")), kT0);
  EXPECT_EQ(plan.NextWakeup(), std::nullopt);
  ASSERT_TRUE(plan.finished());
  const RunReport r = plan.Report();
  EXPECT_THAT(r.cancelled, ElementsAre(flaky));
  EXPECT_EQ(r.jobs[flaky].status.message(), "not retried because the run stopped: deadlock");
}

TEST(PlanTest, StopKeepsTheFirstError) {
  JobGraph g;
  g.Add(Spec("a"));
  Plan plan(g, Options(1), kT0);
  plan.Stop(Cancelled("interrupted"));
  plan.Stop(Internal("later"));
  EXPECT_EQ(plan.Next(0, kT0), std::nullopt);
  EXPECT_TRUE(plan.finished());
  const RunReport r = plan.Report();
  EXPECT_EQ(r.first_error.code(), StatusCode::kCancelled);
  EXPECT_THAT(r.not_started, ElementsAre(0u));
}

TEST(PlanTest, FailureWithOkStatusIsReportedAsABugInTheJob) {
  JobGraph g;
  g.Add(Spec("sloppy"));
  Plan plan(g, Options(1), kT0);
  ASSERT_EQ(plan.Next(0, kT0), 0u);
  plan.Complete(0, JobOutcome::Fail(Status::Ok()), kT0);
  EXPECT_EQ(plan.Report().first_error.message(),
            "job 'sloppy' reported a failure with an OK status");
}

TEST(PlanTest, EventsTellWhatHappenedWhenAndOnWhichSlot) {
  JobGraph g;
  const JobId a = g.Add(Spec("a", 2));
  const JobId b = g.Add(Spec("b", 1));
  g.AddDependency(a, b);
  RecorderSink sink;
  PlanOptions o = Options(2);
  o.sink = &sink;
  o.backoff_initial = ms(10);
  Plan plan(g, o, kT0);
  ASSERT_EQ(plan.Next(1, kT0 + ms(1)), a);
  plan.Complete(a, JobOutcome::Retry(Status(StatusCode::kDatabase, "deadlock", "40P01")),
                kT0 + ms(2));
  ASSERT_EQ(plan.Next(0, kT0 + ms(12)), a);
  plan.Complete(a, JobOutcome::Done(), kT0 + ms(13));
  ASSERT_EQ(plan.Next(0, kT0 + ms(14)), b);
  plan.Complete(b, JobOutcome::Requeue(ms(1), "busy"), kT0 + ms(15));
  ASSERT_EQ(plan.Next(1, kT0 + ms(16)), b);
  plan.Complete(b, JobOutcome::Fail(Internal("boom")), kT0 + ms(17));

  std::vector<std::string> seen;
  for (const Event& e : sink.events()) {
    seen.push_back(
        std::string(EventTypeName(e.type)) + " " + e.name + " slot " + std::to_string(e.slot) +
        " at " + std::to_string(std::chrono::duration_cast<ms>(e.at - kT0).count()) +
        (e.detail.empty() ? "" : " " + e.detail) + (e.status.ok() ? "" : " " + e.status.message()));
  }
  EXPECT_THAT(seen, ElementsAre("queued a slot -1 at 0", "started a slot 1 at 1",
                                "retry a slot 1 at 2 deadlock", "queued a slot -1 at 12",
                                "started a slot 0 at 12", "finished a slot 0 at 13",
                                "queued b slot -1 at 13", "started b slot 0 at 14",
                                "requeued b slot 0 at 15 busy", "queued b slot -1 at 16",
                                "started b slot 1 at 16", "failed b slot 1 at 17 boom"));
}

// Runs the plan as a discrete-event simulation: every job takes `weight` time
// units, `slots` run at once. Returns when the last job ends.
int64_t Makespan(const JobGraph& g, int slots, Order order) {
  PlanOptions o = Options(slots);
  o.order = order;
  Plan plan(g, o, kT0);
  std::multimap<int64_t, std::pair<JobId, int>> running;  // end time -> job, slot
  std::vector<bool> busy(static_cast<size_t>(slots), false);
  int64_t now = 0;
  while (!plan.finished()) {
    for (int slot = 0; slot < slots; ++slot) {
      if (busy[slot]) continue;
      if (auto id = plan.Next(slot, kT0 + ms(now))) {
        busy[slot] = true;
        running.emplace(now + static_cast<int64_t>(g.job(*id).weight), std::make_pair(*id, slot));
      }
    }
    if (running.empty()) break;
    const auto first = running.begin();
    now = first->first;
    busy[first->second.second] = false;
    plan.Complete(first->second.first, JobOutcome::Done(), kT0 + ms(now));
    running.erase(first);
  }
  EXPECT_TRUE(plan.Report().ok());
  return now;
}

TEST(PlanTest, CriticalPathOrderFinishesSoonerThanFifo) {
  // Twenty independent jobs added first, then a chain of ten: FIFO runs the
  // independent ones first and leaves the chain for a serial tail.
  JobGraph g;
  for (int i = 0; i < 20; ++i) g.Add(Spec("table " + std::to_string(i), 10));
  JobId previous = g.Add(Spec("chain 0", 10));
  for (int i = 1; i < 10; ++i) {
    const JobId next = g.Add(Spec("chain " + std::to_string(i), 10));
    g.AddDependency(previous, next);
    previous = next;
  }
  const int64_t critical = Makespan(g, 2, Order::kCriticalPath);
  const int64_t fifo = Makespan(g, 2, Order::kFifo);
  EXPECT_EQ(critical, 150);  // total work 300 on 2 slots: the best possible
  EXPECT_EQ(fifo, 200);
  EXPECT_LT(critical, fifo);
}

TEST(PlanTest, CriticalPathStartsTheBiggestTableFirst) {
  // One big table whose index builds follow its data, many small ones: the
  // big chain starts at once and the run ends with it, not after it.
  JobGraph g;
  for (int i = 0; i < 8; ++i) g.Add(Spec("small " + std::to_string(i), 5));
  const JobId big = g.Add(Spec("copy big", 40));
  const JobId index = g.Add(Spec("index big", 20));
  g.AddDependency(big, index);
  EXPECT_EQ(Makespan(g, 2, Order::kCriticalPath), 60);
  EXPECT_EQ(Makespan(g, 2, Order::kFifo), 80);
}

}  // namespace
}  // namespace hyperdump::scheduler
