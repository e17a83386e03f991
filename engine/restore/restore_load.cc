#include "engine/restore/restore_load.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/plan/dump_plan.h"
#include "engine/restore/copy_in.h"

namespace hyperdump::engine {

Result<Loaded> LoadFile(const format::ArchiveSource& archive, scheduler::JobContext& ctx,
                        PgConnection& conn, const RestoreTable& table,
                        const format::FileEntry& planned, Load load) {
  const bool freeze = load != Load::kAppend;
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::DataFileReader> reader,
                      archive.OpenFile(planned.name));
  // The sealed file's own entry (in `hyperdump migrate`, `planned` is only
  // what plan.json announced before the file was written).
  const format::FileEntry& file = reader->entry();
  const nlohmann::json meta = file.meta.Json();
  std::string columns;
  auto cols = meta.find("columns");
  if (cols != meta.end() && cols->is_array() && !cols->empty()) {
    for (const auto& c : *cols) {
      columns += (columns.empty() ? " (" : ", ") + QuoteIdent(c.get<std::string>());
    }
    columns += ")";
  }
  std::string format =
      meta.value("copy_format", std::string("text")) == "binary" ? "binary" : "text";
  if (load == Load::kTruncateFreeze) {
    HD_RETURN_IF_ERROR(conn.Run("TRUNCATE ONLY " + table.Quoted()));
  }
  std::string sql = "COPY " + table.Quoted() + columns + " FROM STDIN WITH (FORMAT " + format +
                    (freeze ? ", FREEZE" : "") + ")";
  HD_ASSIGN_OR_RETURN(CopyInStats stats, CopyIn(conn, sql, *reader, [&ctx](uint64_t bytes) {
                        ctx.AddProgress(bytes, 0);
                        return !ctx.cancelled();
                      }));
  // Extension configuration tables keep their triggers while loading
  // (TimescaleDB's metadata turns duplicate keys into updates), so COPY may
  // count fewer rows there; every other table has no trigger yet.
  if (file.rows && *file.rows != stats.rows && table.extension.empty()) {
    return Corrupt("data file " + file.name + " holds " + std::to_string(stats.rows) +
                   " rows but the archive's manifest says " + std::to_string(*file.rows));
  }
  // Rows restored = rows archived (a trigger-absorbed catalog duplicate
  // is an update, not a lost row); the progress display counts the same.
  uint64_t rows = file.rows ? *file.rows : stats.rows;
  ctx.AddProgress(0, rows);
  return Loaded{static_cast<int64_t>(rows), stats.bytes};
}

std::vector<const RestoreTable*> CatalogOrder(const RestoreInput& input) {
  std::map<std::string, const RestoreTable*> by_key;
  for (const RestoreTable& t : input.tables) {
    if (!t.extension.empty()) by_key[t.Key()] = &t;
  }
  std::vector<const RestoreTable*> order;
  std::set<std::string> placed, visiting;
  std::function<void(const RestoreTable*)> visit = [&](const RestoreTable* t) {
    if (placed.count(t->Key()) || visiting.count(t->Key())) return;  // a cycle: plan order wins
    visiting.insert(t->Key());
    for (const std::string& before : t->load_after) {
      auto it = by_key.find(before);
      if (it != by_key.end()) visit(it->second);
    }
    placed.insert(t->Key());
    order.push_back(t);
  };
  for (const RestoreTable& t : input.tables) {
    if (!t.extension.empty()) visit(&t);
  }
  return order;
}

std::vector<SmallTableBatch> SmallTableBatches(
    const std::vector<RestoreTable>& tables, const TableItemsFn& items, uint64_t total_bytes,
    int slots, const std::function<bool(const std::string&)>& done_before) {
  const uint64_t budget = SmallJobBudget(total_bytes, slots);
  auto any_done = [&](const RestoreTable& t) {
    if (done_before("data:" + t.files.front()->name) || done_before("analyze:" + t.Key())) {
      return true;
    }
    for (const SchemaItem* item : items(t)) {
      if (done_before(ItemKey(*item))) return true;
    }
    return false;
  };
  std::vector<const RestoreTable*> small;
  for (const RestoreTable& t : tables) {
    if (!t.extension.empty() || t.files.size() != 1 || t.bytes >= budget / 4) continue;
    if (any_done(t)) continue;
    small.push_back(&t);
  }
  std::stable_sort(small.begin(), small.end(), [](const RestoreTable* a, const RestoreTable* b) {
    return a->bytes > b->bytes;
  });
  std::vector<SmallTableBatch> out;
  uint64_t bytes = 0;
  for (const RestoreTable* t : small) {
    if (out.empty() || out.back().tables.size() >= kMaxTablesPerRestoreBatch ||
        bytes + t->bytes > budget) {
      out.emplace_back();
      bytes = 0;
    }
    out.back().tables.push_back(t);
    out.back().items.push_back(items(*t));
    bytes += t->bytes;
  }
  // A batch of one is an ordinary table: leave it to the per-table jobs.
  if (!out.empty() && out.back().tables.size() == 1) out.pop_back();
  return out;
}

Result<Loaded> LoadBatch(const format::ArchiveSource& archive, bool analyze,
                         scheduler::JobContext& ctx, PgConnection& conn, const SmallTableBatch& b) {
  Loaded total;
  std::string tables;
  std::vector<std::string> files;
  for (const RestoreTable* t : b.tables) files.push_back(t->files.front()->name);
  archive.WillOpen(files);
  // Every table's data first, then all their keys and indexes in one round
  // trip (a tiny chunk's index costs less to build than to ask for).
  std::vector<const SchemaItem*> items;
  for (size_t i = 0; i < b.tables.size(); ++i) {
    const RestoreTable& t = *b.tables[i];
    HD_ASSIGN_OR_RETURN(Loaded one,
                        LoadFile(archive, ctx, conn, t, *t.files.front(), Load::kAppend));
    total.rows += one.rows;
    total.bytes += one.bytes;
    items.insert(items.end(), b.items[i].begin(), b.items[i].end());
    tables += (tables.empty() ? "ANALYZE " : ", ") + t.Quoted();
    if (ctx.cancelled()) return Cancelled("cancelled");
  }
  HD_RETURN_IF_ERROR(RunSchemaItems(conn, items, "restoring"));
  total.schema_items += static_cast<int>(items.size());
  if (analyze && !tables.empty()) HD_RETURN_IF_ERROR(conn.Run(tables));
  return total;
}

}  // namespace hyperdump::engine
