// Progress events and the sinks that receive them.
//
// Threads: OnEvent is called from worker threads (progress, straight from the
// job) and from whichever worker holds the scheduler lock (queued, started,
// finished...). A sink must therefore be thread-safe, and should be quick:
// scheduling events are delivered while the scheduler's lock is held, which is
// also what makes their order (for one run) the order in which things happened.
#ifndef HYPERDUMP_SCHEDULER_EVENTS_H_
#define HYPERDUMP_SCHEDULER_EVENTS_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "scheduler/job.h"

namespace hyperdump::scheduler {

struct Event {
  enum Type {
    kQueued,     // dependencies done (or a retry/requeue delay over): may start now
    kStarted,    // on `slot`
    kProgress,   // `bytes`, `rows` done since the job's previous progress event
    kFinished,   // Done
    kRetry,      // transient failure; `status`; ready again after a backoff
    kRequeued,   // asked to run later; `detail` says why
    kFailed,     // hard failure, or retries/requeues exhausted; `status`
    kCancelled,  // was running when the run was cancelled and did not finish
  };
  Type type;
  JobId job = 0;
  std::string name, kind;
  int slot = -1;  // set on kStarted, kProgress and every end of an attempt
  std::chrono::steady_clock::time_point at;
  uint64_t bytes = 0, rows = 0;
  Status status;
  std::string detail;
  // Which of several runs sharing one sink this event belongs to (`hyperdump
  // migrate`: "dump" or "restore"); empty for a lone run. The scheduler never
  // sets it: whoever merges runs into one sink does.
  std::string side;
};

const char* EventTypeName(Event::Type type);

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Must be thread-safe (see the file comment).
  virtual void OnEvent(const Event& event) = 0;
};

// Keeps every event, in arrival order; for tests and the timeline report.
class RecorderSink final : public EventSink {
 public:
  void OnEvent(const Event& event) override;
  std::vector<Event> events() const;  // a copy, safe to call while a run is going

 private:
  mutable std::mutex mu_;
  std::vector<Event> events_;
};

}  // namespace hyperdump::scheduler

#endif  // HYPERDUMP_SCHEDULER_EVENTS_H_
