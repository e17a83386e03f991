#include "format/sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hyperdump::format {

Status ErrnoStatus(int err, std::string_view what, const std::string& path) {
  std::string msg = std::string(what) + " " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return Status(StatusCode::kNoSpace, msg + " (free space or choose another directory)");
    case EACCES:
    case EPERM:
    case EROFS:
      return Status(StatusCode::kPermissionDenied,
                    msg + " (check the directory's permissions or choose another directory)");
    case ENOENT:
      return Status(StatusCode::kNotFound, msg);
    case EEXIST:
      return Status(StatusCode::kAlreadyExists, msg);
    default:
      return Status(StatusCode::kIo, msg);
  }
}

Result<std::unique_ptr<FileSink>> FileSink::Create(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus(errno, "cannot create", path);
  return std::unique_ptr<FileSink>(new FileSink(fd, path));
}

FileSink::~FileSink() {
  if (fd_ >= 0) ::close(fd_);
}

Status FileSink::Write(std::string_view bytes) {
  if (fd_ < 0) return Internal("write to closed file " + path_);
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "cannot write", path_);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status FileSink::Sync() {
  if (fd_ < 0) return Internal("fsync of closed file " + path_);
  if (::fsync(fd_) != 0) return ErrnoStatus(errno, "cannot fsync", path_);
  return Status::Ok();
}

Status FileSink::Close() {
  if (fd_ < 0) return Status::Ok();
  int rc = ::close(fd_);
  fd_ = -1;
  // Some file systems (NFS) report a deferred write error only at close.
  if (rc != 0 && errno != EINTR) return ErrnoStatus(errno, "cannot close", path_);
  return Status::Ok();
}

Status StringSink::Write(std::string_view bytes) {
  data_.append(bytes);
  return Status::Ok();
}

FaultInjectingSink::FaultInjectingSink(std::unique_ptr<ByteSink> inner, std::string path,
                                       uint64_t fail_after, int err)
    : inner_(std::move(inner)), path_(std::move(path)), remaining_(fail_after), err_(err) {}

Status FaultInjectingSink::Write(std::string_view bytes) {
  if (tripped_) return ErrnoStatus(err_, "cannot write", path_);
  if (bytes.size() <= remaining_) {
    remaining_ -= bytes.size();
    return inner_->Write(bytes);
  }
  HD_RETURN_IF_ERROR(inner_->Write(bytes.substr(0, remaining_)));
  remaining_ = 0;
  tripped_ = true;
  return ErrnoStatus(err_, "cannot write", path_);
}

Status FaultInjectingSink::Sync() {
  if (tripped_) return ErrnoStatus(err_, "cannot fsync", path_);
  return inner_->Sync();
}

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = ErrnoStatus(errno, "cannot stat", path);
    ::close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(StatusCode::kCorrupt, path + " is not a regular file");
  }
  return std::unique_ptr<FileSource>(new FileSource(fd, path, static_cast<uint64_t>(st.st_size)));
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

Result<size_t> FileSource::Read(char* buf, size_t cap) {
  while (true) {
    ssize_t n = ::read(fd_, buf, cap);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return ErrnoStatus(errno, "cannot read", path_);
  }
}

Result<size_t> StringSource::Read(char* buf, size_t cap) {
  size_t n = std::min(cap, data_.size());
  std::memcpy(buf, data_.data(), n);
  data_.remove_prefix(n);
  return n;
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open directory", dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus(err, "cannot fsync directory", dir);
  return Status::Ok();
}

}  // namespace hyperdump::format
