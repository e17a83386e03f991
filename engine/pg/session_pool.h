// One database connection per scheduler slot, opened on first use.
//
// Get() and Discard() are called only by the thread running the slot's job
// (the scheduler guarantees one job per slot at a time); Cancel() may be
// called from any thread and only touches the slot's PGcancel handle, under
// the slot's mutex. Every new connection first runs `setup_sql`.
#ifndef HYPERDUMP_ENGINE_PG_SESSION_POOL_H_
#define HYPERDUMP_ENGINE_PG_SESSION_POOL_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/pg/pg.h"

namespace hyperdump::engine {

class SessionPool {
 public:
  SessionPool(std::string conninfo, std::string setup_sql, int slots);
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  // The slot's connection, connecting (and running the setup) if needed.
  Result<PgConnection*> Get(int slot);
  // Closes the slot's connection (after it broke); the next Get reconnects.
  void Discard(int slot);
  // Asks the server to cancel what the slot's connection is running.
  void Cancel(int slot);

 private:
  struct Slot {
    std::mutex mu;  // guards cancel
    PgConnection conn;
    PGcancel* cancel = nullptr;
  };
  const std::string conninfo_;
  const std::string setup_sql_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PG_SESSION_POOL_H_
