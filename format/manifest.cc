#include "format/manifest.h"

#include <algorithm>
#include <functional>

#include "format/checksum.h"

namespace hyperdump::format {

using nlohmann::json;

const FileEntry* Manifest::Find(std::string_view name) const {
  auto it = std::lower_bound(files.begin(), files.end(), name,
                             [](const FileEntry& e, std::string_view n) { return e.name < n; });
  if (it != files.end() && it->name == name) return &*it;
  // Tolerate a hand-made manifest that is not sorted.
  for (const FileEntry& e : files) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

FileMeta::FileMeta(const json& object)
    : text_(object.is_object() ? object.dump() : std::string("{}")) {
  text_.shrink_to_fit();  // dump() grew it by doubling: a quarter of it unused on average
}

json FileMeta::Json() const {
  json j = json::parse(text_, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : json::object();
}

const json FileMeta::operator[](const std::string& key) const {
  json j = Json();
  auto it = j.find(key);
  return it == j.end() ? json() : std::move(*it);
}

void PrintTo(const FileMeta& meta, std::ostream* os) { *os << meta.text(); }

std::string_view FileKindName(FileKind kind) { return kind == FileKind::kBlob ? "blob" : "data"; }

namespace {

// Field readers that turn a malformed manifest into a Status naming the field.
class Fields {
 public:
  Fields(const json& obj, std::string path, const std::string& where)
      : obj_(obj), path_(std::move(path)), where_(where) {}

  Status Bad(const std::string& key, const std::string& want) const {
    return Corrupt(where_ + ": field " + path_ + key + " is missing or not " + want +
                   " (the manifest is damaged or was not written by hyperdump)");
  }
  Result<std::string> String(const std::string& key) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || !it->is_string()) return Bad(key, "a string");
    return it->get<std::string>();
  }
  Result<uint64_t> Unsigned(const std::string& key) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || !it->is_number_unsigned()) return Bad(key, "an unsigned integer");
    return it->get<uint64_t>();
  }
  Result<std::optional<uint64_t>> OptionalUnsigned(const std::string& key) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return std::optional<uint64_t>();
    if (!it->is_number_unsigned()) return Bad(key, "an unsigned integer");
    return std::optional<uint64_t>(it->get<uint64_t>());
  }
  Result<json> Object(const std::string& key) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return json::object();
    if (!it->is_object()) return Bad(key, "an object");
    return *it;
  }

 private:
  const json& obj_;
  std::string path_;
  const std::string& where_;
};

}  // namespace

json FileEntryToJson(const FileEntry& e) {
  json j = {
      {"name", e.name},
      {"kind", FileKindName(e.kind)},
      {"codec", CodecName(e.codec)},
      {"compressed_bytes", e.compressed_bytes},
      {"uncompressed_bytes", e.uncompressed_bytes},
      {"checksum", ChecksumToHex(e.checksum)},
      {"meta", e.meta.Json()},
  };
  if (e.kind == FileKind::kData) j["job"] = e.job;
  if (e.codec == Codec::kZstd) j["level"] = e.level;
  if (e.rows) j["rows"] = *e.rows;
  if (e.lines) j["lines"] = *e.lines;
  return j;
}

Result<FileEntry> FileEntryFromJson(const json& j, const std::string& label,
                                    const std::string& where) {
  std::string path = label + ".";
  if (!j.is_object()) return Corrupt(where + ": " + path + " is not an object");
  Fields f(j, path, where);
  FileEntry e;
  HD_ASSIGN_OR_RETURN(e.name, f.String("name"));
  Status name_ok = ValidateFileName(e.name);
  if (!name_ok.ok()) return Corrupt(where + ": " + path + "name: " + name_ok.message());
  HD_ASSIGN_OR_RETURN(std::string kind, f.String("kind"));
  if (kind == "data") {
    e.kind = FileKind::kData;
  } else if (kind == "blob") {
    e.kind = FileKind::kBlob;
  } else {
    return Corrupt(where + ": " + path + "kind '" + kind + "' is unknown (known: data, blob)");
  }
  HD_ASSIGN_OR_RETURN(std::string codec, f.String("codec"));
  Result<Codec> c = ParseCodec(codec);
  if (!c.ok()) return Corrupt(where + ": " + path + "codec: " + c.status().message());
  e.codec = *c;
  if (e.kind == FileKind::kData) {
    HD_ASSIGN_OR_RETURN(e.job, f.String("job"));
  }
  if (auto it = j.find("level"); it != j.end() && it->is_number_integer()) {
    e.level = it->get<int>();
  }
  HD_ASSIGN_OR_RETURN(e.compressed_bytes, f.Unsigned("compressed_bytes"));
  HD_ASSIGN_OR_RETURN(e.uncompressed_bytes, f.Unsigned("uncompressed_bytes"));
  HD_ASSIGN_OR_RETURN(e.rows, f.OptionalUnsigned("rows"));
  HD_ASSIGN_OR_RETURN(e.lines, f.OptionalUnsigned("lines"));
  HD_ASSIGN_OR_RETURN(std::string sum, f.String("checksum"));
  std::optional<uint64_t> v = ChecksumFromHex(sum);
  if (!v) return f.Bad("checksum", "16 lowercase hex digits");
  e.checksum = *v;
  HD_ASSIGN_OR_RETURN(json meta, f.Object("meta"));
  e.meta = FileMeta(meta);
  if (e.codec == Codec::kNone && e.compressed_bytes != e.uncompressed_bytes) {
    return Corrupt(where + ": " + path + " codec none but compressed_bytes != uncompressed_bytes");
  }
  return e;
}

json ManifestToJson(const Manifest& m) {
  json files = json::array();
  for (const FileEntry& e : m.files) files.push_back(FileEntryToJson(e));
  return json{
      {"format", kFormatMagic},
      {"version", {{"major", m.major}, {"minor", m.minor}}},
      {"created_at", m.created_at},
      {"tool", {{"name", "hyperdump"}, {"version", m.tool_version}}},
      {"checksum_algorithm", kChecksumAlgorithm},
      {"source", m.source.is_null() ? json::object() : m.source},
      {"files", std::move(files)},
  };
}

std::string ManifestSelfChecksum(const json& manifest) {
  json copy = manifest;
  copy.erase("manifest_checksum");
  return ChecksumToHex(ChecksumOf(copy.dump(2)));
}

void ResealManifest(json& manifest) {
  manifest["manifest_checksum"] = ManifestSelfChecksum(manifest);
}

std::string SerializeManifest(const Manifest& m) {
  json j = ManifestToJson(m);
  ResealManifest(j);
  return j.dump(2) + "\n";
}

// JSON strings hold no raw newline, so every '\n' is a line break of the
// layout.
std::string IndentEntry(const std::string& text) {
  std::string out = "    ";
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
  return out;
}

// (An empty array prints as `[]` at the top level.)
ManifestHalves SplitAtFiles(const std::string& text) {
  static const std::string kMarker = "\n  \"files\": []";
  size_t at = text.find(kMarker);
  size_t open = at + kMarker.size() - 1;  // the '['s successor: the ']'
  return {text.substr(0, open), text.substr(open)};
}

namespace {

// A manifest read a file entry at a time (ParseManifest): each entry of
// "files" is converted and hashed as the parser finishes it, then dropped,
// so the JSON tree never holds the entries (at 100,000 files the whole tree
// was several times the manifest's text). The self-checksum is streamed in
// the order SerializeManifest writes: the top-level keys before "files",
// the entries, the keys after. That needs the keys in that order in the
// text, as hyperdump writes them; `streamed` is false otherwise, and the
// manifest is then read whole (ParseManifest's second path).
struct StreamedManifest {
  json rest;  // the tree without the file entries
  std::vector<FileEntry> files;
  Status entry_error;  // the first entry that did not convert
  bool streamed = true;
  bool hashed_head = false;
  size_t entries = 0;  // in "files", converted or not
  Checksum self;       // of the text before "files" and the entries, so far
};

StreamedManifest ParseStreamed(std::string_view text, const std::string& where) {
  StreamedManifest out;
  std::string key;                // the top-level key being read
  std::vector<std::string> keys;  // the top-level keys, in text order
  json before = json::object();   // values of the keys before "files"
  size_t& entries = out.entries;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
    if (depth == 1 && event == json::parse_event_t::key) {
      key = parsed.get<std::string>();
      keys.push_back(key);
      return true;
    }
    const bool top_value_done = depth == 1 && (event == json::parse_event_t::value ||
                                               event == json::parse_event_t::object_end ||
                                               event == json::parse_event_t::array_end);
    if (top_value_done && key < "files") before[key] = parsed;
    if (depth != 2 || event != json::parse_event_t::object_end || key != "files") return true;
    if (!out.streamed) return true;
    if (!out.hashed_head) {
      // Keys after "files" seen already, or "manifest_checksum" among the
      // ones before: not the order streaming needs.
      for (const std::string& k : keys) {
        if (k > "files" || (k < "files" && !before.contains(k))) out.streamed = false;
      }
      if (!out.streamed) return true;
      json head = before;
      head["files"] = json::array();
      out.self.Update(SplitAtFiles(head.dump(2)).head);
      out.hashed_head = true;
    }
    out.self.Update(entries == 0 ? "\n" : ",\n");
    out.self.Update(IndentEntry(parsed.dump(2)));
    Result<FileEntry> e =
        FileEntryFromJson(parsed, "files[" + std::to_string(entries) + "]", where);
    ++entries;
    if (e.ok()) {
      out.files.push_back(std::move(e).value());
    } else if (out.entry_error.ok()) {
      out.entry_error = e.status();
    }
    return false;  // dropped from the tree
  };
  out.rest = json::parse(text, callback, /*allow_exceptions=*/false);
  if (out.rest.is_discarded() || !out.rest.is_object()) return out;  // ParseManifest says why
  // Every key before "files" must be one hashed in the head; the entries
  // must all have been objects (they are all dropped then).
  if (out.hashed_head) {
    for (const auto& [k, v] : out.rest.items()) {
      if (k < "files" && k != "manifest_checksum" && !before.contains(k)) out.streamed = false;
    }
  }
  auto files = out.rest.find("files");
  if (files == out.rest.end() || !files->is_array() || !files->empty()) out.streamed = false;
  if (!out.hashed_head && entries > 0) out.streamed = false;
  return out;
}

// How a reader has the file entries and the self-checksum (ReadTree).
struct EntrySource {
  // The digest of the tree, manifest_checksum taken out, as SerializeManifest
  // would print it.
  std::function<std::string(const json&)> digest;
  // The entries, converted.
  std::function<Result<std::vector<FileEntry>>(json&)> files;
};

// Everything both readers share: the checks of the top-level keys and the
// self-checksum, in the order that names the most useful error first.
Result<Manifest> ReadTree(json& j, const std::string& where, const EntrySource& source) {
  if (j.is_discarded()) {
    return Corrupt(where + " is truncated or is not valid JSON; the archive cannot be read " +
                   "(restore from another copy or re-run the dump)");
  }
  if (!j.is_object() || !j.contains("format") || j["format"] != kFormatMagic) {
    return Corrupt(where + " is not a hyperdump archive manifest (its \"format\" is not \"" +
                   std::string(kFormatMagic) + "\")");
  }
  Fields top(j, "", where);
  Manifest m;
  auto version = j.find("version");
  if (version == j.end() || !version->is_object()) return top.Bad("version", "an object");
  Fields vf(*version, "version.", where);
  HD_ASSIGN_OR_RETURN(uint64_t major, vf.Unsigned("major"));
  HD_ASSIGN_OR_RETURN(uint64_t minor, vf.Unsigned("minor"));
  if (major != static_cast<uint64_t>(kFormatMajor)) {
    return Status(StatusCode::kUnsupportedVersion,
                  where + " has archive format version " + std::to_string(major) + "." +
                      std::to_string(minor) + "; this hyperdump reads major version " +
                      std::to_string(kFormatMajor) +
                      " only (use the hyperdump version that wrote the archive, or a newer one)");
  }
  m.major = static_cast<int>(major);
  m.minor = static_cast<int>(std::min<uint64_t>(minor, 1u << 30));
  // The manifest's own checksum (1.2): over its content, as parsed.
  // (Taken out of the tree rather than hashing a copy without it: at
  // 100,000 files the copy was as large as the tree.)
  auto self = j.find("manifest_checksum");
  if (self != j.end()) {
    const json claimed = std::move(*self);
    j.erase("manifest_checksum");
    if (!claimed.is_string() || claimed.get<std::string>() != source.digest(j)) {
      return Corrupt(where +
                     " does not match its own checksum (manifest_checksum): it was damaged or "
                     "edited after the dump, and nothing it says can be trusted; restore from "
                     "another copy of the archive or re-run the dump");
    }
  } else if (m.minor >= 2) {
    return Corrupt(where + " has no manifest_checksum, which version 1." + std::to_string(m.minor) +
                   " manifests always carry: it was damaged or edited after the dump; restore "
                   "from another copy of the archive or re-run the dump");
  }
  HD_ASSIGN_OR_RETURN(m.created_at, top.String("created_at"));
  auto tool = j.find("tool");
  if (tool == j.end() || !tool->is_object()) return top.Bad("tool", "an object");
  HD_ASSIGN_OR_RETURN(m.tool_version, Fields(*tool, "tool.", where).String("version"));
  HD_ASSIGN_OR_RETURN(std::string algorithm, top.String("checksum_algorithm"));
  if (algorithm != kChecksumAlgorithm) {
    return Corrupt(where + ": checksum_algorithm '" + algorithm + "' is unknown (expected " +
                   kChecksumAlgorithm + ")");
  }
  HD_ASSIGN_OR_RETURN(m.source, top.Object("source"));
  auto files = j.find("files");
  if (files == j.end() || !files->is_array()) return top.Bad("files", "an array");
  HD_ASSIGN_OR_RETURN(m.files, source.files(*files));
  std::sort(m.files.begin(), m.files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.name < b.name; });
  for (size_t i = 1; i < m.files.size(); ++i) {
    if (m.files[i].name == m.files[i - 1].name) {
      return Corrupt(where + ": file " + m.files[i].name + " is listed twice");
    }
  }
  return m;
}

}  // namespace

Result<Manifest> ParseManifest(std::string_view text, const std::string& where) {
  StreamedManifest s = ParseStreamed(text, where);
  if (s.streamed) {
    const EntrySource streamed{[&](const json& rest) {
                                 if (!s.hashed_head)
                                   return ChecksumToHex(ChecksumOf(rest.dump(2)));  // no entries
                                 const ManifestHalves halves = SplitAtFiles(rest.dump(2));
                                 s.self.Update(s.entries > 0 ? "\n  " + halves.tail : halves.tail);
                                 return ChecksumToHex(s.self.Digest());
                               },
                               [&](json&) -> Result<std::vector<FileEntry>> {
                                 if (!s.entry_error.ok()) return s.entry_error;
                                 s.files.shrink_to_fit();  // grown by doubling
                                 return std::move(s.files);
                               }};
    return ReadTree(s.rest, where, streamed);
  }
  // Keys not in the order hyperdump writes them (a manifest edited by hand,
  // say): read whole.
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  const EntrySource whole{
      [](const json& tree) { return ChecksumToHex(ChecksumOf(tree.dump(2))); },
      [&](json& files) -> Result<std::vector<FileEntry>> {
        std::vector<FileEntry> out;
        out.reserve(files.size());
        for (size_t i = 0; i < files.size(); ++i) {
          HD_ASSIGN_OR_RETURN(
              FileEntry e, FileEntryFromJson(files[i], "files[" + std::to_string(i) + "]", where));
          files[i] = nullptr;  // freed as converted: the tree and the entries never both whole
          out.push_back(std::move(e));
        }
        return out;
      }};
  return ReadTree(j, where, whole);
}

Status ValidateFileName(std::string_view name) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("archive file name '" + std::string(name) + "' " + why);
  };
  if (name.empty()) return bad("is empty");
  if (name.front() == '/') return bad("must be relative");
  if (name.back() == '/') return bad("must not end with '/'");
  if (name == kManifestName) return bad("is reserved for the manifest");
  if (name.size() >= 4 && name.substr(name.size() - 4) == kTempSuffix) {
    return bad("must not end with .tmp (reserved for files being written)");
  }
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return bad("has an empty, '.' or '..' component");
    }
    start = end + 1;
  }
  if (name.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  return Status::Ok();
}

}  // namespace hyperdump::format
