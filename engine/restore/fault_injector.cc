#include "engine/restore/fault_injector.h"

#include <atomic>

namespace hyperdump::engine {
namespace {

FaultInjector& NoFaults() {
  static FaultInjector none;  // the base class injects nothing
  return none;
}

std::atomic<FaultInjector*> installed{nullptr};

}  // namespace

FaultInjector& CurrentFaultInjector() {
  FaultInjector* injector = installed.load(std::memory_order_acquire);
  return injector ? *injector : NoFaults();
}

void SetFaultInjector(FaultInjector* injector) {
  installed.store(injector, std::memory_order_release);
}

}  // namespace hyperdump::engine
