// Runs a JobGraph on exactly N slots with oneTBB.
//
// One slot = one worker loop = one database connection owned by the engine:
// the slot index (0..slots-1) is handed to each job, so a connection is reused
// across jobs and never used by two at once. Which job runs next is Plan's
// decision (plan.h); this file only owns the threads, the lock, the clock,
// cancellation and interruption.
#ifndef HYPERDUMP_SCHEDULER_RUNNER_H_
#define HYPERDUMP_SCHEDULER_RUNNER_H_

#include <atomic>
#include <chrono>
#include <functional>

#include "scheduler/events.h"
#include "scheduler/graph.h"
#include "scheduler/plan.h"

namespace hyperdump::scheduler {

// What happens to running jobs once the run stops (a hard failure, Ctrl-C).
// Either way no new job starts.
enum class FailurePolicy {
  kFinishRunning,  // let them finish; their outcomes are reported as they come
  kCancelRunning,  // JobContext::cancelled() turns true and on_cancel_slot is called
};

struct RunOptions {
  int slots = 1;         // exactly this many jobs run at once at most; each owns its slot
  int max_attempts = 3;  // Retry outcomes before a job fails
  std::chrono::milliseconds backoff_initial{100}, backoff_max{5000};
  int max_requeues = 1000;
  FailurePolicy on_failure = FailurePolicy::kFinishRunning;
  // Ctrl-C is a hard failure with status kCancelled; the user asked to stop,
  // so by default running jobs are cancelled rather than waited for.
  FailurePolicy on_interrupt = FailurePolicy::kCancelRunning;
  EventSink* sink = nullptr;  // must be thread-safe (events.h); not owned
  // Set (e.g. by a SIGINT handler) to stop the run. Polled by every worker
  // before it starts a job, and every 10 ms while all are busy. Not owned.
  const std::atomic<bool>* interrupt = nullptr;
  // Called when the job running on `slot` must be cancelled, so the engine can
  // PQcancel that slot's connection. Called at most once per running job, from
  // any thread, without the scheduler's lock held; the job may already have
  // finished, so it must tolerate an idle connection.
  std::function<void(int slot)> on_cancel_slot;
  Order order = Order::kCriticalPath;
};

// Validates the options and the graph, runs every job whose dependencies are
// Done, and returns when nothing runs any more. Blocks the calling thread
// (which only watches for interruption; jobs run on oneTBB worker threads).
// The report has every job: Done, failed, cancelled, or not started (a failed
// job's dependents, and everything after the run stopped).
//
// Raises oneTBB's max_allowed_parallelism to slots+1 for the run so that all
// slots get a thread even on a machine with fewer cores: jobs mostly wait on
// the database. A smaller active tbb::global_control limit still wins and
// then fewer slots run at once. Jobs run isolated (this_task_arena::isolate),
// so a job may use TBB parallel algorithms inside without picking up another
// slot's loop while it waits.
RunReport Run(const JobGraph& graph, const RunOptions& options);

}  // namespace hyperdump::scheduler

#endif  // HYPERDUMP_SCHEDULER_RUNNER_H_
