// LiveArchive: an archive read while it is being written (`hyperdump
// migrate`). The writer reports each sealed file (WriterOptions::on_sealed →
// Seal); OpenFile waits until the file asked for is sealed, so a reader can
// start on a file the moment it is complete and checksummed, and the archive
// on disk is the only buffer between the two sides (nothing is queued in
// memory but the entries).
//
// A file that is never sealed would be waited for forever: Finish tells the
// readers that no more files will come (the writer committed, failed or was
// stopped), and every wait then ends, with NotFound or with the writer's
// error. Stop ends them too, for the reader's own interruptions.
//
// Threads: every method may be called from any thread. Entries are never
// removed or moved, so a DataFileReader may keep a reference to one.
#ifndef HYPERDUMP_FORMAT_LIVE_H_
#define HYPERDUMP_FORMAT_LIVE_H_

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "format/manifest.h"
#include "format/reader.h"
#include "format/source.h"

namespace hyperdump::format {

class LiveArchive final : public ArchiveSource {
 public:
  explicit LiveArchive(std::string dir) : dir_(std::move(dir)) {}
  LiveArchive(const LiveArchive&) = delete;
  LiveArchive& operator=(const LiveArchive&) = delete;

  // The writer sealed `entry` (a second seal of a name is ignored).
  void Seal(const FileEntry& entry);
  // No more files will be sealed: `why` is OK when the writer committed,
  // else its error, which waits for files never sealed then return.
  void Finish(Status why);
  // The reader gives up: every wait, now and later, returns `why`.
  void Stop(Status why);

  // Waits until `name` is sealed; then its entry (valid as long as this).
  // After Finish(OK), an unknown name is kNotFound; after Finish(error) or
  // Stop, that error.
  Result<const FileEntry*> Wait(const std::string& name) const;
  // True when `name` is sealed now (does not wait).
  bool IsSealed(const std::string& name) const;

  const std::string& dir() const override { return dir_; }
  // Waits for `name` (Wait), then opens it (DataFileReader verifies it).
  Result<std::unique_ptr<DataFileReader>> OpenFile(const std::string& name) const override;

 private:
  const std::string dir_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::map<std::string, FileEntry> sealed_;  // node-based: entries never move
  bool finished_ = false;
  Status finish_status_;  // when finished_
  Status stopped_;        // not OK once Stop was called
};

}  // namespace hyperdump::format

#endif  // HYPERDUMP_FORMAT_LIVE_H_
