#include "engine/compare.h"

#include <future>

namespace hyperdump::engine {

namespace {

// Every relation with its own storage that holds user data; extension-owned
// tables only when registered as configuration (their filter applies).
constexpr const char* kTablesSql = R"sql(
SELECT n.nspname, c.relname,
       coalesce((SELECT x.extcondition[array_position(x.extconfig, c.oid)]
                 FROM pg_extension x WHERE c.oid = ANY (x.extconfig)), '') AS filter,
       EXISTS (SELECT 1 FROM pg_depend d
               WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                 AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e') AS ext_member,
       EXISTS (SELECT 1 FROM pg_extension x WHERE c.oid = ANY (x.extconfig)) AS ext_config
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_hyperdump')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
ORDER BY 1, 2
)sql";

}  // namespace

Result<std::map<std::string, TableDigest>> DigestDatabase(PgConnection& conn) {
  // One snapshot for the whole digest, so a concurrent writer cannot make
  // two tables disagree with each other.
  HD_RETURN_IF_ERROR(conn.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  HD_ASSIGN_OR_RETURN(PgResult tables, conn.Exec(kTablesSql));
  std::map<std::string, TableDigest> out;
  for (int i = 0; i < tables.rows(); ++i) {
    if (tables.GetBool(i, 3) && !tables.GetBool(i, 4)) continue;  // extension-owned, not config
    std::string schema = tables.GetString(i, 0), name = tables.GetString(i, 1);
    std::string filter = tables.GetString(i, 2);
    std::string sql =
        "SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) FROM ONLY " +
        QualifiedName(schema, name) + " AS t " + filter;
    auto r = conn.Exec(sql);
    if (!r.ok()) {
      conn.Run("ROLLBACK").IgnoreError();
      return r.status().WithContext("digesting " + schema + "." + name);
    }
    out[schema + "." + name] = TableDigest{r->GetInt(0, 0), r->GetString(0, 1)};
  }
  HD_RETURN_IF_ERROR(conn.Run("COMMIT"));
  return out;
}

CompareReport CompareDigests(const std::map<std::string, TableDigest>& source,
                             const std::map<std::string, TableDigest>& target) {
  CompareReport report;
  for (const auto& [name, digest] : source) {
    auto it = target.find(name);
    if (it == target.end()) {
      report.missing.push_back(name);
    } else if (it->second == digest) {
      report.equal.push_back(name);
      report.rows += digest.rows;
    } else {
      report.different.push_back(
          name + ": source " + std::to_string(digest.rows) + " rows, target " +
          std::to_string(it->second.rows) + " rows" +
          (digest.rows == it->second.rows ? " (same count, different content)" : ""));
    }
  }
  for (const auto& [name, digest] : target) {
    if (!source.count(name)) report.extra.push_back(name);
  }
  return report;
}

Result<CompareReport> CompareDatabases(const std::string& source_uri,
                                       const std::string& target_uri) {
  auto digest = [](const std::string& uri) -> Result<std::map<std::string, TableDigest>> {
    HD_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(uri, "hyperdump compare"));
    return DigestDatabase(conn);
  };
  auto target_future = std::async(std::launch::async, digest, target_uri);
  auto source = digest(source_uri);
  auto target = target_future.get();
  if (!source.ok()) return source.status().WithContext("source");
  if (!target.ok()) return target.status().WithContext("target");
  return CompareDigests(*source, *target);
}

}  // namespace hyperdump::engine
