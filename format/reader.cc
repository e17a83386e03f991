#include "format/reader.h"

#include <sys/stat.h>

#include <cstring>

namespace hyperdump::format {

namespace {
// A manifest larger than this is not one we wrote; refuse rather than
// allocate without bound.
constexpr uint64_t kMaxManifestBytes = 1ull << 30;
}  // namespace

DataFileReader::DataFileReader(const FileEntry& entry, std::string path,
                               std::unique_ptr<ByteSource> source, Decoder decoder)
    : entry_(entry),
      path_(std::move(path)),
      source_(std::move(source)),
      decoder_(std::move(decoder)) {}

DataFileReader::DataFileReader(std::unique_ptr<FileEntry> owned, std::string path,
                               std::unique_ptr<ByteSource> source, Decoder decoder)
    : owned_(std::move(owned)),
      entry_(*owned_),
      path_(std::move(path)),
      source_(std::move(source)),
      decoder_(std::move(decoder)) {}

std::unique_ptr<DataFileReader> DataFileReader::Unrecorded(FileEntry entry, std::string where,
                                                           std::unique_ptr<ByteSource> source) {
  entry.codec = Codec::kNone;
  Result<Decoder> decoder = Decoder::Create(Codec::kNone, source.get());  // cannot fail: no codec
  return std::unique_ptr<DataFileReader>(
      new DataFileReader(std::make_unique<FileEntry>(std::move(entry)), std::move(where),
                         std::move(source), std::move(decoder).value()));
}

Status DataFileReader::Fail(const std::string& why) {
  error_ = Corrupt("archive file " + path_ + " is corrupt: " + why +
                   " (restore from another copy or re-run the dump)");
  return error_;
}

Status DataFileReader::CheckEnd() {
  if (!recorded()) return Status::Ok();
  auto n = [](uint64_t v) { return std::to_string(v); };
  if (decoder_.stored_bytes() != entry_.compressed_bytes) {
    return Fail("it holds " + n(decoder_.stored_bytes()) + " bytes but the manifest records " +
                n(entry_.compressed_bytes) +
                (decoder_.stored_bytes() < entry_.compressed_bytes ? " (truncated)" : ""));
  }
  if (decoder_.checksum() != entry_.checksum) {
    return Fail("checksum mismatch (xxh64 " + ChecksumToHex(decoder_.checksum()) +
                ", manifest records " + ChecksumToHex(entry_.checksum) + ")");
  }
  if (raw_bytes_ != entry_.uncompressed_bytes) {
    return Fail("it decodes to " + n(raw_bytes_) + " bytes but the manifest records " +
                n(entry_.uncompressed_bytes));
  }
  if (entry_.lines && lines_ != *entry_.lines) {
    return Fail("it holds " + n(lines_) + " lines but the manifest records " + n(*entry_.lines));
  }
  if (entry_.lines && entry_.rows && *entry_.rows != *entry_.lines) {
    return Fail("the manifest records " + n(*entry_.rows) + " rows but " + n(*entry_.lines) +
                " lines");
  }
  return Status::Ok();
}

Result<size_t> DataFileReader::Read(char* buf, size_t cap) {
  if (!error_.ok()) return error_;
  if (done_) return size_t{0};
  if (cap == 0) return Internal("DataFileReader::Read called with an empty buffer");
  Result<size_t> got = decoder_.Read(buf, cap);
  if (!got.ok()) {
    if (got.status().code() != StatusCode::kCorrupt) {
      error_ = got.status().WithContext("reading archive file " + path_);
      return error_;
    }
    // Say whether the stored bytes are damaged: finish checksumming them.
    std::string why = got.status().message();
    if (decoder_.DrainStored().ok() && decoder_.stored_bytes() == entry_.compressed_bytes &&
        decoder_.checksum() != entry_.checksum) {
      why = "checksum mismatch, the stored bytes are damaged; " + why;
    }
    return Fail(why);
  }
  size_t n = *got;
  if (n == 0) {
    HD_RETURN_IF_ERROR(CheckEnd());
    done_ = true;
    return n;
  }
  raw_bytes_ += n;
  if (recorded() && raw_bytes_ > entry_.uncompressed_bytes) {
    return Fail("it decodes to more than the " + std::to_string(entry_.uncompressed_bytes) +
                " bytes the manifest records");
  }
  if (recorded() && entry_.lines) {
    const char* p = buf;
    const char* end = buf + n;
    while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p))))) {
      ++lines_;
      ++p;
    }
  }
  return n;
}

Result<std::unique_ptr<ArchiveReader>> ArchiveReader::Open(const std::string& dir) {
  std::string path = dir + "/" + kManifestName;
  Result<std::unique_ptr<FileSource>> source = FileSource::Open(path);
  if (!source.ok()) {
    if (source.status().code() == StatusCode::kNotFound) {
      struct stat st {};
      if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return NotFound("archive directory " + dir + " does not exist");
      }
      return Status(StatusCode::kIncomplete,
                    "archive " + dir +
                        " is incomplete: manifest.json missing (the dump did not finish); "
                        "re-run the dump");
    }
    return source.status();
  }
  if ((*source)->size() > kMaxManifestBytes) {
    return Corrupt(path + " is " + std::to_string((*source)->size()) +
                   " bytes, too large to be a manifest");
  }
  std::string text;
  text.resize((*source)->size());
  size_t have = 0;
  while (have < text.size()) {
    HD_ASSIGN_OR_RETURN(size_t n, (*source)->Read(text.data() + have, text.size() - have));
    if (n == 0) break;
    have += n;
  }
  text.resize(have);
  HD_ASSIGN_OR_RETURN(Manifest m, ParseManifest(text, path));
  return std::unique_ptr<ArchiveReader>(new ArchiveReader(dir, std::move(m)));
}

Result<std::unique_ptr<DataFileReader>> DataFileReader::Open(const std::string& dir,
                                                             const FileEntry& entry) {
  std::string path = dir + "/" + entry.name;
  Result<std::unique_ptr<FileSource>> source = FileSource::Open(path);
  if (!source.ok()) {
    if (source.status().code() == StatusCode::kNotFound) {
      return Corrupt("archive file " + path +
                     " is missing but listed in the manifest (restore from another copy or "
                     "re-run the dump)");
    }
    return source.status();
  }
  uint64_t size = (*source)->size();
  if (size != entry.compressed_bytes) {
    return Corrupt("archive file " + path + " is corrupt: it holds " + std::to_string(size) +
                   " bytes but the manifest records " + std::to_string(entry.compressed_bytes) +
                   (size < entry.compressed_bytes ? " (truncated)" : "") +
                   " (restore from another copy or re-run the dump)");
  }
  std::unique_ptr<ByteSource> src = std::move(source).value();
  HD_ASSIGN_OR_RETURN(Decoder decoder, Decoder::Create(entry.codec, src.get()));
  return std::unique_ptr<DataFileReader>(
      new DataFileReader(entry, std::move(path), std::move(src), std::move(decoder)));
}

Result<std::unique_ptr<DataFileReader>> ArchiveReader::OpenFile(const std::string& name) const {
  const FileEntry* entry = manifest_.Find(name);
  if (entry == nullptr) return NotFound("archive " + dir_ + " has no file " + name);
  return DataFileReader::Open(dir_, *entry);
}

ReaderStreamBuf::int_type ReaderStreamBuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (!status_.ok()) return traits_type::eof();
  Result<size_t> n = reader_.Read(buffer_.data(), buffer_.size());
  if (!n.ok()) {
    status_ = n.status();
    return traits_type::eof();
  }
  if (*n == 0) return traits_type::eof();
  setg(buffer_.data(), buffer_.data(), buffer_.data() + *n);
  return traits_type::to_int_type(*gptr());
}

Result<std::string> ArchiveSource::ReadBlob(const std::string& name) const {
  HD_ASSIGN_OR_RETURN(std::unique_ptr<DataFileReader> r, OpenFile(name));
  std::string out;
  std::string buf(1 << 20, '\0');
  while (true) {
    HD_ASSIGN_OR_RETURN(size_t n, r->Read(buf.data(), buf.size()));
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

}  // namespace hyperdump::format
