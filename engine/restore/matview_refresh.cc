#include "engine/restore/matview_refresh.h"

#include "engine/pg/pg.h"
#include "engine/restore/ledger.h"
#include "engine/restore/restore_jobs.h"

namespace hyperdump::engine {

Result<int> RefreshMaterializedViews(const std::string& conninfo, const SchemaScript& schema,
                                     const std::set<std::string>& done,
                                     const std::atomic<bool>& interrupt) {
  std::vector<const SchemaItem*> todo;
  for (const SchemaItem& item : schema.items) {
    if (item.pass == ItemPass::kRefresh && !done.count(ItemKey(item))) todo.push_back(&item);
  }
  if (todo.empty()) return 0;
  HD_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(conninfo, "hyperdump restore"));
  HD_RETURN_IF_ERROR(conn.Run(schema.preamble));
  int refreshed = 0;
  for (const SchemaItem* item : todo) {
    if (interrupt.load()) {
      return Cancelled("interrupted: run the same command with --resume to finish");
    }
    Status s = conn.Run("BEGIN");
    if (s.ok()) {
      Result<std::string> sql = item->Sql();
      s = sql.ok() ? conn.Run(*sql) : sql.status();
    }
    if (s.ok()) s = ledger::Record(conn, ItemKey(*item), 0);
    if (s.ok()) s = conn.Run("COMMIT");
    if (!s.ok()) {
      conn.Run("ROLLBACK").IgnoreError();
      return s.WithContext("restoring " + item->Describe());
    }
    ledger::AfterCommit();
    ++refreshed;
  }
  return refreshed;
}

}  // namespace hyperdump::engine
