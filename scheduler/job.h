// What a job is, what it is told when it runs, and what it answers.
//
// The scheduler knows nothing of PostgreSQL or files: a job is a name, a kind
// (for progress and the timeline), a weight (its estimated cost, e.g. bytes),
// optional conflict keys and a function. The caller classifies errors: the
// job returns Done, Retry (transient: lock not available, serialization
// failure, lost connection), Requeue (try again later, e.g. a busy lock) or
// Fail (hard). The scheduler never inspects SQLSTATEs.
#ifndef HYPERDUMP_SCHEDULER_JOB_H_
#define HYPERDUMP_SCHEDULER_JOB_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace hyperdump::scheduler {

using JobId = uint32_t;

class EventSink;
struct JobSpec;

// Handed to a running job. Lives only for that call; a job must not keep it.
// `slot` (0..slots-1) names the connection the job owns for the call: the
// engine maps it to its own connection vector. One slot runs one job at a time.
struct JobContext {
  JobContext(int slot_in, JobId id_in, int attempt_in, const JobSpec* spec = nullptr,
             EventSink* sink = nullptr, const std::atomic<bool>* cancel = nullptr)
      : slot(slot_in), id(id_in), attempt(attempt_in), spec_(spec), sink_(sink), cancel_(cancel) {}

  int slot;
  JobId id;
  int attempt;  // 1-based: how many times this job has been started, this call included
  // Slots that had nothing to run when this job started: no job running on
  // them and none ready to take them (slots - running - ready, at least 0).
  // A job may use that much parallelism of its own (an index build's
  // parallel workers) without taking a core from another job; slots that
  // fill later are not taken back. Set by the runner; 0 elsewhere.
  int spare_slots = 0;

  // True once the run asks running jobs to stop (a sibling's hard failure under
  // FailurePolicy::kCancelRunning, or Ctrl-C). Long jobs poll it between units of work.
  bool cancelled() const { return cancel_ != nullptr && cancel_->load(std::memory_order_acquire); }

  // Reports work done since the last call; becomes an Event::kProgress. Cheap
  // when there is no sink. Called from the job's own thread.
  void AddProgress(uint64_t bytes, uint64_t rows);

 private:
  const JobSpec* spec_;
  EventSink* sink_;
  const std::atomic<bool>* cancel_;
};

// A job's answer. Value type; the factories are the only way to build one.
class JobOutcome {
 public:
  enum class Kind { kDone, kRetry, kRequeue, kFail };

  static JobOutcome Done() { return JobOutcome(Kind::kDone, Status(), {}, {}); }
  // A transient error: run again after a backoff, up to RunOptions::max_attempts.
  static JobOutcome Retry(Status transient) {
    return JobOutcome(Kind::kRetry, std::move(transient), {}, {});
  }
  // Not now, later (a lock that is busy): ready again `after` from now; does
  // not count against max_attempts, only against max_requeues.
  static JobOutcome Requeue(std::chrono::milliseconds after, std::string why) {
    return JobOutcome(Kind::kRequeue, Status(), after, std::move(why));
  }
  // A hard failure: the run stops starting jobs (see FailurePolicy).
  static JobOutcome Fail(Status error) { return JobOutcome(Kind::kFail, std::move(error), {}, {}); }

  Kind kind() const { return kind_; }
  const Status& status() const { return status_; }            // kRetry, kFail
  std::chrono::milliseconds delay() const { return delay_; }  // kRequeue
  const std::string& why() const { return why_; }             // kRequeue

 private:
  JobOutcome(Kind kind, Status status, std::chrono::milliseconds delay, std::string why)
      : kind_(kind), status_(std::move(status)), delay_(delay), why_(std::move(why)) {}

  Kind kind_;
  Status status_;
  std::chrono::milliseconds delay_;
  std::string why_;
};

// Called on a worker thread with exclusive use of ctx.slot. May be called again
// (Retry, Requeue), so it must be safe to re-run after a partial attempt.
using JobFn = std::function<JobOutcome(JobContext&)>;

struct JobSpec {
  std::string name;     // for the user: "copy public.metrics chunk 17"
  std::string kind;     // for grouping in progress and the timeline: "copy", "index"
  uint64_t weight = 1;  // estimated cost (bytes); orders the critical path
  std::vector<std::string> conflict_keys;  // two jobs sharing a key never run at once
  JobFn fn;
};

}  // namespace hyperdump::scheduler

#endif  // HYPERDUMP_SCHEDULER_JOB_H_
