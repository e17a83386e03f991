// Reading an archive. ArchiveReader::Open refuses anything that is not a
// complete archive this version understands; DataFileReader streams one file
// and, on reaching its end, checks it against the manifest before reporting
// the end, so a consumer streaming into COPY learns of corruption before it
// commits.
//
// Threads: an ArchiveReader is immutable after Open and may be shared; each
// DataFileReader is used by one thread and must not outlive its ArchiveReader.
#ifndef HYPERDUMP_FORMAT_READER_H_
#define HYPERDUMP_FORMAT_READER_H_

#include <cstdint>
#include <memory>
#include <streambuf>
#include <string>

#include "base/status.h"
#include "format/codec.h"
#include "format/manifest.h"
#include "format/sink.h"
#include "format/source.h"

namespace hyperdump::format {

class DataFileReader {
 public:
  DataFileReader(const DataFileReader&) = delete;
  DataFileReader& operator=(const DataFileReader&) = delete;

  // Up to `cap` decoded bytes; 0 at the end, only once the file has matched
  // its manifest entry (stored size, checksum, decoded size, line count).
  // Any mismatch is kCorrupt naming the file; errors are sticky. `cap` > 0.
  Result<size_t> Read(char* buf, size_t cap);

  const FileEntry& entry() const { return entry_; }

  // Opens `entry`'s file in `dir`: kCorrupt if it is missing or its size
  // differs from the entry. `entry` must outlive the reader.
  static Result<std::unique_ptr<DataFileReader>> Open(const std::string& dir,
                                                      const FileEntry& entry);

  // A stream no manifest records (another tool's archive, read through that
  // tool): `source`'s bytes as they are, with nothing to check at the end;
  // `source` reports its own errors, including an incomplete stream. The
  // reader owns `entry` (what the caller knows of the stream: its name,
  // estimated size, meta); `where` names it in messages.
  static std::unique_ptr<DataFileReader> Unrecorded(FileEntry entry, std::string where,
                                                    std::unique_ptr<ByteSource> source);

 private:
  DataFileReader(const FileEntry& entry, std::string path, std::unique_ptr<ByteSource> source,
                 Decoder decoder);
  DataFileReader(std::unique_ptr<FileEntry> owned, std::string path,
                 std::unique_ptr<ByteSource> source, Decoder decoder);
  Status Fail(const std::string& why);
  Status CheckEnd();

  // Whether a manifest records the file (else Unrecorded: nothing to check).
  bool recorded() const { return owned_ == nullptr; }

  std::unique_ptr<FileEntry> owned_;  // Unrecorded's entry; entry_ refers to it
  const FileEntry& entry_;
  std::string path_;
  std::unique_ptr<ByteSource> source_;
  Decoder decoder_;
  uint64_t raw_bytes_ = 0;
  uint64_t lines_ = 0;
  Status error_;
  bool done_ = false;
};

// A DataFileReader as a std::streambuf, for parsers that read streams (such
// as nlohmann::json, parsing plan.json without holding its text). The stream
// ends at the file's end or at its first error, which status() then holds:
// check it after parsing, since a damaged file can still parse. Borrows the
// reader, which must outlive it; one thread.
class ReaderStreamBuf final : public std::streambuf {
 public:
  explicit ReaderStreamBuf(DataFileReader& reader) : reader_(reader), buffer_(1 << 16, '\0') {}
  const Status& status() const { return status_; }

 protected:
  int_type underflow() override;

 private:
  DataFileReader& reader_;
  std::string buffer_;
  Status status_;
};

class ArchiveReader final : public ArchiveSource {
 public:
  // Reads and checks manifest.json: kIncomplete if missing, kCorrupt if
  // truncated or not ours, kUnsupportedVersion for another major version.
  static Result<std::unique_ptr<ArchiveReader>> Open(const std::string& dir);

  const Manifest& manifest() const { return manifest_; }
  const std::string& dir() const override { return dir_; }
  // Path of a stored file on disk (e.g. to hand an uncompressed blob to a tool).
  std::string PathOf(const std::string& name) const { return dir_ + "/" + name; }

  // Opens a file listed in the manifest; kNotFound if unlisted or absent,
  // kCorrupt if its size on disk differs from the manifest.
  Result<std::unique_ptr<DataFileReader>> OpenFile(const std::string& name) const override;

 private:
  ArchiveReader(std::string dir, Manifest manifest)
      : dir_(std::move(dir)), manifest_(std::move(manifest)) {}
  std::string dir_;
  Manifest manifest_;
};

}  // namespace hyperdump::format

#endif  // HYPERDUMP_FORMAT_READER_H_
