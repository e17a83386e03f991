// Which relations a dump selects, decided as pg_dump 15 decides it.
//
// ResolveSelection turns DiscoveryOptions' -n/-N/-t/-T patterns into oid sets
// by asking the server (so patterns match with PostgreSQL's regex engine, as
// in pg_dump); the Selection then answers per relation without queries.
// Rules, from pg_dump.c (selectDumpableNamespace/Table, processExtensionTables,
// getOwnedSeqs):
//  - with -t, exactly the tables matching some -t, minus -T; -n/-N are ignored;
//  - else with -n, the tables in schemas matching some -n, minus -N and -T;
//  - else every table outside pg_* and information_schema, minus -N and -T;
//  - extension config tables: all of them when the extension is dumped (no -n
//    and no -t), else only when matched by -t or when their schema is matched
//    by -n and is not itself an extension member; -T and -N always exclude;
//  - a sequence is also selected when the table owning it is (identity
//    sequences only then).
// hyperdump's additions: a TimescaleDB chunk or compressed companion
// follows its hypertable (a continuous aggregate's materialization hypertable
// follows the aggregate's view), and a partition follows its partitioned
// ancestors (selected with any of them, excluded with any of them), like
// pg_dump 16's --table-and-children; see Discover(). pg_dump --schema-only
// is then given the difference as exact names (DumpPlan::schema_selection).
#ifndef HYPERDUMP_ENGINE_PLAN_SELECTION_H_
#define HYPERDUMP_ENGINE_PLAN_SELECTION_H_

#include <cstdint>
#include <unordered_set>

#include "base/status.h"
#include "engine/pg/pg.h"
#include "engine/plan/dump_plan.h"

namespace hyperdump::engine {

struct Selection {
  bool has_table_includes = false;   // some -t
  bool has_schema_includes = false;  // some -n
  std::unordered_set<uint32_t> include_tables, exclude_tables;
  std::unordered_set<uint32_t> include_schemas, exclude_schemas;

  // pg_dump's "include everything": no -n and no -t; extensions are dumped.
  bool IncludeEverything() const { return !has_table_includes && !has_schema_includes; }
  // An ordinary (non-extension) relation in schema `nsp`.
  bool Table(uint32_t nsp, uint32_t oid) const;
  // Explicitly excluded by -T, or by -N when -t is not in use.
  bool Excluded(uint32_t nsp, uint32_t oid) const;
  // An extension configuration table; `nsp_is_extension_member` when its
  // schema was created by an extension.
  bool ExtensionConfig(uint32_t nsp, bool nsp_is_extension_member, uint32_t oid) const;
};

// Resolves the patterns of `opts` on `conn` (inside the snapshot). Fails like
// pg_dump when a -n or -t list matches nothing, and on malformed patterns.
Result<Selection> ResolveSelection(PgConnection& conn, const DiscoveryOptions& opts);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PLAN_SELECTION_H_
