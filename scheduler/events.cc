#include "scheduler/events.h"

namespace hyperdump::scheduler {

const char* EventTypeName(Event::Type type) {
  switch (type) {
    case Event::kQueued:
      return "queued";
    case Event::kStarted:
      return "started";
    case Event::kProgress:
      return "progress";
    case Event::kFinished:
      return "finished";
    case Event::kRetry:
      return "retry";
    case Event::kRequeued:
      return "requeued";
    case Event::kFailed:
      return "failed";
    case Event::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

void RecorderSink::OnEvent(const Event& event) {
  std::lock_guard<std::mutex> lock(mu_);
  events_.push_back(event);
}

std::vector<Event> RecorderSink::events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

}  // namespace hyperdump::scheduler
