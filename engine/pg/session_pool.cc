#include "engine/pg/session_pool.h"

namespace hyperdump::engine {

SessionPool::SessionPool(std::string conninfo, std::string setup_sql, int slots)
    : conninfo_(std::move(conninfo)), setup_sql_(std::move(setup_sql)) {
  for (int i = 0; i < slots; ++i) slots_.push_back(std::make_unique<Slot>());
}

SessionPool::~SessionPool() {
  for (int i = 0; i < static_cast<int>(slots_.size()); ++i) Discard(i);
}

Result<PgConnection*> SessionPool::Get(int slot) {
  Slot& s = *slots_.at(slot);
  if (s.conn.ok()) return &s.conn;
  Discard(slot);
  HD_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(conninfo_, "hyperdump restore"));
  if (!setup_sql_.empty()) HD_RETURN_IF_ERROR(conn.Run(setup_sql_));
  std::lock_guard<std::mutex> lock(s.mu);
  s.conn = std::move(conn);
  s.cancel = PQgetCancel(s.conn.raw());
  return &s.conn;
}

void SessionPool::Discard(int slot) {
  Slot& s = *slots_.at(slot);
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.cancel) PQfreeCancel(s.cancel);
  s.cancel = nullptr;
  s.conn = PgConnection();
}

void SessionPool::Cancel(int slot) {
  Slot& s = *slots_.at(slot);
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.cancel) return;
  char err[256];
  PQcancel(s.cancel, err, sizeof err);
}

}  // namespace hyperdump::engine
