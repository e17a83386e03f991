#include "format/live.h"

namespace hyperdump::format {

void LiveArchive::Seal(const FileEntry& entry) {
  {
    std::lock_guard lock(mu_);
    sealed_.emplace(entry.name, entry);
  }
  changed_.notify_all();
}

void LiveArchive::Finish(Status why) {
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    finish_status_ = std::move(why);
  }
  changed_.notify_all();
}

void LiveArchive::Stop(Status why) {
  if (why.ok()) why = Cancelled("stopped");
  {
    std::lock_guard lock(mu_);
    if (stopped_.ok()) stopped_ = std::move(why);
  }
  changed_.notify_all();
}

bool LiveArchive::IsSealed(const std::string& name) const {
  std::lock_guard lock(mu_);
  return sealed_.count(name) > 0;
}

Result<const FileEntry*> LiveArchive::Wait(const std::string& name) const {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!stopped_.ok()) return stopped_;
    auto it = sealed_.find(name);
    if (it != sealed_.end()) return &it->second;
    if (finished_) {
      if (!finish_status_.ok()) {
        return Status(finish_status_.code(),
                      "archive file " + name + " was never written: " + finish_status_.message(),
                      finish_status_.sqlstate());
      }
      return NotFound("archive " + dir_ + " has no file " + name);
    }
    changed_.wait(lock);
  }
}

Result<std::unique_ptr<DataFileReader>> LiveArchive::OpenFile(const std::string& name) const {
  HD_ASSIGN_OR_RETURN(const FileEntry* entry, Wait(name));
  return DataFileReader::Open(dir_, *entry);
}

}  // namespace hyperdump::format
