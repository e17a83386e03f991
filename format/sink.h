// Byte sinks and sources: the seam between the archive code and the disk.
//
// Every archive file is written through a ByteSink and read through a
// ByteSource, so tests can substitute a sink that fails like a full disk
// (FaultInjectingSink) without touching the file system. A sink or source is
// used by one thread at a time; it owns whatever handle it wraps.
#ifndef HYPERDUMP_FORMAT_SINK_H_
#define HYPERDUMP_FORMAT_SINK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hyperdump::format {

// A Status for a failed file operation: ENOSPC/EDQUOT -> kNoSpace,
// EACCES/EPERM/EROFS -> kPermissionDenied, ENOENT -> kNotFound,
// EEXIST -> kAlreadyExists, anything else -> kIo. The message names `what`
// was attempted, the path, the system's reason and, where there is one, the fix.
Status ErrnoStatus(int err, std::string_view what, const std::string& path);

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Appends all of `bytes` or fails.
  virtual Status Write(std::string_view bytes) = 0;
  // Makes everything written so far durable (fsync for files).
  virtual Status Sync() = 0;
  // Releases the underlying handle; further calls fail. Idempotent.
  virtual Status Close() = 0;
};

// Owns one file descriptor, opened O_CREAT|O_EXCL with mode 0600: it never
// overwrites an existing file. The destructor closes the fd (errors ignored:
// call Close() to see them).
class FileSink final : public ByteSink {
 public:
  static Result<std::unique_ptr<FileSink>> Create(const std::string& path);
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  Status Write(std::string_view bytes) override;
  Status Sync() override;
  Status Close() override;
  const std::string& path() const { return path_; }

 private:
  FileSink(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// Collects bytes in memory (tests and benchmarks).
class StringSink final : public ByteSink {
 public:
  Status Write(std::string_view bytes) override;
  Status Sync() override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

// Discards bytes, counting them (benchmarks).
class NullSink final : public ByteSink {
 public:
  Status Write(std::string_view bytes) override {
    bytes_ += bytes.size();
    return Status::Ok();
  }
  Status Sync() override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }
  uint64_t bytes() const { return bytes_; }

 private:
  uint64_t bytes_ = 0;
};

// Passes the first `fail_after` bytes to `inner`, then fails every Write and
// Sync as the system would with errno `err` (ENOSPC by default: a full disk).
// The write that crosses the limit is partially applied, as a real short
// write followed by ENOSPC would be.
class FaultInjectingSink final : public ByteSink {
 public:
  FaultInjectingSink(std::unique_ptr<ByteSink> inner, std::string path, uint64_t fail_after,
                     int err);
  Status Write(std::string_view bytes) override;
  Status Sync() override;
  Status Close() override { return inner_->Close(); }

 private:
  std::unique_ptr<ByteSink> inner_;
  std::string path_;
  uint64_t remaining_;
  int err_;
  bool tripped_ = false;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `cap` bytes into `buf`; returns how many, 0 only at the end.
  virtual Result<size_t> Read(char* buf, size_t cap) = 0;
};

// Owns one read-only file descriptor.
class FileSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  Result<size_t> Read(char* buf, size_t cap) override;
  // Size of the file when it was opened.
  uint64_t size() const { return size_; }

 private:
  FileSource(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  int fd_;
  std::string path_;
  uint64_t size_;
};

// Reads from a caller-owned buffer that must outlive the source.
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string_view data) : data_(data) {}
  Result<size_t> Read(char* buf, size_t cap) override;

 private:
  std::string_view data_;
};

// fsyncs a directory so that renames and creations inside it are durable.
Status SyncDirectory(const std::string& dir);

}  // namespace hyperdump::format

#endif  // HYPERDUMP_FORMAT_SINK_H_
