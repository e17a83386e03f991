#include "engine/restore/schema_restore.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
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
  if (item.desc == "INDEX") {
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
  item.table_schema = schema;
  item.table_name = name;
  if (item.desc != "FK CONSTRAINT") return true;
  for (Token t = NextToken(body, pos); t.type != Token::kEnd; t = NextToken(body, pos)) {
    if (IsWord(t, "REFERENCES")) {
      if (!ParseQualifiedName(body, pos, schema, name)) return false;
      item.ref_schema = schema;
      item.ref_name = name;
      return true;
    }
  }
  return false;
}

Result<SchemaScript> LoadSchemaScript(const std::string& pgdump_path, const SchemaOptions& options,
                                      const std::vector<PostDataItem>& post_data) {
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
  Result<std::string> sql = PgRestore(d, ToolArgs(pgdump_path, options, {"-f", "-"}), "sql.out");
  Result<std::string> listed = list_all.get();
  Result<std::string> post_listed = list_post.get();
  HD_ASSIGN_OR_RETURN(std::string listing, std::move(listed));
  HD_ASSIGN_OR_RETURN(std::string post_listing, std::move(post_listed));
  HD_ASSIGN_OR_RETURN(std::string text, std::move(sql));
  std::vector<TocLine> toc = PrintOrder(ParseTocListing(listing));
  std::set<int> post_ids;
  for (const TocLine& e : ParseTocListing(post_listing)) post_ids.insert(e.id);
  std::map<int64_t, const PostDataItem*> placed;  // plan.json's post-data map by dump id
  for (const PostDataItem& p : post_data) placed[p.toc_id] = &p;

  const std::vector<std::string_view> lines = SplitLines(text);
  std::vector<size_t> headers;  // index of each "-- Name:" line
  for (size_t i = 0; i < lines.size(); ++i) {
    if (IsHeaderAt(lines, i)) headers.push_back(i);
  }
  auto mismatch = [&](const std::string& why) {
    return Corrupt("cannot match pg_restore's SQL output with its listing of " + pgdump_path +
                   ": " + why);
  };
  if (headers.size() != toc.size()) {
    return mismatch(std::to_string(toc.size()) + " items listed, " +
                    std::to_string(headers.size()) + " printed");
  }

  SchemaScript script;
  size_t preamble_end = headers.empty() ? lines.size() : headers[0] - 1;
  std::string tablespace, access_method;  // current session settings, as printed
  auto apply_setting = [&](std::string_view line) {
    if (line.starts_with("SET default_tablespace")) {
      tablespace = line;
    } else {
      access_method = line;
    }
  };
  for (size_t i = 0; i < preamble_end; ++i) {
    std::string_view line = lines[i];
    if (line.empty() || line.starts_with("--") || line[0] == '\\') continue;
    if (IsSessionSetting(line)) {
      apply_setting(line);
      continue;
    }
    script.preamble.append(line).append("\n");
  }
  for (size_t k = 0; k < headers.size(); ++k) {
    const TocLine& entry = toc[k];
    std::string desc = DescOfHeader(lines[headers[k]]);
    if (desc.empty() || !entry.text.starts_with(desc + " ")) {
      return mismatch("item " + std::to_string(entry.id) + " (" + entry.text + ") printed as '" +
                      std::string(lines[headers[k]]) + "'");
    }
    size_t begin = headers[k] + 2;
    size_t end = k + 1 < headers.size() ? headers[k + 1] - 1 : lines.size();
    // Trailing blank lines, session settings for the next item, and the
    // end-of-dump trailer are not part of this item.
    std::vector<std::string_view> trailing_settings;
    while (end > begin) {
      std::string_view last = lines[end - 1];
      if (last.empty() || last[0] == '\\' || (k + 1 == headers.size() && last.starts_with("--"))) {
        --end;
      } else if (IsSessionSetting(last)) {
        trailing_settings.insert(trailing_settings.begin(), last);
        --end;
      } else {
        break;
      }
    }
    std::string body;
    for (size_t i = begin; i < end; ++i) {
      if (body.empty() && lines[i].empty()) continue;
      body.append(lines[i]).append("\n");
    }
    // pg_dump -n public (or the -n a dump adds for partitions in public)
    // creates the schema that every new database already has.
    if (desc == "SCHEMA" && body.starts_with("CREATE SCHEMA public;")) {
      body.replace(0, std::string("CREATE SCHEMA public").size(),
                   "CREATE SCHEMA IF NOT EXISTS public");
    }
    if (desc == "BLOBS") body = WithoutTransactionLines(body);
    SchemaItem item;
    item.dump_id = entry.id;
    item.desc = desc;
    item.toc_line = entry.text.substr(desc.size() + 1);
    item.pass = Classify(desc, post_ids.count(entry.id) > 0);
    if (item.pass == ItemPass::kTable || item.pass == ItemPass::kForeignKey) {
      // The table (and a foreign key's referenced table) as the dump
      // resolved them in the source's catalog; an item the map does not
      // place runs with the rest.
      auto it = placed.find(entry.id);
      const PostDataItem* p = it == placed.end() ? nullptr : it->second;
      if (!p && options.tables_from_sql) {
        if (!PlaceItemBySql(body, item)) item.pass = ItemPass::kRest;
      } else if (!p || !p->table || (item.pass == ItemPass::kForeignKey && !p->references)) {
        item.pass = ItemPass::kRest;
      } else {
        item.table_schema = p->table->schema;
        item.table_name = p->table->name;
        if (p->references) {
          item.ref_schema = p->references->schema;
          item.ref_name = p->references->name;
        }
      }
    }
    if (!tablespace.empty()) item.sql += tablespace + "\n";
    if (!access_method.empty()) item.sql += access_method + "\n";
    item.sql += body;
    script.items.push_back(std::move(item));
    for (std::string_view s : trailing_settings) apply_setting(s);
  }
  return script;
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
    const std::string table = item.table_schema + "." + item.table_name;
    const std::string ref = item.ref_schema + "." + item.ref_name;
    if (item.pass != ItemPass::kForeignKey || (!lacking.count(table) && !lacking.count(ref))) {
      kept.push_back(std::move(item));
      continue;
    }
    // pg_dump writes one statement, `ALTER TABLE ... ADD CONSTRAINT ...
    // FOREIGN KEY (...) REFERENCES ...[ NOT VALID];`, after comment lines.
    const size_t end = item.sql.rfind(';');
    const std::string statement = item.sql.substr(0, end == std::string::npos ? 0 : end);
    const bool already =
        statement.size() >= 9 && statement.compare(statement.size() - 9, 9, "NOT VALID") == 0;
    if (end == std::string::npos || already) {
      kept.push_back(std::move(item));
      continue;
    }
    if (partitioned.count(table)) {
      const size_t start = item.sql.find("ALTER TABLE");
      out.not_added.push_back(item.Describe() + ": " +
                              item.sql.substr(start == std::string::npos ? 0 : start,
                                              end + 1 - (start == std::string::npos ? 0 : start)));
      continue;
    }
    item.sql.insert(end, " NOT VALID");
    ++out.not_valid;
    kept.push_back(std::move(item));
  }
  script.items = std::move(kept);
  return out;
}

}  // namespace hyperdump::engine
