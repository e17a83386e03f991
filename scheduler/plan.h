// The scheduling state machine, with no threads and no clock of its own.
//
// Plan decides which job runs next on a free slot and what a job's outcome
// does to the rest of the graph: dependencies, critical-path order, conflict
// keys, slot accounting, retry backoff, requeue delays, stopping after a hard
// failure. The executor (runner.h) drives it under one lock; tests step it by
// hand with made-up time points, so every decision is deterministic.
//
// Not thread-safe: the caller serializes all calls. The graph must be valid
// (JobGraph::Validate) and outlive the Plan.
#ifndef HYPERDUMP_SCHEDULER_PLAN_H_
#define HYPERDUMP_SCHEDULER_PLAN_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "scheduler/events.h"
#include "scheduler/graph.h"
#include "scheduler/job.h"

namespace hyperdump::scheduler {

// Which ready job goes first.
enum class Order {
  kCriticalPath,  // the one with the heaviest path to the end of the graph (ninja)
  kFifo,          // the one that became ready first (for comparison only)
};

struct PlanOptions {
  int slots = 1;
  int max_attempts = 3;  // a job fails on its max_attempts-th Retry
  std::chrono::milliseconds backoff_initial{100}, backoff_max{5000};  // doubles per Retry
  int max_requeues = 1000;  // a job fails on its (max_requeues+1)-th Requeue
  Order order = Order::kCriticalPath;
  EventSink* sink = nullptr;  // events are delivered from inside Plan's calls
};

struct JobReport {
  JobId id = 0;
  std::string name;
  enum State {
    kDone,
    kFailed,      // hard failure, or retries/requeues exhausted
    kCancelled,   // started, then stopped by the run before it was Done
    kNotStarted,  // never started (a dependency failed, or the run stopped first)
  } state = kNotStarted;
  Status status;     // why it is not Done
  int attempts = 0;  // times the job's function was called
  int requeues = 0;
};

struct RunReport {
  // True when every job is Done.
  bool ok() const {
    return first_error.ok() && failed.empty() && cancelled.empty() && not_started.empty();
  }

  std::vector<JobReport> jobs;     // every job, indexed by JobId
  std::vector<JobId> failed;       // kFailed
  std::vector<JobId> cancelled;    // kCancelled
  std::vector<JobId> not_started;  // kNotStarted
  int retries = 0;                 // Retry outcomes that were retried
  int requeues = 0;                // Requeue outcomes that were requeued
  Status first_error;              // the first hard failure, interruption or invalid input
};

class Plan {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  // Jobs with no dependencies are queued at `now`.
  Plan(const JobGraph& graph, const PlanOptions& options, TimePoint now);

  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  // Starts the best ready job that shares no conflict key with a running job
  // on `slot`, which must be free (0 <= slot < slots). Nothing when stopping
  // or when no job is ready at `now`.
  std::optional<JobId> Next(int slot, TimePoint now);

  // Records the outcome of running job `id` and frees its slot.
  void Complete(JobId id, const JobOutcome& outcome, TimePoint now);

  // No job starts from now on; `why` becomes the first error unless there is one.
  void Stop(const Status& why);

  // Marks every running job as cancelled (an outcome other than Done will be
  // reported kCancelled) and returns the slots they run on, each once: the
  // executor tells the jobs and the caller. Only jobs not already marked.
  std::vector<int> CancelRunning();

  bool stopping() const { return stopping_; }
  // Nothing runs and nothing more will start: Report() is final.
  bool finished() const { return running_ == 0 && (stopping_ || done_ == states_.size()); }
  // When the earliest delayed (retry/requeue) job becomes ready, if any.
  std::optional<TimePoint> NextWakeup() const;
  size_t ready_count() const { return ready_.size(); }
  int running_count() const { return running_; }
  // The running job on `slot`, if any.
  std::optional<JobId> job_on_slot(int slot) const;
  // Times job `id` has been started (its current attempt number while running).
  int attempts(JobId id) const { return states_[id].attempts; }
  uint64_t priority(JobId id) const { return priority_[id]; }
  const Status& first_error() const { return first_error_; }

  RunReport Report() const;

 private:
  enum class State : uint8_t {
    kBlocked,
    kReady,
    kParked,
    kDelayed,
    kRunning,
    kDone,
    kFailed,
    kCancelled
  };
  struct JobState {
    State state = State::kBlocked;
    bool cancel_requested = false;
    int slot = -1;
    uint32_t pending = 0;  // dependencies not yet Done
    int attempts = 0;
    int transient_failures = 0;
    int requeues = 0;
    uint64_t ready_key = 0;  // larger runs first
    Status status;
  };
  struct ReadyEntry {
    uint64_t key;
    JobId id;
  };
  struct DelayedEntry {
    TimePoint at;
    JobId id;
  };

  void MakeReady(JobId id, TimePoint now);
  void PushReady(JobId id);
  void Delay(JobId id, TimePoint until);
  void ReleaseKeys(JobId id);
  // The first conflict key of `id` held by a running job, or -1.
  int BusyKey(JobId id) const;
  void EndRunning(JobId id, State state, Status status, Event::Type event, TimePoint now);
  void Emit(Event::Type type, JobId id, TimePoint now, int slot = -1, const Status& status = {},
            std::string detail = {}) const;

  const JobGraph& graph_;
  const PlanOptions options_;
  std::vector<JobState> states_;
  std::vector<uint64_t> priority_;
  std::vector<std::vector<uint32_t>> job_keys_;  // interned conflict keys per job
  std::vector<int64_t> key_holder_;              // running job holding each key, or -1
  std::vector<std::vector<JobId>> key_waiters_;  // ready jobs parked on a held key
  std::vector<ReadyEntry> ready_;                // heap
  std::vector<DelayedEntry> delayed_;            // heap, earliest first
  std::vector<int64_t> slot_job_;                // running job per slot, or -1
  uint64_t ready_seq_ = 0;
  size_t done_ = 0;
  int running_ = 0;
  int retries_ = 0;
  int requeues_ = 0;
  bool stopping_ = false;
  Status first_error_;
};

}  // namespace hyperdump::scheduler

#endif  // HYPERDUMP_SCHEDULER_PLAN_H_
