// Adapts a command's ui::RunUi to the engine's RunObserver, so that engine
// reports phases, estimates and warnings without depending on cli/ui.
#ifndef HYPERDUMP_CLI_UI_OBSERVER_H_
#define HYPERDUMP_CLI_UI_OBSERVER_H_

#include <cstdint>
#include <string>

#include "cli/ui/run_ui.h"
#include "engine/run_observer.h"

namespace hyperdump::cli {

// Forwards to `ui`, which must outlive it. As thread-safe as RunUi's
// SetPhase/SetEstimate (engine never calls it concurrently).
class UiObserver final : public engine::RunObserver {
 public:
  explicit UiObserver(ui::RunUi& ui) : ui_(ui) {}
  void OnPhase(const std::string& name) override { ui_.SetPhase(name); }
  void OnEstimate(uint64_t bytes, uint64_t rows) override { ui_.SetEstimate(bytes, rows); }
  void OnWarning(const std::string& text) override { ui_.Warn(text); }
  void OnServerNotice(const engine::ServerNotice& n) override {
    ui_.Warn("server " + n.OneLine(), ui::RunUi::ServerFields{n.severity, n.sqlstate, n.OneLine()});
  }

 private:
  ui::RunUi& ui_;
};

}  // namespace hyperdump::cli

#endif  // HYPERDUMP_CLI_UI_OBSERVER_H_
