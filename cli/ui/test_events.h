// Builders for scheduler events in ui tests.
#ifndef HYPERDUMP_CLI_UI_TEST_EVENTS_H_
#define HYPERDUMP_CLI_UI_TEST_EVENTS_H_

#include <chrono>
#include <string>
#include <utility>

#include "scheduler/events.h"

namespace hyperdump::ui::testing {

// A fixed origin so that tests compute every time from it.
inline std::chrono::steady_clock::time_point T0() {
  return std::chrono::steady_clock::time_point(std::chrono::hours(1000));
}
inline std::chrono::steady_clock::time_point At(double seconds) {
  return T0() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(seconds));
}

inline scheduler::Event Ev(scheduler::Event::Type type, scheduler::JobId job, double at_seconds,
                           int slot = -1, std::string name = {}, std::string kind = {}) {
  scheduler::Event e;
  e.type = type;
  e.job = job;
  e.at = At(at_seconds);
  e.slot = slot;
  e.name = std::move(name);
  e.kind = std::move(kind);
  return e;
}

inline scheduler::Event Progress(scheduler::JobId job, double at_seconds, int slot, uint64_t bytes,
                                 uint64_t rows) {
  scheduler::Event e = Ev(scheduler::Event::kProgress, job, at_seconds, slot);
  e.bytes = bytes;
  e.rows = rows;
  return e;
}

inline scheduler::Event Ended(scheduler::Event::Type type, scheduler::JobId job, double at_seconds,
                              int slot, Status status = {}) {
  scheduler::Event e = Ev(type, job, at_seconds, slot);
  e.status = std::move(status);
  return e;
}

}  // namespace hyperdump::ui::testing

#endif  // HYPERDUMP_CLI_UI_TEST_EVENTS_H_
