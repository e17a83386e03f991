// Fans one stream of scheduler events out to several sinks (the progress
// display, the JSON log, the recorder behind the timeline report).
#ifndef HYPERDUMP_CLI_UI_TEE_H_
#define HYPERDUMP_CLI_UI_TEE_H_

#include <initializer_list>
#include <vector>

#include "scheduler/events.h"

namespace hyperdump::ui {

class Tee final : public scheduler::EventSink {
 public:
  Tee() = default;
  Tee(std::initializer_list<scheduler::EventSink*> sinks);  // nulls are skipped

  // Adds a sink (not owned; must outlive the Tee). Call before the run: Add
  // is not safe against a concurrent OnEvent.
  void Add(scheduler::EventSink* sink);

  // Passes the event to each sink in the order added, on the caller's thread.
  // Thread-safe if every sink is.
  void OnEvent(const scheduler::Event& event) override;

 private:
  std::vector<scheduler::EventSink*> sinks_;
};

}  // namespace hyperdump::ui

#endif  // HYPERDUMP_CLI_UI_TEE_H_
