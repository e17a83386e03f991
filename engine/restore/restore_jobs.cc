#include "engine/restore/restore_jobs.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

#include "base/job_kind.h"
#include "engine/restore/restore_load.h"
#include "engine/restore/target_settings.h"

namespace hyperdump::engine {

namespace {

using scheduler::JobContext;
using scheduler::JobGraph;
using scheduler::JobId;

// Adds one job, to run after every job of `after`.
JobId AddJob(JobGraph& graph, std::string name, JobKind kind, uint64_t weight,
             std::vector<std::string> conflicts, scheduler::JobFn fn,
             const std::vector<JobId>& after) {
  JobId id = graph.Add(scheduler::JobSpec{std::move(name), JobKindName(kind),
                                          std::max<uint64_t>(weight, 1), std::move(conflicts),
                                          std::move(fn)});
  for (JobId before : after) graph.AddDependency(before, id);
  return id;
}

using ItemList = std::vector<const SchemaItem*>;

// "schema.name" of the table a kTable or kForeignKey item is on.
const std::string& TableOf(const SchemaItem& item) { return item.table; }

// A job that runs one schema item in a transaction with its ledger row.
scheduler::JobFn ItemJob(RestoreJobRunner& runner, const SchemaItem* item) {
  return [&runner, item](JobContext& ctx) {
    return runner.Run(ctx, {ItemKey(*item)}, item->Describe(),
                      [item](PgConnection& conn, JobContext&) -> Result<Loaded> {
                        HD_ASSIGN_OR_RETURN(std::string sql, item->Sql());
                        HD_RETURN_IF_ERROR(conn.Run(sql));
                        return Loaded{};
                      });
  };
}

// A job that runs one key or index item, its build given the slots idle
// when it starts (ParallelIndexBuild) for its own transaction, or
// `fixed_workers` parallel workers when that is 0 or more.
scheduler::JobFn IndexBuildJob(RestoreJobRunner& runner, const SchemaItem* item,
                               int64_t maintenance_work_mem, int fixed_workers) {
  return [&runner, item, maintenance_work_mem, fixed_workers](JobContext& ctx) {
    const std::string settings = IndexBuildSql(
        fixed_workers >= 0 ? IndexBuildSettings{fixed_workers, 0}
                           : ParallelIndexBuild(ctx.spare_slots, maintenance_work_mem));
    return runner.Run(ctx, {ItemKey(*item)}, item->Describe(),
                      [item, settings](PgConnection& conn, JobContext&) -> Result<Loaded> {
                        HD_ASSIGN_OR_RETURN(std::string sql, item->Sql());
                        HD_RETURN_IF_ERROR(conn.Run(settings));
                        HD_RETURN_IF_ERROR(conn.Run(sql));
                        return Loaded{};
                      });
  };
}

// Phase 2: the pre-data schema, in archive order, on one connection.
JobId AddPreData(JobGraph& graph, RestoreJobRunner& runner, const ItemList& items) {
  return AddJob(
      graph, "pre-data schema", JobKind::kSchema, 1, {},
      [&runner, items](JobContext& ctx) { return runner.RunItems(ctx, items, "pre-data"); }, {});
}

// Large objects, batch by batch, once the roles that own them and the schema
// exist; nothing else depends on them.
void AddLargeObjects(JobGraph& graph, RestoreJobRunner& runner,
                     const format::ArchiveSource& archive,
                     const std::vector<const format::FileEntry*>& files,
                     const LargeObjectRestoreOptions& options, JobId pre_data) {
  for (const format::FileEntry* f : files) {
    std::string what = f->meta.value("object", std::string("large objects")) + " from " + f->name;
    auto load = [&archive, f, options](PgConnection& conn, JobContext& c) -> Result<Loaded> {
      uint64_t sent = 0;
      HD_ASSIGN_OR_RETURN(int64_t objects, RestoreLargeObjectFile(conn, archive, *f, options,
                                                                  [&c, &sent](uint64_t bytes) {
                                                                    sent += bytes;
                                                                    c.AddProgress(bytes, 0);
                                                                    return !c.cancelled();
                                                                  }));
      // The headers too, so that progress ends at the estimate.
      c.AddProgress(f->uncompressed_bytes - std::min(sent, f->uncompressed_bytes),
                    static_cast<uint64_t>(objects));
      return Loaded{objects, f->uncompressed_bytes};
    };
    AddJob(graph, "copy " + f->meta.value("object", f->name), JobKind::kCopy, f->uncompressed_bytes,
           {},
           [&runner, f, what, load](JobContext& ctx) {
             return runner.Run(ctx, {"lo:" + f->name}, what, load);
           },
           {pre_data});
  }
}

// Phase 3: the extension configuration tables (the TimescaleDB catalog),
// one session, one transaction, in foreign-key order.
JobId AddCatalog(JobGraph& graph, RestoreJobRunner& runner, const format::ArchiveSource& archive,
                 const std::vector<const RestoreTable*>& tables, JobId pre_data) {
  auto load = [&archive, tables](PgConnection& conn, JobContext& c) -> Result<Loaded> {
    Loaded total;
    std::vector<std::string> files;
    for (const RestoreTable* t : tables) {
      for (const format::FileEntry* f : t->files) files.push_back(f->name);
    }
    archive.WillOpen(files);
    for (const RestoreTable* t : tables) {
      for (const format::FileEntry* f : t->files) {
        Result<Loaded> one = LoadFile(archive, c, conn, *t, *f, Load::kAppend);
        if (!one.ok()) return one.status().WithContext("table " + t->Quoted());
        total.rows += one->rows;
        total.bytes += one->bytes;
      }
    }
    return total;
  };
  return AddJob(graph, "extension configuration tables", JobKind::kCatalog, 1, {},
                [&runner, load](JobContext& ctx) {
                  return runner.Run(ctx, {"catalog"}, "extension configuration tables", load);
                },
                {pre_data});
}

// Sequences: their dumped values, once the schema exists.
void AddSequences(JobGraph& graph, RestoreJobRunner& runner,
                  const std::vector<SequenceInfo>& sequences, JobId catalog) {
  auto set = [&sequences](PgConnection& conn, JobContext&) -> Result<Loaded> {
    for (const SequenceInfo& s : sequences) {
      auto r = conn.ExecParams("SELECT pg_catalog.setval($1::regclass, $2, $3)",
                               {QualifiedName(s.schema, s.name), std::to_string(s.last_value),
                                s.is_called ? "true" : "false"});
      if (!r.ok()) return r.status().WithContext("sequence " + QualifiedName(s.schema, s.name));
    }
    return Loaded{};
  };
  AddJob(graph, "sequence values", JobKind::kSequences, 1, {},
         [&runner, set](JobContext& ctx) {
           return runner.Run(ctx, {"sequences"}, "sequence values", set);
         },
         {catalog});
}

// What the graph knows of each table ("schema.name"): its data jobs and
// its key and index jobs. At 100,000 chunks five maps keyed by table name
// were a tenth of a restore's memory, and one map of them still its largest
// temporary (issue 18).
struct TableJobs {
  ItemList items;           // its keys and indexes (kTable items), keys first
  std::vector<JobId> data;  // its data jobs (its batch, if batched)
  std::vector<JobId> keys;  // its key constraints' jobs, in order
  std::vector<JobId> post;  // its keys' and indexes' jobs
  uint64_t bytes = 0;
  bool batched = false;  // its batch also built its keys, indexes and ANALYZE

  // Its keys and indexes: built by the batch, if batched.
  const std::vector<JobId>& Built() const { return batched ? data : post; }
};

// The pieces of a string, compared as their concatenation: a table's key
// "schema.name" without building it.
using KeyPieces = std::array<std::string_view, 3>;
KeyPieces PiecesOf(const RestoreTable& t) { return {t.schema, ".", t.name}; }
int ComparePieces(const KeyPieces& a, const KeyPieces& b) {
  size_t ia = 0, oa = 0, ib = 0, ob = 0;
  for (;;) {
    while (ia < a.size() && oa == a[ia].size()) ++ia, oa = 0;
    while (ib < b.size() && ob == b[ib].size()) ++ib, ob = 0;
    if (ia == a.size() || ib == b.size())
      return (ia == a.size() ? 0 : 1) - (ib == b.size() ? 0 : 1);
    const size_t n = std::min(a[ia].size() - oa, b[ib].size() - ob);
    if (int c = a[ia].substr(oa, n).compare(b[ib].substr(ob, n)); c != 0) return c;
    oa += n;
    ob += n;
  }
}

// TableJobs for each restored table, by its place in the restore's tables
// (which must outlive the index and not change), found by key through the
// tables sorted by key: 4 bytes a table beside its TableJobs, where a hash
// map of the keys took about 120. A table only items are on (of the schema,
// with no data) gets a slot of its own by key.
class TableIndex {
 public:
  TableIndex(const std::vector<RestoreTable>& tables, const ItemList& table_items)
      : tables_(tables), by_key_(tables.size()), jobs_(tables.size()) {
    for (size_t i = 0; i < tables.size(); ++i) {
      by_key_[i] = static_cast<uint32_t>(i);
      jobs_[i].bytes = tables[i].bytes;
    }
    std::sort(by_key_.begin(), by_key_.end(), [&tables](uint32_t a, uint32_t b) {
      return ComparePieces(PiecesOf(tables[a]), PiecesOf(tables[b])) < 0;
    });
    for (bool indexes : {false, true}) {
      for (const SchemaItem* item : table_items) {
        if ((item->desc() == "INDEX") == indexes) (*this)[TableOf(*item)].items.push_back(item);
      }
    }
  }
  // The slot of `t`, one of the tables the index was made of.
  TableJobs& operator[](const RestoreTable& t) { return jobs_.at(&t - tables_.data()); }
  const TableJobs& operator[](const RestoreTable& t) const { return jobs_.at(&t - tables_.data()); }
  // The table's slot; an empty one for a table that is not restored (an
  // item can be on a table of the schema that holds no data).
  TableJobs& operator[](const std::string& key) {
    if (std::optional<size_t> i = IndexOf(key)) return jobs_[*i];
    return others_[key];
  }
  const TableJobs* Find(const std::string& key) const {
    if (std::optional<size_t> i = IndexOf(key)) return &jobs_[*i];
    auto it = others_.find(key);
    return it == others_.end() ? nullptr : &it->second;
  }
  template <typename F>
  void ForEach(F f) const {
    for (const TableJobs& jobs : jobs_) f(jobs);
    for (const auto& [key, jobs] : others_) f(jobs);
  }

 private:
  std::optional<size_t> IndexOf(std::string_view key) const {
    const KeyPieces wanted = {key, "", ""};
    auto it = std::lower_bound(by_key_.begin(), by_key_.end(), wanted,
                               [this](uint32_t i, const KeyPieces& k) {
                                 return ComparePieces(PiecesOf(tables_[i]), k) < 0;
                               });
    if (it == by_key_.end() || ComparePieces(PiecesOf(tables_[*it]), wanted) != 0) {
      return std::nullopt;
    }
    return *it;
  }
  const std::vector<RestoreTable>& tables_;
  std::vector<uint32_t> by_key_;                       // indexes into tables_, sorted by key
  std::vector<TableJobs> jobs_;                        // parallel to tables_; never resized
  std::unordered_map<std::string, TableJobs> others_;  // node-based: references stay valid
};

// Phase 4a: small tables (thousands of chunks), each one's data, keys,
// indexes and ANALYZE in one job with many others (SmallTableBatches), one
// transaction and one ledger statement for all; their later jobs (foreign
// keys, the rest) depend on the batch. Not for appends.
void AddSmallTableBatches(JobGraph& graph, RestoreJobRunner& runner,
                          const format::ArchiveSource& archive,
                          const std::vector<RestoreTable>& tables, uint64_t total_bytes, int slots,
                          bool analyze, JobId catalog, TableIndex& index) {
  auto done_before = [&runner](const std::string& key) { return runner.DoneBefore(key); };
  auto items_of = [&index](const RestoreTable& t) -> const ItemList& { return index[t].items; };
  for (SmallTableBatch& one :
       SmallTableBatches(tables, items_of, total_bytes, slots, done_before)) {
    // The batch is held once, by its job; its ledger keys are listed when
    // the job runs, not kept for every batch from the start.
    auto b = std::make_shared<const SmallTableBatch>(std::move(one));
    uint64_t bytes = 0;
    for (const RestoreTable* t : b->tables) bytes += t->bytes;
    const std::string more = std::to_string(b->tables.size() - 1);
    JobId id = AddJob(
        graph, "copy " + b->tables.front()->Key() + " and " + more + " more", JobKind::kCopy, bytes,
        {},
        [&runner, &archive, analyze, b](JobContext& ctx) {
          std::vector<std::string> keys;
          for (size_t i = 0; i < b->tables.size(); ++i) {
            keys.push_back("data:" + b->tables[i]->files.front()->name);
            for (const SchemaItem* item : b->items[i]) keys.push_back(ItemKey(*item));
            if (analyze) keys.push_back("analyze:" + b->tables[i]->Key());
          }
          const std::string what = "table " + b->tables.front()->Quoted() + " and " +
                                   std::to_string(b->tables.size() - 1) + " other small tables";
          return runner.Run(ctx, keys, what,
                            [&archive, analyze, b](PgConnection& conn, JobContext& c) {
                              return LoadBatch(archive, analyze, c, conn, *b);
                            });
        },
        {catalog});
    for (const RestoreTable* t : b->tables) {
      TableJobs& jobs = index[*t];
      jobs.data.push_back(id);
      jobs.batched = true;
    }
  }
}

// Phase 4b: every other table's data, straight into its own table, largest
// first. COPY FREEZE (no later hint-bit or freeze work; no WAL at all under
// wal_level=minimal) needs the table truncated in the same transaction, so
// it takes a job that fills the whole table: a table archived as one file,
// or a split table whose ranges are merged into one job. Merging gives up
// loading one table on several connections, so it is done only while the
// table is no bigger than a fair share of the work (it then cannot be the
// critical path) and when no range of it was committed by an earlier run
// (the TRUNCATE would remove those rows).
void AddTableData(JobGraph& graph, RestoreJobRunner& runner, const format::ArchiveSource& archive,
                  const RestoreTable& t, uint64_t fair_share, bool append_only, JobId catalog,
                  TableJobs& jobs) {
  const RestoreTable* table = &t;
  bool merge = !append_only && t.files.size() > 1 && t.bytes <= fair_share;
  std::vector<std::string> keys;
  for (const format::FileEntry* f : t.files) {
    keys.push_back("data:" + f->name);
    if (runner.DoneBefore(keys.back())) merge = false;
  }
  if (merge) {
    std::vector<const format::FileEntry*> files = t.files;
    std::string what = "table " + t.Quoted() + " from " + std::to_string(files.size()) + " files";
    auto load = [&archive, table, files](PgConnection& conn, JobContext& c) -> Result<Loaded> {
      Loaded total;
      for (size_t i = 0; i < files.size(); ++i) {
        HD_ASSIGN_OR_RETURN(Loaded one, LoadFile(archive, c, conn, *table, *files[i],
                                                 i == 0 ? Load::kTruncateFreeze : Load::kFreeze));
        total.rows += one.rows;
        total.bytes += one.bytes;
      }
      return total;
    };
    jobs.data.push_back(AddJob(
        graph, "copy " + t.Key(), JobKind::kCopy, t.bytes, {},
        [&runner, keys, what, load](JobContext& ctx) { return runner.Run(ctx, keys, what, load); },
        {catalog}));
    return;
  }
  const Load how = !append_only && t.files.size() == 1 ? Load::kTruncateFreeze : Load::kAppend;
  for (const format::FileEntry* f : t.files) {
    std::string what = "table " + t.Quoted() + " from " + f->name;
    auto load = [&archive, table, f, how](PgConnection& conn, JobContext& c) {
      return LoadFile(archive, c, conn, *table, *f, how);
    };
    jobs.data.push_back(AddJob(graph,
                               "copy " + t.Key() + (t.files.size() > 1 ? " (" + f->name + ")" : ""),
                               JobKind::kCopy, f->uncompressed_bytes, {},
                               [&runner, key = "data:" + f->name, what, load](JobContext& ctx) {
                                 return runner.Run(ctx, {key}, what, load);
                               },
                               {catalog}));
  }
}

// Phase 4: the data of every table but the catalog's.
void AddData(JobGraph& graph, RestoreJobRunner& runner, const format::ArchiveSource& archive,
             const std::vector<RestoreTable>& tables, const RestoreGraphOptions& options,
             JobId catalog, TableIndex& index) {
  uint64_t total_bytes = 0;
  for (const RestoreTable& t : tables) {
    if (t.extension.empty()) total_bytes += t.bytes;
  }
  if (!options.append_only) {
    AddSmallTableBatches(graph, runner, archive, tables, total_bytes, options.slots,
                         options.analyze, catalog, index);
  }
  const uint64_t fair_share = total_bytes / static_cast<uint64_t>(std::max(options.slots, 1));
  for (const RestoreTable& t : tables) {
    TableJobs& jobs = index[t];
    if (!t.extension.empty() || jobs.batched) continue;
    AddTableData(graph, runner, archive, t, fair_share, options.append_only, catalog, jobs);
  }
}

// Appends into existing tables: `then`'s data after `first`'s, for each
// pair of `load_order` (foreign keys already on the target).
void OrderAppends(JobGraph& graph, const TableIndex& index,
                  const std::vector<std::pair<std::string, std::string>>& load_order) {
  for (const auto& [first, then] : load_order) {
    const TableJobs *a = index.Find(first), *b = index.Find(then);
    if (!a || !b) continue;
    for (JobId x : a->data) {
      for (JobId y : b->data) graph.AddDependency(x, y);
    }
  }
}

// Phase 5a: each table's keys and indexes as soon as its data is in. Key
// constraints (ALTER TABLE: ACCESS EXCLUSIVE) first, one at a time; then the
// table's CREATE INDEXes, all at once after its keys: CREATE INDEX takes a
// SHARE lock, which does not conflict with itself, so a big table's indexes
// build side by side on free slots (as pg_restore -j builds them) instead of
// leaving slots idle at the restore's tail (issue 13: 62% busy on the skewed
// shape, when its two indexes were built one after the other).
// Returns the post-data jobs added (foreign keys' come next).
std::vector<JobId> AddTableItems(JobGraph& graph, RestoreJobRunner& runner, const ItemList& items,
                                 const RestoreGraphOptions& options, JobId catalog,
                                 TableIndex& index) {
  std::vector<JobId> post;
  for (bool indexes : {false, true}) {
    for (const SchemaItem* item : items) {
      if ((item->desc() == "INDEX") != indexes) continue;
      const std::string& table = TableOf(*item);
      TableJobs& jobs = index[table];
      if (jobs.batched) continue;  // built by its batch
      std::vector<JobId> deps = {catalog};
      deps.insert(deps.end(), jobs.data.begin(), jobs.data.end());
      deps.insert(deps.end(), jobs.keys.begin(), jobs.keys.end());
      JobId id = AddJob(
          graph, item->Describe(), indexes ? JobKind::kIndex : JobKind::kKey, jobs.bytes / 4,
          indexes ? std::vector<std::string>{} : std::vector<std::string>{table},
          IndexBuildJob(runner, item, options.maintenance_work_mem_bytes, options.index_workers),
          deps);
      jobs.post.push_back(id);
      if (!indexes) jobs.keys.push_back(id);
      post.push_back(id);
    }
  }
  return post;
}

// Phase 5b: foreign keys once both tables have their data and keys.
void AddForeignKeys(JobGraph& graph, RestoreJobRunner& runner, const ItemList& items,
                    const TableIndex& index, JobId catalog, std::vector<JobId>& post) {
  for (const SchemaItem* item : items) {
    const std::string& table = TableOf(*item);
    const std::string& ref = item->ref;
    std::vector<JobId> deps = {catalog};
    uint64_t bytes = 0;
    for (const std::string* t : {&table, &ref}) {
      const TableJobs* jobs = index.Find(*t);
      if (!jobs) continue;
      deps.insert(deps.end(), jobs->data.begin(), jobs->data.end());
      deps.insert(deps.end(), jobs->Built().begin(), jobs->Built().end());
      if (t == &table) bytes = jobs->bytes;
    }
    post.push_back(AddJob(graph, item->Describe(), JobKind::kForeignKey, bytes / 16, {table, ref},
                          ItemJob(runner, item), deps));
  }
}

// Phase 7 (overlapping): ANALYZE each table once its data and indexes are in.
void AddAnalyze(JobGraph& graph, RestoreJobRunner& runner, const std::vector<RestoreTable>& tables,
                const TableIndex& index, JobId catalog) {
  for (const RestoreTable& t : tables) {
    const std::string key = t.Key();
    const TableJobs& jobs = index[t];
    if (t.files.empty() || jobs.batched) continue;
    std::vector<JobId> deps = {catalog};
    deps.insert(deps.end(), jobs.data.begin(), jobs.data.end());
    deps.insert(deps.end(), jobs.post.begin(), jobs.post.end());
    const RestoreTable* table = &t;
    auto analyze = [table](PgConnection& conn, JobContext&) -> Result<Loaded> {
      HD_RETURN_IF_ERROR(conn.Run("ANALYZE " + table->Quoted()));
      return Loaded{};
    };
    AddJob(
        graph, "analyze " + key, JobKind::kAnalyze, t.bytes / 64, {key},
        [&runner, table, analyze](JobContext& ctx) {
          return runner.Run(ctx, {"analyze:" + table->Key()}, "ANALYZE " + table->Quoted(),
                            analyze);
        },
        deps);
  }
}

// Phase 5c: the rest of post-data, then ACLs, then what pg_restore runs
// after ACLs, once every table is complete.
void AddRest(JobGraph& graph, RestoreJobRunner& runner, std::map<ItemPass, ItemList>& by_pass,
             const TableIndex& index, const std::vector<JobId>& post, JobId catalog) {
  std::vector<JobId> before_rest = post;
  before_rest.push_back(catalog);
  index.ForEach([&before_rest](const TableJobs& jobs) {
    before_rest.insert(before_rest.end(), jobs.data.begin(), jobs.data.end());
  });
  JobId last = catalog;
  for (ItemPass pass : {ItemPass::kRest, ItemPass::kAcl, ItemPass::kPostAcl}) {
    const char* name = ItemPassName(pass);
    last = AddJob(
        graph, std::string(name) + " items", JobKind::kSchema, 1, {},
        [&runner, items = by_pass[pass], name](JobContext& ctx) {
          return runner.RunItems(ctx, items, name);
        },
        pass == ItemPass::kRest ? before_rest : std::vector<JobId>{last});
  }
}

}  // namespace

Status BuildRestoreGraph(RestoreJobRunner& runner, const format::ArchiveSource& archive,
                         const RestoreInput& input, const SchemaScript& schema,
                         const RestoreGraphOptions& options, scheduler::JobGraph& graph) {
  std::map<ItemPass, ItemList> by_pass;
  for (const SchemaItem& item : schema.items) by_pass[item.pass].push_back(&item);

  // Phase 2: pre-data schema; large objects once it exists.
  JobId pre_data = AddPreData(graph, runner, by_pass[ItemPass::kPreData]);
  AddLargeObjects(graph, runner, archive, input.large_object_files, options.large_objects,
                  pre_data);
  // Phase 3: the TimescaleDB catalog; sequence values after it.
  JobId catalog = AddCatalog(graph, runner, archive, CatalogOrder(input), pre_data);
  AddSequences(graph, runner, input.sequences, catalog);
  // Phase 4: data, largest first (small tables in batches that also build
  // their keys and indexes); appends in foreign-key order.
  TableIndex index(input.tables, by_pass[ItemPass::kTable]);
  AddData(graph, runner, archive, input.tables, options, catalog, index);
  OrderAppends(graph, index, options.load_order);
  // Phase 5: each table's keys and indexes, then foreign keys, as soon as
  // the tables they need are loaded.
  std::vector<JobId> post =
      AddTableItems(graph, runner, by_pass[ItemPass::kTable], options, catalog, index);
  AddForeignKeys(graph, runner, by_pass[ItemPass::kForeignKey], index, catalog, post);
  // Phase 7 (overlapping): ANALYZE each table once it is complete.
  if (options.analyze) AddAnalyze(graph, runner, input.tables, index, catalog);
  // Phase 5c: the rest of the schema, ACLs, post-ACL items, once all is in.
  AddRest(graph, runner, by_pass, index, post, catalog);
  return graph.Validate();
}

}  // namespace hyperdump::engine
