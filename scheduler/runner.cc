#include "scheduler/runner.h"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hyperdump::scheduler {
namespace {

using Clock = Plan::Clock;

// How often the calling thread looks at RunOptions::interrupt while every
// worker is busy. Ctrl-C is noticed at least this fast.
constexpr std::chrono::milliseconds kInterruptPoll{10};

PlanOptions ToPlanOptions(const RunOptions& o) {
  PlanOptions p;
  p.slots = o.slots;
  p.max_attempts = o.max_attempts;
  p.backoff_initial = o.backoff_initial;
  p.backoff_max = o.backoff_max;
  p.max_requeues = o.max_requeues;
  p.order = o.order;
  p.sink = o.sink;
  return p;
}

Status CheckInput(const JobGraph& graph, const RunOptions& o) {
  if (o.slots < 1) {
    return InvalidArgument("the number of parallel jobs must be at least 1 (got " +
                           std::to_string(o.slots) + ")");
  }
  if (o.max_attempts < 1 || o.max_requeues < 0 || o.backoff_initial.count() < 0 ||
      o.backoff_max < o.backoff_initial) {
    return InvalidArgument(
        "scheduler retry options are inconsistent: need max_attempts >= 1, max_requeues >= 0 "
        "and 0 <= backoff_initial <= backoff_max");
  }
  HD_RETURN_IF_ERROR(graph.Validate());
  for (JobId id = 0; id < graph.size(); ++id) {
    if (!graph.job(id).fn) {
      return InvalidArgument("job '" + graph.job(id).name + "' has no function to run");
    }
  }
  return Status::Ok();
}

// Every job not started, because the run could not begin.
RunReport NothingRan(const JobGraph& graph, const Status& why) {
  RunReport report;
  report.first_error = why;
  for (JobId id = 0; id < graph.size(); ++id) {
    JobReport r;
    r.id = id;
    r.name = graph.job(id).name;
    r.state = JobReport::kNotStarted;
    r.status = why;
    report.jobs.push_back(std::move(r));
    report.not_started.push_back(id);
  }
  return report;
}

// One run: the Plan, the lock around it, and the worker loops. Lives on
// Run()'s stack; Run() returns only after every loop has left.
class Executor {
 public:
  Executor(const JobGraph& graph, const RunOptions& options)
      : graph_(graph), options_(options), plan_(graph, ToPlanOptions(options), Clock::now()) {}

  RunReport Run() {
    const auto limit = std::max<size_t>(
        tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism),
        static_cast<size_t>(options_.slots) + 1);
    tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, limit);
    // No slot is reserved for this thread: it only watches, the N loops run on workers.
    tbb::task_arena arena(options_.slots, /*reserved_for_masters=*/0);
    // Held while enqueueing so that each loop's first lock orders it after
    // this thread's setup in a way race detectors see (TBB's own hand-off is
    // not instrumented).
    std::unique_lock<std::mutex> lock(mu_);
    for (int slot = 0; slot < options_.slots; ++slot) {
      arena.enqueue([this, slot] { WorkerLoop(slot); });
    }
    while (exited_ < options_.slots) {
      if (options_.interrupt == nullptr) {
        done_cv_.wait(lock);
        continue;
      }
      done_cv_.wait_for(lock, kInterruptPoll);
      HandleStopLocked(lock);
    }
    return plan_.Report();
  }

 private:
  void WorkerLoop(int slot) {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      HandleStopLocked(lock);
      if (plan_.stopping() || plan_.finished()) {
        break;
      }
      const std::optional<JobId> id = plan_.Next(slot, Clock::now());
      if (!id) {
        // Nothing ready for this slot: sleep until a job completes or a
        // delayed job's time comes. Delays never hold a slot.
        ++idle_;
        if (const auto wake = plan_.NextWakeup()) {
          work_cv_.wait_until(lock, *wake);
        } else {
          work_cv_.wait(lock);
        }
        --idle_;
        continue;
      }
      const int attempt = plan_.attempts(*id);
      const int spare = std::max<int>(
          0, options_.slots - plan_.running_count() - static_cast<int>(plan_.ready_count()));
      lock.unlock();
      const JobOutcome outcome = RunJob(*id, slot, attempt, spare);
      lock.lock();
      plan_.Complete(*id, outcome, Clock::now());
      // This loop takes the next ready job itself; wake the others only when
      // there is more, when the run is over, or when a delay changed.
      if (idle_ > 0 && (plan_.ready_count() > 1 || plan_.finished() || plan_.stopping() ||
                        outcome.kind() != JobOutcome::Kind::kDone)) {
        work_cv_.notify_all();
      }
    }
    if (++exited_ == options_.slots) {
      done_cv_.notify_all();
    }
    work_cv_.notify_all();  // the other idle loops exit too
  }

  JobOutcome RunJob(JobId id, int slot, int attempt, int spare_slots) {
    const JobSpec& spec = graph_.job(id);
    JobContext ctx(slot, id, attempt, &spec, options_.sink, &cancel_);
    ctx.spare_slots = spare_slots;
    return tbb::this_task_arena::isolate([&]() -> JobOutcome {
      try {
        return spec.fn(ctx);
      } catch (const std::exception& e) {
        return JobOutcome::Fail(Internal("job '" + spec.name + "' threw: " + e.what()));
      } catch (...) {
        return JobOutcome::Fail(Internal("job '" + spec.name + "' threw a non-exception"));
      }
    });
  }

  // Applies Ctrl-C and the failure policies once each. Takes `lock` (held on
  // entry and exit) because on_cancel_slot is called without it.
  void HandleStopLocked(std::unique_lock<std::mutex>& lock) {
    bool cancel = false;
    if (!interrupt_seen_ && options_.interrupt != nullptr &&
        options_.interrupt->load(std::memory_order_acquire)) {
      interrupt_seen_ = true;
      stop_handled_ = stop_handled_ || !plan_.stopping();
      plan_.Stop(Cancelled("interrupted: the run was stopped before all jobs finished"));
      cancel = options_.on_interrupt == FailurePolicy::kCancelRunning;
      work_cv_.notify_all();
    }
    if (plan_.stopping() && !stop_handled_) {
      stop_handled_ = true;
      cancel = cancel || options_.on_failure == FailurePolicy::kCancelRunning;
      work_cv_.notify_all();
    }
    if (!cancel) {
      return;
    }
    cancel_.store(true, std::memory_order_release);
    const std::vector<int> slots = plan_.CancelRunning();
    if (slots.empty() || !options_.on_cancel_slot) {
      return;
    }
    lock.unlock();
    for (int slot : slots) {
      options_.on_cancel_slot(slot);
    }
    lock.lock();
  }

  const JobGraph& graph_;
  const RunOptions& options_;
  std::mutex mu_;                    // guards everything below but cancel_
  std::condition_variable work_cv_;  // idle loops wait here
  std::condition_variable done_cv_;  // Run() waits here for the loops to exit
  Plan plan_;
  int idle_ = 0;
  int exited_ = 0;
  bool interrupt_seen_ = false;
  bool stop_handled_ = false;
  std::atomic<bool> cancel_{false};  // read by JobContext::cancelled() without the lock
};

}  // namespace

RunReport Run(const JobGraph& graph, const RunOptions& options) {
  if (Status s = CheckInput(graph, options); !s.ok()) {
    return NothingRan(graph, s);
  }
  if (graph.size() == 0) {
    return RunReport{};
  }
  Executor executor(graph, options);
  return executor.Run();
}

}  // namespace hyperdump::scheduler
