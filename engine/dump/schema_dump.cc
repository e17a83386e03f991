#include "engine/dump/schema_dump.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <regex>

#include "engine/pg/local_files.h"
#include "engine/pg/subprocess.h"
#include "engine/plan/filters.h"

namespace hyperdump::engine {

Status DumpSchema(const SchemaDumpRequest& request, const std::string& out_path,
                  const std::atomic<bool>& interrupt) {
  // Pre- and post-data rather than --schema-only: the same objects, plus the
  // MATERIALIZED VIEW DATA items (REFRESH of the views populated on the
  // source, in dependency order) that --schema-only leaves out. No large
  // objects: their data is not in this file either.
  std::vector<std::string> argv = {PgBinDir() + "/pg_dump",
                                   "--format=custom",
                                   "--section=pre-data",
                                   "--section=post-data",
                                   "--no-blobs",
                                   "--no-sync",
                                   "--snapshot=" + request.snapshot,
                                   "--file=" + out_path};
  if (request.lock_timeout_ms > 0) {
    argv.push_back("--lock-wait-timeout=" + std::to_string(request.lock_timeout_ms));
  }
  if (request.selection) {
    for (const auto& p : request.selection->include_schemas) argv.push_back("--schema=" + p);
    for (const auto& p : request.selection->exclude_schemas)
      argv.push_back("--exclude-schema=" + p);
    for (const auto& p : request.selection->include_tables) argv.push_back("--table=" + p);
    for (const auto& p : request.selection->exclude_tables) argv.push_back("--exclude-table=" + p);
  }
  if (request.extra) {
    for (const auto& [schema, name] : request.extra->include_tables) {
      argv.push_back("--table=" + ExactTablePattern(schema, name));
    }
    for (const auto& schema : request.extra->include_schemas) {
      argv.push_back("--schema=" + ExactSchemaPattern(schema));
    }
    for (const auto& [schema, name] : request.extra->exclude_tables) {
      argv.push_back("--exclude-table=" + ExactTablePattern(schema, name));
    }
  }
  // Last, so that nothing after it can be read as a database name.
  std::vector<std::pair<std::string, std::string>> env;
  argv.push_back("--dbname=" + ConninfoForChild(request.conninfo, env));
  return RunProgram(argv, out_path + ".stdout", "pg_dump (schema)", &interrupt, env);
}

Result<std::vector<TocLine>> ListPostData(const std::string& schema_path,
                                          const std::string& scratch,
                                          const std::atomic<bool>& interrupt) {
  std::string out = scratch + "/post_data.list";
  HD_RETURN_IF_ERROR(
      RunProgram({PgBinDir() + "/pg_restore", "--list", "--section=post-data", schema_path}, out,
                 "pg_restore --list", &interrupt));
  HD_ASSIGN_OR_RETURN(std::string listing, ReadWholeFile(out));
  return ParseTocListing(listing);
}

TableFinder::TableFinder(const DumpPlan& plan) : plan_(plan), by_name_(plan.tables.size()) {
  for (size_t i = 0; i < by_name_.size(); ++i) by_name_[i] = static_cast<uint32_t>(i);
  std::sort(by_name_.begin(), by_name_.end(),
            [this](uint32_t a, uint32_t b) { return NameOf(a) < NameOf(b); });
}

std::pair<std::string_view, std::string_view> TableFinder::NameOf(uint32_t i) const {
  return {plan_.tables[i].schema, plan_.tables[i].name};
}

std::optional<size_t> TableFinder::Find(std::string_view schema, std::string_view name) const {
  const std::pair<std::string_view, std::string_view> key(schema, name);
  auto it = std::lower_bound(by_name_.begin(), by_name_.end(), key,
                             [this](uint32_t i, const auto& k) { return NameOf(i) < k; });
  if (it == by_name_.end() || NameOf(*it) != key) return std::nullopt;
  return *it;
}

Result<std::vector<PostDataItem>> MapPostData(PgConnection& conn, std::span<const TocLine> items,
                                              const TableFinder& tables) {
  // Resolve every item's table (and a foreign key's referenced table) in one
  // query. INDEX ATTACH items carry no oid: matched below by index name.
  std::string classids = "{", objids = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) classids += ",", objids += ",";
    classids += std::to_string(items[i].catalog_oid);
    objids += std::to_string(items[i].oid);
  }
  classids += "}", objids += "}";
  HD_ASSIGN_OR_RETURN(
      PgResult r,
      conn.ExecParams(
          "SELECT u.k, tn.nspname, t.relname, rn.nspname, rr.relname, m.obj"
          " FROM unnest($1::oid[], $2::oid[]) WITH ORDINALITY AS u(classid, objid, k)"
          " CROSS JOIN LATERAL (SELECT CASE u.classid"
          "   WHEN 'pg_class'::regclass THEN coalesce("
          "     (SELECT indrelid FROM pg_index WHERE indexrelid = u.objid), u.objid)"
          "   WHEN 'pg_constraint'::regclass THEN"
          "     (SELECT nullif(conrelid, 0) FROM pg_constraint WHERE oid = u.objid)"
          "   WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = u.objid)"
          "   WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = "
          "u.objid)"
          "   WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = u.objid)"
          "   WHEN 'pg_statistic_ext'::regclass THEN"
          "     (SELECT stxrelid FROM pg_statistic_ext WHERE oid = u.objid)"
          "   WHEN 'pg_publication_rel'::regclass THEN"
          "     (SELECT prrelid FROM pg_publication_rel WHERE oid = u.objid)"
          "   WHEN 0 THEN (SELECT oid FROM pg_class WHERE oid = u.objid AND u.objid <> 0)"
          "   END AS tbl,"
          "   CASE WHEN u.classid = 'pg_constraint'::regclass THEN"
          "     (SELECT nullif(confrelid, 0) FROM pg_constraint WHERE oid = u.objid) END AS ref,"
          "   CASE u.classid"
          "   WHEN 'pg_class'::regclass THEN (SELECT relname FROM pg_class WHERE oid = u.objid)"
          "   WHEN 'pg_constraint'::regclass THEN (SELECT conname FROM pg_constraint WHERE oid = "
          "u.objid)"
          "   WHEN 'pg_trigger'::regclass THEN (SELECT tgname FROM pg_trigger WHERE oid = u.objid)"
          "   WHEN 'pg_rewrite'::regclass THEN (SELECT rulename FROM pg_rewrite WHERE oid = "
          "u.objid)"
          "   WHEN 'pg_policy'::regclass THEN (SELECT polname FROM pg_policy WHERE oid = u.objid)"
          "   WHEN 'pg_statistic_ext'::regclass THEN"
          "     (SELECT stxname FROM pg_statistic_ext WHERE oid = u.objid)"
          "   WHEN 0 THEN (SELECT relname FROM pg_class WHERE oid = u.objid AND u.objid <> 0)"
          "   END AS obj) m"
          " LEFT JOIN pg_class t ON t.oid = m.tbl"
          " LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace"
          " LEFT JOIN pg_class rr ON rr.oid = m.ref"
          " LEFT JOIN pg_namespace rn ON rn.oid = rr.relnamespace"
          " ORDER BY u.k",
          {classids, objids}));
  // Partition indexes (INDEX ATTACH): "schema indexname " -> table.
  HD_ASSIGN_OR_RETURN(
      PgResult attach,
      conn.Exec("SELECT n.nspname, ic.relname, tn.nspname, t.relname"
                " FROM pg_inherits h JOIN pg_class ic ON ic.oid = h.inhrelid AND ic.relkind = 'i'"
                " JOIN pg_namespace n ON n.oid = ic.relnamespace"
                " JOIN pg_index x ON x.indexrelid = ic.oid JOIN pg_class t ON t.oid = x.indrelid"
                " JOIN pg_namespace tn ON tn.oid = t.relnamespace"));

  std::vector<PostDataItem> out;
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const TocLine& item = items[i];
    PostDataItem& p = out.emplace_back();
    p.desc = item.desc();
    p.toc_id = item.id;
    p.toc_line = item.line();
    std::optional<std::string> ts, tn, rs, rn, name;
    if (static_cast<int>(i) < r.rows()) {
      ts = r.GetOptional(static_cast<int>(i), 1);
      tn = r.GetOptional(static_cast<int>(i), 2);
      rs = r.GetOptional(static_cast<int>(i), 3);
      rn = r.GetOptional(static_cast<int>(i), 4);
      name = r.GetOptional(static_cast<int>(i), 5);
    }
    if (item.desc() == "INDEX ATTACH") {
      // "INDEX ATTACH <schema> <index> <owner>"
      std::string rest = item.text.substr(std::strlen("INDEX ATTACH "));
      for (int a = 0; a < attach.rows(); ++a) {
        std::string prefix = attach.GetString(a, 0) + " " + attach.GetString(a, 1) + " ";
        if (rest.compare(0, prefix.size(), prefix) == 0) {
          name = attach.GetString(a, 1);
          ts = attach.GetString(a, 2);
          tn = attach.GetString(a, 3);
          break;
        }
      }
    }
    p.schema = ts.value_or("");
    p.name = name.value_or("");
    if (ts && tn) {
      p.table = TableName{*ts, *tn};
      p.table_index = tables.Find(*ts, *tn);
    }
    if (rs && rn) {
      p.references = TableName{*rs, *rn};
      p.references_index = tables.Find(*rs, *rn);
    }
  }
  return out;
}

Result<std::string> DumpRoles(const std::string& conninfo, const std::string& scratch,
                              const std::atomic<bool>& interrupt) {
  std::string out = scratch + "/roles.sql";
  std::vector<std::pair<std::string, std::string>> env;
  HD_RETURN_IF_ERROR(RunProgram({PgBinDir() + "/pg_dumpall", "--roles-only", "--no-role-passwords",
                                 "--dbname=" + ConninfoForChild(conninfo, env)},
                                out, "pg_dumpall --roles-only", &interrupt, env));
  return ReadWholeFile(out);
}

}  // namespace hyperdump::engine
