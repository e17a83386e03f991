// The TimescaleDB restore window: timescaledb_pre_restore() when opened,
// timescaledb_post_restore() on every way out.
//
// Open() creates the extension if the target lacks it, then runs
// timescaledb_pre_restore() in autocommit on a connection of its own, so
// that the database-level `timescaledb.restoring = on` is committed before
// any worker connects (workers also SET it themselves: see kRestoringSetting).
// Close() runs timescaledb_post_restore() on a fresh connection (the first one
// may be gone); if that fails the Status carries the exact repair command.
// The destructor calls Close() when nobody did (errors, Ctrl-C) and prints
// the repair command itself if it cannot run. Move-free; one owner.
#ifndef HYPERDUMP_ENGINE_TIMESCALEDB_TIMESCALE_WINDOW_H_
#define HYPERDUMP_ENGINE_TIMESCALEDB_TIMESCALE_WINDOW_H_

#include <memory>
#include <string>

#include "base/status.h"

namespace hyperdump::engine {

// Run on every worker session while the window is open.
inline constexpr const char* kRestoringSetting = "SET timescaledb.restoring = on";

class TimescaleWindow {
 public:
  // `create_sql`: the archive's CREATE EXTENSION statement, run when the
  // extension is absent; `version`: the version to create (empty: default).
  static Result<std::unique_ptr<TimescaleWindow>> Open(const std::string& conninfo,
                                                       const std::string& create_sql,
                                                       const std::string& version);
  ~TimescaleWindow();
  TimescaleWindow(const TimescaleWindow&) = delete;
  TimescaleWindow& operator=(const TimescaleWindow&) = delete;

  // timescaledb_post_restore(); idempotent.
  Status Close();

  // What an operator runs to leave restore mode by hand.
  static std::string RepairCommand(const std::string& conninfo);

 private:
  explicit TimescaleWindow(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  std::string conninfo_;
  bool closed_ = false;
};

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_TIMESCALEDB_TIMESCALE_WINDOW_H_
