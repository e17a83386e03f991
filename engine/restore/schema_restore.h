// The archived schema (schema.pgdump: pg_dump --format=custom, pre- and post-data),
// cut into items that restore runs over its own connections.
//
// pg_restore is run once to list the archive (-l, per section) and once to
// print its SQL (-f -) with the user's --no-owner/--no-privileges/
// --no-tablespaces; the SQL is split at pg_restore's per-item headers, each
// item made self-contained (the default_tablespace / table access method it
// was printed under) and classified into the pass that runs it. Running SQL
// ourselves instead of `pg_restore -d` keeps the connection string (and any
// password in it) out of child processes' argv and lets one connection run
// many items, each in the same transaction as its ledger row.
//
// Plain values: a SchemaScript owns its strings and is read-only once loaded;
// its items' SQL stays in pg_restore's output (SqlText), read back per item.
#ifndef HYPERDUMP_ENGINE_RESTORE_SCHEMA_RESTORE_H_
#define HYPERDUMP_ENGINE_RESTORE_SCHEMA_RESTORE_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/plan/plan_json.h"

namespace hyperdump::engine {

// When an item runs, in pg_restore's own order of passes.
enum class ItemPass : uint8_t {
  kPreData,     // types, functions, tables, chunks, sequences, views...
  kTable,       // INDEX, CONSTRAINT, CHECK CONSTRAINT: once its table's data is in
  kForeignKey,  // FK CONSTRAINT: once both tables' data and keys are in
  kRest,        // triggers, rules, policies, comments, INDEX ATTACH...: after all of the above
  kAcl,         // GRANT/REVOKE, DEFAULT ACL: pg_restore's ACL pass
  kPostAcl,     // EVENT TRIGGER: after the ACLs
  // MATERIALIZED VIEW DATA (REFRESH): after all of the above AND after
  // TimescaleDB's restore mode has ended, so that views over hypertables see
  // every row (in restore mode TimescaleDB is inactive: no decompression).
  kRefresh,
};
const char* ItemPassName(ItemPass pass);

// pg_restore's printed SQL, kept in a file that has no name (opened, then
// unlinked) and read back an item at a time: held in memory, the items' SQL
// was the largest part of a restore's memory at many chunks (issue 18).
// Owns its descriptor. Intern() only while loading; Read() from any thread
// (pread) once loaded.
class SqlText {
 public:
  // Opens `path` and removes its name.
  static Result<std::shared_ptr<SqlText>> Open(const std::string& path);
  ~SqlText();
  SqlText(const SqlText&) = delete;
  SqlText& operator=(const SqlText&) = delete;

  // The session settings an item was printed under, as an index: a few
  // distinct values serve every item. Index 0 is no settings.
  uint32_t Intern(const std::string& prefix);
  // prefix(index) followed by `length` bytes at `offset`.
  Result<std::string> Read(uint32_t prefix, uint64_t offset, uint64_t length) const;

 private:
  explicit SqlText(int fd) : fd_(fd), prefixes_{""} {}
  int fd_;
  std::vector<std::string> prefixes_;
};

struct SchemaItem {
  // Its `pg_restore -l` line after the dump id and oids, "DESC REST", as one
  // string: at 100,000 chunks there are hundreds of thousands of items, and
  // every field is multiplied by them (issue 18).
  void SetToc(std::string_view desc, std::string_view toc_line) {
    toc_.clear();
    toc_.reserve(desc.size() + 1 + toc_line.size());  // exactly: one per item
    toc_.append(desc).append(" ").append(toc_line);
    desc_size_ = static_cast<uint32_t>(desc.size());
  }
  // TOC type: "TABLE", "INDEX", "FK CONSTRAINT"...
  std::string_view desc() const { return std::string_view(toc_).substr(0, desc_size_); }
  // The rest of the `pg_restore -l` line, for messages.
  std::string_view toc_line() const {
    return toc_.size() > desc_size_ ? std::string_view(toc_).substr(desc_size_ + 1) : "";
  }
  // "INDEX public child_c_idx" (for job names and error messages).
  const std::string& Describe() const { return toc_; }

  // The SQL, self-contained: runs on any connection with the preamble
  // applied. In `sql` when `text` is null (built or rewritten in memory),
  // else read from `text`.
  Result<std::string> Sql() const {
    return text ? text->Read(prefix, offset, length) : Result<std::string>(sql);
  }
  void SetSql(std::string s) {
    sql = std::move(s);
    text.reset();
  }

  int dump_id = 0;  // pg_restore's TOC id (stable within one archive)
  ItemPass pass = ItemPass::kPreData;
  uint32_t prefix = 0;
  uint64_t offset = 0, length = 0;
  std::string sql;
  std::shared_ptr<const SqlText> text;
  // kTable and kForeignKey: the table the item is on, as "schema.name" of
  // its unquoted parts (RestoreTable::Key), from plan.json's post-data map
  // (the dump resolved it in the source's catalog). One string, not two.
  std::string table;
  // kForeignKey: the referenced table, likewise.
  std::string ref;

 private:
  std::string toc_;
  uint32_t desc_size_ = 0;
};

struct SchemaScript {
  // Session settings pg_restore prints first (search_path, encoding...),
  // to run once on every connection that runs items.
  std::string preamble;
  std::vector<SchemaItem> items;  // in archive (dependency) order
};

struct SchemaOptions {
  std::string pg_bindir;  // where pg_restore lives (engine/pg/subprocess.h: PgBinDir())
  bool no_owner = false;
  bool no_privileges = false;
  bool no_tablespaces = false;
  // A pg_restore -L list: only its items are listed and printed (a pg_dump
  // archive's schema items, its TABLE DATA left out). Empty: every item.
  std::string use_list;
  // Place an index or key on its table by reading the statement pg_dump
  // printed, for an item `placements` does not place (an archive without
  // plan.json: pg_dump's own).
  bool tables_from_sql = false;
};

// Lists and splits `pgdump_path`. `placements` (plan.json's map of post-data
// items to their tables, sorted by dump id) places indexes, keys and foreign keys on their
// tables; an item it does not place runs in pass kRest, after all data.
// Fails naming pg_restore's error, or (kCorrupt) if its output cannot be
// matched item for item against its own listing.
// For a restore of part of the rows: each FK CONSTRAINT item on or to a
// table of `lacking` ("schema.name") adds its key NOT VALID, unchecked
// against the rows (one already NOT VALID stays as it is), except on a
// table of `partitioned`, where PostgreSQL 15 cannot add it NOT VALID: that
// item is taken out of `script`, and `not_added` keeps its description and
// SQL for the user to run once the data is complete.
struct UncheckedForeignKeys {
  int not_valid = 0;
  std::vector<std::string> not_added;  // "FK CONSTRAINT ...: ALTER TABLE ..."
};
UncheckedForeignKeys LeaveForeignKeysUnchecked(SchemaScript& script,
                                               const std::set<std::string>& lacking,
                                               const std::set<std::string>& partitioned);

Result<SchemaScript> LoadSchemaScript(const std::string& pgdump_path, const SchemaOptions& options,
                                      std::vector<ItemPlacement> placements);

// The DROP ... IF EXISTS statements `pg_restore --clean --if-exists` would run
// before recreating the archive's objects, in its order (dependents first).
Result<std::string> LoadCleanScript(const std::string& pgdump_path, const SchemaOptions& options);

// Parses `[ONLY] schema.name` as pg_dump prints it (each part bare or
// "double-quoted") starting at `pos` in `sql`; advances `pos`. Exposed for tests.
bool ParseQualifiedName(const std::string& sql, size_t& pos, std::string& schema,
                        std::string& name);

// The table a post-data item is on, read from the statement pg_dump prints
// for it (`body`: "CREATE [UNIQUE] INDEX n ON [ONLY] s.t ..." or "ALTER
// TABLE [ONLY] s.t ADD CONSTRAINT ..."), and a foreign key's referenced
// table (REFERENCES s.t); false when the statement is not one of these.
// Exposed for tests.
bool PlaceItemBySql(const std::string& body, SchemaItem& item);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_SCHEMA_RESTORE_H_
