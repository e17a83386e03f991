#include "engine/run_observer.h"

namespace hyperdump::engine {

NoticeForwarder::NoticeForwarder(RunObserver& observer)
    : observer_(observer), route_([this](const ServerNotice& notice) {
        // Called under the routes' mutex: seen_ needs no lock of its own.
        if (++seen_[notice.OneLine()] == 1) observer_.OnServerNotice(notice);
      }) {}

NoticeForwarder::~NoticeForwarder() {
  // route_ is still installed here; a notice arriving now would touch seen_
  // while it is read. The run's connections are closed by now, so none does.
  for (const auto& [line, times] : seen_) {
    if (times > 1) {
      observer_.OnWarning("the server repeated \"" + line + "\" " + std::to_string(times - 1) +
                          " more time" + (times == 2 ? "" : "s"));
    }
  }
}

}  // namespace hyperdump::engine
