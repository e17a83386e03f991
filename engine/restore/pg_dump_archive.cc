#include "engine/restore/pg_dump_archive.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <thread>
#include <vector>

#include "engine/pg/pg.h"
#include "engine/pg/program_output.h"
#include "engine/pg/subprocess.h"
#include "engine/pg/toc_listing.h"
#include "engine/restore/pg_dump_rows.h"
#include "engine/restore/schema_restore.h"
#include "format/checksum.h"

namespace hyperdump::engine {

namespace {

bool Exists(const std::string& path, uint64_t* size = nullptr) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  if (size) *size = static_cast<uint64_t>(st.st_size);
  return true;
}

// Column names of "COPY s.t (a, "B") FROM stdin" (unquoted); empty when the
// statement names none.
std::vector<std::string> CopyColumns(const std::string& copy, std::string* schema,
                                     std::string* name) {
  std::vector<std::string> cols;
  size_t pos = 5;
  if (!ParseQualifiedName(copy, pos, *schema, *name)) return cols;
  while (pos < copy.size() && copy[pos] == ' ') ++pos;
  if (pos >= copy.size() || copy[pos] != '(') return cols;
  ++pos;
  for (;;) {
    while (pos < copy.size() && copy[pos] == ' ') ++pos;
    std::string col;
    if (!ReadIdent(copy, pos, &col)) return {};
    cols.push_back(col);
    while (pos < copy.size() && copy[pos] == ' ') ++pos;
    if (pos < copy.size() && copy[pos] == ',') {
      ++pos;
      continue;
    }
    return pos < copy.size() && copy[pos] == ')' ? cols : std::vector<std::string>{};
  }
}

// Decoded bytes of a gzip file, from its trailer (the size modulo 4 GiB),
// plus 4 GiB as often as it takes to reach what deflate could have stored
// (its blocks add a few bytes to incompressible data). Only an estimate, for
// the order of the jobs and the progress display; the stored size when the
// trailer cannot be read.
uint64_t GzipDecodedEstimate(const std::string& path, uint64_t stored) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return stored;
  unsigned char t[4] = {0, 0, 0, 0};
  bool ok = stored >= 18 && std::fseek(f, -4, SEEK_END) == 0 && std::fread(t, 1, 4, f) == 4;
  std::fclose(f);
  if (!ok) return stored;
  uint64_t size =
      uint64_t{t[0]} | uint64_t{t[1]} << 8 | uint64_t{t[2]} << 16 | uint64_t{t[3]} << 24;
  while (size + stored / 1024 + 64 < stored) size += uint64_t{1} << 32;
  return size;
}

// "DESC ns tag owner" split at single spaces into exactly ns, tag and owner;
// false when a name holds a space (then the item's COPY statement names it).
bool SplitNames(const std::string& rest, std::string* ns, std::string* tag) {
  std::istringstream in(rest);
  std::vector<std::string> words;
  for (std::string w; std::getline(in, w, ' ');) words.push_back(w);
  if (words.size() != 3) return false;
  *ns = words[0];
  *tag = words[1];
  return true;
}

}  // namespace

bool IsPgDumpDirectory(const std::string& dir) {
  return Exists(dir + "/toc.dat") && !Exists(dir + "/" + format::kManifestName);
}

Status RefusePgDumpFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return Status::Ok();
  char head[8] = {};
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::Ok();
  size_t n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  std::string_view h(head, n);
  const char* kind = h.substr(0, 5) == "PGDMP"     ? "custom-format (-Fc)"
                     : h.substr(0, 7) == "toc.dat" ? "tar-format (-Ft)"
                                                   : nullptr;
  if (!kind) return Status::Ok();
  return InvalidArgument(
      path + " is a pg_dump " + kind +
      " file: hyperdump restores pg_dump's directory format; restore this "
      "file with pg_restore, or dump again with pg_dump -Fd (or hyperdump dump)");
}

Result<std::unique_ptr<PgDumpArchive>> PgDumpArchive::Open(const std::string& dir,
                                                           const std::string& pg_bindir) {
  HD_ASSIGN_OR_RETURN(TempDir scratch, TempDir::Create("hyperdump-pgdump"));
  std::unique_ptr<PgDumpArchive> a(new PgDumpArchive(dir, pg_bindir, std::move(scratch)));
  HD_RETURN_IF_ERROR(a->Load());
  return a;
}

Status PgDumpArchive::Load() {
  const std::string listing_path = scratch_.path() + "/archive.list";
  HD_RETURN_IF_ERROR(RunProgram({pg_bindir_ + "/pg_restore", "--list", dir_}, listing_path,
                                "pg_restore --list " + dir_, nullptr));
  HD_ASSIGN_OR_RETURN(std::string listing, ReadWholeFile(listing_path));
  std::string created_at;
  {
    std::istringstream in(listing);
    for (std::string line; std::getline(in, line);) {
      static const std::string kCreated = "; Archive created at ";
      if (line.starts_with(kCreated)) created_at = line.substr(kCreated.size());
    }
  }
  // Every item but TABLE DATA is schema (SEQUENCE SET, large objects too);
  // a TABLE DATA item without a TABLE item is an extension's configuration
  // table (pg_dump dumps its rows, the extension creates it).
  std::string schema_list;
  std::set<std::string> tables;  // "ns tag owner" of TABLE items
  bool timescaledb = false;
  std::vector<TocLine> data;
  for (const TocLine& e : ParseTocListing(listing)) {
    if (e.text.starts_with("TABLE DATA ")) {
      data.push_back(e);
      continue;
    }
    schema_list += e.line() + "\n";
    if (e.text.starts_with("TABLE ")) tables.insert(e.text.substr(6));
    if (e.text.starts_with("EXTENSION - timescaledb ")) timescaledb = true;
  }
  schema_list_ = scratch_.path() + "/schema.list";
  HD_RETURN_IF_ERROR(WritePrivateFile(schema_list_, schema_list));

  for (const TocLine& e : data) {
    const std::string rest = e.text.substr(std::strlen("TABLE DATA "));
    std::string name;
    uint64_t stored = 0;
    for (const char* suffix : {".dat.gz", ".dat", ".dat.lz4", ".dat.zst"}) {
      std::string candidate = std::to_string(e.id) + suffix;
      if (Exists(dir_ + "/" + candidate, &stored)) {
        name = candidate;
        break;
      }
    }
    if (name.empty()) {
      return Corrupt("pg_dump archive " + dir_ + " lacks the data file of item " +
                     std::to_string(e.id) + " (TABLE DATA " + rest + "): " + std::to_string(e.id) +
                     ".dat.gz or .dat is missing; restore from a complete copy or re-run pg_dump");
    }
    format::FileEntry f;
    f.name = name;
    f.job = "item " + std::to_string(e.id);
    f.compressed_bytes = stored;
    f.uncompressed_bytes =
        name.ends_with(".gz") ? GzipDecodedEstimate(dir_ + "/" + name, stored) : stored;
    entries_.push_back(std::move(f));
    RestoreTable t;
    const bool named = SplitNames(rest, &t.schema, &t.name);
    items_[name] = DataItem{e.id, e.line(), t.schema, t.name, &entries_.back()};
    if (!named) {
      // A name with a space: its COPY statement names it exactly.
      HD_ASSIGN_OR_RETURN(std::unique_ptr<format::DataFileReader> r, OpenFile(name));
      t.schema = r->entry().meta.value("schema", "");
      t.name = r->entry().meta.value("name", "");
    }
    t.kind = "table";
    if (!tables.count(rest)) {
      t.extension = timescaledb && t.schema.starts_with("_timescaledb") ? "timescaledb" : "?";
    }
    t.files.push_back(&entries_.back());
    t.bytes = entries_.back().uncompressed_bytes;
    input_.tables.push_back(std::move(t));
  }

  // The source's TimescaleDB version: a row of its catalog's metadata.
  if (timescaledb) {
    input_.timescaledb_version = "(not recorded in the archive)";
    for (const RestoreTable& t : input_.tables) {
      if (t.schema != "_timescaledb_catalog" || t.name != "metadata") continue;
      HD_ASSIGN_OR_RETURN(std::string rows, ReadBlob(t.files.front()->name));
      std::istringstream in(rows);
      for (std::string line; std::getline(in, line);) {
        static const std::string kKey = "timescaledb_version\t";
        if (line.starts_with(kKey)) {
          input_.timescaledb_version =
              line.substr(kKey.size(), line.find('\t', kKey.size()) - kKey.size());
        }
      }
    }
  }
  HD_ASSIGN_OR_RETURN(std::string toc, ReadWholeFile(dir_ + "/toc.dat"));
  format::Checksum sum;
  sum.Update(toc);
  input_.archive_id = ArchiveId("pg_dump " + created_at, sum.Digest());
  return Status::Ok();
}

namespace {

// One item's rows out of a printout shared by the items of a batch.
class ItemRows final : public format::ByteSource {
 public:
  explicit ItemRows(std::shared_ptr<PgDumpRows> rows) : rows_(std::move(rows)) {}
  Result<size_t> Read(char* buf, size_t cap) override { return rows_->Read(buf, cap); }

 private:
  std::shared_ptr<PgDumpRows> rows_;
};

}  // namespace

Result<std::shared_ptr<PgDumpRows>> PgDumpArchive::StartPrinting(
    const std::vector<const DataItem*>& items) const {
  std::string text;
  for (const DataItem* item : items) text += item->line + "\n";
  std::string list;
  {
    std::lock_guard<std::mutex> lock(mu_);
    list = scratch_.path() + "/items-" + std::to_string(++lists_) + ".list";
  }
  HD_RETURN_IF_ERROR(WritePrivateFile(list, text));
  HD_ASSIGN_OR_RETURN(
      std::unique_ptr<ProgramOutput> child,
      ProgramOutput::Start({pg_bindir_ + "/pg_restore", "--use-list=" + list, "--file=-", dir_},
                           "pg_restore"));
  return std::make_shared<PgDumpRows>(std::move(child), static_cast<int>(items.size()));
}

void PgDumpArchive::WillOpen(const std::vector<std::string>& names) const {
  if (names.size() < 2) return;
  std::vector<const DataItem*> items;
  for (const std::string& name : names) {
    auto it = items_.find(name);
    if (it == items_.end()) return;
    items.push_back(&it->second);
  }
  Result<std::shared_ptr<PgDumpRows>> rows = StartPrinting(items);
  if (!rows.ok()) return;  // each OpenFile starts its own, and reports the error
  std::lock_guard<std::mutex> lock(mu_);
  batches_[std::this_thread::get_id()] = Batch{std::move(rows).value(), names, 0};
}

Result<std::unique_ptr<format::DataFileReader>> PgDumpArchive::OpenFile(
    const std::string& name) const {
  auto it = items_.find(name);
  if (it == items_.end()) {
    return Status(StatusCode::kNotFound, "pg_dump archive " + dir_ + " has no data item " + name);
  }
  const DataItem& item = it->second;
  std::shared_ptr<PgDumpRows> rows;
  {
    // The next item of this thread's batch, if it is this one.
    std::lock_guard<std::mutex> lock(mu_);
    auto b = batches_.find(std::this_thread::get_id());
    if (b != batches_.end()) {
      Batch& batch = b->second;
      if (batch.names[batch.next] == name && batch.rows->ready_for_next()) {
        rows = batch.rows;
        ++batch.next;
      }
      if (!rows || batch.next == batch.names.size()) batches_.erase(b);
    }
  }
  if (!rows) {
    HD_ASSIGN_OR_RETURN(rows, StartPrinting({&item}));
  }
  const std::string what = "item " + std::to_string(item.id) + " of pg_dump archive " + dir_;
  HD_ASSIGN_OR_RETURN(std::string copy, rows->NextItem(what));
  std::string schema, table;
  std::vector<std::string> columns = CopyColumns(copy, &schema, &table);
  if (!item.name.empty() && (schema != item.schema || table != item.name)) {
    // pg_dump --load-via-partition-root, or an item printed out of order.
    return InvalidArgument(what + " (table " + QualifiedName(item.schema, item.name) +
                           ") loads another table: \"" + copy +
                           "\" (a dump made with --load-via-partition-root?): restore this "
                           "archive with pg_restore");
  }
  format::FileEntry entry = *item.entry;
  nlohmann::json meta = entry.meta.Json();
  meta["schema"] = schema;
  meta["name"] = table;
  meta["columns"] = columns;
  entry.meta = meta;
  return format::DataFileReader::Unrecorded(std::move(entry), what,
                                            std::make_unique<ItemRows>(std::move(rows)));
}

Status RestorePgDumpDirectory(const RestoreOptions& options, const std::atomic<bool>& interrupt,
                              scheduler::EventSink* sink, RestoreSummary* summary,
                              RunObserver* observer) {
  if (options.selection.Active()) {
    return InvalidArgument(
        options.archive_dir +
        " is a pg_dump archive: hyperdump restores it whole (no -n, -N, -t, -I, -L, --section, "
        "-s or -a); for part of it use pg_restore, or dump with hyperdump");
  }
  if (options.roles) {
    return InvalidArgument(options.archive_dir +
                           " is a pg_dump archive, which holds no roles: drop --roles (create "
                           "them with pg_dumpall --roles-only and psql)");
  }
  const std::string bindir = options.pg_bindir.empty() ? PgBinDir() : options.pg_bindir;
  HD_ASSIGN_OR_RETURN(std::unique_ptr<PgDumpArchive> archive,
                      PgDumpArchive::Open(options.archive_dir, bindir));
  return RestoreFrom(options, *archive, archive->input(), archive->schema(), interrupt, sink,
                     summary, observer);
}

}  // namespace hyperdump::engine
