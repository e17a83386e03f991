// Large objects: listing and batching (dump side), and the SQL that gives a
// restored object its owner, privileges and comment.
#include "engine/large_objects.h"

#include <cstdio>

#include "engine/archive_layout.h"

namespace hyperdump::engine {

Result<std::vector<LargeObjectInfo>> ListLargeObjects(PgConnection& conn) {
  // lo_open(..., INV_READ) checks the privilege to read each object and sees
  // it as the transaction's snapshot does; seeking to the end gives its size.
  // The descriptors close with the caller's transaction.
  auto r = conn.Exec(
      "SELECT m.oid, pg_catalog.lo_lseek64(pg_catalog.lo_open(m.oid, 262144), 0, 2)"
      " FROM pg_catalog.pg_largeobject_metadata m ORDER BY m.oid");
  if (!r.ok()) {
    return Status(r.status().code(),
                  "cannot read the database's large objects: " + r.status().message() +
                      ". Dump as a superuser or as the objects' owner (or GRANT SELECT ON LARGE "
                      "OBJECT to the dumping role), or pass --no-large-objects to dump everything "
                      "else without them",
                  r.status().sqlstate());
  }
  std::vector<LargeObjectInfo> out;
  out.reserve(static_cast<size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) {
    out.push_back({static_cast<uint32_t>(r->GetInt(i, 0)), static_cast<uint64_t>(r->GetInt(i, 1))});
  }
  return out;
}

std::vector<LargeObjectBatch> BatchLargeObjects(const std::vector<LargeObjectInfo>& objects,
                                                BatchLimits limits) {
  std::vector<LargeObjectBatch> batches;
  for (const LargeObjectInfo& lo : objects) {
    bool fits = !batches.empty() && batches.back().objects.size() < limits.max_objects &&
                batches.back().bytes + lo.bytes <= limits.max_bytes;
    if (!fits) {
      batches.emplace_back();
      batches.back().index = static_cast<int>(batches.size() - 1);
    }
    batches.back().objects.push_back(lo);
    batches.back().bytes += lo.bytes;
  }
  return batches;
}

std::string LargeObjectFileName(int index, format::Codec codec) {
  char name[32];
  std::snprintf(name, sizeof name, "%04d", index);
  return std::string(layout::kLargeObjectsDir) + "/" + name + ".lo" +
         (codec == format::Codec::kZstd ? ".zst" : "");
}

Result<std::string> LargeObjectMetadataSql(const nlohmann::json& header,
                                           const LargeObjectRestoreOptions& options) {
  const std::string target = "LARGE OBJECT " + std::to_string(header.at("oid").get<uint64_t>());
  const std::string owner = header.value("owner", std::string());
  std::string sql;
  if (!options.no_owner && !owner.empty()) {
    sql += "ALTER " + target + " OWNER TO " + QuoteIdent(owner) + ";\n";
  }
  auto comment = header.find("comment");
  if (comment != header.end() && comment->is_string()) {
    sql += "COMMENT ON " + target + " IS " + QuoteLiteral(comment->get<std::string>()) + ";\n";
  }
  auto grants = header.find("grants");
  if (!options.no_privileges && grants != header.end() && grants->is_array()) {
    // Not the default privileges: start from none, then grant exactly the
    // archived ones (the owner's own included, as pg_dump does).
    sql += "REVOKE ALL ON " + target + " FROM PUBLIC;\n";
    if (!options.no_owner && !owner.empty()) {
      sql += "REVOKE ALL ON " + target + " FROM " + QuoteIdent(owner) + ";\n";
    }
    for (const nlohmann::json& g : *grants) {
      const nlohmann::json& grantee = g.at("grantee");
      const std::string privilege = g.at("privilege").get<std::string>();
      if (privilege != "SELECT" && privilege != "UPDATE") {
        return Corrupt("large object " + std::to_string(header.at("oid").get<uint64_t>()) +
                       " has the privilege \"" + privilege +
                       "\" in the archive, which large objects do not have");
      }
      sql += "GRANT " + privilege + " ON " + target + " TO " +
             (grantee.is_string() ? QuoteIdent(grantee.get<std::string>()) : "PUBLIC") +
             (g.value("grantable", false) ? " WITH GRANT OPTION" : "") + ";\n";
    }
  }
  return sql;
}

}  // namespace hyperdump::engine
