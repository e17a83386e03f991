// Errors as values at module boundaries.
//
// Status carries a code (which decides the exit code and whether a retry makes
// sense), a message written for the user (it names the object and the fix),
// and, for PostgreSQL errors, the five-character SQLSTATE so that retry
// decisions are pure functions of the status. Result<T> is a T or a Status.
//
// Both are cheap to move, [[nodiscard]], and carry no ownership of anything
// but their own strings. Print an error once, at the top (cli/).
#ifndef HYPERDUMP_BASE_STATUS_H_
#define HYPERDUMP_BASE_STATUS_H_

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace hyperdump {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad flag or input from the user
  kNotFound,            // a file, table or object that should exist does not
  kAlreadyExists,       // refusing to overwrite
  kIo,                  // read/write/fsync failed (errno in the message)
  kNoSpace,             // ENOSPC / EDQUOT
  kPermissionDenied,    // EACCES / EPERM
  kCorrupt,             // checksum, size or decompression mismatch
  kIncomplete,          // archive without its final manifest
  kUnsupportedVersion,  // archive major version or extension version mismatch
  kDatabase,            // PostgreSQL reported an error (sqlstate set)
  kConnection,          // lost or refused connection
  kCancelled,           // Ctrl-C or a sibling's failure
  kInternal,            // a bug: an invariant did not hold
};

// "invalid_argument", "database", "corrupt", ...: the code's name for
// machines (the JSON log's "code").
inline const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kAlreadyExists:
      return "already_exists";
    case StatusCode::kIo:
      return "io";
    case StatusCode::kNoSpace:
      return "no_space";
    case StatusCode::kPermissionDenied:
      return "permission_denied";
    case StatusCode::kCorrupt:
      return "corrupt";
    case StatusCode::kIncomplete:
      return "incomplete";
    case StatusCode::kUnsupportedVersion:
      return "unsupported_version";
    case StatusCode::kDatabase:
      return "database";
    case StatusCode::kConnection:
      return "connection";
    case StatusCode::kCancelled:
      return "cancelled";
    case StatusCode::kInternal:
      return "internal";
  }
  return "unknown";
}

// Process exit codes that scripts can trust (docs/user-guide.md lists them).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // anything not below
  kExitUsage = 2,        // bad input or usage
  kExitDatabase = 3,     // database error
  kExitCorrupt = 4,      // archive corrupt or incomplete
  kExitInterrupted = 5,  // Ctrl-C / SIGTERM
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::string sqlstate = {})
      : code_(code), message_(std::move(message)), sqlstate_(std::move(sqlstate)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Five-character SQLSTATE for kDatabase/kConnection errors, else empty.
  const std::string& sqlstate() const { return sqlstate_; }

  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_, sqlstate_);
  }

  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string sqlstate_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status IoError(std::string m) { return {StatusCode::kIo, std::move(m)}; }
inline Status Corrupt(std::string m) { return {StatusCode::kCorrupt, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }

inline int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists:
    case StatusCode::kUnsupportedVersion:
      return kExitUsage;
    case StatusCode::kDatabase:
    case StatusCode::kConnection:
      return kExitDatabase;
    case StatusCode::kCorrupt:
    case StatusCode::kIncomplete:
      return kExitCorrupt;
    case StatusCode::kCancelled:
      return kExitInterrupted;
    default:
      return kExitFailure;
  }
}

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace hyperdump

// Early-return helpers, as in LevelDB/Abseil.
#define HD_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::hyperdump::Status _hd_status = (expr); \
    if (!_hd_status.ok()) return _hd_status; \
  } while (0)

#define HD_CONCAT_INNER(a, b) a##b
#define HD_CONCAT(a, b) HD_CONCAT_INNER(a, b)
// `lhs` is a declaration ("auto x") and `tmp` a name: neither may be
// parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define HD_ASSIGN_OR_RETURN(lhs, expr) \
  HD_ASSIGN_OR_RETURN_IMPL(HD_CONCAT(_hd_result_, __LINE__), lhs, expr)
#define HD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

#endif  // HYPERDUMP_BASE_STATUS_H_
