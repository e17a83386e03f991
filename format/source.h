// ArchiveSource: what restore reads an archive through. Two kinds exist: a
// complete archive (ArchiveReader, format/reader.h) and one still being
// written (LiveArchive, format/live.h, for `hyperdump migrate`), whose reads
// wait until the file asked for is sealed.
//
// Threads: implementations are safe to share; each DataFileReader they hand
// out is used by one thread and must not outlive its source.
#ifndef HYPERDUMP_FORMAT_SOURCE_H_
#define HYPERDUMP_FORMAT_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace hyperdump::format {

class DataFileReader;

class ArchiveSource {
 public:
  virtual ~ArchiveSource() = default;
  // The archive's directory (for messages and tools that read a file by path).
  virtual const std::string& dir() const = 0;
  // Opens a file of the archive for streaming, verified against its entry.
  virtual Result<std::unique_ptr<DataFileReader>> OpenFile(const std::string& name) const = 0;
  // Reads a whole file (typically a blob), verified against its entry.
  Result<std::string> ReadBlob(const std::string& name) const;
  // A hint: the calling thread will now open `names`, in this order, each
  // after the previous one is read (a batch of small tables). A source that
  // pays a fixed cost per open may prepare them together; opening anything
  // else is still correct. Default: nothing.
  virtual void WillOpen(const std::vector<std::string>& names) const { (void)names; }
};

}  // namespace hyperdump::format

#endif  // HYPERDUMP_FORMAT_SOURCE_H_
