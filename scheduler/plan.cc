#include "scheduler/plan.h"

#include <algorithm>
#include <cassert>
#include <unordered_map>

namespace hyperdump::scheduler {
namespace {

// Heap order: larger key first, then the smaller id (the job added first), so
// ties are broken the same way on every run.
struct ReadyLess {
  template <typename E>
  bool operator()(const E& a, const E& b) const {
    return a.key != b.key ? a.key < b.key : a.id > b.id;
  }
};
struct DelayedLater {
  template <typename E>
  bool operator()(const E& a, const E& b) const {
    return a.at != b.at ? a.at > b.at : a.id > b.id;
  }
};

std::string Quote(const std::string& name) { return "'" + name + "'"; }

}  // namespace

Plan::Plan(const JobGraph& graph, const PlanOptions& options, TimePoint now)
    : graph_(graph),
      options_(options),
      states_(graph.size()),
      priority_(graph.CriticalPathWeights()),
      job_keys_(graph.size()),
      slot_job_(static_cast<size_t>(std::max(options.slots, 1)), -1) {
  assert(graph.Validate().ok());
  std::unordered_map<std::string, uint32_t> key_ids;
  for (JobId id = 0; id < graph.size(); ++id) {
    for (const std::string& key : graph.job(id).conflict_keys) {
      const auto [it, inserted] = key_ids.try_emplace(key, static_cast<uint32_t>(key_ids.size()));
      auto& keys = job_keys_[id];
      if (std::find(keys.begin(), keys.end(), it->second) == keys.end()) {
        keys.push_back(it->second);
      }
    }
  }
  key_holder_.assign(key_ids.size(), -1);
  key_waiters_.resize(key_ids.size());
  ready_.reserve(graph.size());
  for (JobId id = 0; id < graph.size(); ++id) {
    states_[id].pending = graph.dependency_count(id);
    if (states_[id].pending == 0) {
      MakeReady(id, now);
    }
  }
}

void Plan::Emit(Event::Type type, JobId id, TimePoint now, int slot, const Status& status,
                std::string detail) const {
  if (options_.sink == nullptr) {
    return;
  }
  Event e;
  e.type = type;
  e.job = id;
  e.name = graph_.job(id).name;
  e.kind = graph_.job(id).kind;
  e.slot = slot;
  e.at = now;
  e.status = status;
  e.detail = std::move(detail);
  options_.sink->OnEvent(e);
}

void Plan::MakeReady(JobId id, TimePoint now) {
  JobState& s = states_[id];
  // FIFO: the job that became ready first has the largest key. A job ready
  // again after a delay goes to the back.
  if (options_.order == Order::kFifo) {
    s.ready_key = ~ready_seq_++;
  } else {
    s.ready_key = priority_[id];
  }
  PushReady(id);
  Emit(Event::kQueued, id, now);
}

void Plan::PushReady(JobId id) {
  states_[id].state = State::kReady;
  ready_.push_back({states_[id].ready_key, id});
  std::push_heap(ready_.begin(), ready_.end(), ReadyLess());
}

void Plan::Delay(JobId id, TimePoint until) {
  states_[id].state = State::kDelayed;
  delayed_.push_back({until, id});
  std::push_heap(delayed_.begin(), delayed_.end(), DelayedLater());
}

int Plan::BusyKey(JobId id) const {
  for (uint32_t key : job_keys_[id]) {
    if (key_holder_[key] >= 0) {
      return static_cast<int>(key);
    }
  }
  return -1;
}

void Plan::ReleaseKeys(JobId id) {
  for (uint32_t key : job_keys_[id]) {
    key_holder_[key] = -1;
    // Parked jobs compete again in priority order; one with a second busy key
    // parks again on that one.
    for (JobId waiter : key_waiters_[key]) {
      PushReady(waiter);
    }
    key_waiters_[key].clear();
  }
}

std::optional<JobId> Plan::Next(int slot, TimePoint now) {
  assert(slot >= 0 && static_cast<size_t>(slot) < slot_job_.size());
  assert(slot_job_[slot] < 0);
  if (stopping_) {
    return std::nullopt;
  }
  while (!delayed_.empty() && delayed_.front().at <= now) {
    const JobId id = delayed_.front().id;
    std::pop_heap(delayed_.begin(), delayed_.end(), DelayedLater());
    delayed_.pop_back();
    MakeReady(id, now);
  }
  while (!ready_.empty()) {
    const JobId id = ready_.front().id;
    std::pop_heap(ready_.begin(), ready_.end(), ReadyLess());
    ready_.pop_back();
    if (const int key = BusyKey(id); key >= 0) {
      states_[id].state = State::kParked;
      key_waiters_[key].push_back(id);
      continue;
    }
    JobState& s = states_[id];
    s.state = State::kRunning;
    s.slot = slot;
    ++s.attempts;
    for (uint32_t k : job_keys_[id]) {
      key_holder_[k] = id;
    }
    slot_job_[slot] = id;
    ++running_;
    Emit(Event::kStarted, id, now, slot);
    return id;
  }
  return std::nullopt;
}

void Plan::EndRunning(JobId id, State state, Status status, Event::Type event, TimePoint now) {
  JobState& s = states_[id];
  s.state = state;
  s.status = std::move(status);
  Emit(event, id, now, s.slot, s.status);
}

void Plan::Complete(JobId id, const JobOutcome& outcome, TimePoint now) {
  JobState& s = states_[id];
  assert(s.state == State::kRunning);
  const int slot = s.slot;
  slot_job_[slot] = -1;
  --running_;
  ReleaseKeys(id);
  const std::string& name = graph_.job(id).name;

  JobOutcome::Kind kind = outcome.kind();
  Status status = outcome.status();
  if ((kind == JobOutcome::Kind::kRetry || kind == JobOutcome::Kind::kFail) && status.ok()) {
    // A job that reports an error without one is a bug in the job.
    kind = JobOutcome::Kind::kFail;
    status = Internal("job " + Quote(name) + " reported a failure with an OK status");
  }

  if (kind == JobOutcome::Kind::kDone) {
    s.state = State::kDone;
    s.status = Status::Ok();
    ++done_;
    Emit(Event::kFinished, id, now, slot);
    for (JobId next : graph_.dependents(id)) {
      // While stopping, dependents stay blocked: they are reported not started.
      if (--states_[next].pending == 0 && !stopping_) {
        MakeReady(next, now);
      }
    }
    return;
  }
  if (s.cancel_requested) {
    if (kind == JobOutcome::Kind::kRequeue) {
      status = Cancelled("job " + Quote(name) +
                         " was cancelled (it asked to be requeued: " + outcome.why() + ")");
    }
    EndRunning(id, State::kCancelled, std::move(status), Event::kCancelled, now);
    return;
  }
  switch (kind) {
    case JobOutcome::Kind::kDone:
      break;
    case JobOutcome::Kind::kRetry:
      if (stopping_) {
        EndRunning(id, State::kCancelled, status.WithContext("not retried because the run stopped"),
                   Event::kCancelled, now);
        return;
      }
      if (++s.transient_failures >= options_.max_attempts) {
        Status gave_up = status.WithContext("job " + Quote(name) + " gave up after " +
                                            std::to_string(s.transient_failures) + " attempts");
        EndRunning(id, State::kFailed, gave_up, Event::kFailed, now);
        Stop(gave_up);
        return;
      }
      {
        // Exponential backoff: initial, 2x, 4x... capped at backoff_max.
        auto delay = options_.backoff_initial;
        for (int i = 1; i < s.transient_failures && delay < options_.backoff_max; ++i) {
          delay *= 2;
        }
        delay = std::clamp(delay, std::chrono::milliseconds(0), options_.backoff_max);
        ++retries_;
        s.status = status;
        Emit(Event::kRetry, id, now, slot, status);
        Delay(id, now + delay);
      }
      return;
    case JobOutcome::Kind::kRequeue:
      if (stopping_) {
        EndRunning(id, State::kCancelled,
                   Cancelled("job " + Quote(name) + " asked to be requeued (" + outcome.why() +
                             ") but the run stopped"),
                   Event::kCancelled, now);
        return;
      }
      if (++s.requeues > options_.max_requeues) {
        Status gave_up(StatusCode::kInternal, "job " + Quote(name) + " was requeued " +
                                                  std::to_string(options_.max_requeues) +
                                                  " times and is still not ready (" +
                                                  outcome.why() +
                                                  "); find what holds it back or raise the limit");
        EndRunning(id, State::kFailed, gave_up, Event::kFailed, now);
        Stop(gave_up);
        return;
      }
      ++requeues_;
      Emit(Event::kRequeued, id, now, slot, {}, outcome.why());
      Delay(id, now + std::max(outcome.delay(), std::chrono::milliseconds(0)));
      return;
    case JobOutcome::Kind::kFail:
      EndRunning(id, State::kFailed, status, Event::kFailed, now);
      Stop(status);
      return;
  }
}

void Plan::Stop(const Status& why) {
  stopping_ = true;
  if (first_error_.ok()) {
    first_error_ = why;
  }
}

std::vector<int> Plan::CancelRunning() {
  std::vector<int> slots;
  for (size_t slot = 0; slot < slot_job_.size(); ++slot) {
    if (slot_job_[slot] < 0) {
      continue;
    }
    JobState& s = states_[slot_job_[slot]];
    if (s.cancel_requested) {
      continue;
    }
    s.cancel_requested = true;
    slots.push_back(static_cast<int>(slot));
  }
  return slots;
}

std::optional<Plan::TimePoint> Plan::NextWakeup() const {
  if (stopping_ || delayed_.empty()) {
    return std::nullopt;
  }
  return delayed_.front().at;
}

std::optional<JobId> Plan::job_on_slot(int slot) const {
  if (slot_job_[slot] < 0) {
    return std::nullopt;
  }
  return static_cast<JobId>(slot_job_[slot]);
}

RunReport Plan::Report() const {
  RunReport report;
  report.jobs.resize(states_.size());
  report.retries = retries_;
  report.requeues = requeues_;
  report.first_error = first_error_;
  for (JobId id = 0; id < states_.size(); ++id) {
    const JobState& s = states_[id];
    JobReport& r = report.jobs[id];
    r.id = id;
    r.name = graph_.job(id).name;
    r.attempts = s.attempts;
    r.requeues = s.requeues;
    r.status = s.status;
    switch (s.state) {
      case State::kDone:
        r.state = JobReport::kDone;
        break;
      case State::kFailed:
        r.state = JobReport::kFailed;
        break;
      case State::kCancelled:
        r.state = JobReport::kCancelled;
        break;
      case State::kRunning:  // only if asked before finished(); reported as not done yet
      case State::kBlocked:
      case State::kReady:
      case State::kParked:
      case State::kDelayed:
        // A job waiting for its retry or requeue has started before: it was cancelled.
        r.state = s.attempts > 0 ? JobReport::kCancelled : JobReport::kNotStarted;
        if (r.state == JobReport::kCancelled && !r.status.ok()) {
          r.status = r.status.WithContext("not retried because the run stopped");
        } else {
          r.status =
              Cancelled("job " + Quote(r.name) + " did not run: " +
                        (first_error_.ok() ? std::string("the run stopped")
                                           : "the run stopped after: " + first_error_.message()));
        }
        break;
    }
    switch (r.state) {
      case JobReport::kDone:
        break;
      case JobReport::kFailed:
        report.failed.push_back(id);
        break;
      case JobReport::kCancelled:
        report.cancelled.push_back(id);
        break;
      case JobReport::kNotStarted:
        report.not_started.push_back(id);
        break;
    }
  }
  return report;
}

}  // namespace hyperdump::scheduler
