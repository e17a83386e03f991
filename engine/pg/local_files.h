// Small local files the engine keeps to itself: a private scratch directory,
// whole small files read at once (TOC listings, roles), and files written
// for this user only (0600, never over an existing one).
#ifndef HYPERDUMP_ENGINE_PG_LOCAL_FILES_H_
#define HYPERDUMP_ENGINE_PG_LOCAL_FILES_H_

#include <string>
#include <utility>

#include "base/status.h"

namespace hyperdump::engine {

// A private (0700) temporary directory under $TMPDIR (else /tmp), removed
// with its contents on destruction. Move-only.
class TempDir {
 public:
  static Result<TempDir> Create(const std::string& prefix);
  TempDir(TempDir&& o) noexcept : path_(std::exchange(o.path_, {})) {}
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Reads a whole file (for small outputs: TOC listings, roles).
Result<std::string> ReadWholeFile(const std::string& path);
// Writes `bytes` to a new file `path` (O_EXCL, mode 0600).
Status WritePrivateFile(const std::string& path, const std::string& bytes);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PG_LOCAL_FILES_H_
