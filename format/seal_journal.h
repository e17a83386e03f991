// The seal journal, local/sealed.jsonl: the entries of the files a writer has
// sealed so far, one JSON line each, for an archive that may never get its
// manifest. `hyperdump migrate` keeps it so that, when its dump side dies
// before the manifest, `migrate --resume --partial` can restore what the dump
// had completed (the snapshot is gone, so nothing else can be added to it).
// It is a note beside the archive (docs/format.md section 1, `local/`), not
// archive content: a complete archive is read through its manifest only.
#ifndef HYPERDUMP_FORMAT_SEAL_JOURNAL_H_
#define HYPERDUMP_FORMAT_SEAL_JOURNAL_H_

#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "format/manifest.h"

namespace hyperdump::format {

inline constexpr const char* kSealJournalName = "sealed.jsonl";  // in kLocalDir

// DIR/local/sealed.jsonl.
std::string SealJournalPath(const std::string& dir);

// Appends entries to DIR/local/sealed.jsonl. The file (and local/, mode 0700)
// is created by the first Append, with a header line naming the archive's
// created_at, so that a writer that refuses a non-empty directory has already
// made DIR by then. Each line goes out in one write(2) on an O_APPEND file
// and is not fsynced: the files it names are not fsynced either before the
// manifest, and a reader of the journal verifies every file against its
// entry before using it. Owns its file descriptor. Thread-safe.
class SealJournal {
 public:
  SealJournal(std::string dir, std::string created_at)
      : dir_(std::move(dir)), created_at_(std::move(created_at)) {}
  SealJournal(const SealJournal&) = delete;
  SealJournal& operator=(const SealJournal&) = delete;
  ~SealJournal();

  [[nodiscard]] Status Append(const FileEntry& entry);

 private:
  const std::string dir_;
  const std::string created_at_;
  std::mutex mu_;
  int fd_ = -1;  // guarded by mu_
};

// What a journal says: the archive's created_at and every entry, in the
// order sealed.
struct SealedFiles {
  std::string created_at;
  std::vector<FileEntry> files;
};

// Reads DIR/local/sealed.jsonl. kNotFound when there is none. A last line cut
// short (a process killed mid-write) is ignored; any other malformed line is
// kCorrupt, naming the line.
Result<SealedFiles> ReadSealJournal(const std::string& dir);

}  // namespace hyperdump::format

#endif  // HYPERDUMP_FORMAT_SEAL_JOURNAL_H_
