#include "engine/restore_jobs.h"

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/copy_in.h"
#include "engine/ledger.h"

namespace hyperdump::engine {

namespace {

using scheduler::JobContext;
using scheduler::JobId;
using scheduler::JobOutcome;
using scheduler::JobSpec;

// What a job's transaction loaded.
struct Loaded {
  int64_t rows = 0;
  uint64_t bytes = 0;
};
using TxWork = std::function<Result<Loaded>(PgConnection&, JobContext&)>;

// Items of one pass run in transactions of at most this many items, so that
// huge schemas never need more locks than one transaction can hold.
constexpr size_t kItemsPerTransaction = 100;

// Seconds since the first call (the run's start, for -v lines).
double Elapsed() {
  static const auto start = std::chrono::steady_clock::now();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

JobOutcome Failed(RestoreWork& w, JobContext& ctx, PgConnection* conn, Status s) {
  if (conn && conn->ok()) {
    conn->Run("ROLLBACK").IgnoreError();
  } else {
    w.sessions->Discard(ctx.slot);
  }
  if (ctx.cancelled()) return JobOutcome::Fail(Cancelled("cancelled: " + s.message()));
  if (IsTransient(s)) return JobOutcome::Retry(std::move(s));
  return JobOutcome::Fail(std::move(s));
}

// Runs `work` and the ledger rows for `keys` (one or more) in one
// transaction. The keys are committed together, so either all are in the
// ledger or none is.
JobOutcome RunLedgered(RestoreWork& w, JobContext& ctx, const std::vector<std::string>& keys,
                       const std::string& what, const TxWork& work) {
  const std::string& key = keys.front();
  if (w.done->count(key)) {
    ++w.skipped;
    return JobOutcome::Done();
  }
  Result<PgConnection*> got = w.sessions->Get(ctx.slot);
  if (!got.ok()) return Failed(w, ctx, nullptr, got.status().WithContext(what));
  PgConnection& conn = **got;
  if (ctx.attempt > 1) {
    // The previous attempt may have committed without hearing back.
    Result<bool> done = ledger::IsDone(conn, key);
    if (!done.ok()) return Failed(w, ctx, &conn, done.status().WithContext(what));
    if (*done) {
      ++w.committed;  // by this run; its rows went with the lost attempt's progress
      return JobOutcome::Done();
    }
  }
  Status s = conn.Run("BEGIN");
  if (!s.ok()) return Failed(w, ctx, &conn, s.WithContext(what));
  Result<Loaded> loaded = work(conn, ctx);
  if (!loaded.ok()) return Failed(w, ctx, &conn, loaded.status().WithContext(what));
  // The first key carries the rows; the others go in one statement.
  s = ledger::Record(conn, keys.front(), loaded->rows);
  if (s.ok() && keys.size() > 1) {
    s = ledger::RecordAll(conn, std::set<std::string>(keys.begin() + 1, keys.end()));
  }
  if (s.ok()) s = conn.Run("COMMIT");
  if (!s.ok()) return Failed(w, ctx, &conn, s.WithContext(what));
  ledger::AfterCommit();
  ++w.committed;
  w.rows += loaded->rows;
  w.bytes += loaded->bytes;
  if (w.verbose) {
    std::fprintf(stderr, "hyperdump: [%7.2fs] restored %s (%lld rows)\n", Elapsed(), what.c_str(),
                 static_cast<long long>(loaded->rows));
  }
  return JobOutcome::Done();
}

JobOutcome RunLedgered(RestoreWork& w, JobContext& ctx, const std::string& key,
                       const std::string& what, const TxWork& work) {
  return RunLedgered(w, ctx, std::vector<std::string>{key}, what, work);
}

// Runs schema items in order, kItemsPerTransaction per transaction, each
// batch with its ledger rows.
JobOutcome RunItems(RestoreWork& w, JobContext& ctx, const std::vector<const SchemaItem*>& items,
                    const char* pass) {
  std::set<std::string> done = *w.done;
  Result<PgConnection*> got = w.sessions->Get(ctx.slot);
  if (!got.ok()) return Failed(w, ctx, nullptr, got.status());
  PgConnection& conn = **got;
  if (ctx.attempt > 1) {
    Result<std::optional<ledger::State>> state = ledger::Load(conn);
    if (!state.ok()) return Failed(w, ctx, &conn, state.status());
    if (*state) done = (*state)->done;
  }
  std::vector<const SchemaItem*> todo;
  bool done_before = !items.empty();  // every item committed by a previous run
  for (const SchemaItem* item : items) {
    if (!done.count(ItemKey(*item))) todo.push_back(item);
    if (!w.done->count(ItemKey(*item))) done_before = false;
  }
  for (size_t begin = 0; begin < todo.size(); begin += kItemsPerTransaction) {
    if (ctx.cancelled())
      return Failed(w, ctx, &conn, Cancelled(std::string("cancelled during ") + pass));
    size_t end = std::min(todo.size(), begin + kItemsPerTransaction);
    Status s = conn.Run("BEGIN");
    std::set<std::string> keys;
    for (size_t i = begin; s.ok() && i < end; ++i) {
      s = conn.Run(todo[i]->sql);
      if (!s.ok()) {
        s = s.WithContext(std::string("restoring ") + pass + " item " + todo[i]->Describe());
      }
      keys.insert(ItemKey(*todo[i]));
    }
    if (s.ok()) s = ledger::RecordAll(conn, keys);
    if (s.ok()) s = conn.Run("COMMIT");
    if (!s.ok()) return Failed(w, ctx, &conn, s);
    ledger::AfterCommit();
    w.schema_items += static_cast<int>(end - begin);
  }
  ++(done_before ? w.skipped : w.committed);
  if (w.verbose && !todo.empty()) {
    std::fprintf(stderr, "hyperdump: [%7.2fs] restored %zu %s items\n", Elapsed(), todo.size(),
                 pass);
  }
  return JobOutcome::Done();
}

// How a data job loads its table.
enum class Load {
  kAppend,          // plain COPY (the table is shared with other jobs)
  kTruncateFreeze,  // TRUNCATE ONLY, then COPY FREEZE: the job fills the whole table
  kFreeze,          // COPY FREEZE after a TRUNCATE earlier in the same transaction
};

// COPY ... FROM STDIN for one archived file into `table`.
Result<Loaded> LoadFile(RestoreWork& w, JobContext& ctx, PgConnection& conn,
                        const RestoreTable& table, const format::FileEntry& planned, Load load) {
  const bool freeze = load != Load::kAppend;
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::DataFileReader> reader,
                      w.archive->OpenFile(planned.name));
  // The sealed file's own entry (in `hyperdump migrate`, `planned` is only
  // what plan.json announced before the file was written).
  const format::FileEntry& file = reader->entry();
  std::string columns;
  auto cols = file.meta.find("columns");
  if (cols != file.meta.end() && cols->is_array() && !cols->empty()) {
    for (const auto& c : *cols) {
      columns += (columns.empty() ? " (" : ", ") + QuoteIdent(c.get<std::string>());
    }
    columns += ")";
  }
  std::string format =
      file.meta.value("copy_format", std::string("text")) == "binary" ? "binary" : "text";
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

// Extension configuration tables in foreign-key order (load_after first).
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

// Small tables loaded, keyed, indexed and analyzed together (issue 18: at
// 10,000 chunks a job's fixed cost, not its bytes, is what a restore spends).
struct SmallTableBatch {
  std::vector<const RestoreTable*> tables;
  std::vector<std::vector<const SchemaItem*>> items;  // each table's keys, then indexes
};
constexpr size_t kMaxTablesPerBatch = 64;  // locks: a table, its indexes, its TOAST

// The batches: tables archived as one file, below a quarter of the byte
// budget (total / (16 x slots), clamped to 1..64 MiB), none of whose ledger
// keys a previous run committed (a batch commits all or nothing; a --resume
// with another -j may cut other batches), grouped up to the budget and
// kMaxTablesPerBatch, largest first. Not the catalog, not appends.
std::vector<SmallTableBatch> SmallTableBatches(const RestoreWork& w,
                                               const std::vector<const SchemaItem*>& table_items,
                                               uint64_t total_bytes) {
  if (w.append_only) return {};
  const uint64_t budget = SmallJobBudget(total_bytes, w.slots);
  std::map<std::string, std::vector<const SchemaItem*>> items_of;
  for (bool indexes : {false, true}) {
    for (const SchemaItem* item : table_items) {
      if ((item->desc == "INDEX") != indexes) continue;
      items_of[item->table_schema + "." + item->table_name].push_back(item);
    }
  }
  auto any_done = [&w](const RestoreTable& t, const std::vector<const SchemaItem*>& items) {
    if (w.done->count("data:" + t.files.front()->name) || w.done->count("analyze:" + t.Key())) {
      return true;
    }
    for (const SchemaItem* item : items) {
      if (w.done->count(ItemKey(*item))) return true;
    }
    return false;
  };
  std::vector<const RestoreTable*> small;
  for (const RestoreTable& t : w.input->tables) {
    if (!t.extension.empty() || t.files.size() != 1 || t.bytes >= budget / 4) continue;
    if (any_done(t, items_of[t.Key()])) continue;
    small.push_back(&t);
  }
  std::stable_sort(small.begin(), small.end(), [](const RestoreTable* a, const RestoreTable* b) {
    return a->bytes > b->bytes;
  });
  std::vector<SmallTableBatch> out;
  uint64_t bytes = 0;
  for (const RestoreTable* t : small) {
    if (out.empty() || out.back().tables.size() >= kMaxTablesPerBatch ||
        bytes + t->bytes > budget) {
      out.emplace_back();
      bytes = 0;
    }
    out.back().tables.push_back(t);
    out.back().items.push_back(items_of[t->Key()]);
    bytes += t->bytes;
  }
  // A batch of one is an ordinary table: leave it to the per-table jobs.
  if (!out.empty() && out.back().tables.size() == 1) out.pop_back();
  return out;
}

// One batch's transaction: each table loaded with a plain COPY (no TRUNCATE:
// the batch commits with its ledger rows or not at all, so a table of an
// uncommitted batch is still as pre-data created it, empty; and a new
// relfilenode per tiny chunk cost more than FREEZE saves on a few rows),
// then its keys and indexes; one ANALYZE for all of them at the end.
Result<Loaded> LoadBatch(RestoreWork& w, JobContext& ctx, PgConnection& conn,
                         const SmallTableBatch& b) {
  Loaded total;
  std::string analyze;
  for (size_t i = 0; i < b.tables.size(); ++i) {
    const RestoreTable& t = *b.tables[i];
    HD_ASSIGN_OR_RETURN(Loaded one, LoadFile(w, ctx, conn, t, *t.files.front(), Load::kAppend));
    total.rows += one.rows;
    total.bytes += one.bytes;
    for (const SchemaItem* item : b.items[i]) {
      Status s = conn.Run(item->sql);
      if (!s.ok()) return s.WithContext("restoring " + item->Describe());
    }
    w.schema_items += static_cast<int>(b.items[i].size());
    analyze += (analyze.empty() ? "ANALYZE " : ", ") + t.Quoted();
    if (ctx.cancelled()) return Cancelled("cancelled");
  }
  if (w.analyze && !analyze.empty()) HD_RETURN_IF_ERROR(conn.Run(analyze));
  return total;
}

}  // namespace

std::string ItemKey(const SchemaItem& item) { return "item:" + std::to_string(item.dump_id); }

Status BuildRestoreGraph(RestoreWork& w, scheduler::JobGraph& graph) {
  Elapsed();  // starts the -v clock
  RestoreWork* wp = &w;
  const RestoreInput& input = *w.input;
  auto add = [&](std::string name, std::string kind, uint64_t weight,
                 std::vector<std::string> conflicts, scheduler::JobFn fn,
                 const std::vector<JobId>& after) {
    JobId id = graph.Add(JobSpec{std::move(name), std::move(kind), std::max<uint64_t>(weight, 1),
                                 std::move(conflicts), std::move(fn)});
    for (JobId before : after) graph.AddDependency(before, id);
    return id;
  };
  std::map<ItemPass, std::vector<const SchemaItem*>> by_pass;
  for (const SchemaItem& item : w.schema->items) by_pass[item.pass].push_back(&item);

  // Phase 2: pre-data schema, in archive order, on one connection.
  std::vector<const SchemaItem*> pre = by_pass[ItemPass::kPreData];
  JobId pre_data =
      add("pre-data schema", "schema", 1, {},
          [wp, pre](JobContext& ctx) { return RunItems(*wp, ctx, pre, "pre-data"); }, {});

  // Large objects, batch by batch, once the roles that own them and the
  // schema exist; nothing else depends on them.
  for (const format::FileEntry* f : input.large_object_files) {
    std::string what = f->meta.value("object", std::string("large objects")) + " from " + f->name;
    add("copy " + f->meta.value("object", f->name), "copy", f->uncompressed_bytes, {},
        [wp, f, what](JobContext& ctx) {
          return RunLedgered(
              *wp, ctx, "lo:" + f->name, what,
              [wp, f](PgConnection& conn, JobContext& c) -> Result<Loaded> {
                uint64_t sent = 0;
                HD_ASSIGN_OR_RETURN(int64_t objects, RestoreLargeObjectFile(
                                                         conn, *wp->archive, *f, wp->large_objects,
                                                         [&c, &sent](uint64_t bytes) {
                                                           sent += bytes;
                                                           c.AddProgress(bytes, 0);
                                                           return !c.cancelled();
                                                         }));
                // The headers too, so that progress ends at the estimate.
                c.AddProgress(f->uncompressed_bytes - std::min(sent, f->uncompressed_bytes),
                              static_cast<uint64_t>(objects));
                return Loaded{objects, f->uncompressed_bytes};
              });
        },
        {pre_data});
  }

  // Phase 3: extension configuration tables (the TimescaleDB catalog), one
  // session, one transaction, in foreign-key order.
  std::vector<const RestoreTable*> catalog_tables = CatalogOrder(input);
  JobId catalog =
      add("extension configuration tables", "catalog", 1, {},
          [wp, catalog_tables](JobContext& ctx) {
            return RunLedgered(
                *wp, ctx, "catalog", "extension configuration tables",
                [wp, &catalog_tables](PgConnection& conn, JobContext& c) -> Result<Loaded> {
                  Loaded total;
                  for (const RestoreTable* t : catalog_tables) {
                    for (const format::FileEntry* f : t->files) {
                      Result<Loaded> one = LoadFile(*wp, c, conn, *t, *f, Load::kAppend);
                      if (!one.ok()) return one.status().WithContext("table " + t->Quoted());
                      total.rows += one->rows;
                      total.bytes += one->bytes;
                    }
                  }
                  return total;
                });
          },
          {pre_data});

  // Sequences: their dumped values, once the schema exists.
  add("sequence values", "sequences", 1, {},
      [wp](JobContext& ctx) {
        return RunLedgered(
            *wp, ctx, "sequences", "sequence values",
            [wp](PgConnection& conn, JobContext&) -> Result<Loaded> {
              for (const SequenceInfo& s : wp->input->sequences) {
                auto r =
                    conn.ExecParams("SELECT pg_catalog.setval($1::regclass, $2, $3)",
                                    {QualifiedName(s.schema, s.name), std::to_string(s.last_value),
                                     s.is_called ? "true" : "false"});
                if (!r.ok())
                  return r.status().WithContext("sequence " + QualifiedName(s.schema, s.name));
              }
              return Loaded{};
            });
      },
      {catalog});

  // Phase 4: data, straight into each file's own table, largest first.
  // COPY FREEZE (no later hint-bit or freeze work; no WAL at all under
  // wal_level=minimal) needs the table truncated in the same transaction,
  // so it takes a job that fills the whole table: a table archived as one
  // file, or a split table whose ranges are merged into one job. Merging
  // gives up loading one table on several connections, so it is done only
  // while the table is no bigger than a fair share of the work (it then
  // cannot be the critical path) and when no range of it was committed by an
  // earlier run (the TRUNCATE would remove those rows).
  std::map<std::string, std::vector<JobId>> data_jobs;  // table key -> jobs
  std::map<std::string, uint64_t> table_bytes;
  uint64_t total_bytes = 0;
  for (const RestoreTable& t : input.tables) {
    if (t.extension.empty()) total_bytes += t.bytes;
  }
  const uint64_t fair_share = total_bytes / static_cast<uint64_t>(std::max(w.slots, 1));
  // Small tables (thousands of chunks): each one's data, keys, indexes and
  // ANALYZE in one job with many others (SmallTableBatches), one
  // transaction and one ledger statement for all; their later jobs (foreign
  // keys, the rest) depend on the batch.
  std::set<std::string> batched;
  for (const SmallTableBatch& b : SmallTableBatches(w, by_pass[ItemPass::kTable], total_bytes)) {
    std::vector<std::string> keys;
    uint64_t bytes = 0;
    for (size_t i = 0; i < b.tables.size(); ++i) {
      keys.push_back("data:" + b.tables[i]->files.front()->name);
      for (const SchemaItem* item : b.items[i]) keys.push_back(ItemKey(*item));
      if (w.analyze) keys.push_back("analyze:" + b.tables[i]->Key());
      bytes += b.tables[i]->bytes;
    }
    const std::string what = "table " + b.tables.front()->Quoted() + " and " +
                             std::to_string(b.tables.size() - 1) + " other small tables";
    JobId id = add(
        "copy " + b.tables.front()->Key() + " and " + std::to_string(b.tables.size() - 1) + " more",
        "copy", bytes, {},
        [wp, b, keys, what](JobContext& ctx) {
          return RunLedgered(*wp, ctx, keys, what, [wp, &b](PgConnection& conn, JobContext& c) {
            return LoadBatch(*wp, c, conn, b);
          });
        },
        {catalog});
    for (const RestoreTable* t : b.tables) {
      data_jobs[t->Key()].push_back(id);
      batched.insert(t->Key());
    }
  }
  for (const RestoreTable& t : input.tables) {
    table_bytes[t.Key()] = t.bytes;
    if (!t.extension.empty() || batched.count(t.Key())) continue;
    const RestoreTable* table = &t;
    bool merge = !w.append_only && t.files.size() > 1 && t.bytes <= fair_share;
    std::vector<std::string> keys;
    for (const format::FileEntry* f : t.files) {
      keys.push_back("data:" + f->name);
      if (w.done->count(keys.back())) merge = false;
    }
    if (merge) {
      std::vector<const format::FileEntry*> files = t.files;
      std::string what = "table " + t.Quoted() + " from " + std::to_string(files.size()) + " files";
      data_jobs[t.Key()].push_back(
          add("copy " + t.Key(), "copy", t.bytes, {},
              [wp, table, files, keys, what](JobContext& ctx) {
                return RunLedgered(
                    *wp, ctx, keys, what,
                    [wp, table, files](PgConnection& conn, JobContext& c) -> Result<Loaded> {
                      Loaded total;
                      for (size_t i = 0; i < files.size(); ++i) {
                        HD_ASSIGN_OR_RETURN(
                            Loaded one, LoadFile(*wp, c, conn, *table, *files[i],
                                                 i == 0 ? Load::kTruncateFreeze : Load::kFreeze));
                        total.rows += one.rows;
                        total.bytes += one.bytes;
                      }
                      return total;
                    });
              },
              {catalog}));
      continue;
    }
    const Load load = !w.append_only && t.files.size() == 1 ? Load::kTruncateFreeze : Load::kAppend;
    for (const format::FileEntry* f : t.files) {
      std::string what = "table " + t.Quoted() + " from " + f->name;
      std::string key = "data:" + f->name;
      data_jobs[t.Key()].push_back(
          add("copy " + t.Key() + (t.files.size() > 1 ? " (" + f->name + ")" : ""), "copy",
              f->uncompressed_bytes, {},
              [wp, table, f, load, key, what](JobContext& ctx) {
                return RunLedgered(*wp, ctx, key, what,
                                   [wp, table, f, load](PgConnection& conn, JobContext& c) {
                                     return LoadFile(*wp, c, conn, *table, *f, load);
                                   });
              },
              {catalog}));
    }
  }

  for (const auto& [first, then] : w.load_order) {  // foreign keys on existing tables
    auto a = data_jobs.find(first), b = data_jobs.find(then);
    if (a == data_jobs.end() || b == data_jobs.end()) continue;
    for (JobId x : a->second) {
      for (JobId y : b->second) graph.AddDependency(x, y);
    }
  }

  auto ledgered_sql = [wp](const SchemaItem* item) {
    return [wp, item](JobContext& ctx) {
      return RunLedgered(*wp, ctx, ItemKey(*item), item->Describe(),
                         [item](PgConnection& conn, JobContext&) -> Result<Loaded> {
                           HD_RETURN_IF_ERROR(conn.Run(item->sql));
                           return Loaded{};
                         });
    };
  };
  auto deps_of = [&](const std::string& table, std::vector<JobId> deps) {
    auto it = data_jobs.find(table);
    if (it != data_jobs.end()) deps.insert(deps.end(), it->second.begin(), it->second.end());
    return deps;
  };

  // Phase 5a: each table's keys and indexes as soon as its data is in. Key
  // constraints (ALTER TABLE: ACCESS EXCLUSIVE) first, one at a time; then
  // the table's CREATE INDEXes, which share their lock, in parallel.
  std::map<std::string, std::vector<JobId>> table_items;
  std::vector<JobId> all_post;
  for (bool indexes : {false, true}) {
    for (const SchemaItem* item : by_pass[ItemPass::kTable]) {
      if ((item->desc == "INDEX") != indexes) continue;
      std::string table = item->table_schema + "." + item->table_name;
      if (batched.count(table)) {  // built by its batch
        table_items[table] = data_jobs[table];
        continue;
      }
      std::vector<JobId> deps = deps_of(table, {catalog});
      if (indexes) deps.insert(deps.end(), table_items[table].begin(), table_items[table].end());
      JobId id = add(item->Describe(), indexes ? "index" : "key", table_bytes[table] / 4,
                     indexes ? std::vector<std::string>{} : std::vector<std::string>{table},
                     ledgered_sql(item), deps);
      table_items[table].push_back(id);
      all_post.push_back(id);
    }
  }
  // Phase 5b: foreign keys once both tables have their data and keys.
  for (const SchemaItem* item : by_pass[ItemPass::kForeignKey]) {
    std::string table = item->table_schema + "." + item->table_name;
    std::string ref = item->ref_schema + "." + item->ref_name;
    std::vector<JobId> deps = deps_of(ref, deps_of(table, {catalog}));
    for (const std::string& t : {table, ref}) {
      deps.insert(deps.end(), table_items[t].begin(), table_items[t].end());
    }
    all_post.push_back(add(item->Describe(), "foreign key", table_bytes[table] / 16, {table, ref},
                           ledgered_sql(item), deps));
  }
  // Phase 7 (overlapping): ANALYZE each table once its data and indexes are in.
  if (w.analyze) {
    for (const RestoreTable& t : input.tables) {
      if (t.files.empty() || batched.count(t.Key())) continue;
      std::string key = t.Key();
      std::vector<JobId> deps = deps_of(key, {catalog});
      deps.insert(deps.end(), table_items[key].begin(), table_items[key].end());
      const RestoreTable* table = &t;
      add(
          "analyze " + key, "analyze", t.bytes / 64, {key},
          [wp, table](JobContext& ctx) {
            return RunLedgered(*wp, ctx, "analyze:" + table->Key(), "ANALYZE " + table->Quoted(),
                               [table](PgConnection& conn, JobContext&) -> Result<Loaded> {
                                 HD_RETURN_IF_ERROR(conn.Run("ANALYZE " + table->Quoted()));
                                 return Loaded{};
                               });
          },
          deps);
    }
  }
  // Phase 5c: the rest of post-data, then ACLs, then what pg_restore runs
  // after ACLs, once every table is complete.
  std::vector<JobId> before_rest = all_post;
  before_rest.push_back(catalog);
  for (const auto& [table, jobs] : data_jobs)
    before_rest.insert(before_rest.end(), jobs.begin(), jobs.end());
  JobId last = catalog;
  for (ItemPass pass : {ItemPass::kRest, ItemPass::kAcl, ItemPass::kPostAcl}) {
    std::vector<const SchemaItem*> items = by_pass[pass];
    const char* name = ItemPassName(pass);
    last = add(
        std::string(name) + " items", "schema", 1, {},
        [wp, items, name](JobContext& ctx) { return RunItems(*wp, ctx, items, name); },
        pass == ItemPass::kRest ? before_rest : std::vector<JobId>{last});
  }
  return graph.Validate();
}

}  // namespace hyperdump::engine
