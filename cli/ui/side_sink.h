// SideSink: one side of a run that shares its display with another
// (`hyperdump migrate`: the dump and the restore, each a scheduler run with
// its own job ids and slots). Tags each event with its side and moves its job
// ids and slots into the side's own range, so that the progress display, the
// JSON log and the timeline keep the two sides apart.
//
// Threads: as thread-safe as `inner` (it keeps no state of its own).
#ifndef HYPERDUMP_CLI_UI_SIDE_SINK_H_
#define HYPERDUMP_CLI_UI_SIDE_SINK_H_

#include <string>

#include "scheduler/events.h"

namespace hyperdump::ui {

class SideSink final : public scheduler::EventSink {
 public:
  // `inner` (may be null: events are dropped) must outlive this sink.
  SideSink(std::string side, scheduler::EventSink* inner, scheduler::JobId job_offset,
           int slot_offset)
      : side_(std::move(side)), inner_(inner), job_offset_(job_offset), slot_offset_(slot_offset) {}

  void OnEvent(const scheduler::Event& event) override {
    if (inner_ == nullptr) return;
    scheduler::Event e = event;
    e.side = side_;
    e.job += job_offset_;
    if (e.slot >= 0) e.slot += slot_offset_;
    e.name = side_ + " " + e.name;
    inner_->OnEvent(e);
  }

 private:
  const std::string side_;
  scheduler::EventSink* const inner_;
  const scheduler::JobId job_offset_;
  const int slot_offset_;
};

}  // namespace hyperdump::ui

#endif  // HYPERDUMP_CLI_UI_SIDE_SINK_H_
