#include "engine/restore/restore_selection.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <sstream>

#include "engine/archive_layout.h"
#include "engine/pg/local_files.h"
#include "engine/pg/subprocess.h"
#include "format/checksum.h"
#include "format/reader.h"

namespace hyperdump::engine {

namespace {

bool Contains(const std::vector<std::string>& list, const std::string& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

bool IsChunk(const RestoreTable& t) { return t.kind == "chunk" || t.kind == "compressed_chunk"; }

// The last word of a listing's text: the owner ("" when the text ends with a space).
std::string LastWord(const std::string& text) {
  size_t space = text.rfind(' ');
  return space == std::string::npos ? text : text.substr(space + 1);
}

// "schema.name" keys that the rest of a listing line ("NAMESPACE TAG OWNER",
// after the desc) may name. The owner is the last word; namespace and tag
// may hold spaces, so every split of what precedes it is a candidate.
std::vector<std::string> CandidateKeys(std::string_view ns_tag_owner) {
  std::vector<std::string> out;
  size_t last = ns_tag_owner.rfind(' ');
  if (last == std::string::npos) return out;
  std::string head(ns_tag_owner.substr(0, last));
  for (size_t i = head.find(' '); i != std::string::npos; i = head.find(' ', i + 1)) {
    out.push_back(head.substr(0, i) + "." + head.substr(i + 1));
  }
  return out;
}

// The rest of a TABLE (or SEQUENCE) line after its desc, or nullopt for
// another desc (TABLE DATA, TABLE ATTACH, SEQUENCE SET...).
std::optional<std::string> AfterDesc(const std::string& text, const char* desc) {
  const std::string prefix = std::string(desc) + " ";
  if (!text.starts_with(prefix)) return std::nullopt;
  for (const char* other :
       {"TABLE DATA ", "TABLE ATTACH ", "SEQUENCE SET ", "SEQUENCE OWNED BY "}) {
    if (text.starts_with(other)) return std::nullopt;
  }
  return text.substr(prefix.size());
}

Status Validate(const RestoreSelection& sel, bool clean) {
  if (sel.data_only && sel.schema_only) {
    return InvalidArgument(
        "options -s/--schema-only and -a/--data-only cannot be used together (as in pg_restore)");
  }
  for (const std::string& s : sel.sections) {
    if (s != "pre-data" && s != "data" && s != "post-data") {
      return InvalidArgument("unrecognized section name: \"" + s +
                             "\" (--section takes pre-data, data or post-data)");
    }
  }
  if (clean) {
    return InvalidArgument(
        "--clean drops and restores the whole archive: it cannot be combined with -n, -N, -t, "
        "-I, -L, --section, -s or -a; drop the objects to replace yourself, then restore them "
        "selectively");
  }
  return Status::Ok();
}

// The selection in a canonical form, for the ledger's archive id: a
// --resume must select the same.
std::string Describe(const RestoreSelection& sel, const std::optional<std::set<int>>& listed) {
  std::string out;
  auto list = [&out](const char* flag, std::vector<std::string> names) {
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) out += std::string(out.empty() ? "" : " ") + flag + n;
  };
  list("-n ", sel.schemas);
  list("-N ", sel.exclude_schemas);
  list("-t ", sel.tables);
  list("-I ", sel.indexes);
  list("--section=", sel.sections);
  if (sel.schema_only) out += std::string(out.empty() ? "" : " ") + "-s";
  if (sel.data_only) out += std::string(out.empty() ? "" : " ") + "-a";
  if (listed) {
    std::string ids;
    for (int id : *listed) ids += std::to_string(id) + ",";
    out += std::string(out.empty() ? "" : " ") + "-L " +
           format::ChecksumToHex(format::ChecksumOf(ids));
  }
  return out;
}

// pg_restore with `args` (after the program, before the archive); its output.
Result<std::string> PgRestore(const std::string& bindir, const std::string& dir,
                              const std::string& pgdump_path, std::vector<std::string> args,
                              const std::string& name) {
  args.insert(args.begin(), bindir + "/pg_restore");
  args.push_back(pgdump_path);
  const std::string out = dir + "/" + name;
  HD_RETURN_IF_ERROR(RunProgram(args, out, "pg_restore", nullptr));
  return ReadWholeFile(out);
}

// (parent, child) of a TABLE ATTACH item: "ALTER TABLE ONLY p ATTACH PARTITION c ...".
std::optional<std::pair<std::string, std::string>> AttachedPartition(const SchemaItem& item) {
  Result<std::string> read = item.Sql();
  if (!read.ok()) return std::nullopt;
  const std::string& sql = *read;
  size_t pos = sql.find("ALTER TABLE ");
  if (pos == std::string::npos) return std::nullopt;
  pos += 12;
  std::string ps, pn, cs, cn;
  if (!ParseQualifiedName(sql, pos, ps, pn)) return std::nullopt;
  const std::string attach = " ATTACH PARTITION ";
  if (sql.compare(pos, attach.size(), attach) != 0) return std::nullopt;
  pos += attach.size();
  if (!ParseQualifiedName(sql, pos, cs, cn)) return std::nullopt;
  return std::make_pair(ps + "." + pn, cs + "." + cn);
}

}  // namespace

bool RestoreSelection::Active() const {
  return !schemas.empty() || !exclude_schemas.empty() || !tables.empty() || !indexes.empty() ||
         !sections.empty() || data_only || schema_only || !use_list.empty();
}

std::string DataTocEntry::Desc() const {
  switch (kind) {
    case Kind::kTableData:
      return "TABLE DATA";
    case Kind::kSequenceSet:
      return "SEQUENCE SET";
    case Kind::kBlobs:
      return "BLOBS";
  }
  return "?";
}

std::string DataTocEntry::Line() const {
  std::string names = kind == Kind::kBlobs ? "- BLOBS" : schema + " " + name;
  return std::to_string(id) + "; 0 " + oid + " " + Desc() + " " + names + " " + owner;
}

std::vector<DataTocEntry> DataTocEntries(const RestoreInput& input,
                                         const std::vector<TocLine>& schema_toc) {
  int next = 1;
  std::map<std::string, const TocLine*> tables, sequences;  // candidate key -> line
  for (const TocLine& l : schema_toc) {
    next = std::max(next, l.id + 1);
    if (auto rest = AfterDesc(l.text, "TABLE")) {
      for (const std::string& key : CandidateKeys(*rest)) tables.emplace(key, &l);
    } else if (auto seq = AfterDesc(l.text, "SEQUENCE")) {
      for (const std::string& key : CandidateKeys(*seq)) sequences.emplace(key, &l);
    }
  }
  std::vector<DataTocEntry> out;
  std::set<std::string> listed;
  auto add_table = [&](const std::string& schema, const std::string& name) {
    DataTocEntry e;
    e.kind = DataTocEntry::Kind::kTableData;
    e.schema = schema;
    e.name = name;
    if (!listed.insert(e.Key()).second) return;
    e.id = next++;
    if (auto it = tables.find(e.Key()); it != tables.end()) {
      e.oid = std::to_string(it->second->oid);
      e.owner = LastWord(it->second->text);
    }
    out.push_back(std::move(e));
  };
  // A hypertable named by its chunks ("schema.name"), when the schema has
  // its table: split where that line's names are.
  auto add_hypertable = [&](const std::string& key) {
    auto it = tables.find(key);
    if (key.empty() || listed.count(key) || it == tables.end()) return;
    for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
      std::string schema = key.substr(0, dot), name = key.substr(dot + 1);
      if (it->second->text.starts_with("TABLE " + schema + " " + name + " ")) {
        add_table(schema, name);
        return;
      }
    }
  };
  for (const RestoreTable& t : input.tables) {
    if (IsChunk(t)) {
      add_hypertable(t.hypertable);
      add_hypertable(t.parent);
    }
    add_table(t.schema, t.name);
  }
  for (const SequenceInfo& s : input.sequences) {
    DataTocEntry e;
    e.kind = DataTocEntry::Kind::kSequenceSet;
    e.id = next++;
    e.schema = s.schema;
    e.name = s.name;
    if (auto it = sequences.find(e.Key()); it != sequences.end()) {
      e.owner = LastWord(it->second->text);
    }
    out.push_back(std::move(e));
  }
  if (!input.large_object_files.empty()) {
    DataTocEntry e;
    e.kind = DataTocEntry::Kind::kBlobs;
    e.id = next++;
    out.push_back(std::move(e));
  }
  return out;
}

Result<UseList> ParseUseList(const std::string& text, const std::set<int>& known, int max_id,
                             const std::string& file) {
  UseList out;
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (size_t semi = line.find(';'); semi != std::string::npos) line.resize(semi);
    if (line.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    const char* begin = line.c_str();
    char* end = nullptr;
    long id = std::strtol(begin, &end, 10);
    if (end == begin || id <= 0 || id > max_id || out.ids.count(static_cast<int>(id))) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      out.warnings.push_back(file + ": line ignored: " + line);
      continue;
    }
    if (!known.count(static_cast<int>(id))) {
      return InvalidArgument(file + " line " + std::to_string(number) +
                             ": could not find entry for ID " + std::to_string(id) +
                             " in the archive; make the list with `hyperdump list --toc DIR`");
    }
    out.ids.insert(static_cast<int>(id));
    out.order.push_back(static_cast<int>(id));
  }
  return out;
}

bool DataEntryWanted(const RestoreSelection& sel, const std::optional<std::set<int>>& listed,
                     const DataTocEntry& entry) {
  if (sel.schema_only) return false;
  if (!sel.sections.empty() && !Contains(sel.sections, "data")) return false;
  if (listed && !listed->count(entry.id)) return false;
  const bool has_namespace = entry.kind != DataTocEntry::Kind::kBlobs;
  if (!sel.schemas.empty() && (!has_namespace || !Contains(sel.schemas, entry.schema))) {
    return false;
  }
  if (has_namespace && Contains(sel.exclude_schemas, entry.schema)) return false;
  if (!sel.tables.empty() || !sel.indexes.empty()) {  // pg_restore's selTypes
    if (entry.kind == DataTocEntry::Kind::kBlobs || !Contains(sel.tables, entry.name)) {
      return false;
    }
  }
  return true;
}

Result<SelectionOutcome> ApplySelection(const RestoreSelection& sel,
                                        const std::set<int>& schema_ids,
                                        const std::optional<std::set<int>>& listed,
                                        const std::vector<DataTocEntry>& data, RestoreInput& input,
                                        SchemaScript& schema) {
  SelectionOutcome out;
  if (!sel.Active()) return out;
  out.selective = true;
  const bool by_list = listed.has_value();

  std::map<std::string, const DataTocEntry*> table_entry, sequence_entry;
  const DataTocEntry* blobs = nullptr;
  for (const DataTocEntry& e : data) {
    if (e.kind == DataTocEntry::Kind::kTableData) table_entry.emplace(e.Key(), &e);
    if (e.kind == DataTocEntry::Kind::kSequenceSet) sequence_entry.emplace(e.Key(), &e);
    if (e.kind == DataTocEntry::Kind::kBlobs) blobs = &e;
  }
  auto entry_wanted = [&](const std::string& key) {
    auto it = table_entry.find(key);
    return it != table_entry.end() && DataEntryWanted(sel, listed, *it->second);
  };

  // The schema's TABLE items by "schema.name".
  std::map<std::string, const SchemaItem*> table_item;
  for (const SchemaItem& item : schema.items) {
    if (item.desc() != "TABLE") continue;
    for (const std::string& key : CandidateKeys(item.toc_line())) table_item.emplace(key, &item);
  }
  auto item_of = [&](const std::string& key) -> const SchemaItem* {
    auto it = table_item.find(key);
    return it == table_item.end() ? nullptr : it->second;
  };
  const std::set<int>& verdict = schema_ids;
  auto judged = [&](const SchemaItem* item) { return item && verdict.count(item->dump_id) > 0; };

  // Chunks, and the hypertables they belong to (user-facing and compressed).
  std::map<std::string, const RestoreTable*> chunks;
  std::set<std::string> hypertables;
  std::map<std::string, std::string> compressed_of_hypertable;  // compressed hypertable -> its user
  for (const RestoreTable& t : input.tables) {
    if (t.kind == "hypertable") hypertables.insert(t.Key());
    if (!IsChunk(t)) continue;
    chunks.emplace(t.Key(), &t);
    hypertables.insert(t.hypertable);
    if (!t.parent.empty() && t.parent != t.hypertable) {
      hypertables.insert(t.parent);
      compressed_of_hypertable.emplace(t.parent, t.hypertable);
    }
  }

  // 1. Schema items: pg_restore's verdict; chunks (and compressed
  //    hypertables) follow their hypertable's TABLE item.
  std::set<int> kept = verdict;
  auto set_kept = [&kept](const SchemaItem* item, bool keep) {
    if (!item) return;
    if (keep) {
      kept.insert(item->dump_id);
    } else {
      kept.erase(item->dump_id);
    }
  };
  for (const auto& [key, user] : compressed_of_hypertable) {
    const SchemaItem* own = item_of(key);
    const SchemaItem* ht = item_of(user);
    if (own && ht) set_kept(own, judged(ht) || (by_list && judged(own)));
  }
  for (const auto& [key, chunk] : chunks) {
    const SchemaItem* own = item_of(key);
    const SchemaItem* ht = item_of(chunk->hypertable);
    if (own && ht) set_kept(own, judged(ht) || (by_list && judged(own)));
  }
  // A chunk's index or constraint is judged as its hypertable's items of the
  // same kind (it is restored when one of them is: -n, --section, -I; not
  // with -t, which takes no index), or, with -L, by its own line; by its own
  // verdict when the hypertable has no item of that kind.
  std::map<std::string, std::set<std::string, std::less<>>> kinds,
      judged_kinds;  // table key -> descs on it
  for (const SchemaItem& item : schema.items) {
    if (item.table.empty()) continue;
    const std::string& on = item.table;
    kinds[on].emplace(item.desc());
    if (judged(&item)) judged_kinds[on].emplace(item.desc());
  }
  for (const SchemaItem& item : schema.items) {
    if (item.pass != ItemPass::kTable && item.pass != ItemPass::kForeignKey) continue;
    auto chunk = chunks.find(item.table);
    if (chunk == chunks.end()) continue;
    auto has = [&item](const std::map<std::string, std::set<std::string, std::less<>>>& m,
                       const std::string& key) {
      auto it = m.find(key);
      return it != m.end() && it->second.count(item.desc()) > 0;
    };
    const std::string& ht = chunk->second->hypertable;
    const std::string& parent = chunk->second->parent;
    if (!has(kinds, ht) && !has(kinds, parent)) continue;  // its own verdict
    set_kept(&item,
             has(judged_kinds, ht) || has(judged_kinds, parent) || (by_list && judged(&item)));
  }

  // 2. Data: each table by its TABLE DATA entry; a chunk by its
  //    hypertable's (or, with -L, its own line); the TimescaleDB catalog
  //    with any hypertable's data.
  std::set<std::string> selected;
  bool hypertable_data = false;
  for (const RestoreTable& t : input.tables) {
    if (!t.extension.empty()) continue;
    bool want = entry_wanted(t.Key());
    if (IsChunk(t) && table_entry.count(t.hypertable)) {
      want = DataEntryWanted(sel, listed, *table_entry.at(t.hypertable)) || (by_list && want);
    }
    if (!want) continue;
    selected.insert(t.Key());
    if (IsChunk(t) || t.kind == "hypertable") hypertable_data = true;
  }
  bool catalog = false;
  std::set<std::string> followed_catalog;
  for (const RestoreTable& t : input.tables) {
    if (t.extension.empty()) continue;
    const bool follows = hypertable_data && t.extension == "timescaledb";
    if (!entry_wanted(t.Key()) && !follows) continue;
    selected.insert(t.Key());
    if (follows) followed_catalog.insert(t.Key());
    if (t.extension == "timescaledb") catalog = true;
  }
  std::set<std::string> selected_sequences;
  for (const SequenceInfo& s : input.sequences) {
    const std::string key = s.schema + "." + s.name;
    auto e = sequence_entry.find(key);
    bool want = e != sequence_entry.end() && DataEntryWanted(sel, listed, *e->second);
    // The sequences that number the catalog's rows go with it.
    const std::string owner = s.owned_by.substr(0, s.owned_by.rfind('.'));
    if (!s.owned_by.empty() && followed_catalog.count(owner)) want = true;
    if (want) selected_sequences.insert(key);
  }
  if (!blobs || !DataEntryWanted(sel, listed, *blobs)) input.large_object_files.clear();

  // 3. Data into tables this run does not create: appended.
  for (const RestoreTable& t : input.tables) {
    if (!selected.count(t.Key()) || !t.extension.empty()) continue;
    const SchemaItem* item = item_of(t.Key());
    if (!item || !kept.count(item->dump_id)) out.append_only = true;
  }
  if (catalog && !out.append_only) {
    std::string missing;
    for (const std::string& h : hypertables) {
      const SchemaItem* item = item_of(h);
      if (item && !kept.count(item->dump_id)) missing += (missing.empty() ? "" : ", ") + h;
    }
    if (!missing.empty()) {
      return InvalidArgument(
          "this selection restores TimescaleDB hypertable data, and with it the TimescaleDB "
          "catalog, which is restored whole and names every hypertable of the archive, but "
          "not the tables of " +
          missing +
          ": select them too (chunks, compressed and continuous aggregate hypertables live in "
          "_timescaledb_internal: add -n _timescaledb_internal), restore them first, or dump "
          "only the hypertables you need (hyperdump dump -t)");
    }
  }

  // 4. Foreign keys already on the target hold while data is appended: a
  //    table's data loads after the data of the tables it references (a
  //    partitioned table's and a hypertable's constraints hold for their
  //    partitions and chunks). Edges that would close a cycle are left out.
  if (out.append_only) {
    std::map<std::string, std::string> parent_of;
    for (const RestoreTable& t : input.tables) {
      if (t.kind == "partition") parent_of[t.Key()] = t.parent;
    }
    for (const SchemaItem& item : schema.items) {
      if (item.desc() != "TABLE ATTACH") continue;
      if (auto attached = AttachedPartition(item)) parent_of[attached->second] = attached->first;
    }
    std::map<std::string, std::vector<std::string>> under;  // table -> selected data tables
    for (const RestoreTable& t : input.tables) {
      if (!selected.count(t.Key()) || !t.extension.empty()) continue;
      under[t.Key()].push_back(t.Key());
      int depth = 0;
      for (auto p = parent_of.find(t.Key()); p != parent_of.end() && depth++ < 64;
           p = parent_of.find(p->second)) {
        under[p->second].push_back(t.Key());
      }
      if (IsChunk(t)) under[t.hypertable].push_back(t.Key());
    }
    std::map<std::string, std::set<std::string>> after;  // first -> thens
    std::function<bool(const std::string&, const std::string&, std::set<std::string>&)> reaches =
        [&](const std::string& from, const std::string& to, std::set<std::string>& seen) {
          if (from == to) return true;
          if (!seen.insert(from).second) return false;
          auto it = after.find(from);
          if (it == after.end()) return false;
          for (const std::string& next : it->second) {
            if (reaches(next, to, seen)) return true;
          }
          return false;
        };
    for (const SchemaItem& item : schema.items) {
      if (item.pass != ItemPass::kForeignKey) continue;
      auto refs = under.find(item.ref);
      auto tables = under.find(item.table);
      if (refs == under.end() || tables == under.end()) continue;
      for (const std::string& first : refs->second) {
        for (const std::string& then : tables->second) {
          std::set<std::string> seen;
          if (after[first].count(then) || reaches(then, first, seen)) continue;
          after[first].insert(then);
          out.load_order.emplace_back(first, then);
        }
      }
    }
  }

  // 5. The TimescaleDB window only when something of TimescaleDB is restored.
  bool timescaledb = false;
  for (const RestoreTable& t : input.tables) {
    if (selected.count(t.Key()) &&
        (IsChunk(t) || t.kind == "hypertable" || t.extension == "timescaledb")) {
      timescaledb = true;
    }
  }
  for (const SchemaItem& item : schema.items) {
    if (!kept.count(item.dump_id)) continue;
    if ((item.desc() == "EXTENSION" && item.toc_line().starts_with("- timescaledb ")) ||
        item.toc_line().starts_with("_timescaledb") ||
        (!item.table.empty() && hypertables.count(item.table))) {
      timescaledb = true;
    }
    if (item.desc() == "TABLE") {
      for (const std::string& key : CandidateKeys(item.toc_line())) {
        if (hypertables.count(key)) timescaledb = true;
      }
    }
  }
  if (!timescaledb) {
    input.timescaledb_version.clear();
    input.timescaledb_job_stats.clear();
  }

  // 6. Keep what is selected.
  std::vector<RestoreTable> tables;
  for (RestoreTable& t : input.tables) {
    if (selected.count(t.Key())) tables.push_back(std::move(t));
  }
  input.tables = std::move(tables);
  std::vector<SequenceInfo> sequences;
  for (SequenceInfo& s : input.sequences) {
    if (selected_sequences.count(s.schema + "." + s.name)) sequences.push_back(std::move(s));
  }
  input.sequences = std::move(sequences);
  std::erase_if(schema.items,
                [&kept](const SchemaItem& item) { return !kept.count(item.dump_id); });
  if (schema.items.empty() && input.tables.empty() && input.sequences.empty() &&
      input.large_object_files.empty()) {
    out.notes.push_back("the selection matches nothing in the archive: nothing to restore");
  }
  return out;
}

Result<SelectionOutcome> SelectForRestore(const RestoreSelection& sel, bool clean,
                                          const std::string& pgdump_path,
                                          const std::string& pg_bindir, RestoreInput& input,
                                          SchemaScript& schema) {
  if (!sel.Active()) return SelectionOutcome{};
  HD_RETURN_IF_ERROR(Validate(sel, clean));
  const std::string bindir = pg_bindir.empty() ? PgBinDir() : pg_bindir;
  HD_ASSIGN_OR_RETURN(TempDir dir, TempDir::Create("hyperdump-select"));
  HD_ASSIGN_OR_RETURN(std::string all,
                      PgRestore(bindir, dir.path(), pgdump_path, {"--list"}, "all.list"));
  const std::vector<TocLine> toc = ParseTocListing(all);
  const std::vector<DataTocEntry> data = DataTocEntries(input, toc);

  std::vector<std::string> args = {"--list"};
  std::optional<std::set<int>> listed;
  std::vector<std::string> warnings;
  if (!sel.use_list.empty()) {
    Result<std::string> text = ReadWholeFile(sel.use_list);
    if (!text.ok()) {
      return Status(text.status().code(),
                    "-L/--use-list: cannot read " + sel.use_list + ": " + text.status().message());
    }
    std::set<int> schema_ids, known;
    for (const TocLine& l : toc) schema_ids.insert(l.id);
    known = schema_ids;
    for (const DataTocEntry& e : data) known.insert(e.id);
    const int max_id = known.empty() ? 0 : *known.rbegin();
    HD_ASSIGN_OR_RETURN(UseList list, ParseUseList(*text, known, max_id, sel.use_list));
    warnings = std::move(list.warnings);
    listed = std::move(list.ids);
    // pg_restore gets the schema's IDs only (it knows no others), in the
    // file's order: as with -L, an entry without a section of its own (a
    // comment, a privilege) belongs to the section of the entry before it.
    std::string ids;
    for (int id : list.order) {
      if (schema_ids.count(id)) ids += std::to_string(id) + "\n";
    }
    const std::string path = dir.path() + "/use.list";
    HD_RETURN_IF_ERROR(WritePrivateFile(path, ids));
    args.push_back("--use-list=" + path);
  }
  for (const std::string& s : sel.schemas) args.push_back("--schema=" + s);
  for (const std::string& s : sel.exclude_schemas) args.push_back("--exclude-schema=" + s);
  for (const std::string& t : sel.tables) args.push_back("--table=" + t);
  for (const std::string& i : sel.indexes) args.push_back("--index=" + i);
  for (const std::string& s : sel.sections) args.push_back("--section=" + s);
  if (sel.schema_only) args.push_back("--schema-only");
  if (sel.data_only) args.push_back("--data-only");
  if (sel.strict_names) args.push_back("--strict-names");
  Result<std::string> chosen = PgRestore(bindir, dir.path(), pgdump_path, args, "selected.list");
  if (!chosen.ok()) {
    // --strict-names: "pg_restore: error: table "x" not found" is the user's.
    StatusCode code = chosen.status().message().find(" not found") != std::string::npos
                          ? StatusCode::kInvalidArgument
                          : chosen.status().code();
    return Status(code, "selecting what to restore: " + chosen.status().message());
  }
  std::set<int> verdict;
  for (const TocLine& l : ParseTocListing(*chosen)) verdict.insert(l.id);

  HD_ASSIGN_OR_RETURN(SelectionOutcome out,
                      ApplySelection(sel, verdict, listed, data, input, schema));
  out.notes.insert(out.notes.begin(), warnings.begin(), warnings.end());
  input.archive_id += " selection(" + Describe(sel, listed) + ")";
  return out;
}

Result<std::string> ArchiveTocListing(const std::string& archive_dir,
                                      const std::string& pg_bindir) {
  const std::string bindir = pg_bindir.empty() ? PgBinDir() : pg_bindir;
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::ArchiveReader> archive,
                      format::ArchiveReader::Open(archive_dir));
  HD_ASSIGN_OR_RETURN(RestoreInput input, ReadRestoreInput(*archive));
  HD_ASSIGN_OR_RETURN(std::string schema_bytes, archive->ReadBlob(layout::kSchemaBlob));
  HD_ASSIGN_OR_RETURN(TempDir dir, TempDir::Create("hyperdump-list"));
  const std::string pgdump = dir.path() + "/" + layout::kSchemaBlob;
  HD_RETURN_IF_ERROR(WritePrivateFile(pgdump, schema_bytes));
  HD_ASSIGN_OR_RETURN(std::string all, PgRestore(bindir, dir.path(), pgdump, {"--list"}, "all"));
  HD_ASSIGN_OR_RETURN(std::string post, PgRestore(bindir, dir.path(), pgdump,
                                                  {"--list", "--section=post-data"}, "post"));
  const std::vector<TocLine> toc = ParseTocListing(all);
  const std::vector<DataTocEntry> data = DataTocEntries(input, toc);
  std::set<int> post_ids;
  for (const TocLine& l : ParseTocListing(post)) post_ids.insert(l.id);

  std::string out, data_lines;
  for (const DataTocEntry& e : data) data_lines += e.Line() + "\n";
  bool inserted = data.empty();
  std::istringstream in(all);
  for (std::string line; std::getline(in, line);) {
    const std::string entries = ";     TOC Entries: ";
    if (line.starts_with(entries)) {
      line = entries + std::to_string(toc.size() + data.size());
    } else if (line == "; Selected TOC Entries:") {
      out += "; hyperdump archive " + archive_dir +
             ": the schema's items (schema.pgdump) and, numbered\n"
             "; above them, the data: TABLE DATA, SEQUENCE SET and BLOBS entries. Delete or\n"
             "; comment out (';') lines, then: hyperdump restore -L FILE -d TARGET " +
             archive_dir + "\n;\n";
    } else if (!inserted && !line.empty() && line[0] != ';') {
      std::vector<TocLine> one = ParseTocListing(line);
      if (!one.empty() && post_ids.count(one[0].id)) {
        out += data_lines;
        inserted = true;
      }
    }
    out += line + "\n";
  }
  if (!inserted) out += data_lines;
  return out;
}

}  // namespace hyperdump::engine
