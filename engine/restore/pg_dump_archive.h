// `hyperdump restore` of a directory made by `pg_dump --format=directory`
// (issue 17 part 4): the archives TimescaleDB users already have, restored
// in parallel and correctly, where `pg_restore -j` loses the hypertables'
// rows (the catalog's foreign keys, docs/user-guide.md).
//
// Nothing of pg_dump's format is re-implemented: pg_restore lists the
// archive (-l), prints its schema items (-L with every item but TABLE DATA,
// which engine/restore/schema_restore.h cuts up as for hyperdump's own
// schema.pgdump) and prints each TABLE DATA item on its own (-L with that
// one item, read as it prints, its COPY rows fed to our COPY ... FROM STDIN).
// The restore is then hyperdump's (engine/restore/restore.h): pre-data; the
// extension configuration tables (the TimescaleDB catalog) in one session in
// the archive's order, which pg_dump sorts by their foreign keys; the data
// largest first; each table's indexes and keys as soon as its data is in;
// timescaledb_post_restore() on every way out; ANALYZE; --resume through
// the ledger in the target.
#ifndef HYPERDUMP_ENGINE_RESTORE_PG_DUMP_ARCHIVE_H_
#define HYPERDUMP_ENGINE_RESTORE_PG_DUMP_ARCHIVE_H_

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "engine/pg/local_files.h"
#include "engine/restore/pg_dump_rows.h"
#include "engine/restore/restore.h"
#include "engine/restore/restore_checks.h"
#include "format/reader.h"
#include "format/source.h"

namespace hyperdump::engine {

// True when `dir` holds a pg_dump directory archive (toc.dat) and no
// hyperdump manifest.
bool IsPgDumpDirectory(const std::string& dir);

// When `path` is a file made by pg_dump's custom or tar format, the error
// that says so and names the ways out; OK otherwise (a directory, or
// anything else, which the archive reader judges).
Status RefusePgDumpFile(const std::string& path);

// A pg_dump directory archive as a restore reads it. Each data "file" is one
// TABLE DATA item, named after its file in the directory (e.g. "4012.dat.gz");
// OpenFile streams the item's COPY rows as pg_restore prints them, with the
// COPY statement's column list in the entry's meta ("columns"). Nothing in
// it is checksummed: pg_restore reports a damaged file, and a stream that
// ends before its end-of-data marker is an error.
//
// Each OpenFile starts a pg_restore (about 20 ms of its start-up, measured),
// unless WillOpen announced a batch: then one pg_restore prints the batch's
// items in order, and OpenFile hands them out one after the other to the
// thread that announced them (an item printed out of order is an error,
// never rows loaded into the wrong table).
//
// Threads: immutable after Open but for the batches announced (a map by
// thread) and the scratch lists, under a mutex; shareable, as
// format::ArchiveSource promises.
class PgDumpArchive final : public format::ArchiveSource {
 public:
  // Lists `dir` with pg_restore from `pg_bindir`; fails naming the item when
  // a TABLE DATA item's file is missing (before anything is written).
  static Result<std::unique_ptr<PgDumpArchive>> Open(const std::string& dir,
                                                     const std::string& pg_bindir);

  const std::string& dir() const override { return dir_; }
  Result<std::unique_ptr<format::DataFileReader>> OpenFile(const std::string& name) const override;
  void WillOpen(const std::vector<std::string>& names) const override;

  // The restore's input: a table per TABLE DATA item, in the archive's
  // order; those without a TABLE item of their own are extension
  // configuration tables; the source's TimescaleDB version (from its
  // catalog's metadata); an archive id (when pg_dump made it, and its TOC).
  // Its file pointers refer to this archive, which must outlive it.
  const RestoreInput& input() const { return input_; }
  // The schema: this directory, with the -L list of its items but TABLE DATA.
  SchemaSource schema() const { return {"", dir_, schema_list_}; }

 private:
  PgDumpArchive(std::string dir, std::string pg_bindir, TempDir scratch)
      : dir_(std::move(dir)), pg_bindir_(std::move(pg_bindir)), scratch_(std::move(scratch)) {}
  Status Load();

  struct DataItem {
    int id = 0;
    std::string line;                          // its `pg_restore -l` line, for a -L list
    std::string schema, name;                  // its table, when the listing names it unambiguously
    const format::FileEntry* entry = nullptr;  // in entries_
  };
  // One pg_restore printing `items`, in order.
  Result<std::shared_ptr<PgDumpRows>> StartPrinting(
      const std::vector<const DataItem*>& items) const;
  // A batch WillOpen announced: its names, and the next one to hand out.
  struct Batch {
    std::shared_ptr<PgDumpRows> rows;
    std::vector<std::string> names;
    size_t next = 0;
  };

  std::string dir_, pg_bindir_;
  TempDir scratch_;          // the -L lists
  std::string schema_list_;  // in scratch_
  std::deque<format::FileEntry> entries_;
  std::map<std::string, DataItem> items_;  // by entry name
  RestoreInput input_;
  mutable std::mutex mu_;
  mutable std::map<std::thread::id, Batch> batches_;  // guarded by mu_
  mutable int lists_ = 0;                             // guarded by mu_
};

// RunRestore for a pg_dump directory (options.archive_dir). Refuses, before
// writing anything, what it cannot do for such an archive: a selective
// restore (-n, -t, -L, --section...: use pg_restore) and --roles (a pg_dump
// archive holds none).
Status RestorePgDumpDirectory(const RestoreOptions& options, const std::atomic<bool>& interrupt,
                              scheduler::EventSink* sink, RestoreSummary* summary,
                              RunObserver* observer);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_PG_DUMP_ARCHIVE_H_
