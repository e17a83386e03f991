// Whole-archive checks (`hyperdump verify`) and listing (`hyperdump list`).
#ifndef HYPERDUMP_FORMAT_VERIFY_H_
#define HYPERDUMP_FORMAT_VERIFY_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "format/manifest.h"

namespace hyperdump::format {

struct FileProblem {
  std::string name;    // relative to the archive
  std::string reason;  // one line, for people
};

struct VerifyReport {
  std::string dir;
  uint64_t files_checked = 0;         // files listed in the manifest
  uint64_t stored_bytes = 0;          // bytes read from disk
  uint64_t uncompressed_bytes = 0;    // bytes decoded
  std::vector<FileProblem> problems;  // sorted by name; empty when all is well
  bool ok() const { return problems.empty(); }
};

// Checks every file listed in the manifest (present, size, checksum, full
// decoding, decoded size, line count where recorded) and reports files on
// disk that the manifest does not list. A Status only when the archive cannot
// be checked at all (no manifest, unreadable manifest, unknown major version).
Result<VerifyReport> VerifyArchive(const std::string& dir);

// A readable table of the archive's files with totals (`hyperdump list`).
std::string FormatListing(const std::string& dir, const Manifest& manifest);
// The same facts for tools (`hyperdump list --json`).
nlohmann::json ListingJson(const std::string& dir, const Manifest& manifest);

}  // namespace hyperdump::format

#endif  // HYPERDUMP_FORMAT_VERIFY_H_
