#include "format/seal_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace hyperdump::format {
namespace {

constexpr const char* kJournalMagic = "hyperdump-seal-journal";

Status WriteAll(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot write " + path + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

std::string SealJournalPath(const std::string& dir) {
  return dir + "/" + kLocalDir + "/" + kSealJournalName;
}

SealJournal::~SealJournal() {
  if (fd_ >= 0) ::close(fd_);
}

Status SealJournal::Append(const FileEntry& entry) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string path = SealJournalPath(dir_);
  if (fd_ < 0) {
    const std::string local = dir_ + "/" + kLocalDir;
    if (::mkdir(local.c_str(), 0700) != 0 && errno != EEXIST) {
      return IoError("cannot create " + local + ": " + std::strerror(errno));
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) return IoError("cannot open " + path + ": " + std::strerror(errno));
    nlohmann::json header = {{"journal", kJournalMagic}, {"created_at", created_at_}};
    HD_RETURN_IF_ERROR(WriteAll(fd_, header.dump() + "\n", path));
  }
  return WriteAll(fd_, FileEntryToJson(entry).dump() + "\n", path);
}

Result<SealedFiles> ReadSealJournal(const std::string& dir) {
  const std::string path = SealJournalPath(dir);
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + " does not exist");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  SealedFiles out;
  size_t start = 0;
  for (int line = 1; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) break;  // cut short by a kill: not sealed
    nlohmann::json j = nlohmann::json::parse(text.substr(start, end - start), nullptr, false);
    const std::string where = path + " line " + std::to_string(line);
    if (line == 1) {
      if (!j.is_object() || j.value("journal", "") != kJournalMagic || !j.contains("created_at") ||
          !j["created_at"].is_string()) {
        return Corrupt(where + ": not a hyperdump seal journal header");
      }
      out.created_at = j["created_at"].get<std::string>();
    } else {
      if (j.is_discarded()) return Corrupt(where + ": not JSON");
      HD_ASSIGN_OR_RETURN(FileEntry e, FileEntryFromJson(j, "entry", where));
      out.files.push_back(std::move(e));
    }
    start = end + 1;
  }
  if (out.created_at.empty()) return Corrupt(path + ": no header line");
  return out;
}

}  // namespace hyperdump::format
