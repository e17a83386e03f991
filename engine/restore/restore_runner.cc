#include "engine/restore/restore_runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "engine/cpu_log.h"
#include "engine/restore/ledger.h"

namespace hyperdump::engine {

using scheduler::JobContext;
using scheduler::JobOutcome;

namespace {

// Seconds since the first call (the run's start, for -v lines).
double Elapsed() {
  static const auto start = std::chrono::steady_clock::now();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::string ItemKey(const SchemaItem& item) { return "item:" + std::to_string(item.dump_id); }

Status RunSchemaItems(PgConnection& conn, const std::vector<const SchemaItem*>& items,
                      const std::string& what) {
  if (items.empty()) return Status::Ok();
  std::string batch = "SAVEPOINT hyperdump_items;\n";
  for (const SchemaItem* item : items) {
    HD_ASSIGN_OR_RETURN(std::string sql, item->Sql());
    batch += sql;
    batch += '\n';
  }
  Status s = conn.Run(batch);
  if (s.ok() || IsTransient(s) || !conn.ok()) return s;
  // Back to before the first item, then one at a time: the error names its item.
  HD_RETURN_IF_ERROR(conn.Run("ROLLBACK TO SAVEPOINT hyperdump_items"));
  for (const SchemaItem* item : items) {
    HD_ASSIGN_OR_RETURN(std::string sql, item->Sql());
    HD_RETURN_IF_ERROR(conn.Run(sql).WithContext(what + " " + item->Describe()));
  }
  return Status::Ok();
}

RestoreJobRunner::RestoreJobRunner(SessionPool& sessions, const std::set<std::string>& done,
                                   RestoreCounters& counters, bool verbose, CpuLog* cpu_log)
    : sessions_(sessions), done_(done), counters_(counters), verbose_(verbose), cpu_log_(cpu_log) {
  Elapsed();  // starts the -v clock
}

JobOutcome RestoreJobRunner::Failed(JobContext& ctx, PgConnection* conn, Status s) {
  if (conn && conn->ok()) {
    conn->Run("ROLLBACK").IgnoreError();
  } else {
    sessions_.Discard(ctx.slot);
  }
  if (ctx.cancelled()) return JobOutcome::Fail(Cancelled("cancelled: " + s.message()));
  if (IsTransient(s)) return JobOutcome::Retry(std::move(s));
  return JobOutcome::Fail(std::move(s));
}

JobOutcome RestoreJobRunner::Run(JobContext& ctx, const std::vector<std::string>& keys,
                                 const std::string& what, const TxWork& work) {
  const std::string& key = keys.front();
  if (DoneBefore(key)) {
    ++counters_.skipped;
    return JobOutcome::Done();
  }
  Result<PgConnection*> got = sessions_.Get(ctx.slot);
  if (!got.ok()) return Failed(ctx, nullptr, got.status().WithContext(what));
  PgConnection& conn = **got;
  if (ctx.attempt > 1) {
    // The previous attempt may have committed without hearing back.
    Result<bool> done = ledger::IsDone(conn, key);
    if (!done.ok()) return Failed(ctx, &conn, done.status().WithContext(what));
    if (*done) {
      ++counters_.committed;  // by this run; its rows went with the lost attempt's progress
      return JobOutcome::Done();
    }
  }
  const CpuMark before = cpu_log_ ? MarkCpu(conn.backend_pid()) : CpuMark{};
  Status s = conn.Run("BEGIN");
  if (!s.ok()) return Failed(ctx, &conn, s.WithContext(what));
  Result<Loaded> loaded = work(conn, ctx);
  if (!loaded.ok()) return Failed(ctx, &conn, loaded.status().WithContext(what));
  // The first key carries the rows; the others go in one statement.
  s = ledger::Record(conn, keys.front(), loaded->rows);
  if (s.ok() && keys.size() > 1) {
    s = ledger::RecordAll(conn, std::set<std::string>(keys.begin() + 1, keys.end()));
  }
  if (s.ok()) s = conn.Run("COMMIT");
  if (!s.ok()) return Failed(ctx, &conn, s.WithContext(what));
  ledger::AfterCommit();
  ++counters_.committed;
  counters_.rows += loaded->rows;
  counters_.bytes += loaded->bytes;
  counters_.schema_items += loaded->schema_items;
  if (cpu_log_) {
    cpu_log_->Record({{"job", what},
                      {"kind", key.substr(0, key.find(':'))},
                      {"keys", keys.size()},
                      {"rows", loaded->rows},
                      {"bytes", loaded->bytes}},
                     before, MarkCpu(conn.backend_pid()));
  }
  if (verbose_) {
    std::fprintf(stderr, "hyperdump: [%7.2fs] restored %s (%lld rows)\n", Elapsed(), what.c_str(),
                 static_cast<long long>(loaded->rows));
  }
  return JobOutcome::Done();
}

JobOutcome RestoreJobRunner::RunItems(JobContext& ctx, const std::vector<const SchemaItem*>& items,
                                      const char* pass) {
  std::set<std::string> done = done_;
  Result<PgConnection*> got = sessions_.Get(ctx.slot);
  if (!got.ok()) return Failed(ctx, nullptr, got.status());
  PgConnection& conn = **got;
  if (ctx.attempt > 1) {
    Result<std::optional<ledger::State>> state = ledger::Load(conn);
    if (!state.ok()) return Failed(ctx, &conn, state.status());
    if (*state) done = (*state)->done;
  }
  const CpuMark before = cpu_log_ ? MarkCpu(conn.backend_pid()) : CpuMark{};
  std::vector<const SchemaItem*> todo;
  bool done_before = !items.empty();  // every item committed by a previous run
  for (const SchemaItem* item : items) {
    if (!done.count(ItemKey(*item))) todo.push_back(item);
    if (!DoneBefore(ItemKey(*item))) done_before = false;
  }
  for (size_t begin = 0; begin < todo.size(); begin += kItemsPerTransaction) {
    if (ctx.cancelled())
      return Failed(ctx, &conn, Cancelled(std::string("cancelled during ") + pass));
    size_t end = std::min(todo.size(), begin + kItemsPerTransaction);
    std::set<std::string> keys;
    for (size_t i = begin; i < end; ++i) keys.insert(ItemKey(*todo[i]));
    Status s = conn.Run("BEGIN");
    if (s.ok()) {
      s = RunSchemaItems(conn, {todo.begin() + begin, todo.begin() + end},
                         std::string("restoring ") + pass + " item");
    }
    if (s.ok()) s = ledger::RecordAll(conn, keys);
    if (s.ok()) s = conn.Run("COMMIT");
    if (!s.ok()) return Failed(ctx, &conn, s);
    ledger::AfterCommit();
    counters_.schema_items += static_cast<int>(end - begin);
  }
  ++(done_before ? counters_.skipped : counters_.committed);
  if (cpu_log_ && !todo.empty()) {
    cpu_log_->Record(
        {{"job", std::string(pass) + " items"}, {"kind", pass}, {"items", todo.size()}}, before,
        MarkCpu(conn.backend_pid()));
  }
  if (verbose_ && !todo.empty()) {
    std::fprintf(stderr, "hyperdump: [%7.2fs] restored %zu %s items\n", Elapsed(), todo.size(),
                 pass);
  }
  return JobOutcome::Done();
}

}  // namespace hyperdump::engine
