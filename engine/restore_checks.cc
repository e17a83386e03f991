#include "engine/restore_checks.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "engine/archive_layout.h"
#include "engine/ledger.h"
#include "format/checksum.h"

namespace hyperdump::engine {

namespace {

std::string JsonString(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A role name at the start of `s` as pg_dumpall prints it (bare or quoted).
std::string LeadingIdent(const std::string& s, size_t pos) {
  std::string out;
  if (pos < s.size() && s[pos] == '"') {
    for (++pos; pos < s.size(); ++pos) {
      if (s[pos] == '"') {
        if (pos + 1 < s.size() && s[pos + 1] == '"') {
          out += '"';
          ++pos;
          continue;
        }
        break;
      }
      out += s[pos];
    }
    return out;
  }
  while (pos < s.size() && s[pos] != ' ' && s[pos] != ';') out += s[pos++];
  return out;
}

bool StartsWith(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

}  // namespace

Result<RestoreInput> ReadRestoreInput(const format::ArchiveReader& archive) {
  HD_ASSIGN_OR_RETURN(std::string plan_text, archive.ReadBlob(layout::kPlanBlob));
  nlohmann::json plan = nlohmann::json::parse(plan_text, nullptr, false);
  if (plan.is_discarded() || !plan.is_object()) {
    return Corrupt(std::string(layout::kPlanBlob) + " in " + archive.dir() + " is not valid JSON");
  }
  RestoreInput input;
  const format::Manifest& manifest = archive.manifest();
  input.timescaledb_version = JsonString(manifest.source, layout::kFactTimescaleDbVersion);
  const format::FileEntry* plan_entry = manifest.Find(layout::kPlanBlob);
  input.archive_id =
      manifest.created_at + " " + format::ChecksumToHex(plan_entry ? plan_entry->checksum : 0);

  std::map<std::string, size_t> by_key;
  for (const nlohmann::json& t : plan.value("tables", nlohmann::json::array())) {
    RestoreTable table;
    table.schema = JsonString(t, "schema");
    table.name = JsonString(t, "name");
    table.kind = JsonString(t, "kind");
    table.extension = JsonString(t, "extension");
    for (const nlohmann::json& a : t.value("load_after", nlohmann::json::array())) {
      if (a.is_string()) table.load_after.push_back(a.get<std::string>());
    }
    by_key[table.Key()] = input.tables.size();
    input.tables.push_back(std::move(table));
  }
  for (const nlohmann::json& s : plan.value("sequences", nlohmann::json::array())) {
    SequenceInfo seq;
    seq.schema = JsonString(s, "schema");
    seq.name = JsonString(s, "name");
    seq.last_value = s.value("last_value", int64_t{0});
    seq.is_called = s.value("is_called", false);
    input.sequences.push_back(std::move(seq));
  }
  for (const format::FileEntry& f : manifest.files) {
    if (f.kind != format::FileKind::kData) continue;
    size_t index = input.tables.size();
    auto t = f.meta.find("table");
    if (t != f.meta.end() && t->is_number_unsigned() && t->get<size_t>() < input.tables.size()) {
      index = t->get<size_t>();
    } else {
      auto it = by_key.find(JsonString(f.meta, "schema") + "." + JsonString(f.meta, "name"));
      if (it != by_key.end()) index = it->second;
    }
    if (index >= input.tables.size()) {
      return Corrupt("data file " + f.name + " in " + archive.dir() +
                     " names no table of plan.json: the archive is damaged");
    }
    input.tables[index].files.push_back(&f);
    input.tables[index].bytes += f.uncompressed_bytes;
  }
  return input;
}

Status CheckTargetEmpty(PgConnection& conn) {
  // User objects: anything outside the system schemas that no extension owns.
  static const char* kQuery = R"SQL(
WITH objs AS (
  SELECT 'pg_class'::regclass AS classid, c.oid, n.nspname, c.relname::text AS name,
         CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
              WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
              WHEN 'f' THEN 'foreign table' ELSE 'relation' END AS what
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r','p','v','m','S','f')
  UNION ALL
  SELECT 'pg_proc'::regclass, p.oid, n.nspname, p.proname::text, 'function'
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  UNION ALL
  SELECT 'pg_type'::regclass, t.oid, n.nspname, t.typname::text, 'type'
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE t.typtype IN ('e','d','r','m') OR (t.typtype = 'c' AND
        (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
)
SELECT what, quote_ident(nspname) || '.' || quote_ident(name)
FROM objs o
WHERE nspname NOT IN ('pg_catalog', 'information_schema', '_hyperdump')
  AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = o.classid AND d.objid = o.oid AND d.deptype = 'e')
ORDER BY 1, 2
LIMIT 6)SQL";
  HD_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kQuery));
  if (r.rows() == 0) return Status::Ok();
  std::string list;
  for (int i = 0; i < r.rows() && i < 5; ++i) {
    if (!list.empty()) list += ", ";
    list += r.GetString(i, 0) + " " + r.GetString(i, 1);
  }
  if (r.rows() > 5) list += ", ...";
  return Status(StatusCode::kAlreadyExists,
                "target database \"" + conn.database() + "\" is not empty (" + list +
                    "): restore into an empty database, or pass --clean to drop the archive's "
                    "objects first");
}

Status CleanTarget(PgConnection& conn, const std::string& drops) {
  std::vector<std::string> statements;
  std::string current;
  std::istringstream in(drops);
  for (std::string line; std::getline(in, line);) {
    current += line + "\n";
    if (!line.empty() && line.back() == ';') statements.push_back(std::move(current)), current = "";
  }
  if (!current.empty()) statements.push_back(current);
  auto fail = [&conn](Status s) {
    conn.Run("ROLLBACK").IgnoreError();
    return s.WithContext("--clean: dropping the archive's objects from the target");
  };
  HD_RETURN_IF_ERROR(conn.Run("BEGIN"));
  std::string batch;
  for (const std::string& sql : statements) {
    bool part_of_table =
        (StartsWith(sql, "ALTER TABLE ") && sql.find(" DROP CONSTRAINT ") != std::string::npos) ||
        StartsWith(sql, "DROP INDEX ");
    if (!part_of_table) {
      batch += sql;
      continue;
    }
    if (!batch.empty()) {
      Status s = conn.Run(batch);
      if (!s.ok()) return fail(s);
      batch.clear();
    }
    Status s = conn.Run("SAVEPOINT hd_clean;\n" + sql);
    if (!s.ok()) {
      if (s.sqlstate() != "42P16" && s.sqlstate() != "2BP01") return fail(s);
      s = conn.Run("ROLLBACK TO SAVEPOINT hd_clean");
      if (!s.ok()) return fail(s);
    }
  }
  batch += "COMMIT;";
  Status s = conn.Run(batch);
  return s.ok() ? s : fail(s);
}

Status CheckTimescaleVersion(PgConnection& conn, const std::string& source_version,
                             bool allow_mismatch, std::string* warning) {
  if (source_version.empty()) return Status::Ok();
  HD_ASSIGN_OR_RETURN(
      PgResult installed,
      conn.Exec("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"));
  HD_ASSIGN_OR_RETURN(PgResult available,
                      conn.Exec("SELECT version FROM pg_available_extension_versions "
                                "WHERE name = 'timescaledb' ORDER BY version"));
  std::string problem;
  if (installed.rows() > 0) {
    std::string target = installed.GetString(0, 0);
    if (target == source_version) return Status::Ok();
    problem = "the archive was dumped from TimescaleDB " + source_version +
              " but the target has TimescaleDB " + target +
              " installed: restoring across versions can silently corrupt the catalog. Make them "
              "equal first: `ALTER EXTENSION timescaledb UPDATE TO '" +
              (target < source_version ? source_version : target) + "'` on the " +
              (target < source_version ? "target" : "source (then dump again)");
  } else {
    std::string versions;
    for (int i = 0; i < available.rows(); ++i) {
      if (available.GetString(i, 0) == source_version) return Status::Ok();
      versions += (versions.empty() ? "" : ", ") + available.GetString(i, 0);
    }
    problem = "the archive was dumped from TimescaleDB " + source_version + " but the target " +
              (versions.empty() ? std::string("has no TimescaleDB available")
                                : "offers only TimescaleDB " + versions) +
              ": install TimescaleDB " + source_version +
              " on the target server, or update the source (`ALTER EXTENSION timescaledb "
              "UPDATE TO '...'`) to a version the target has and dump again";
  }
  if (!allow_mismatch) {
    return Status(StatusCode::kUnsupportedVersion,
                  problem + " (--allow-version-mismatch overrides this check at your own risk)");
  }
  if (warning) *warning = problem + " (continuing: --allow-version-mismatch)";
  return Status::Ok();
}

Result<std::vector<std::string>> RestoreRoles(PgConnection& conn, const std::string& roles_sql) {
  HD_ASSIGN_OR_RETURN(PgResult existing, conn.Exec("SELECT rolname FROM pg_roles"));
  std::set<std::string> have;
  for (int i = 0; i < existing.rows(); ++i) have.insert(existing.GetString(i, 0));
  std::set<std::string> created;
  std::vector<std::string> skipped;
  std::string sql;
  std::istringstream in(roles_sql);
  for (std::string line; std::getline(in, line);) {
    std::string role;
    if (StartsWith(line, "CREATE ROLE ")) {
      role = LeadingIdent(line, 12);
      if (have.count(role)) {
        skipped.push_back(role);
        continue;
      }
      created.insert(role);
    } else if (StartsWith(line, "ALTER ROLE ")) {
      if (!created.count(LeadingIdent(line, 11))) continue;
    } else if (StartsWith(line, "GRANT ")) {
      // GRANT role TO member ...: only for members we created.
      size_t to = line.find(" TO ");
      if (to == std::string::npos || !created.count(LeadingIdent(line, to + 4))) continue;
    } else {
      continue;
    }
    sql += line + "\n";
  }
  if (!sql.empty()) {
    Status s = conn.Run("BEGIN;\n" + sql + "COMMIT;");
    if (!s.ok()) {
      conn.Run("ROLLBACK").IgnoreError();
      return s.WithContext("creating the archive's roles (roles.sql)");
    }
  }
  return skipped;
}

}  // namespace hyperdump::engine
