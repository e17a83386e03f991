// The finished files of an archive being written, kept for manifest.json
// without holding them in memory.
//
// Each entry is serialized as the manifest stores it when it is added, and
// appended to an unlinked temporary file in the archive's directory; memory
// keeps only its name and place. At 100,000 chunks the entries held as
// FileEntry values (their meta as JSON trees) were the largest part of a
// dump's memory, and building the manifest's JSON tree from them at Commit
// held them four times over (issue 18: peak RSS under 256 MiB).
//
// WriteManifest produces exactly SerializeManifest's text for the same
// manifest, its own checksum included, streaming the entries back sorted by
// name. A crash leaves nothing behind: the file has no name.
//
// Threads: one at a time (ArchiveWriter calls it under its mutex). Move-only
// owner of its file descriptor.
#ifndef HYPERDUMP_FORMAT_MANIFEST_ENTRIES_H_
#define HYPERDUMP_FORMAT_MANIFEST_ENTRIES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "format/manifest.h"
#include "format/sink.h"

namespace hyperdump::format {

class ManifestEntries {
 public:
  // Opens the temporary file in `dir` (which must exist and be writable).
  static Result<ManifestEntries> Create(const std::string& dir);
  ManifestEntries(ManifestEntries&& other) noexcept;
  ManifestEntries& operator=(ManifestEntries&& other) noexcept;
  ManifestEntries(const ManifestEntries&) = delete;
  ManifestEntries& operator=(const ManifestEntries&) = delete;
  ~ManifestEntries();

  // Serializes and stores `entry`. A failed write (a full disk) is returned.
  Status Add(const FileEntry& entry);
  size_t size() const { return slots_.size(); }
  void ForEachName(const std::function<void(const std::string&)>& f) const;

  // Writes the manifest of `header` (its `files` are ignored) and every
  // added entry, sorted by name, to `sink`, in large writes.
  Status WriteManifest(const Manifest& header, ByteSink& sink);

 private:
  ManifestEntries(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  struct Slot {
    std::string name;
    uint64_t offset = 0;
    uint64_t size = 0;
  };
  int fd_ = -1;
  std::string path_;  // for error messages (the file itself is unlinked)
  uint64_t end_ = 0;
  std::vector<Slot> slots_;
};

}  // namespace hyperdump::format

#endif  // HYPERDUMP_FORMAT_MANIFEST_ENTRIES_H_
