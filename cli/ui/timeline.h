// Turns a run's scheduler events into job attempts on worker slots: what the
// summary counts and the timeline report draws. Pure functions of the events.
#ifndef HYPERDUMP_CLI_UI_TIMELINE_H_
#define HYPERDUMP_CLI_UI_TIMELINE_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "scheduler/events.h"

namespace hyperdump::ui {

// The colour groups of the timeline.
enum class KindClass { kSchema, kCatalog, kData, kIndex, kConstraint, kAnalyze, kOther };

// The group of a job of kind `kind` (JobKindName, base/job_kind.h): copy ->
// data, key and foreign key -> constraint, sequences -> other, the others
// their own; text that names no JobKind -> other.
KindClass ClassifyKind(const std::string& kind);
const char* KindClassName(KindClass k);  // "schema", "catalog", ... "other"

// Lower-case name of an event type for logs: "started", "finished", ...
const char* EventName(scheduler::Event::Type type);

// One attempt of one job on one slot: from its kStarted event to the event
// that ended it (kFinished, kRetry, kRequeued, kFailed or kCancelled).
struct JobSpan {
  scheduler::JobId job = 0;
  std::string name, kind;
  std::string side;  // Event::side of its start
  int slot = -1;
  int attempt = 1;  // 1-based, counted from kStarted events of the job
  std::chrono::steady_clock::time_point start, end;
  uint64_t bytes = 0, rows = 0;  // progress reported during this attempt
  scheduler::Event::Type outcome = scheduler::Event::kFinished;
  bool open = false;   // never ended: `end` is the time of the last event
  Status status;       // for kRetry, kFailed, kCancelled
  std::string detail;  // for kRequeued
};

// Attempts in order of their start. Progress events are credited to the
// job's running attempt; end events without a running attempt are ignored.
std::vector<JobSpan> BuildSpans(const std::vector<scheduler::Event>& events);

// Keeps a run's events for the summary and the report, like
// scheduler::RecorderSink, but folds each attempt's progress reports into one
// kProgress event (placed just before the event that ends the attempt), so
// memory grows with the number of attempts, not of progress reports.
// Thread-safe.
class CompactRecorder final : public scheduler::EventSink {
 public:
  void OnEvent(const scheduler::Event& event) override;
  // A copy, safe during a run; attempts still running come with their
  // progress so far at the end.
  std::vector<scheduler::Event> events() const;

 private:
  mutable std::mutex mu_;
  std::vector<scheduler::Event> events_;
  std::unordered_map<scheduler::JobId, scheduler::Event> pending_;  // folded progress
};

}  // namespace hyperdump::ui

#endif  // HYPERDUMP_CLI_UI_TIMELINE_H_
