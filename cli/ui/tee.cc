#include "cli/ui/tee.h"

namespace hyperdump::ui {

Tee::Tee(std::initializer_list<scheduler::EventSink*> sinks) {
  for (scheduler::EventSink* s : sinks) Add(s);
}

void Tee::Add(scheduler::EventSink* sink) {
  if (sink != nullptr) sinks_.push_back(sink);
}

void Tee::OnEvent(const scheduler::Event& event) {
  for (scheduler::EventSink* s : sinks_) s->OnEvent(event);
}

}  // namespace hyperdump::ui
