#include "engine/plan/selection.h"

#include <string>
#include <vector>

#include "engine/plan/filters.h"

namespace hyperdump::engine {

bool Selection::Table(uint32_t nsp, uint32_t oid) const {
  bool dump;
  if (has_table_includes) {
    dump = include_tables.count(oid) > 0;
  } else {
    dump = !has_schema_includes || include_schemas.count(nsp) > 0;
  }
  return dump && !Excluded(nsp, oid);
}

bool Selection::Excluded(uint32_t nsp, uint32_t oid) const {
  if (exclude_tables.count(oid) > 0) return true;
  return !has_table_includes && exclude_schemas.count(nsp) > 0;
}

bool Selection::ExtensionConfig(uint32_t nsp, bool nsp_is_extension_member, uint32_t oid) const {
  bool dump = IncludeEverything();
  if (!dump && has_table_includes) dump = include_tables.count(oid) > 0;
  // An extension's own schema never carries the data component in pg_dump,
  // so -n on it does not select the extension's config tables.
  if (!dump && !has_table_includes && !nsp_is_extension_member) {
    dump = include_schemas.count(nsp) > 0;
  }
  if (exclude_tables.count(oid) > 0 || exclude_schemas.count(nsp) > 0) dump = false;
  return dump;
}

namespace {

// Runs `sql` (with $1 name regex, $2 schema regex when present) and adds the
// returned oids to `out`.
Status CollectOids(PgConnection& conn, const std::string& sql,
                   const std::vector<std::optional<std::string>>& params,
                   std::unordered_set<uint32_t>* out) {
  HD_ASSIGN_OR_RETURN(PgResult r, conn.ExecParams(sql, params));
  for (int i = 0; i < r.rows(); ++i) out->insert(static_cast<uint32_t>(r.GetInt(i, 0)));
  return Status::Ok();
}

Status CheckDatabase(const NamePattern& p, const std::string& current, const std::string& pat) {
  if (p.database && *p.database != current) {
    return InvalidArgument("cross-database references are not implemented: \"" + pat +
                           "\" names database \"" + *p.database + "\", but the dump reads \"" +
                           current + "\"");
  }
  return Status::Ok();
}

Status ResolveSchemas(PgConnection& conn, const std::vector<std::string>& patterns,
                      const std::string& db, std::unordered_set<uint32_t>* out) {
  for (const auto& pattern : patterns) {
    HD_ASSIGN_OR_RETURN(NamePattern p, ParseSchemaPattern(pattern));
    HD_RETURN_IF_ERROR(CheckDatabase(p, db, pattern));
    HD_RETURN_IF_ERROR(
        CollectOids(conn,
                    "SELECT n.oid FROM pg_catalog.pg_namespace n "
                    "WHERE n.nspname OPERATOR(pg_catalog.~) $1 COLLATE pg_catalog.default",
                    {p.name}, out));
  }
  return Status::Ok();
}

// Table patterns match the relkinds pg_dump's -t matches. An unqualified
// pattern matches only relations visible in the default search_path, which
// the caller has put in place (pg_dump does the same with RESET search_path).
Status ResolveTables(PgConnection& conn, const std::vector<std::string>& patterns,
                     const std::string& db, std::unordered_set<uint32_t>* out) {
  const std::string base =
      "SELECT c.oid FROM pg_catalog.pg_class c "
      "LEFT JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
      "WHERE c.relkind OPERATOR(pg_catalog.=) ANY (array['r','S','v','m','f','p']) "
      "AND c.relname OPERATOR(pg_catalog.~) $1 COLLATE pg_catalog.default ";
  for (const auto& pattern : patterns) {
    HD_ASSIGN_OR_RETURN(NamePattern p, ParseTablePattern(pattern));
    HD_RETURN_IF_ERROR(CheckDatabase(p, db, pattern));
    if (p.schema) {
      HD_RETURN_IF_ERROR(CollectOids(
          conn, base + "AND n.nspname OPERATOR(pg_catalog.~) $2 COLLATE pg_catalog.default",
          {p.name, *p.schema}, out));
    } else {
      HD_RETURN_IF_ERROR(
          CollectOids(conn, base + "AND pg_catalog.pg_table_is_visible(c.oid)", {p.name}, out));
    }
  }
  return Status::Ok();
}

std::string JoinPatterns(const std::vector<std::string>& patterns) {
  std::string out;
  for (const auto& p : patterns) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

Result<Selection> ResolveSelection(PgConnection& conn, const DiscoveryOptions& opts) {
  Selection sel;
  sel.has_table_includes = !opts.include_tables.empty();
  sel.has_schema_includes = !opts.include_schemas.empty();
  if (opts.include_schemas.empty() && opts.exclude_schemas.empty() && opts.include_tables.empty() &&
      opts.exclude_tables.empty()) {
    return sel;
  }
  std::string db = conn.database();
  // The default search_path for unqualified table patterns, restored after
  // (transaction-local either way, so the caller's session setting is kept).
  HD_ASSIGN_OR_RETURN(PgResult saved,
                      conn.Exec("SELECT pg_catalog.current_setting('search_path')"));
  std::string saved_path = saved.GetString(0, 0);
  HD_RETURN_IF_ERROR(conn.Run(
      "SELECT pg_catalog.set_config('search_path', (SELECT s.reset_val FROM "
      "pg_catalog.pg_settings s WHERE s.name OPERATOR(pg_catalog.=) 'search_path'), true)"));
  Status st = ResolveSchemas(conn, opts.include_schemas, db, &sel.include_schemas);
  if (st.ok()) st = ResolveSchemas(conn, opts.exclude_schemas, db, &sel.exclude_schemas);
  if (st.ok()) st = ResolveTables(conn, opts.include_tables, db, &sel.include_tables);
  if (st.ok()) st = ResolveTables(conn, opts.exclude_tables, db, &sel.exclude_tables);
  Status restore =
      conn.ExecParams("SELECT pg_catalog.set_config('search_path', $1, true)", {saved_path})
          .status();
  HD_RETURN_IF_ERROR(st);
  HD_RETURN_IF_ERROR(restore);
  // pg_dump refuses a selection that selects nothing at all.
  if (sel.has_schema_includes && sel.include_schemas.empty()) {
    return InvalidArgument("no matching schemas were found for -n " +
                           JoinPatterns(opts.include_schemas) +
                           ": check the spelling (unquoted names fold to lower case)");
  }
  if (sel.has_table_includes && sel.include_tables.empty()) {
    return InvalidArgument("no matching tables were found for -t " +
                           JoinPatterns(opts.include_tables) +
                           ": check the spelling (unquoted names fold to lower case) or "
                           "qualify the name with its schema");
  }
  return sel;
}

}  // namespace hyperdump::engine
