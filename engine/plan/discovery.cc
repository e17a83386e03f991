#include "engine/plan/discovery.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "engine/plan/selection.h"
#include "engine/plan/sequences.h"
#include "engine/timescaledb/timescale_catalog.h"

namespace hyperdump::engine {
namespace {

// One row of pg_class as discovery needs it.
struct Relation {
  uint32_t oid = 0;
  uint32_t nsp = 0;
  std::string schema;
  std::string name;
  char relkind = 'r';
  uint32_t relfilenode = 0;
  int64_t pages = 0;
  int64_t rows = 0;
  int64_t bytes = 0;
  bool is_partition = false;
  uint32_t parent = 0;     // first inheritance/partition parent, 0 if none
  uint32_t extension = 0;  // owning extension's oid, 0 if none
  bool nsp_is_extension_member = false;
  std::string Qualified() const { return schema + "." + name; }
};

struct ExtensionConfig {
  std::string extension;
  std::string condition;
};

Status ReadServerFacts(PgConnection& conn, ServerFacts* facts) {
  HD_ASSIGN_OR_RETURN(PgResult r,
                      conn.Exec("SELECT pg_catalog.current_setting('server_version_num'),"
                                " pg_catalog.current_setting('server_version'),"
                                " pg_catalog.current_database()"));
  facts->server_version_num = static_cast<int>(r.GetInt(0, 0));
  facts->server_version = r.GetString(0, 1);
  facts->database = r.GetString(0, 2);
  HD_ASSIGN_OR_RETURN(
      PgResult e, conn.Exec("SELECT extname, extversion FROM pg_catalog.pg_extension ORDER BY 1"));
  for (int i = 0; i < e.rows(); ++i) {
    facts->extensions.emplace_back(e.GetString(i, 0), e.GetString(i, 1));
    if (e.Get(i, 0) == "timescaledb") facts->timescaledb_version = e.GetString(i, 1);
  }
  return Status::Ok();
}

// Tables, partitioned tables and sequences outside the system schemas.
Result<std::vector<Relation>> ReadRelations(PgConnection& conn, bool exact_sizes) {
  const std::string block = "pg_catalog.current_setting('block_size')::int8";
  std::string pages = "c.relpages::int8";
  std::string bytes = "(c.relpages::int8 + COALESCE(t.relpages, 0)::int8) * " + block;
  if (exact_sizes) {
    pages = "CASE WHEN c.relkind = 'r' THEN pg_catalog.pg_relation_size(c.oid) / " + block +
            " ELSE 0 END";
    bytes = "CASE WHEN c.relkind = 'r' THEN pg_catalog.pg_table_size(c.oid) ELSE 0 END";
  }
  const std::string sql =
      "SELECT c.oid, c.relnamespace, n.nspname, c.relname, c.relkind, c.relfilenode, " + pages +
      ", GREATEST(c.reltuples, 0)::int8, " + bytes +
      ", c.relispartition,"
      " COALESCE((SELECT i.inhparent FROM pg_catalog.pg_inherits i"
      "   WHERE i.inhrelid = c.oid ORDER BY i.inhseqno LIMIT 1), 0),"
      " COALESCE((SELECT d.refobjid FROM pg_catalog.pg_depend d"
      "   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid"
      "   AND d.objsubid = 0 AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass"
      "   AND d.deptype = 'e' LIMIT 1), 0),"
      " n.oid IN (SELECT d.objid FROM pg_catalog.pg_depend d"
      "   WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass"
      "   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e')"
      " FROM pg_catalog.pg_class c"
      " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
      " LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid"
      " WHERE c.relkind IN ('r', 'p', 'S') AND n.nspname <> 'information_schema'"
      " AND n.nspname !~ '^pg_'"
      " ORDER BY n.nspname, c.relname";
  HD_ASSIGN_OR_RETURN(PgResult r, conn.Exec(sql));
  std::vector<Relation> out(r.rows());
  for (int i = 0; i < r.rows(); ++i) {
    Relation& rel = out[i];
    rel.oid = static_cast<uint32_t>(r.GetInt(i, 0));
    rel.nsp = static_cast<uint32_t>(r.GetInt(i, 1));
    rel.schema = r.GetString(i, 2);
    rel.name = r.GetString(i, 3);
    rel.relkind = r.Get(i, 4).empty() ? 'r' : r.Get(i, 4)[0];
    rel.relfilenode = static_cast<uint32_t>(r.GetInt(i, 5));
    rel.pages = r.GetInt(i, 6);
    rel.rows = r.GetInt(i, 7);
    rel.bytes = r.GetInt(i, 8);
    rel.is_partition = r.GetBool(i, 9);
    rel.parent = static_cast<uint32_t>(r.GetInt(i, 10));
    rel.extension = static_cast<uint32_t>(r.GetInt(i, 11));
    rel.nsp_is_extension_member = r.GetBool(i, 12);
  }
  return out;
}

// pg_extension.extconfig/extcondition, by configuration relation oid.
Result<std::unordered_map<uint32_t, ExtensionConfig>> ReadExtensionConfig(PgConnection& conn) {
  HD_ASSIGN_OR_RETURN(PgResult r, conn.Exec("SELECT x.cfg, e.extname, COALESCE(x.cond, '')"
                                            " FROM pg_catalog.pg_extension e,"
                                            " unnest(e.extconfig, e.extcondition) AS x(cfg, cond)"
                                            " WHERE e.extconfig IS NOT NULL"));
  std::unordered_map<uint32_t, ExtensionConfig> out;
  for (int i = 0; i < r.rows(); ++i) {
    out[static_cast<uint32_t>(r.GetInt(i, 0))] = {r.GetString(i, 1), r.GetString(i, 2)};
  }
  return out;
}

// Of `rels` (hypertable parents), those that may hold rows of their own: a
// main fork of any size. Not `SELECT ... FROM ONLY parent`: with its hooks
// on, TimescaleDB plans that as empty ("One-Time Filter: false") and hides
// the parent's own rows from every SELECT, though they are there (rows
// copied into the parent in restore mode since 2.23 stay there). COPY parent
// TO STDOUT does read them, so a parent that has pages is dumped, possibly
// as an empty file: never a row lost.
Result<std::set<uint32_t>> NonEmpty(PgConnection& conn, const std::vector<const Relation*>& rels) {
  std::set<uint32_t> out;
  if (rels.empty()) return out;
  std::string list;
  for (const Relation* rel : rels) list += (list.empty() ? "" : ",") + std::to_string(rel->oid);
  HD_ASSIGN_OR_RETURN(PgResult r, conn.ExecParams("SELECT o FROM unnest($1::pg_catalog.oid[]) AS o"
                                                  " WHERE pg_catalog.pg_relation_size(o) > 0",
                                                  {"{" + list + "}"}));
  for (int i = 0; i < r.rows(); ++i) out.insert(static_cast<uint32_t>(r.GetInt(i, 0)));
  return out;
}

// A hypertable is selected when it or what it follows (a continuous
// aggregate's view) is, and neither is excluded: its chunks go with it.
bool HypertableSelected(const HypertableRow& ht, const Selection& sel) {
  if (sel.Excluded(ht.owner_nsp, ht.owner_oid) || sel.Excluded(ht.nsp, ht.oid)) return false;
  return sel.Table(ht.owner_nsp, ht.owner_oid) || sel.Table(ht.nsp, ht.oid);
}

// The hypertables a dump selects, for the TimescaleDB catalog rows it keeps:
// "1,2" and "oid,oid" of the selected ones and their compressed companions'
// hypertables ("NULL" when none), and whether every hypertable is selected.
struct SelectedHypertables {
  bool all = true;
  bool none = true;
  std::string ids = "NULL";
  std::string oids = "NULL";
};

SelectedHypertables SelectHypertables(const TimescaleCatalog& cat, const Selection& sel) {
  SelectedHypertables out;
  std::set<int32_t> ids;
  for (const auto& [id, ht] : cat.hypertables) {
    if (ht.internal_compressed) continue;
    if (!HypertableSelected(ht, sel)) {
      out.all = false;
      continue;
    }
    ids.insert(id);
    if (ht.compressed_hypertable_id != 0) ids.insert(ht.compressed_hypertable_id);
  }
  std::string id_list, oid_list;
  for (int32_t id : ids) {
    auto it = cat.hypertables.find(id);
    if (it == cat.hypertables.end()) continue;
    id_list += (id_list.empty() ? "" : ",") + std::to_string(id);
    oid_list += (oid_list.empty() ? "" : ",") + std::to_string(it->second.oid);
  }
  if (!id_list.empty()) {
    out.none = false;
    out.ids = id_list;
    out.oids = oid_list;
  }
  return out;
}

// Column names of each relation in `oids`.
Result<std::unordered_map<uint32_t, std::set<std::string>>> ColumnsOf(
    PgConnection& conn, const std::vector<uint32_t>& oids) {
  std::unordered_map<uint32_t, std::set<std::string>> out;
  if (oids.empty()) return out;
  std::string list;
  for (uint32_t o : oids) list += (list.empty() ? "" : ",") + std::to_string(o);
  HD_ASSIGN_OR_RETURN(PgResult r,
                      conn.ExecParams("SELECT attrelid, attname FROM pg_catalog.pg_attribute"
                                      " WHERE attrelid = ANY($1::pg_catalog.oid[])"
                                      " AND attnum > 0 AND NOT attisdropped",
                                      {"{" + list + "}"}));
  for (int i = 0; i < r.rows(); ++i) {
    out[static_cast<uint32_t>(r.GetInt(i, 0))].insert(r.GetString(i, 1));
  }
  return out;
}

// Classifies relation `rel` as TimescaleDB data. Returns false when `rel` is
// not a chunk or hypertable. `*keep` says whether it is listed; a hypertable
// parent is reported through `*hypertable_parent` for the emptiness check.
bool ClassifyTimescale(const Relation& rel, const TimescaleCatalog& cat, const Selection& sel,
                       const std::unordered_map<uint32_t, const Relation*>& by_oid, TableInfo* info,
                       bool* keep, bool* hypertable_parent) {
  auto follows = [&](const HypertableRow& ht) { return HypertableSelected(ht, sel); };
  *keep = false;
  *hypertable_parent = false;
  if (auto h = cat.hypertable_by_oid.find(rel.oid); h != cat.hypertable_by_oid.end()) {
    const HypertableRow& ht = cat.hypertables.at(h->second);
    info->kind = TableKind::kHypertable;
    *hypertable_parent = !ht.internal_compressed && follows(ht);
    return true;
  }
  auto c = cat.chunk_by_oid.find(rel.oid);
  if (c == cat.chunk_by_oid.end()) return false;
  const ChunkRow& ch = cat.chunks.at(c->second);
  auto ht_it = cat.hypertables.find(ch.hypertable_id);
  if (ch.osm || ht_it == cat.hypertables.end()) return true;
  const HypertableRow* owner = &ht_it->second;
  info->kind = TableKind::kChunk;
  info->parent = owner->qualified;
  if (owner->internal_compressed) {
    info->kind = TableKind::kCompressedChunk;
    const HypertableRow* user = nullptr;
    if (auto o = cat.chunk_by_compressed.find(ch.id); o != cat.chunk_by_compressed.end()) {
      const ChunkRow& orig = cat.chunks.at(o->second);
      if (auto r = by_oid.find(orig.oid); r != by_oid.end()) {
        info->compressed_of = r->second->Qualified();
      }
      if (auto u = cat.hypertables.find(orig.hypertable_id); u != cat.hypertables.end()) {
        user = &u->second;
      }
    }
    for (const auto& [id, h] : cat.hypertables) {  // an orphan companion
      if (!user && h.compressed_hypertable_id == owner->id) user = &h;
    }
    if (user) owner = user;
  }
  info->hypertable = owner->qualified;
  // Excluding the hypertable (or its view) excludes its chunks; including it
  // includes them, as does selecting the chunk itself.
  bool owner_excluded =
      sel.Excluded(owner->owner_nsp, owner->owner_oid) || sel.Excluded(owner->nsp, owner->oid);
  *keep = !sel.Excluded(rel.nsp, rel.oid) && !owner_excluded &&
          (follows(*owner) || sel.Table(rel.nsp, rel.oid));
  return true;
}

// The partitioned tables above partition `rel`, nearest first.
std::vector<const Relation*> PartitionAncestors(
    const Relation& rel, const std::unordered_map<uint32_t, const Relation*>& by_oid) {
  std::vector<const Relation*> out;
  for (const Relation* r = &rel; r->is_partition && r->parent != 0;) {
    auto it = by_oid.find(r->parent);
    if (it == by_oid.end() || out.size() > 64) break;
    r = it->second;
    out.push_back(r);
  }
  return out;
}

// A partition (or partitioned table) follows its partitioned ancestors: it
// is selected when it or an ancestor is, and neither it nor any ancestor is
// excluded. (pg_dump 15's -t on a partitioned parent takes no partitions,
// so none of its rows; pg_dump 16 added --table-and-children for that.)
bool PartitionSelected(const Relation& rel, const std::vector<const Relation*>& ancestors,
                       const Selection& sel) {
  if (sel.Excluded(rel.nsp, rel.oid)) return false;
  for (const Relation* a : ancestors) {
    if (sel.Excluded(a->nsp, a->oid)) return false;
  }
  if (sel.Table(rel.nsp, rel.oid)) return true;
  for (const Relation* a : ancestors) {
    if (sel.Table(a->nsp, a->oid)) return true;
  }
  return false;
}

// SchemaSelection (engine/plan/dump_plan.h): what pg_dump's own patterns would select
// (Selection::Table) compared with what the data needs: the plan's tables,
// the selected hypertables (with their compressed and materialization
// hypertables, even when empty), selected partitioned tables and every
// ancestor of a partition in the plan.
Result<SchemaSelection> SchemaSelectionFor(
    PgConnection& conn, const DiscoveryOptions& opts, const Selection& sel,
    const std::vector<Relation>& rels, const std::unordered_map<uint32_t, const Relation*>& by_oid,
    const TimescaleCatalog& ts, const std::vector<TableInfo>& tables,
    const std::vector<SequenceInfo>& sequences) {
  SchemaSelection out;
  if (opts.include_schemas.empty() && opts.exclude_schemas.empty() && opts.include_tables.empty() &&
      opts.exclude_tables.empty()) {
    return out;
  }
  std::set<uint32_t> needed;
  for (const TableInfo& t : tables) {
    if (t.kind != TableKind::kExtensionConfig) needed.insert(t.oid);
  }
  for (const auto& [id, ht] : ts.hypertables) {
    if (ht.internal_compressed || !HypertableSelected(ht, sel)) continue;
    needed.insert(ht.oid);
    if (auto c = ts.hypertables.find(ht.compressed_hypertable_id); c != ts.hypertables.end()) {
      needed.insert(c->second.oid);
    }
  }
  for (const Relation& rel : rels) {
    if (rel.extension != 0 || (rel.relkind != 'r' && rel.relkind != 'p')) continue;
    auto ancestors = PartitionAncestors(rel, by_oid);
    if (rel.relkind == 'p' && PartitionSelected(rel, ancestors, sel)) needed.insert(rel.oid);
    if (needed.count(rel.oid)) {
      for (const Relation* a : ancestors) needed.insert(a->oid);
    }
  }
  std::set<std::string> extra_schemas;
  for (const Relation& rel : rels) {
    if (rel.extension != 0 || (rel.relkind != 'r' && rel.relkind != 'p')) continue;
    const bool pg_dump_selects = sel.Table(rel.nsp, rel.oid);
    const bool need = needed.count(rel.oid) > 0;
    if (need && !pg_dump_selects) {
      if (sel.has_table_includes) {
        out.include_tables.emplace_back(rel.schema, rel.name);
      } else if (sel.has_schema_includes && !sel.include_schemas.count(rel.nsp)) {
        extra_schemas.insert(rel.schema);
      }
    }
    const bool follower =
        rel.is_partition || ts.chunk_by_oid.count(rel.oid) || ts.hypertable_by_oid.count(rel.oid);
    if (!need && pg_dump_selects && follower) out.exclude_tables.emplace_back(rel.schema, rel.name);
  }
  if (extra_schemas.empty()) return out;
  // -n on a schema the user did not name (e.g. _timescaledb_internal, for
  // chunks) must not bring the rest of it: every other relation there is
  // excluded by name (sequences the plan sets are kept).
  out.include_schemas.assign(extra_schemas.begin(), extra_schemas.end());
  std::set<std::pair<std::string, std::string>> keep_sequences;
  for (const SequenceInfo& s : sequences) keep_sequences.emplace(s.schema, s.name);
  std::string list = "{";
  for (const std::string& nsp : extra_schemas) {
    list += (list.size() > 1 ? "," : "") + std::string("\"");
    for (char ch : nsp)
      list += (ch == '"' || ch == '\\') ? std::string("\\") + ch : std::string(1, ch);
    list += "\"";
  }
  list += "}";
  HD_ASSIGN_OR_RETURN(
      PgResult r,
      conn.ExecParams("SELECT c.oid, n.nspname, c.relname, c.relkind FROM pg_catalog.pg_class c"
                      " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                      " WHERE n.nspname = ANY($1::pg_catalog.text[])"
                      " AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')"
                      " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
                      "   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"
                      "   AND d.objid = c.oid AND d.deptype = 'e')",
                      {list}));
  for (int i = 0; i < r.rows(); ++i) {
    if (needed.count(static_cast<uint32_t>(r.GetInt(i, 0)))) continue;
    std::pair<std::string, std::string> name{r.GetString(i, 1), r.GetString(i, 2)};
    if (r.Get(i, 3) == "S" && keep_sequences.count(name)) continue;
    out.exclude_tables.push_back(std::move(name));
  }
  return out;
}

// load_after from the foreign keys among the selected config tables, then
// the config tables first in the plan, parents before children.
Status OrderExtensionConfig(PgConnection& conn, std::vector<TableInfo>* tables) {
  std::map<uint32_t, size_t> config;  // oid -> index
  std::string oids;
  for (size_t i = 0; i < tables->size(); ++i) {
    if ((*tables)[i].kind != TableKind::kExtensionConfig) continue;
    config[(*tables)[i].oid] = i;
    oids += (oids.empty() ? "" : ",") + std::to_string((*tables)[i].oid);
  }
  if (config.empty()) return Status::Ok();
  HD_ASSIGN_OR_RETURN(
      PgResult r,
      conn.ExecParams("SELECT DISTINCT conrelid, confrelid FROM pg_catalog.pg_constraint"
                      " WHERE contype = 'f' AND conrelid <> confrelid"
                      " AND conrelid = ANY($1::pg_catalog.oid[])"
                      " AND confrelid = ANY($1::pg_catalog.oid[])",
                      {"{" + oids + "}"}));
  std::map<size_t, std::set<size_t>> after;  // child index -> parent indexes
  for (int i = 0; i < r.rows(); ++i) {
    after[config.at(static_cast<uint32_t>(r.GetInt(i, 0)))].insert(
        config.at(static_cast<uint32_t>(r.GetInt(i, 1))));
  }
  auto name = [&](size_t i) { return (*tables)[i].schema + "." + (*tables)[i].name; };
  for (auto& [child, parents] : after) {
    for (size_t p : parents) (*tables)[child].load_after.push_back(name(p));
    std::sort((*tables)[child].load_after.begin(), (*tables)[child].load_after.end());
  }
  // Kahn's algorithm; the tables are in name order, so ties stay in it. A
  // cycle (not expected) keeps its members in name order at the end.
  std::vector<size_t> order;
  std::set<size_t> placed;
  std::vector<size_t> pending;
  pending.reserve(config.size());
  for (const auto& [oid, i] : config) pending.push_back(i);
  std::sort(pending.begin(), pending.end());
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i : pending) {
      if (placed.count(i)) continue;
      bool ready = std::all_of(after[i].begin(), after[i].end(),
                               [&](size_t p) { return placed.count(p) > 0; });
      if (ready) {
        order.push_back(i);
        placed.insert(i);
        progress = true;
      }
    }
  }
  for (size_t i : pending) {
    if (!placed.count(i)) order.push_back(i);
  }
  // In place: a second vector of every table doubled discovery's peak at
  // 100,000 chunks. The few config tables move out, the rest close ranks,
  // and the config tables go in front in `order`.
  std::vector<TableInfo> front;
  front.reserve(order.size());
  for (size_t i : order) front.push_back(std::move((*tables)[i]));
  std::erase_if(*tables, [](const TableInfo& t) { return t.kind == TableKind::kExtensionConfig; });
  tables->insert(tables->begin(), std::make_move_iterator(front.begin()),
                 std::make_move_iterator(front.end()));
  return Status::Ok();
}

}  // namespace

Result<DumpPlan> Discover(PgConnection& conn, const DiscoveryOptions& opts) {
  DumpPlan plan;
  HD_RETURN_IF_ERROR(ReadServerFacts(conn, &plan.server).WithContext("reading server facts"));
  HD_ASSIGN_OR_RETURN(Selection sel, ResolveSelection(conn, opts));
  HD_ASSIGN_OR_RETURN(std::vector<Relation> rels, ReadRelations(conn, opts.exact_sizes));
  HD_ASSIGN_OR_RETURN(auto extconfig, ReadExtensionConfig(conn));
  TimescaleCatalog ts;
  if (!plan.server.timescaledb_version.empty()) {
    HD_ASSIGN_OR_RETURN(ts, ReadTimescaleCatalog(conn));
  }
  std::unordered_map<uint32_t, const Relation*> by_oid;
  for (const auto& r : rels) by_oid[r.oid] = &r;
  auto qualified = [&](uint32_t oid) {
    auto it = by_oid.find(oid);
    return it == by_oid.end() ? std::string() : it->second->Qualified();
  };

  // A dump of some hypertables only keeps their catalog rows only.
  SelectedHypertables hts = SelectHypertables(ts, sel);
  bool filter_catalog =
      !plan.server.timescaledb_version.empty() && !(sel.IncludeEverything() && hts.all);
  std::vector<const Relation*> hypertable_parents;
  std::vector<const Relation*> filtered_catalog;
  // Built in place, reserved up front and sorted where it lies: at 100,000
  // chunks a TableInfo vector grown by doubling briefly held two copies (75 +
  // 40 MB), and a second list of the kept relations beside it another (issue
  // 18: peak RSS). Every relation listed is an 'r' relation.
  std::vector<TableInfo>& tables = plan.tables;
  tables.reserve(
      std::count_if(rels.begin(), rels.end(), [](const Relation& r) { return r.relkind == 'r'; }));
  auto list = [&tables](const Relation& rel, TableInfo& info) {
    info.oid = rel.oid;
    info.schema = rel.schema;
    info.name = rel.name;
    info.relfilenode = rel.relfilenode;
    info.bytes = rel.bytes;
    info.rows_estimate = rel.rows;
    info.pages = rel.pages;
    tables.push_back(std::move(info));
  };
  for (const Relation& rel : rels) {
    if (rel.relkind != 'r') continue;  // partitioned parents have no storage
    TableInfo info;
    bool keep = false;
    if (rel.extension != 0) {
      auto cfg = extconfig.find(rel.oid);
      if (cfg == extconfig.end()) continue;  // not configuration: the extension recreates it
      info.kind = TableKind::kExtensionConfig;
      info.extension = cfg->second.extension;
      info.copy_filter = cfg->second.condition;
      keep = sel.ExtensionConfig(rel.nsp, rel.nsp_is_extension_member, rel.oid);
      // Named by -t (or its schema by -n): whole, as pg_dump dumps it.
      bool named = keep && !sel.IncludeEverything();
      if (filter_catalog && info.extension == "timescaledb" && !named &&
          !sel.Excluded(rel.nsp, rel.oid) && (keep || !hts.none)) {
        filtered_catalog.push_back(&rel);  // rows of the selected hypertables only
        keep = true;
      }
    } else if (bool parent = false;
               ClassifyTimescale(rel, ts, sel, by_oid, &info, &keep, &parent)) {
      if (parent) hypertable_parents.push_back(&rel);
    } else {
      info.kind = rel.is_partition ? TableKind::kPartition
                  : rel.parent     ? TableKind::kInheritanceChild
                                   : TableKind::kTable;
      info.parent = qualified(rel.parent);
      keep = rel.is_partition ? PartitionSelected(rel, PartitionAncestors(rel, by_oid), sel)
                              : sel.Table(rel.nsp, rel.oid);
    }
    if (keep) list(rel, info);
  }
  HD_ASSIGN_OR_RETURN(std::set<uint32_t> non_empty, NonEmpty(conn, hypertable_parents));
  for (const Relation* rel : hypertable_parents) {
    if (!non_empty.count(rel->oid)) continue;
    TableInfo info;
    info.kind = TableKind::kHypertable;
    info.hypertable = rel->Qualified();
    list(*rel, info);
  }
  std::vector<uint32_t> catalog_oids;
  catalog_oids.reserve(filtered_catalog.size());
  for (const Relation* rel : filtered_catalog) catalog_oids.push_back(rel->oid);
  HD_ASSIGN_OR_RETURN(auto columns, ColumnsOf(conn, catalog_oids));
  for (const Relation* rel : filtered_catalog) {
    auto t = std::find_if(tables.begin(), tables.end(),
                          [rel](const TableInfo& info) { return info.oid == rel->oid; });
    if (t == tables.end()) continue;  // never: each was listed as it was found
    t->copy_filter =
        CatalogRowFilter(rel->name, columns[rel->oid], hts.ids, hts.oids, t->copy_filter);
  }
  std::sort(tables.begin(), tables.end(), [](const TableInfo& a, const TableInfo& b) {
    return std::tie(a.schema, a.name) < std::tie(b.schema, b.name);
  });
  HD_RETURN_IF_ERROR(OrderExtensionConfig(conn, &plan.tables));
  plan.jobs = PlanJobs(plan.tables, opts.split_larger_than, opts.slots);

  std::unordered_map<uint32_t, std::string> config_extension;
  for (const auto& [oid, cfg] : extconfig) config_extension[oid] = cfg.extension;
  std::set<std::string> partial_extensions;
  if (!filtered_catalog.empty()) partial_extensions.insert("timescaledb");
  HD_RETURN_IF_ERROR(
      DiscoverSequences(conn, sel, config_extension, partial_extensions, &plan.sequences));
  HD_ASSIGN_OR_RETURN(PgResult lo,
                      conn.Exec("SELECT count(*) FROM pg_catalog.pg_largeobject_metadata"));
  plan.large_objects = lo.GetInt(0, 0);
  HD_ASSIGN_OR_RETURN(plan.schema_selection, SchemaSelectionFor(conn, opts, sel, rels, by_oid, ts,
                                                                plan.tables, plan.sequences));
  return plan;
}

}  // namespace hyperdump::engine
