#include "engine/restore/restore_checks.h"

#include <algorithm>
#include <chrono>
#include <istream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "engine/archive_layout.h"
#include "engine/large_objects.h"
#include "engine/restore/ledger.h"
#include "format/checksum.h"

namespace hyperdump::engine {

namespace {

std::string JsonString(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A role name at the start of `s` as pg_dumpall prints it (bare or quoted).
std::string LeadingIdent(const std::string& s, size_t pos) {
  std::string name;
  ReadIdent(s, pos, &name);
  return name;
}

}  // namespace

namespace {

// A plan table as restore keeps it, its strings moved.
RestoreTable RestoreTableOf(TableInfo&& t) {
  RestoreTable table;
  table.schema = std::move(t.schema);
  table.name = std::move(t.name);
  table.kind = TableKindName(t.kind);
  table.extension = std::move(t.extension);
  table.parent = std::move(t.parent);
  table.hypertable = std::move(t.hypertable);
  table.load_after = std::move(t.load_after);
  return table;
}

// What restore takes of plan.json besides what its sinks took (`input`'s
// tables and placements, see ReadRestoreInput): the tables and map still in
// `file`, sequences and job statistics (no files yet). Moved out of `file`,
// which is freed as it goes: at 100,000 chunks each copy is tens of
// megabytes (issue 18).
RestoreInput InputFromPlan(PlanFile& file, RestoreInput input = {}) {
  input.tables.reserve(input.tables.size() + file.plan.tables.size());
  for (TableInfo& t : file.plan.tables) input.tables.push_back(RestoreTableOf(std::move(t)));
  std::vector<TableInfo>().swap(file.plan.tables);
  input.sequences = std::move(file.plan.sequences);
  if (!file.timescaledb_job_stats.empty()) {
    input.timescaledb_job_stats = file.timescaledb_job_stats.dump();
  }
  input.timescaledb_version = file.plan.server.timescaledb_version;
  if (file.post_data) {
    for (PostDataItem& item : *file.post_data) {
      input.placements.push_back(PlacementOf(item));
      item = PostDataItem();
    }
    file.post_data.reset();
  }
  std::sort(input.placements.begin(), input.placements.end(),
            [](const ItemPlacement& a, const ItemPlacement& b) { return a.toc_id < b.toc_id; });
  input.source_server_version_num = file.plan.server.server_version_num;
  return input;
}

// Hands each data file to its table (meta.table, else meta.schema/name) or
// to the large objects; `bytes` is what each file counts towards its table.
Status AttachFiles(RestoreInput& input, const std::vector<const format::FileEntry*>& files,
                   const std::string& dir) {
  std::map<std::string, size_t> by_key;
  for (size_t i = 0; i < input.tables.size(); ++i) by_key[input.tables[i].Key()] = i;
  for (const format::FileEntry* f : files) {
    if (f->kind != format::FileKind::kData) continue;
    const nlohmann::json meta = f->meta.Json();
    if (JsonString(meta, "kind") == kLargeObjectsKind) {
      input.large_object_files.push_back(f);
      continue;
    }
    size_t index = input.tables.size();
    auto t = meta.find("table");
    if (t != meta.end() && t->is_number_unsigned() && t->get<size_t>() < input.tables.size()) {
      index = t->get<size_t>();
    } else {
      auto it = by_key.find(JsonString(meta, "schema") + "." + JsonString(meta, "name"));
      if (it != by_key.end()) index = it->second;
    }
    if (index >= input.tables.size()) {
      return Corrupt("data file " + f->name + " in " + dir +
                     " names no table of plan.json: the archive is damaged");
    }
    input.tables[index].files.push_back(f);
    input.tables[index].bytes += f->uncompressed_bytes;
  }
  return Status::Ok();
}

}  // namespace

Status CheckBinaryDataFits(const RestoreInput& input, int target_server_version_num) {
  const int source_major = input.source_server_version_num / 10000;
  const int target_major = target_server_version_num / 10000;
  if (source_major == target_major) return Status::Ok();
  int binary_tables = 0;
  std::string example;
  for (const RestoreTable& table : input.tables) {
    for (const format::FileEntry* f : table.files) {
      if (JsonString(f->meta.Json(), "copy_format") != "binary") continue;
      if (binary_tables++ == 0) example = table.Quoted();
      break;
    }
  }
  if (binary_tables == 0) return Status::Ok();
  return InvalidArgument(
      "the archive holds binary COPY data (" +
      (binary_tables == 1 ? "table " + example
                          : std::to_string(binary_tables) + " tables, e.g. " + example) +
      ") dumped from PostgreSQL " +
      (source_major ? std::to_string(source_major) : std::string("of an unknown version")) +
      ", and the target runs PostgreSQL " + std::to_string(target_major) +
      ": binary data moves only within one major version; dump again with --copy-format text");
}

std::string ArchiveId(const std::string& created_at, uint64_t plan_checksum) {
  return created_at + " " + format::ChecksumToHex(plan_checksum);
}

std::string ArchiveIdOf(const format::Manifest& manifest) {
  const format::FileEntry* plan_entry = manifest.Find(layout::kPlanBlob);
  return ArchiveId(manifest.created_at, plan_entry ? plan_entry->checksum : 0);
}

Result<RestoreInput> ReadRestoreInput(const format::ArchiveReader& archive) {
  // Parsed as it is read and checked: never the whole text in memory.
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::DataFileReader> reader,
                      archive.OpenFile(layout::kPlanBlob));
  format::ReaderStreamBuf buf(*reader);
  std::istream in(&buf);
  // Tables and the post-data map converted as they are parsed; the jobs
  // (the dump's) are not needed.
  RestoreInput input;
  // Every table has a data file: reserved for as many tables as the archive
  // has files, so that the vector is never copied while growing (a vector
  // grown by doubling, then shrunk to fit, held up to three times the tables
  // for a moment, at the restore's peak memory; issue 18).
  input.tables.reserve(archive.manifest().files.size());
  PlanElementSinks sinks;
  sinks.table = [&input](TableInfo t) { input.tables.push_back(RestoreTableOf(std::move(t))); };
  sinks.job = [](const DataJob&, const std::string&) {};
  sinks.post_data = [&input](const PostDataItem& item) {
    input.placements.push_back(PlacementOf(item));
  };
  Result<PlanFile> parsed =
      ReadPlanFile(in, std::string(layout::kPlanBlob) + " in " + archive.dir(), sinks);
  HD_RETURN_IF_ERROR(buf.status());  // a damaged file first, whatever it parsed as
  HD_ASSIGN_OR_RETURN(PlanFile plan, std::move(parsed));
  input = InputFromPlan(plan, std::move(input));
  // Its count was unknown while it grew: its slack (up to half) would stay
  // through the loading of the schema, the restore's peak memory (issue 18).
  input.placements.shrink_to_fit();
  const format::Manifest& manifest = archive.manifest();
  input.timescaledb_version = JsonString(manifest.source, layout::kFactTimescaleDbVersion);
  input.archive_id = ArchiveIdOf(manifest);
  std::vector<const format::FileEntry*> files;
  for (const format::FileEntry& f : manifest.files) files.push_back(&f);
  HD_RETURN_IF_ERROR(AttachFiles(input, files, archive.dir()));
  return input;
}

Result<RestoreInput> PlannedRestoreInput(const std::string& plan_text, const std::string& dir,
                                         const std::string& archive_id,
                                         std::deque<format::FileEntry>* planned) {
  HD_ASSIGN_OR_RETURN(PlanFile plan,
                      ReadPlanFile(plan_text, std::string(layout::kPlanBlob) + " in " + dir));
  RestoreInput input = InputFromPlan(plan);
  input.archive_id = archive_id;
  std::vector<const format::FileEntry*> files;
  auto add = [&](std::string name, const nlohmann::json& meta, uint64_t bytes) {
    format::FileEntry& e = planned->emplace_back();
    e.name = std::move(name);
    e.kind = format::FileKind::kData;
    e.meta = meta;
    e.uncompressed_bytes = bytes;
    files.push_back(&e);
  };
  for (size_t i = 0; i < plan.plan.jobs.size(); ++i) {
    const DataJob& job = plan.plan.jobs[i];
    if (i >= plan.job_files.size() || plan.job_files[i].empty()) {
      return Corrupt(std::string(layout::kPlanBlob) + " in " + dir +
                     " does not name its jobs' data files (written by a hyperdump older than "
                     "`migrate`)");
    }
    add(plan.job_files[i], {{"table", job.table_index}},
        static_cast<uint64_t>(std::max<int64_t>(job.estimated_bytes, 0)));
  }
  for (const std::string& f : plan.large_object_files) add(f, {{"kind", kLargeObjectsKind}}, 0);
  HD_RETURN_IF_ERROR(AttachFiles(input, files, dir));
  return input;
}

Status WaitForEarlierRestoreSessions(PgConnection& conn, int timeout_ms) {
  const std::string sql =
      "SELECT pid, application_name, state, left(query, 60) FROM pg_catalog.pg_stat_activity"
      " WHERE datname = pg_catalog.current_database() AND pid <> pg_catalog.pg_backend_pid()"
      " AND backend_type = 'client backend'"
      " AND (application_name LIKE 'hyperdump restore%' OR application_name = 'pg_restore')"
      " ORDER BY pid";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    HD_ASSIGN_OR_RETURN(PgResult r, conn.Exec(sql));
    if (r.rows() == 0) return Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string who;
      for (int i = 0; i < r.rows() && i < 5; ++i) {
        who += (who.empty() ? "" : "; ") + std::string("pid ") + r.GetString(i, 0) + " (" +
               r.GetString(i, 1) + ", " + r.GetString(i, 2) + ": " + r.GetString(i, 3) + ")";
      }
      return Status(StatusCode::kAlreadyExists,
                    "another restore still has sessions in database \"" + conn.database() + "\" (" +
                        who +
                        "): wait for it to end, or, if its process was killed, for its sessions "
                        "to finish their statements (or end them with pg_terminate_backend), "
                        "then run the same command again");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status CheckTargetEmpty(PgConnection& conn, bool resume) {
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
  if (resume) {
    return Status(StatusCode::kAlreadyExists,
                  "--resume: target database \"" + conn.database() +
                      "\" holds no unfinished restore (no _hyperdump ledger) but is not empty (" +
                      list +
                      "): either a restore into it already finished (check it with hyperdump "
                      "compare SOURCE TARGET), or it holds other objects; restore into an empty "
                      "database, or pass --clean to drop the archive's objects first");
  }
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
  auto fail = [&conn](const Status& s) {
    conn.Run("ROLLBACK").IgnoreError();
    return s.WithContext("--clean: dropping the archive's objects from the target");
  };
  // client_min_messages: every DROP ... IF EXISTS of an object the target
  // lacks says so in a NOTICE; expected, and not worth a warning each.
  HD_RETURN_IF_ERROR(conn.Run("BEGIN; SET LOCAL client_min_messages = warning"));
  // An archive with TimescaleDB drops the extension last: then the whole
  // clean runs with TimescaleDB's hooks off (timescaledb.restoring, as a
  // restore does), as plain PostgreSQL drops, and the extension's drop takes
  // its catalog along. (Hooks on, TimescaleDB refuses DROP VIEW of a
  // continuous aggregate and DROP TABLE of a compressed chunk, and a target
  // left in restore mode by a crashed restore refuses DROP MATERIALIZED
  // VIEW of the same view.)
  const bool drops_timescaledb =
      std::any_of(statements.begin(), statements.end(), [](const std::string& sql) {
        return sql.starts_with("DROP EXTENSION IF EXISTS timescaledb;");
      });
  if (drops_timescaledb) {
    HD_RETURN_IF_ERROR(conn.Run("SET LOCAL timescaledb.restoring = on"));
  }
  // Otherwise, on a target that has TimescaleDB, its objects are dropped the
  // way TimescaleDB allows:
  //  - pg_dump writes a continuous aggregate as a view, so pg_restore --clean
  //    drops it with DROP VIEW, which TimescaleDB refuses ("use DROP
  //    MATERIALIZED VIEW"): dropped as a materialized view instead;
  //  - chunks and the internal compressed hypertables cannot be dropped on
  //    their own ("dropping columnstore chunks not supported"): they go with
  //    their hypertable (or continuous aggregate), dropped later in the
  //    script; all but compressed chunks, which TimescaleDB 2.28 leaves
  //    behind as plain tables, out of its catalog (seen: DROP TABLE of a
  //    hypertable with 12 compressed chunks kept all 12). Their DROP TABLE
  //    statements are therefore moved after every other drop but the
  //    extension's, where they drop exactly those leftovers.
  // Names are compared as pg_dump writes them (quote_ident).
  std::set<std::string> caggs, followers;
  if (!drops_timescaledb) {
    // SAVEPOINT: without TimescaleDB on the target these relations do not
    // exist, and there is nothing to adapt.
    HD_RETURN_IF_ERROR(conn.Run("SAVEPOINT hd_timescaledb"));
    auto found = conn.Exec(
        "SELECT 'v', quote_ident(view_schema) || '.' || quote_ident(view_name)"
        " FROM timescaledb_information.continuous_aggregates"
        " UNION ALL SELECT 't', quote_ident(schema_name) || '.' || quote_ident(table_name)"
        " FROM _timescaledb_catalog.chunk"
        " UNION ALL SELECT 't', quote_ident(schema_name) || '.' || quote_ident(table_name)"
        " FROM _timescaledb_catalog.hypertable WHERE compression_state = 2");
    if (found.ok()) {
      for (int i = 0; i < found->rows(); ++i) {
        (found->Get(i, 0) == "v" ? caggs : followers).insert(found->GetString(i, 1));
      }
    }
    HD_RETURN_IF_ERROR(conn.Run(found.ok() ? "RELEASE SAVEPOINT hd_timescaledb"
                                           : "ROLLBACK TO SAVEPOINT hd_timescaledb"));
  }
  auto object_of = [](const std::string& sql, const std::string& prefix) {
    std::string name = sql.substr(prefix.size());
    while (!name.empty() && (name.back() == '\n' || name.back() == ';')) name.pop_back();
    return name;
  };
  const std::string kDropView = "DROP VIEW IF EXISTS ", kDropTable = "DROP TABLE IF EXISTS ";
  std::vector<std::string> adapted, deferred;
  for (std::string& sql : statements) {
    if (sql.starts_with(kDropView) && caggs.count(object_of(sql, kDropView))) {
      adapted.push_back("DROP MATERIALIZED VIEW IF EXISTS " + object_of(sql, kDropView) + ";\n");
    } else if (sql.starts_with(kDropTable) && followers.count(object_of(sql, kDropTable))) {
      deferred.push_back(std::move(sql));
    } else {
      adapted.push_back(std::move(sql));
    }
  }
  auto extension = std::find_if(adapted.begin(), adapted.end(), [](const std::string& sql) {
    return sql.starts_with("DROP EXTENSION IF EXISTS timescaledb") ||
           sql.starts_with("DROP SCHEMA ");
  });
  adapted.insert(extension, deferred.begin(), deferred.end());
  statements = std::move(adapted);
  std::string batch;
  for (const std::string& sql : statements) {
    // A schema that still holds objects the archive does not have (with -n
    // public, the timescaledb extension created there) is kept: its drop
    // fails with 2BP01 and is skipped, as the objects it held are dropped.
    bool part_of_table =
        (sql.starts_with("ALTER TABLE ") && sql.find(" DROP CONSTRAINT ") != std::string::npos) ||
        sql.starts_with("DROP INDEX ") || sql.starts_with("DROP SCHEMA ");
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
    if (line.starts_with("CREATE ROLE ")) {
      role = LeadingIdent(line, 12);
      if (have.count(role)) {
        skipped.push_back(role);
        continue;
      }
      created.insert(role);
    } else if (line.starts_with("ALTER ROLE ")) {
      if (!created.count(LeadingIdent(line, 11))) continue;
    } else if (line.starts_with("GRANT ")) {
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
