// Discovery: everything a dump moves, found under one snapshot.
//
// Discover() reads the catalog through a connection that is already inside
// the dump's snapshot transaction (REPEATABLE READ, set up by the caller) and
// only reads. It returns the DumpPlan (engine/plan/dump_plan.h): server facts, every
// relation whose data is dumped exactly once, the data jobs largest first
// (large tables split into ctid block ranges), sequences with their values,
// and the large-object count.
//
// What is listed (and why):
//  - ordinary tables (kTable), leaf partitions at any depth (kPartition),
//    inheritance children (kInheritanceChild; an inheritance parent is a
//    kTable of its own: COPY TO never includes child rows). Partitioned
//    parents hold no storage and are not listed. Unlogged tables are listed
//    (pg_dump dumps their data); views, materialized views (refreshed, not
//    copied) and foreign tables are not.
//  - TimescaleDB: chunks (kChunk, also of continuous aggregates'
//    materialization hypertables), compressed companions (kCompressedChunk),
//    and a hypertable parent (kHypertable) only when it may hold rows of
//    its own (normally it is empty; rows land there only in restore mode
//    since 2.23): when its main fork has any page (TimescaleDB hides a
//    parent's own rows from SELECT, even FROM ONLY; COPY reads them). Internal
//    compressed hypertable parents and OSM (tiered) chunks are skipped.
//  - extension configuration tables of any extension (kExtensionConfig),
//    with pg_extension.extcondition as copy_filter and the foreign keys among
//    them as load_after; listed first, parents before children. Other tables
//    that belong to an extension are skipped, as pg_dump does.
//  - the TimescaleDB catalog when only some hypertables are dumped (-t/-n
//    select some, or -T/-N drop some): pg_dump would dump either none of the
//    catalog (-t/-n) or all of it (-T/-N), and both restore broken
//    hypertables. Instead every TimescaleDB config table not itself named by
//    -t/-n is listed with a copy_filter that keeps only the rows of the
//    selected hypertables (CatalogRowFilter in engine/timescaledb/timescale_catalog.h),
//    and its id sequences are kept. Named by -t/-n: whole, like pg_dump.
//  - with -n/-N/-t/-T, DumpPlan::schema_selection: the exact names pg_dump
//    --schema-only needs added (-t, or -n plus -T for the rest of that
//    schema) or excluded (-T) so that its schema defines exactly the
//    relations whose data is dumped, and their parents.
//  - sequences selected like pg_dump (see engine/plan/selection.h), values read
//    in the snapshot; large objects are counted whatever the filters.
// Sizes: see DiscoveryOptions::exact_sizes. Selection: engine/plan/selection.h.
#ifndef HYPERDUMP_ENGINE_PLAN_DISCOVERY_H_
#define HYPERDUMP_ENGINE_PLAN_DISCOVERY_H_

#include "base/status.h"
#include "engine/pg/pg.h"
#include "engine/plan/dump_plan.h"

namespace hyperdump::engine {

Result<DumpPlan> Discover(PgConnection& conn, const DiscoveryOptions& opts);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PLAN_DISCOVERY_H_
