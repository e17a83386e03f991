#include "format/manifest_entries.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "format/checksum.h"

namespace hyperdump::format {

using nlohmann::json;

Result<ManifestEntries> ManifestEntries::Create(const std::string& dir) {
  std::string path = dir + "/.manifest-entries.XXXXXX" + kTempSuffix;
  int fd = ::mkostemps(path.data(), static_cast<int>(std::string(kTempSuffix).size()), O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot create", path);
  ::unlink(path.c_str());  // nameless from now on: nothing to clean after a crash
  return ManifestEntries(fd, std::move(path));
}

ManifestEntries::ManifestEntries(ManifestEntries&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      end_(other.end_),
      slots_(std::move(other.slots_)) {}

ManifestEntries& ManifestEntries::operator=(ManifestEntries&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    end_ = other.end_;
    slots_ = std::move(other.slots_);
  }
  return *this;
}

ManifestEntries::~ManifestEntries() {
  if (fd_ >= 0) ::close(fd_);
}

Status ManifestEntries::Add(const FileEntry& entry) {
  const std::string text = IndentEntry(FileEntryToJson(entry).dump(2));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n =
        ::pwrite(fd_, text.data() + done, text.size() - done, static_cast<off_t>(end_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "cannot write", path_);
    done += static_cast<size_t>(n);
  }
  slots_.push_back({entry.name, end_, text.size()});
  end_ += text.size();
  return Status::Ok();
}

void ManifestEntries::ForEachName(const std::function<void(const std::string&)>& f) const {
  for (const Slot& s : slots_) f(s.name);
}

Status ManifestEntries::WriteManifest(const Manifest& header, ByteSink& sink) {
  std::sort(slots_.begin(), slots_.end(),
            [](const Slot& a, const Slot& b) { return a.name < b.name; });
  Manifest empty = header;
  empty.files.clear();
  json top = ManifestToJson(empty);

  // Streams head, the entries and tail to `out`; called once for the
  // checksum (without manifest_checksum) and once for the file.
  std::string entry;
  auto emit = [&](const ManifestHalves& halves,
                  const std::function<Status(std::string_view)>& out) {
    HD_RETURN_IF_ERROR(out(halves.head));
    for (size_t i = 0; i < slots_.size(); ++i) {
      entry.resize(slots_[i].size);
      size_t done = 0;
      while (done < entry.size()) {
        ssize_t n = ::pread(fd_, entry.data() + done, entry.size() - done,
                            static_cast<off_t>(slots_[i].offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return ErrnoStatus(n < 0 ? errno : EIO, "cannot read back", path_);
        done += static_cast<size_t>(n);
      }
      HD_RETURN_IF_ERROR(out(i == 0 ? "\n" : ",\n"));
      HD_RETURN_IF_ERROR(out(entry));
    }
    return out(slots_.empty() ? halves.tail : "\n  " + halves.tail);
  };

  Checksum self;
  HD_RETURN_IF_ERROR(emit(SplitAtFiles(top.dump(2)), [&](std::string_view bytes) {
    self.Update(bytes);
    return Status::Ok();
  }));
  top["manifest_checksum"] = ChecksumToHex(self.Digest());

  std::string buffer;
  constexpr size_t kFlushAt = 1 << 20;
  HD_RETURN_IF_ERROR(emit(SplitAtFiles(top.dump(2)), [&](std::string_view bytes) {
    buffer.append(bytes);
    if (buffer.size() < kFlushAt) return Status::Ok();
    Status s = sink.Write(buffer);
    buffer.clear();
    return s;
  }));
  buffer += "\n";
  return sink.Write(buffer);
}

}  // namespace hyperdump::format
