#include "format/writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace hyperdump::format {

namespace fs = boost::filesystem;

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

std::string Join(const std::string& dir, const std::string& name) { return dir + "/" + name; }

size_t CountLines(std::string_view bytes) {
  size_t n = 0;
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p))))) {
    ++n;
    ++p;
  }
  return n;
}

}  // namespace

// ---- DataFileWriter ----------------------------------------------------------

DataFileWriter::DataFileWriter(ArchiveWriter* archive, std::string name, FileKind kind,
                               FileOptions options, std::string final_path,
                               std::unique_ptr<ByteSink> sink, Encoder encoder)
    : archive_(archive),
      name_(std::move(name)),
      kind_(kind),
      options_(std::move(options)),
      final_path_(std::move(final_path)),
      temp_path_(final_path_ + kTempSuffix),
      sink_(std::move(sink)),
      encoder_(std::move(encoder)) {}

DataFileWriter::~DataFileWriter() {
  if (finished_) return;
  sink_.reset();
  ::unlink(temp_path_.c_str());
  archive_->Abandon(name_);
}

Status DataFileWriter::Fail(const Status& s) {
  error_ = s.WithContext("archive file " + final_path_);
  return error_;
}

Status DataFileWriter::Write(std::string_view bytes) {
  if (!error_.ok()) return error_;
  if (finished_) return Internal("write to finished archive file " + final_path_);
  if (options_.count_lines) lines_ += CountLines(bytes);
  Status s = encoder_.Write(bytes);
  if (!s.ok()) return Fail(s);
  return Status::Ok();
}

Result<FileEntry> DataFileWriter::Finish(uint64_t rows) { return FinishEntry(rows); }

Result<FileEntry> DataFileWriter::FinishEntry(std::optional<uint64_t> rows) {
  if (!error_.ok()) return error_;
  if (finished_) return Internal("archive file " + final_path_ + " finished twice");
  if (options_.count_lines && rows && *rows != lines_) {
    return Fail(Corrupt("the data holds " + std::to_string(lines_) +
                        " lines but the dump reported " + std::to_string(*rows) +
                        " rows; the COPY stream is not what it should be"));
  }
  Status s = encoder_.Finish();
  if (s.ok() && archive_->options_.sync_each_file) s = sink_->Sync();
  if (s.ok()) s = sink_->Close();
  if (!s.ok()) return Fail(s);
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    return Fail(ErrnoStatus(errno, "cannot rename to", final_path_));
  }
  FileEntry e;
  e.name = name_;
  e.kind = kind_;
  e.job = kind_ == FileKind::kData ? options_.job : std::string();
  e.codec = options_.codec;
  e.level = options_.codec == Codec::kZstd ? options_.level : 0;
  e.compressed_bytes = encoder_.stored_bytes();
  e.uncompressed_bytes = encoder_.raw_bytes();
  e.rows = rows;
  if (options_.count_lines) e.lines = lines_;
  e.checksum = encoder_.checksum();
  e.meta = options_.meta.is_null() ? nlohmann::json::object() : options_.meta;
  finished_ = true;
  archive_->Register(e);
  return e;
}

// ---- ArchiveWriter -----------------------------------------------------------

ArchiveWriter::ArchiveWriter(std::string dir, std::string tool_version, WriterOptions options,
                             ManifestEntries entries)
    : dir_(std::move(dir)),
      tool_version_(std::move(tool_version)),
      options_(std::move(options)),
      created_at_(options_.created_at.empty() ? NowUtc() : options_.created_at),
      entries_(std::move(entries)) {}

Result<std::unique_ptr<ArchiveWriter>> ArchiveWriter::Create(const std::string& dir,
                                                             std::string tool_version,
                                                             WriterOptions options) {
  if (dir.empty()) return InvalidArgument("no archive directory given");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return Status(StatusCode::kAlreadyExists,
                    "cannot create archive directory " + dir +
                        ": a file of that name exists (choose another directory)");
    }
    boost::system::error_code ec;
    bool empty = fs::is_empty(dir, ec);
    if (ec) return ErrnoStatus(ec.value(), "cannot read directory", dir);
    if (!empty) {
      return Status(StatusCode::kAlreadyExists,
                    "archive directory " + dir +
                        " exists and is not empty; hyperdump never overwrites an archive "
                        "(choose a new directory or remove " +
                        dir + " first)");
    }
  } else if (errno != ENOENT) {
    return ErrnoStatus(errno, "cannot use archive directory", dir);
  } else if (::mkdir(dir.c_str(), 0700) != 0) {
    Status s = ErrnoStatus(errno, "cannot create archive directory", dir);
    if (s.code() == StatusCode::kNotFound) {
      return NotFound("cannot create archive directory " + dir +
                      ": its parent directory does not exist (create it first)");
    }
    return s;
  }
  HD_ASSIGN_OR_RETURN(ManifestEntries entries, ManifestEntries::Create(dir));
  return std::unique_ptr<ArchiveWriter>(
      new ArchiveWriter(dir, std::move(tool_version), std::move(options), std::move(entries)));
}

Result<std::unique_ptr<ByteSink>> ArchiveWriter::NewSink(const std::string& path) {
  if (options_.sink_factory) return options_.sink_factory(path);
  HD_ASSIGN_OR_RETURN(std::unique_ptr<FileSink> sink, FileSink::Create(path));
  return std::unique_ptr<ByteSink>(std::move(sink));
}

Status ArchiveWriter::MakeParentDirs(const std::string& name) {
  size_t slash = name.find('/');
  while (slash != std::string::npos) {
    std::string rel = name.substr(0, slash);
    {
      std::lock_guard lock(mu_);
      if (subdirs_.count(rel)) {
        slash = name.find('/', slash + 1);
        continue;
      }
    }
    std::string path = Join(dir_, rel);
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, "cannot create directory", path);
    }
    {
      std::lock_guard lock(mu_);
      subdirs_.insert(rel);
    }
    slash = name.find('/', slash + 1);
  }
  return Status::Ok();
}

Result<std::unique_ptr<DataFileWriter>> ArchiveWriter::Begin(const std::string& name, FileKind kind,
                                                             FileOptions options) {
  HD_RETURN_IF_ERROR(ValidateFileName(name));
  {
    std::lock_guard lock(mu_);
    if (committed_)
      return Internal("archive " + dir_ + " is already committed; cannot add " + name);
    if (!names_.insert(name).second) {
      return Status(StatusCode::kAlreadyExists,
                    "archive file " + name + " was already written to " + dir_);
    }
    open_.insert(name);
  }
  auto give_up = [&](Status s) {
    Abandon(name);
    return s;
  };
  if (options.codec == Codec::kZstd &&
      (options.level < MinZstdLevel() || options.level > MaxZstdLevel())) {
    return give_up(InvalidArgument("zstd level " + std::to_string(options.level) +
                                   " is out of range (" + std::to_string(MinZstdLevel()) + ".." +
                                   std::to_string(MaxZstdLevel()) + ")"));
  }
  Status dirs = MakeParentDirs(name);
  if (!dirs.ok()) return give_up(dirs);
  std::string final_path = Join(dir_, name);
  Result<std::unique_ptr<ByteSink>> sink = NewSink(final_path + kTempSuffix);
  if (!sink.ok()) return give_up(sink.status());
  // The sink lives on the heap, so the encoder may keep its address.
  Result<Encoder> encoder = Encoder::Create(options.codec, options.level, sink->get());
  if (!encoder.ok()) {
    sink->reset();
    ::unlink((final_path + kTempSuffix).c_str());
    return give_up(encoder.status());
  }
  return std::unique_ptr<DataFileWriter>(
      new DataFileWriter(this, name, kind, std::move(options), std::move(final_path),
                         std::move(sink).value(), std::move(encoder).value()));
}

Result<std::unique_ptr<DataFileWriter>> ArchiveWriter::BeginFile(const std::string& relative_name,
                                                                 FileOptions options) {
  return Begin(relative_name, FileKind::kData, std::move(options));
}

Result<std::unique_ptr<DataFileWriter>> ArchiveWriter::BeginBlob(const std::string& name,
                                                                 nlohmann::json meta) {
  FileOptions options;
  options.codec = Codec::kNone;
  options.level = 0;
  options.meta = std::move(meta);
  return Begin(name, FileKind::kBlob, options);
}

Status ArchiveWriter::PutBlob(const std::string& name, std::string_view bytes,
                              nlohmann::json meta) {
  FileOptions options;
  options.codec = Codec::kNone;
  options.level = 0;
  options.meta = std::move(meta);
  HD_ASSIGN_OR_RETURN(std::unique_ptr<DataFileWriter> w, Begin(name, FileKind::kBlob, options));
  HD_RETURN_IF_ERROR(w->Write(bytes));
  return w->FinishEntry(std::nullopt).status();
}

bool ArchiveWriter::IsSealed(const std::string& name) {
  std::lock_guard lock(mu_);
  return names_.count(name) > 0 && open_.count(name) == 0;
}

void ArchiveWriter::Register(const FileEntry& entry) {
  {
    std::lock_guard lock(mu_);
    open_.erase(entry.name);
    Status kept = entries_.Add(entry);
    if (!kept.ok() && entries_error_.ok()) entries_error_ = kept;
  }
  if (options_.on_sealed) options_.on_sealed(entry);
}

void ArchiveWriter::Abandon(const std::string& name) {
  std::lock_guard lock(mu_);
  open_.erase(name);
  names_.erase(name);
}

Status ArchiveWriter::SyncEverything() {
  int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open directory", dir_);
  const bool synced = ::syncfs(fd) == 0;
  ::close(fd);
  if (!synced) {  // e.g. a filesystem without syncfs: one file at a time
    Status s;
    entries_.ForEachName([&](const std::string& name) {
      if (!s.ok()) return;
      const std::string path = Join(dir_, name);
      int file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (file < 0) {
        s = ErrnoStatus(errno, "cannot open", path);
        return;
      }
      const bool ok = ::fsync(file) == 0;
      const int err = errno;
      ::close(file);
      if (!ok) s = ErrnoStatus(err, "cannot fsync", path);
    });
    HD_RETURN_IF_ERROR(s);
  }
  for (auto it = subdirs_.rbegin(); it != subdirs_.rend(); ++it) {
    HD_RETURN_IF_ERROR(SyncDirectory(Join(dir_, *it)));
  }
  return SyncDirectory(dir_);
}

Status ArchiveWriter::Commit(nlohmann::json source_facts) {
  std::lock_guard lock(mu_);
  if (committed_) return Internal("archive " + dir_ + " committed twice");
  if (!open_.empty()) {
    return Internal("cannot commit archive " + dir_ + ": " + std::to_string(open_.size()) +
                    " file(s) still being written, first " + *open_.begin());
  }
  if (!entries_error_.ok()) return entries_error_.WithContext("writing archive " + dir_);
  Manifest m;  // without its files: entries_ streams them
  m.created_at = created_at_;
  m.tool_version = tool_version_;
  m.source = source_facts.is_null() ? nlohmann::json::object() : std::move(source_facts);

  // Every file, its rename and every directory must be durable before the
  // manifest that lists them.
  HD_RETURN_IF_ERROR(SyncEverything());

  std::string final_path = Join(dir_, kManifestName);
  std::string temp_path = final_path + kTempSuffix;
  HD_ASSIGN_OR_RETURN(std::unique_ptr<ByteSink> sink, NewSink(temp_path));
  Status s = entries_.WriteManifest(m, *sink);
  if (s.ok()) s = sink->Sync();
  if (s.ok()) s = sink->Close();
  if (s.ok() && ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    s = ErrnoStatus(errno, "cannot rename to", final_path);
  }
  if (!s.ok()) {
    sink.reset();
    ::unlink(temp_path.c_str());
    return s.WithContext("writing the manifest of archive " + dir_);
  }
  HD_RETURN_IF_ERROR(SyncDirectory(dir_));
  committed_ = true;
  return Status::Ok();
}

}  // namespace hyperdump::format
