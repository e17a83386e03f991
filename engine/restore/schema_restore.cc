#include "engine/restore/schema_restore.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>

#include "engine/pg/local_files.h"
#include "engine/pg/pg.h"
#include "engine/pg/subprocess.h"
#include "engine/pg/toc_listing.h"

namespace hyperdump::engine {

const char* ItemPassName(ItemPass pass) {
  switch (pass) {
    case ItemPass::kPreData:
      return "pre-data";
    case ItemPass::kTable:
      return "table";
    case ItemPass::kForeignKey:
      return "foreign-key";
    case ItemPass::kRest:
      return "post-data";
    case ItemPass::kAcl:
      return "acl";
    case ItemPass::kPostAcl:
      return "post-acl";
    case ItemPass::kRefresh:
      return "refresh";
  }
  return "?";
}

namespace {

// Runs pg_restore with `args` (the archive path last) and returns what it
// printed, via the file `dir`/`name` (distinct names may run at once).
Result<std::string> PgRestore(const std::string& dir, const std::vector<std::string>& args,
                              const std::string& name = "pg_restore.out") {
  std::string out = dir + "/" + name;
  HD_RETURN_IF_ERROR(RunProgram(args, out, "pg_restore", nullptr));
  return ReadWholeFile(out);
}

}  // namespace

namespace {

// One lexical token of the SQL pg_dump prints: a bare word, a "quoted"
// identifier (unescaped), or one punctuation character.
struct Token {
  enum Type { kEnd, kWord, kQuoted, kPunct } type = kEnd;
  std::string text;
};

Token NextToken(const std::string& s, size_t& pos) {
  while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos]))) ++pos;
  if (pos >= s.size()) return {};
  Token t;
  bool quoted = false;
  if (ReadIdent(s, pos, &t.text, &quoted)) {
    t.type = quoted ? Token::kQuoted : Token::kWord;
    return t;
  }
  if (s[pos] == '"') return {};  // a quote never closed
  return {Token::kPunct, std::string(1, s[pos++])};
}

bool IsIdent(const Token& t) { return t.type == Token::kWord || t.type == Token::kQuoted; }
bool IsWord(const Token& t, const char* w) { return t.type == Token::kWord && t.text == w; }

// Lines of `text`, without their '\n', as views into it (a copy of each
// line was as large again as pg_restore's output: tens of megabytes at
// 10,000 chunks). As std::getline splits: no empty last line after a final '\n'.
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// pg_restore prints items in three passes (pg_backup_archiver.c,
// _tocEntryRestorePass): everything else in listing order, then the ACLs,
// then event triggers (with their comments) and materialized view data. The
// listing in the order its items are printed, so that both match one to one.
std::vector<TocLine> PrintOrder(std::vector<TocLine> toc) {
  auto pass = [](const TocLine& e) {
    const std::string& r = e.text;
    if (r.rfind("ACL ", 0) == 0 || r.rfind("ACL LANGUAGE ", 0) == 0 ||
        r.rfind("DEFAULT ACL ", 0) == 0)
      return 1;
    if (r.rfind("EVENT TRIGGER ", 0) == 0 || r.rfind("MATERIALIZED VIEW DATA ", 0) == 0 ||
        r.rfind("COMMENT - EVENT TRIGGER ", 0) == 0)
      return 2;
    return 0;
  };
  std::stable_sort(toc.begin(), toc.end(),
                   [&](const TocLine& a, const TocLine& b) { return pass(a) < pass(b); });
  return toc;
}

std::vector<std::string> ToolArgs(const std::string& pgdump_path, const SchemaOptions& o,
                                  std::initializer_list<const char*> extra) {
  std::vector<std::string> args = {o.pg_bindir + "/pg_restore"};
  if (o.no_owner) args.push_back("--no-owner");
  if (o.no_privileges) args.push_back("--no-privileges");
  if (o.no_tablespaces) args.push_back("--no-tablespaces");
  for (const char* e : extra) args.push_back(e);
  if (!o.use_list.empty()) args.push_back("--use-list=" + o.use_list);
  args.push_back(pgdump_path);
  return args;
}

// Lines pg_restore prints between items to change session state for the
// next item (they precede its header, so they end the previous item's text).
bool IsSessionSetting(std::string_view line) {
  return line.starts_with("SET default_tablespace = ") ||
         line.starts_with("SET default_table_access_method = ");
}

// "-- Name: ..." heads a schema item, "-- Data for Name: ..." a data item
// (the large objects of a pg_dump archive).
bool IsHeaderAt(const std::vector<std::string_view>& lines, size_t i) {
  return i >= 1 && i + 1 < lines.size() && lines[i - 1] == "--" && lines[i + 1] == "--" &&
         (lines[i].starts_with("-- Name: ") || lines[i].starts_with("-- Data for Name: "));
}

// "-- Name: x; Type: INDEX; Schema: public; Owner: postgres" -> "INDEX".
std::string DescOfHeader(std::string_view header) {
  size_t type = header.rfind("; Type: ");
  if (type == std::string_view::npos) return "";
  type += 8;
  size_t end = header.find("; Schema: ", type);
  if (end == std::string_view::npos) return "";
  return std::string(header.substr(type, end - type));
}

// pg_restore prints a pg_dump archive's large objects in a transaction of
// their own ("BEGIN;" ... "COMMIT;"); restore runs them in the job's, with
// its ledger row.
std::string WithoutTransactionLines(const std::string& body) {
  std::string out;
  for (std::string_view line : SplitLines(body)) {
    if (line == "BEGIN;" || line == "COMMIT;") continue;
    out.append(line).append("\n");
  }
  return out;
}

ItemPass Classify(const std::string& desc, bool post_data) {
  if (desc == "ACL" || desc == "DEFAULT ACL" || desc == "LARGE OBJECT ACL") return ItemPass::kAcl;
  if (desc == "MATERIALIZED VIEW DATA") return ItemPass::kRefresh;
  if (desc == "EVENT TRIGGER") return ItemPass::kPostAcl;
  if (!post_data) return ItemPass::kPreData;
  if (desc == "INDEX" || desc == "CONSTRAINT" || desc == "CHECK CONSTRAINT")
    return ItemPass::kTable;
  if (desc == "FK CONSTRAINT") return ItemPass::kForeignKey;
  return ItemPass::kRest;
}

}  // namespace

bool ParseQualifiedName(const std::string& sql, size_t& pos, std::string& schema,
                        std::string& name) {
  Token t = NextToken(sql, pos);
  if (IsWord(t, "ONLY")) t = NextToken(sql, pos);
  if (!IsIdent(t)) return false;
  Token dot = NextToken(sql, pos);
  Token second = NextToken(sql, pos);
  if (dot.type != Token::kPunct || dot.text != "." || !IsIdent(second)) return false;
  schema = t.text;
  name = second.text;
  return true;
}

bool PlaceItemBySql(const std::string& body, SchemaItem& item) {
  size_t pos = 0;
  std::string schema, name;
  if (item.desc() == "INDEX") {
    if (!IsWord(NextToken(body, pos), "CREATE")) return false;
    Token t = NextToken(body, pos);
    if (IsWord(t, "UNIQUE")) t = NextToken(body, pos);
    if (!IsWord(t, "INDEX") || !IsIdent(NextToken(body, pos)) ||
        !IsWord(NextToken(body, pos), "ON")) {
      return false;
    }
  } else {
    if (!IsWord(NextToken(body, pos), "ALTER") || !IsWord(NextToken(body, pos), "TABLE")) {
      return false;
    }
  }
  if (!ParseQualifiedName(body, pos, schema, name)) return false;
  item.table = schema + "." + name;
  if (item.desc() != "FK CONSTRAINT") return true;
  for (Token t = NextToken(body, pos); t.type != Token::kEnd; t = NextToken(body, pos)) {
    if (IsWord(t, "REFERENCES")) {
      if (!ParseQualifiedName(body, pos, schema, name)) return false;
      item.ref = schema + "." + name;
      return true;
    }
  }
  return false;
}

Result<std::shared_ptr<SqlText>> SqlText::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open " + path + ": " + std::strerror(errno));
  ::unlink(path.c_str());  // the descriptor keeps the bytes; nothing is left behind
  return std::shared_ptr<SqlText>(new SqlText(fd));
}

SqlText::~SqlText() { ::close(fd_); }

uint32_t SqlText::Intern(const std::string& prefix) {
  for (size_t i = 0; i < prefixes_.size(); ++i) {
    if (prefixes_[i] == prefix) return static_cast<uint32_t>(i);
  }
  prefixes_.push_back(prefix);
  return static_cast<uint32_t>(prefixes_.size() - 1);
}

Result<std::string> SqlText::Read(uint32_t prefix, uint64_t offset, uint64_t length) const {
  std::string out = prefixes_.at(prefix);
  const size_t head = out.size();
  out.resize(head + length);
  for (uint64_t done = 0; done < length;) {
    ssize_t n =
        ::pread(fd_, out.data() + head + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return IoError("cannot read the schema's SQL (pg_restore's output) at byte " +
                     std::to_string(offset + done) +
                     (n < 0 ? std::string(": ") + std::strerror(errno) : ": it ended early"));
    }
    done += static_cast<uint64_t>(n);
  }
  return out;
}

namespace {

// One line of pg_restore's output: where it starts in the file, its text
// without the '\n', and whether a '\n' ended it.
struct PrintedLine {
  uint64_t offset = 0;
  std::string text;
  bool newline = true;
};

bool IsHeaderText(std::string_view line) {
  return line.starts_with("-- Name: ") || line.starts_with("-- Data for Name: ");
}

// The ids of a pg_restore -l listing ("123; 1259 16390 TABLE ..."), and
// nothing else of it.
std::set<int> ListedIds(const std::string& listing) {
  std::set<int> ids;
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || !std::isdigit(static_cast<unsigned char>(line[0]))) continue;
    ids.insert(std::atoi(line.c_str()));
  }
  return ids;
}

// Cuts pg_restore's printed SQL into the items of its listing, a line at a
// time: only the lines of the item at hand are in memory; each item keeps
// where its text is in the file (SqlText), unless it is rewritten.
class ScriptSplitter {
 public:
  ScriptSplitter(std::vector<TocLine> toc, std::set<int> post_ids,
                 std::vector<ItemPlacement> placements, const SchemaOptions& options,
                 std::shared_ptr<SqlText> text, std::string pgdump_path)
      : toc_(std::move(toc)),
        post_ids_(std::move(post_ids)),
        placements_(std::move(placements)),
        options_(options),
        text_(std::move(text)),
        pgdump_path_(std::move(pgdump_path)) {
    script_.items.reserve(toc_.size());
  }

  // Reads every line of `in`; then the script, or why the output and the
  // listing do not match.
  Result<SchemaScript> Split(std::istream& in) {
    uint64_t offset = 0;
    for (std::string line; std::getline(in, line);) {
      PrintedLine printed{offset, std::move(line), !in.eof()};
      offset += printed.text.size() + (printed.newline ? 1 : 0);
      // A header: "--", "-- Name: ...", "--". What came before its first
      // "--" ends the previous item; its second "--" starts the next.
      if (printed.text == "--" && segment_.size() >= 2 && IsHeaderText(segment_.back().text) &&
          segment_[segment_.size() - 2].text == "--") {
        std::string header = std::move(segment_.back().text);
        Finish(segment_.size() - 2, /*last=*/false);
        segment_.clear();
        header_ = std::move(header);
        ++item_;
      }
      segment_.push_back(std::move(printed));
    }
    if (in.bad()) return IoError("cannot read pg_restore's output for " + pgdump_path_);
    Finish(segment_.size(), /*last=*/true);
    const size_t printed = static_cast<size_t>(item_ + 1);
    if (printed != toc_.size()) {
      return Mismatch(std::to_string(toc_.size()) + " items listed, " + std::to_string(printed) +
                      " printed");
    }
    if (!first_error_.empty()) return Mismatch(first_error_);
    return std::move(script_);
  }

 private:
  Status Mismatch(const std::string& why) const {
    return Corrupt("cannot match pg_restore's SQL output with its listing of " + pgdump_path_ +
                   ": " + why);
  }

  void ApplySetting(std::string_view line) {
    (line.starts_with("SET default_tablespace") ? tablespace_ : access_method_) = line;
  }

  // segment_[0, end) is the preamble (before any header) or item item_'s
  // lines, segment_[0] being the "--" after its header.
  void Finish(size_t end, bool last) {
    if (item_ < 0) {
      for (size_t i = 0; i < end; ++i) {
        const std::string& line = segment_[i].text;
        if (line.empty() || line.starts_with("--") || line[0] == '\\') continue;
        if (IsSessionSetting(line)) {
          ApplySetting(line);
          continue;
        }
        script_.preamble.append(line).append("\n");
      }
      return;
    }
    if (static_cast<size_t>(item_) >= toc_.size()) return;  // counted, reported by Split
    TocLine& entry = toc_[static_cast<size_t>(item_)];
    std::string desc = DescOfHeader(header_);
    if (desc.empty() || !entry.text.starts_with(desc + " ")) {
      if (first_error_.empty()) {
        first_error_ = "item " + std::to_string(entry.id) + " (" + entry.text + ") printed as '" +
                       header_ + "'";
      }
      return;
    }
    // Trailing blank lines, session settings for the next item, and the
    // end-of-dump trailer are not part of this item.
    const size_t begin = 1;
    std::vector<std::string> trailing_settings;
    while (end > begin) {
      const std::string& tail = segment_[end - 1].text;
      if (tail.empty() || tail[0] == '\\' || (last && tail.starts_with("--"))) {
        --end;
      } else if (IsSessionSetting(tail)) {
        trailing_settings.insert(trailing_settings.begin(), tail);
        --end;
      } else {
        break;
      }
    }
    size_t first = begin;
    while (first < end && segment_[first].text.empty()) ++first;
    auto body_text = [&] {
      std::string body;
      for (size_t i = first; i < end; ++i) body.append(segment_[i].text).append("\n");
      return body;
    };
    SchemaItem item;
    item.dump_id = entry.id;
    item.SetToc(desc, std::string_view(entry.text).substr(desc.size() + 1));
    std::string().swap(entry.text);
    item.pass = Classify(desc, post_ids_.count(entry.id) > 0);
    if (item.pass == ItemPass::kTable || item.pass == ItemPass::kForeignKey) {
      // The table (and a foreign key's referenced table) as the dump
      // resolved them in the source's catalog; an item the map does not
      // place runs with the rest.
      ItemPlacement* p = PlacementOf(entry.id);
      if (!p && options_.tables_from_sql) {
        if (!PlaceItemBySql(body_text(), item)) item.pass = ItemPass::kRest;
      } else if (!p || p->table.empty() || (item.pass == ItemPass::kForeignKey && p->ref.empty())) {
        item.pass = ItemPass::kRest;
      } else {
        item.table = std::move(p->table);
        item.ref = std::move(p->ref);
      }
    }
    std::string prefix;
    if (!tablespace_.empty()) prefix += tablespace_ + "\n";
    if (!access_method_.empty()) prefix += access_method_ + "\n";
    // pg_dump -n public (or the -n a dump adds for partitions in public)
    // creates the schema that every new database already has; pg_restore
    // prints a pg_dump archive's large objects in a transaction of their own
    // ("BEGIN;" ... "COMMIT;"), and restore runs them in the job's, with its
    // ledger row. Those are rewritten, in memory; so is a last line without
    // its '\n'.
    const bool public_schema =
        desc == "SCHEMA" && first < end && segment_[first].text == "CREATE SCHEMA public;";
    if (public_schema || desc == "BLOBS" || (first < end && !segment_[end - 1].newline)) {
      std::string body = body_text();
      if (public_schema) {
        body.replace(0, std::string("CREATE SCHEMA public").size(),
                     "CREATE SCHEMA IF NOT EXISTS public");
      }
      if (desc == "BLOBS") body = WithoutTransactionLines(body);
      item.SetSql(prefix + body);
    } else {
      item.text = text_;
      item.prefix = text_->Intern(prefix);
      if (first < end) {
        item.offset = segment_[first].offset;
        item.length = segment_[end - 1].offset + segment_[end - 1].text.size() + 1 - item.offset;
      }
    }
    script_.items.push_back(std::move(item));
    for (const std::string& setting : trailing_settings) ApplySetting(setting);
  }

  // The placement of dump id `id`; nullptr if the map has none.
  ItemPlacement* PlacementOf(int64_t id) {
    auto it =
        std::lower_bound(placements_.begin(), placements_.end(), id,
                         [](const ItemPlacement& p, int64_t want) { return p.toc_id < want; });
    return it != placements_.end() && it->toc_id == id ? &*it : nullptr;
  }

  std::vector<TocLine> toc_;
  std::set<int> post_ids_;
  // plan.json's post-data map, sorted by dump id; each is moved into its
  // item, which the splitter meets once.
  std::vector<ItemPlacement> placements_;
  const SchemaOptions& options_;
  std::shared_ptr<SqlText> text_;
  std::string pgdump_path_;
  SchemaScript script_;
  std::vector<PrintedLine> segment_;        // the lines since the last header
  std::string header_;                      // the current item's "-- Name: ..." line
  int64_t item_ = -1;                       // the current item's index; -1: the preamble
  std::string tablespace_, access_method_;  // current session settings, as printed
  std::string first_error_;                 // the first item printed as another
};

}  // namespace

Result<SchemaScript> LoadSchemaScript(const std::string& pgdump_path, const SchemaOptions& options,
                                      std::vector<ItemPlacement> placements) {
  HD_ASSIGN_OR_RETURN(TempDir dir, TempDir::Create("hyperdump-restore"));
  // Three independent pg_restore runs, at once: they are most of restore's
  // start-up time, before the first job can start.
  const std::string& d = dir.path();
  auto list_all = std::async(std::launch::async, [&] {
    return PgRestore(d, ToolArgs(pgdump_path, options, {"-l"}), "list.out");
  });
  auto list_post = std::async(std::launch::async, [&] {
    return PgRestore(d, ToolArgs(pgdump_path, options, {"-l", "--section=post-data"}), "post.out");
  });
  const std::string sql_path = d + "/sql.out";
  Status printed =
      RunProgram(ToolArgs(pgdump_path, options, {"-f", "-"}), sql_path, "pg_restore", nullptr);
  Result<std::string> listed = list_all.get();
  Result<std::string> post_listed = list_post.get();
  HD_RETURN_IF_ERROR(printed);
  std::vector<TocLine> toc;
  {
    HD_ASSIGN_OR_RETURN(std::string listing, std::move(listed));
    toc = PrintOrder(ParseTocListing(listing));
  }
  std::set<int> post_ids;
  {
    HD_ASSIGN_OR_RETURN(std::string post_listing, std::move(post_listed));
    post_ids = ListedIds(post_listing);
  }
  std::ifstream in(sql_path, std::ios::binary);
  if (!in) return IoError("cannot open " + sql_path + " (pg_restore's output)");
  HD_ASSIGN_OR_RETURN(std::shared_ptr<SqlText> text, SqlText::Open(sql_path));
  ScriptSplitter splitter(std::move(toc), std::move(post_ids), std::move(placements), options,
                          std::move(text), pgdump_path);
  return splitter.Split(in);
}

Result<std::string> LoadCleanScript(const std::string& pgdump_path, const SchemaOptions& options) {
  HD_ASSIGN_OR_RETURN(TempDir dir, TempDir::Create("hyperdump-restore"));
  HD_ASSIGN_OR_RETURN(
      std::string text,
      PgRestore(dir.path(), ToolArgs(pgdump_path, options, {"--clean", "--if-exists", "-f", "-"})));
  // pg_restore prints every DROP first, without per-item headers, then the
  // objects: the clean script is everything before the first header.
  const std::vector<std::string_view> lines = SplitLines(text);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (IsHeaderAt(lines, i)) break;
    std::string_view line = lines[i];
    if (line.empty() || line.starts_with("--") || line[0] == '\\') continue;
    out.append(line).append("\n");
  }
  return out;
}

UncheckedForeignKeys LeaveForeignKeysUnchecked(SchemaScript& script,
                                               const std::set<std::string>& lacking,
                                               const std::set<std::string>& partitioned) {
  UncheckedForeignKeys out;
  std::vector<SchemaItem> kept;
  kept.reserve(script.items.size());
  for (SchemaItem& item : script.items) {
    const std::string& table = item.table;
    const std::string& ref = item.ref;
    if (item.pass != ItemPass::kForeignKey || (!lacking.count(table) && !lacking.count(ref))) {
      kept.push_back(std::move(item));
      continue;
    }
    // pg_dump writes one statement, `ALTER TABLE ... ADD CONSTRAINT ...
    // FOREIGN KEY (...) REFERENCES ...[ NOT VALID];`, after comment lines.
    // (An unreadable SQL is kept as it is: running it reports the error.)
    Result<std::string> read = item.Sql();
    if (!read.ok()) {
      kept.push_back(std::move(item));
      continue;
    }
    std::string sql = std::move(read).value();
    const size_t end = sql.rfind(';');
    const std::string statement = sql.substr(0, end == std::string::npos ? 0 : end);
    const bool already =
        statement.size() >= 9 && statement.compare(statement.size() - 9, 9, "NOT VALID") == 0;
    if (end == std::string::npos || already) {
      kept.push_back(std::move(item));
      continue;
    }
    if (partitioned.count(table)) {
      const size_t start = sql.find("ALTER TABLE");
      out.not_added.push_back(item.Describe() + ": " +
                              sql.substr(start == std::string::npos ? 0 : start,
                                         end + 1 - (start == std::string::npos ? 0 : start)));
      continue;
    }
    sql.insert(end, " NOT VALID");
    item.SetSql(std::move(sql));
    ++out.not_valid;
    kept.push_back(std::move(item));
  }
  script.items = std::move(kept);
  return out;
}

}  // namespace hyperdump::engine
