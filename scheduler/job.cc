#include "scheduler/job.h"

#include "scheduler/events.h"

namespace hyperdump::scheduler {

void JobContext::AddProgress(uint64_t bytes, uint64_t rows) {
  if (sink_ == nullptr) {
    return;
  }
  Event e;
  e.type = Event::kProgress;
  e.job = id;
  if (spec_ != nullptr) {
    e.name = spec_->name;
    e.kind = spec_->kind;
  }
  e.slot = slot;
  e.at = std::chrono::steady_clock::now();
  e.bytes = bytes;
  e.rows = rows;
  sink_->OnEvent(e);
}

}  // namespace hyperdump::scheduler
