// The manifest: manifest.json at the archive's root, written last. It is the
// contract between dump and restore and between versions of hyperdump; its
// fields are specified in docs/format.md. Plain value types, no I/O.
#ifndef HYPERDUMP_FORMAT_MANIFEST_H_
#define HYPERDUMP_FORMAT_MANIFEST_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "format/codec.h"

namespace hyperdump::format {

inline constexpr const char* kManifestName = "manifest.json";
inline constexpr const char* kFormatMagic = "hyperdump-archive";
inline constexpr int kFormatMajor = 1;  // readers refuse any other major
// Readers accept any minor, ignoring unknown keys. 1.1: large objects;
// 1.2: the manifest's own checksum (manifest_checksum).
inline constexpr int kFormatMinor = 2;
// Suffix of files being written; never listed in a manifest.
inline constexpr const char* kTempSuffix = ".tmp";
// A subdirectory for what a tool notes beside the archive about its use of it
// (e.g. which target a migration finished): not part of the archive, never
// listed in the manifest, never read by a restore, not reported by verify.
inline constexpr const char* kLocalDir = "local";

enum class FileKind { kData, kBlob };

// A file's opaque engine data (a JSON object), held as its compact text and
// parsed on use. A JSON tree costs about 1.2 KB per file for the few keys an
// engine stores, its text about 200 bytes: at 100,000 files the difference
// was most of a restore's manifest (issue 18). Reads parse the text each
// time, so a caller that reads several keys takes Json() once.
class FileMeta {
 public:
  FileMeta() = default;                              // {}
  FileMeta(const nlohmann::json& object);            // NOLINT(google-explicit-constructor): a value
  FileMeta(nlohmann::json::initializer_list_t init)  // NOLINT(google-explicit-constructor)
      : FileMeta(nlohmann::json(init)) {}

  nlohmann::json Json() const;  // an object
  const std::string& text() const { return text_; }

  bool contains(const std::string& key) const { return Json().contains(key); }
  // The value at `key`, null when absent.
  const nlohmann::json operator[](const std::string& key) const;
  nlohmann::json at(const std::string& key) const { return Json().at(key); }
  template <typename T>
  T value(const std::string& key, const T& fallback) const {
    return Json().value(key, fallback);
  }
  std::string value(const std::string& key, const char* fallback) const {
    return Json().value(key, std::string(fallback));
  }

  friend bool operator==(const FileMeta& a, const FileMeta& b) { return a.Json() == b.Json(); }

 private:
  std::string text_ = "{}";
};
void PrintTo(const FileMeta& meta, std::ostream* os);  // for test failures

// One stored file. Data files belong to a job and record rows; blobs are
// opaque engine files (its schema file) and have no rows.
struct FileEntry {
  std::string name;  // relative path, '/'-separated
  FileKind kind = FileKind::kData;
  std::string job;  // empty for blobs
  Codec codec = Codec::kZstd;
  int level = 0;                    // zstd level used; 0 for none
  uint64_t compressed_bytes = 0;    // size on disk
  uint64_t uncompressed_bytes = 0;  // size after decoding
  std::optional<uint64_t> rows;     // data files: rows the engine reported
  std::optional<uint64_t> lines;    // '\n' count of the decoded stream, when counted
  uint64_t checksum = 0;            // XXH64 of the bytes on disk
  FileMeta meta;                    // opaque engine data
};

struct Manifest {
  int major = kFormatMajor;
  int minor = kFormatMinor;
  std::string created_at;                            // UTC, RFC 3339: 2026-11-25T11:38:25Z
  std::string tool_version;                          // hyperdump version that wrote the archive
  nlohmann::json source = nlohmann::json::object();  // opaque engine facts
  std::vector<FileEntry> files;                      // sorted by name

  const FileEntry* Find(std::string_view name) const;
};

std::string_view FileKindName(FileKind kind);

nlohmann::json ManifestToJson(const Manifest& manifest);

// One file entry as the manifest stores it (docs/format.md section 3), and
// back. `label` names the entry in errors ("files[3]"), `where` its file;
// a malformed entry is kCorrupt.
nlohmann::json FileEntryToJson(const FileEntry& entry);
Result<FileEntry> FileEntryFromJson(const nlohmann::json& j, const std::string& label,
                                    const std::string& where);
// Serialized form: pretty-printed JSON and a final newline.
std::string SerializeManifest(const Manifest& manifest);

// The serialized form's layout, for writing and reading it a file entry at a
// time (format/manifest_entries.h, ParseManifest):
// `text` (a JSON value as dump(2) prints it) re-indented as an element of
// the manifest's "files" array, 4 spaces deep.
std::string IndentEntry(const std::string& text);
// The two halves of a manifest's dump(2) text whose "files" is empty around
// the place of its entries: everything up to and including `"files": [`,
// and everything from the `]` that closes it.
struct ManifestHalves {
  std::string head, tail;
};
ManifestHalves SplitAtFiles(const std::string& text);

// Parses manifest text. `where` names the file in errors. Wrong magic and
// malformed fields are kCorrupt; another major version is kUnsupportedVersion.
// Keys this version does not know are ignored (newer minor versions add them).
// From version 1.2 the manifest carries its own checksum: a manifest whose
// content does not match it, or that lacks it, is kCorrupt (a byte flipped in
// a size, a row count or a fact would otherwise go unnoticed).
Result<Manifest> ParseManifest(std::string_view text, const std::string& where);

// The manifest's own checksum: XXH64 (hex) of `manifest` serialized as
// SerializeManifest does, without its "manifest_checksum" key. Reseal sets
// that key; tools and tests that edit a manifest on purpose call it.
std::string ManifestSelfChecksum(const nlohmann::json& manifest);
void ResealManifest(nlohmann::json& manifest);

// Checks that `name` may be stored in an archive: relative, '/'-separated,
// no empty, "." or ".." component, not the manifest, not a temporary name.
Status ValidateFileName(std::string_view name);

}  // namespace hyperdump::format

#endif  // HYPERDUMP_FORMAT_MANIFEST_H_
