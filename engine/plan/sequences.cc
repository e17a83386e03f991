#include "engine/plan/sequences.h"

#include <algorithm>

namespace hyperdump::engine {

Status DiscoverSequences(PgConnection& conn, const Selection& sel,
                         const std::unordered_map<uint32_t, std::string>& config_extension,
                         const std::set<std::string>& partial_extensions,
                         std::vector<SequenceInfo>* out) {
  HD_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Exec(
          "SELECT s.oid, s.relnamespace, n.nspname, s.relname,"
          " EXISTS (SELECT 1 FROM pg_catalog.pg_depend e"
          "   WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND e.objid = s.oid"
          "   AND e.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass"
          "   AND e.deptype = 'e'),"
          " n.oid IN (SELECT e.objid FROM pg_catalog.pg_depend e"
          "   WHERE e.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass"
          "   AND e.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass"
          "   AND e.deptype = 'e'),"
          " COALESCE(o.oid, 0), COALESCE(o.relnamespace, 0), onsp.nspname, o.relname, a.attname,"
          " COALESCE(d.deptype, ' ')"
          " FROM pg_catalog.pg_class s"
          " JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace"
          " LEFT JOIN pg_catalog.pg_depend d"
          "   ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = s.oid"
          "   AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass"
          "   AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0"
          " LEFT JOIN pg_catalog.pg_class o ON o.oid = d.refobjid"
          " LEFT JOIN pg_catalog.pg_namespace onsp ON onsp.oid = o.relnamespace"
          " LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = o.oid AND a.attnum = d.refobjsubid"
          " WHERE s.relkind = 'S' AND n.nspname <> 'information_schema'"
          " AND n.nspname !~ '^pg_'"
          " ORDER BY n.nspname, s.relname"));
  std::vector<SequenceInfo> selected;
  for (int i = 0; i < r.rows(); ++i) {
    uint32_t oid = static_cast<uint32_t>(r.GetInt(i, 0));
    uint32_t nsp = static_cast<uint32_t>(r.GetInt(i, 1));
    bool extension_member = r.GetBool(i, 4);
    bool nsp_extension_member = r.GetBool(i, 5);
    uint32_t owner = static_cast<uint32_t>(r.GetInt(i, 6));
    uint32_t owner_nsp = static_cast<uint32_t>(r.GetInt(i, 7));
    bool identity = r.Get(i, 11) == "i";
    bool keep;
    if (extension_member) {
      auto cfg = config_extension.find(oid);
      keep = cfg != config_extension.end() &&
             (sel.ExtensionConfig(nsp, nsp_extension_member, oid) ||
              (partial_extensions.count(cfg->second) > 0 && !sel.Excluded(nsp, oid)));
    } else {
      // pg_dump's getOwnedSeqs: an owned sequence goes with its table; an
      // identity sequence only with it.
      bool owner_selected = owner != 0 && sel.Table(owner_nsp, owner);
      keep = identity ? owner_selected : owner_selected || sel.Table(nsp, oid);
    }
    if (!keep) continue;
    SequenceInfo seq;
    seq.schema = r.GetString(i, 2);
    seq.name = r.GetString(i, 3);
    if (owner != 0)
      seq.owned_by = r.GetString(i, 8) + "." + r.GetString(i, 9) + "." + r.GetString(i, 10);
    selected.push_back(std::move(seq));
  }
  // Values, a batch of sequences per query.
  constexpr size_t kBatch = 200;
  for (size_t start = 0; start < selected.size(); start += kBatch) {
    size_t end = std::min(selected.size(), start + kBatch);
    std::string sql;
    for (size_t i = start; i < end; ++i) {
      if (!sql.empty()) sql += " UNION ALL ";
      sql += "SELECT " + std::to_string(i) + ", last_value, is_called FROM " +
             QualifiedName(selected[i].schema, selected[i].name);
    }
    auto values = conn.Exec(sql);
    if (!values.ok()) return values.status().WithContext("reading sequence values");
    for (int row = 0; row < values->rows(); ++row) {
      SequenceInfo& seq = selected[static_cast<size_t>(values->GetInt(row, 0))];
      seq.last_value = values->GetInt(row, 1);
      seq.is_called = values->GetBool(row, 2);
    }
  }
  for (auto& s : selected) out->push_back(std::move(s));
  return Status::Ok();
}

}  // namespace hyperdump::engine
