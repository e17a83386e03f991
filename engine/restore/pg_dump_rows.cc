#include "engine/restore/pg_dump_rows.h"

#include <algorithm>
#include <cstring>

namespace hyperdump::engine {

Result<std::string> PgDumpRows::NextItem(std::string what) {
  what_ = std::move(what);
  if (!ready_for_next()) return Internal(what_ + ": not at the start of an item");
  --items_left_;
  in_item_ = true;
  line_start_ = true;
  for (;;) {
    size_t nl = buf_.find('\n', pos_);
    if (nl == std::string::npos) {
      if (buf_.size() - pos_ > (size_t{16} << 20)) break;  // no statement is that long
      Result<bool> more = Refill();
      if (!more.ok()) {
        error_ = more.status();
        return error_;
      }
      if (!*more) break;
      continue;
    }
    std::string line = buf_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    if (line.starts_with("COPY ") && line.ends_with(" FROM stdin;")) {
      return line.substr(0, line.size() - 1);
    }
    if (line.starts_with("INSERT INTO ")) break;
  }
  error_ = Corrupt(what_ +
                   " holds no COPY data (a dump made with --inserts or --column-inserts?): "
                   "restore this archive with pg_restore");
  return error_;
}

Result<size_t> PgDumpRows::Read(char* out, size_t cap) {
  for (;;) {
    if (!error_.ok()) return error_;
    if (!in_item_) return size_t{0};
    const char* p = buf_.data() + pos_;
    const size_t avail = buf_.size() - pos_;
    auto [sure, found] = FindEnd(p, avail);
    if (found && sure == 0) {
      pos_ += std::min<size_t>(avail, 3);  // "\.\n"
      if (items_left_ == 0) {
        error_ = DrainPrinted();
        if (!error_.ok()) return error_;
      }
      in_item_ = false;
      return size_t{0};
    }
    if (sure == 0) {
      Result<bool> more = Refill();
      if (!more.ok()) {
        error_ = more.status();
      } else if (!*more) {
        error_ = Corrupt(what_ + ": pg_restore's output ended before the end of its rows");
      }
      if (!error_.ok()) return error_;
      continue;
    }
    const size_t n = std::min(sure, cap);
    std::memcpy(out, p, n);
    pos_ += n;
    line_start_ = out[n - 1] == '\n';
    return n;
  }
}

// How many bytes at `p` are rows for sure, and whether the end marker
// follows them. A "\" at a line start whose next bytes have not arrived yet
// ends the sure part.
std::pair<size_t, bool> PgDumpRows::FindEnd(const char* p, size_t n) const {
  size_t start = 0;
  if (!line_start_) {
    const void* nl = std::memchr(p, '\n', n);
    start = nl ? static_cast<size_t>(static_cast<const char*>(nl) - p) + 1 : n;
  }
  while (start < n) {
    if (p[start] == '\\') {
      if (start + 2 < n || (eof_ && start + 2 == n)) {
        if (p[start + 1] == '.' && (start + 2 == n || p[start + 2] == '\n')) return {start, true};
      } else if (!eof_) {
        return {start, false};  // "\" or "\." at the end: wait for more
      }
    }
    const void* nl = std::memchr(p + start, '\n', n - start);
    if (!nl) break;
    start = static_cast<size_t>(static_cast<const char*>(nl) - p) + 1;
  }
  return {n, false};
}

Result<bool> PgDumpRows::Refill() {
  if (eof_) return false;
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  if (chunk_.empty()) chunk_.resize(kChunk);  // once: no zero-fill per read
  Result<size_t> n = printed_->Read(chunk_.data(), chunk_.size());
  if (!n.ok()) return n.status().WithContext(what_);
  buf_.append(chunk_.data(), *n);
  if (*n == 0) eof_ = true;
  return *n > 0;
}

Status PgDumpRows::DrainPrinted() {
  while (!eof_) {
    buf_.clear();
    pos_ = 0;
    HD_ASSIGN_OR_RETURN(bool more, Refill());
    (void)more;
  }
  buf_.clear();
  pos_ = 0;
  return Status::Ok();
}

}  // namespace hyperdump::engine
