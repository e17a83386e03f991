// The schema of a dump, by pg_dump, under the dump's snapshot; the map of
// its post-data items to the tables they belong to; and the roles.
//
// The schema is pg_dump's custom format, so restore can run it section by
// section and item by item (pg_restore -l / -L). Post-data items (indexes,
// constraints, triggers...) are listed with their TOC line and their table,
// so restore can build each as soon as that table's data is in.
#ifndef HYPERDUMP_ENGINE_DUMP_SCHEMA_DUMP_H_
#define HYPERDUMP_ENGINE_DUMP_SCHEMA_DUMP_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "engine/pg/pg.h"
#include "engine/pg/toc_listing.h"
#include "engine/plan/dump_plan.h"
#include "engine/plan/plan_json.h"

namespace hyperdump::engine {

struct SchemaDumpRequest {
  std::string conninfo;                         // passed to pg_dump's -d, never printed
  std::string snapshot;                         // exported by the leader, still open
  const DiscoveryOptions* selection = nullptr;  // -n/-N/-t/-T, passed through
  int lock_timeout_ms = 0;                      // pg_dump --lock-wait-timeout
  // Exact names added to the selection (DumpPlan::schema_selection), may be null.
  const SchemaSelection* extra = nullptr;
};

// pg_dump --format=custom --section=pre-data --section=post-data --no-blobs
// --snapshot=... into `out_path`: what --schema-only gives, plus the
// MATERIALIZED VIEW DATA items (restore refreshes those views).
Status DumpSchema(const SchemaDumpRequest& request, const std::string& out_path,
                  const std::atomic<bool>& interrupt);

// pg_restore -l --section=post-data of `schema_path`.
Result<std::vector<TocLine>> ListPostData(const std::string& schema_path,
                                          const std::string& scratch,
                                          const std::atomic<bool>& interrupt);

// The tables of a plan by (schema, name): indexes into plan.tables sorted by
// name, 4 bytes a table (a map of the names took about 80; issue 18). Refers
// to `plan`, which must outlive it and not change.
class TableFinder {
 public:
  explicit TableFinder(const DumpPlan& plan);
  // The index in plan.tables of schema.name, none when the plan lacks it.
  std::optional<size_t> Find(std::string_view schema, std::string_view name) const;

 private:
  std::pair<std::string_view, std::string_view> NameOf(uint32_t i) const;
  const DumpPlan& plan_;
  std::vector<uint32_t> by_name_;
};

// The "post_data" of plan.json (engine/plan/plan_json.h): each item with the
// table it belongs to, resolved in `conn`'s snapshot and found in the plan by
// `tables`. Called for a part of the listing at a time (WritePlanFile's
// batches).
Result<std::vector<PostDataItem>> MapPostData(PgConnection& conn, std::span<const TocLine> items,
                                              const TableFinder& tables);

// pg_dumpall --roles-only --no-role-passwords: role definitions, without
// password hashes (they are secrets; set passwords on the target).
Result<std::string> DumpRoles(const std::string& conninfo, const std::string& scratch,
                              const std::atomic<bool>& interrupt);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_DUMP_SCHEMA_DUMP_H_
