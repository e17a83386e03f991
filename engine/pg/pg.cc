#include "engine/pg/pg.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <mutex>

namespace hyperdump::engine {

namespace {

std::mutex notice_mu;
NoticeRoute* notice_route = nullptr;  // innermost live route, under notice_mu

std::string Field(const PGresult* r, int code) {
  const char* v = PQresultErrorField(r, code);
  return v ? std::string(v) : std::string();
}

// libpq's notice receiver for every connection (see NoticeRoute).
void ReceiveNotice(void* /*arg*/, const PGresult* r) {
  ServerNotice n;
  n.severity = Field(r, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (n.severity.empty()) n.severity = Field(r, PG_DIAG_SEVERITY);
  n.sqlstate = Field(r, PG_DIAG_SQLSTATE);
  n.message = Field(r, PG_DIAG_MESSAGE_PRIMARY);
  n.detail = Field(r, PG_DIAG_MESSAGE_DETAIL);
  n.hint = Field(r, PG_DIAG_MESSAGE_HINT);
  std::lock_guard<std::mutex> lock(notice_mu);
  if (notice_route) {
    notice_route->Deliver(n);
  } else if (n.severity == "WARNING") {
    std::fprintf(stderr, "hyperdump: server %s\n", n.OneLine().c_str());
  }
}

}  // namespace

std::string ServerNotice::OneLine() const {
  std::string out = severity.empty() ? "NOTICE" : severity;
  if (!sqlstate.empty()) out += " " + sqlstate;
  out += ": " + message;
  if (!detail.empty()) out += " (" + detail + ")";
  if (!hint.empty()) out += " hint: " + hint;
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

NoticeRoute::NoticeRoute(Handler handler) : handler_(std::move(handler)) {
  std::lock_guard<std::mutex> lock(notice_mu);
  outer_ = notice_route;
  notice_route = this;
}

NoticeRoute::~NoticeRoute() {
  std::lock_guard<std::mutex> lock(notice_mu);
  // Routes end in reverse order of creation; if not, unlink this one anyway.
  if (notice_route == this) {
    notice_route = outer_;
  } else {
    for (NoticeRoute* r = notice_route; r; r = r->outer_) {
      if (r->outer_ == this) {
        r->outer_ = outer_;
        break;
      }
    }
  }
}

int64_t PgResult::GetInt(int row, int col) const {
  std::string_view v = Get(row, col);
  int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

Result<PgConnection> PgConnection::Connect(const std::string& conninfo,
                                           const std::string& application_name) {
  // expand_dbname=1 lets `conninfo` be a URI or key=value string; the
  // fallback application_name only applies if the user did not set one.
  const char* keys[] = {"dbname", "fallback_application_name", nullptr};
  const char* values[] = {conninfo.c_str(), application_name.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  PgConnection conn(raw);
  if (!raw) return Status(StatusCode::kConnection, "out of memory allocating a connection");
  PQsetNoticeReceiver(raw, ReceiveNotice, nullptr);
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(raw);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Status(StatusCode::kConnection,
                  "cannot connect to " + RedactConninfo(conninfo) + ": " + msg, "08001");
  }
  // Fixed session settings every statement relies on.
  HD_RETURN_IF_ERROR(conn.Run(
      "SET client_encoding = 'UTF8'; SET datestyle = 'ISO'; SET intervalstyle = 'postgres';"
      "SET extra_float_digits = 3; SET statement_timeout = 0;"));
  return conn;
}

Status PgConnection::ErrorStatus(const PGresult* r, const std::string& context) const {
  std::string msg;
  std::string sqlstate;
  if (r) {
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    const char* hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
    if (primary) msg = primary;
    if (detail) msg += std::string(" (") + detail + ")";
    if (hint) msg += std::string(" hint: ") + hint;
    if (state) sqlstate = state;
  }
  if (msg.empty() && c_) {
    msg = PQerrorMessage(c_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    // libpq's own messages run over lines ("server closed the connection
    // unexpectedly\n\tThis probably means..."): errors are printed as one.
    std::string flat;
    for (size_t i = 0; i < msg.size(); ++i) {
      if (msg[i] != '\n') {
        flat += msg[i];
        continue;
      }
      while (i + 1 < msg.size() && (msg[i + 1] == '\t' || msg[i + 1] == ' ')) ++i;
      flat += ' ';
    }
    msg = flat;
  }
  StatusCode code = StatusCode::kDatabase;
  if (!c_ || PQstatus(c_) != CONNECTION_OK) {
    code = StatusCode::kConnection;
    if (sqlstate.empty()) sqlstate = "08006";
  }
  if (!sqlstate.empty()) msg += " [SQLSTATE " + sqlstate + "]";
  return Status(code, context.empty() ? msg : context + ": " + msg, sqlstate);
}

Result<PgResult> PgConnection::Exec(const std::string& sql) {
  PgResult r(PQexec(c_, sql.c_str()));
  ExecStatusType st = PQresultStatus(r.raw());
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
  return ErrorStatus(r.raw(), "");
}

Result<PgResult> PgConnection::ExecParams(const std::string& sql,
                                          const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PgResult r(PQexecParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                          nullptr, nullptr, 0));
  ExecStatusType st = PQresultStatus(r.raw());
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
  return ErrorStatus(r.raw(), "");
}

Result<PgResult> PgConnection::ExecBinary(const std::string& sql,
                                          const std::vector<std::string>& params,
                                          const std::vector<bool>& binary, bool binary_result) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (size_t i = 0; i < params.size(); ++i) {
    values.push_back(params[i].c_str());
    lengths.push_back(static_cast<int>(params[i].size()));
    formats.push_back(i < binary.size() && binary[i] ? 1 : 0);
  }
  PgResult r(PQexecParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                          lengths.data(), formats.data(), binary_result ? 1 : 0));
  ExecStatusType st = PQresultStatus(r.raw());
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
  return ErrorStatus(r.raw(), "");
}

Status PgConnection::Run(const std::string& sql) {
  auto r = Exec(sql);
  return r.ok() ? Status::Ok() : r.status();
}

void PgConnection::Cancel() {
  if (!c_) return;
  PGcancel* cancel = PQgetCancel(c_);
  if (!cancel) return;
  char err[256];
  PQcancel(cancel, err, sizeof err);
  PQfreeCancel(cancel);
}

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

bool ReadIdent(std::string_view s, size_t& pos, std::string* name, bool* quoted) {
  if (pos >= s.size()) return false;
  std::string out;
  size_t at = pos;
  if (s[at] == '"') {
    for (++at; at < s.size(); ++at) {
      if (s[at] != '"') {
        out += s[at];
      } else if (at + 1 < s.size() && s[at + 1] == '"') {
        out += '"';
        ++at;
      } else {
        break;
      }
    }
    if (at >= s.size()) return false;  // no closing quote
    ++at;
  } else {
    auto word_char = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
             (static_cast<unsigned char>(c) & 0x80);
    };
    while (at < s.size() && word_char(s[at])) out += s[at++];
    if (out.empty()) return false;
  }
  if (quoted) *quoted = s[pos] == '"';
  *name = std::move(out);
  pos = at;
  return true;
}

std::string QualifiedName(std::string_view schema, std::string_view table) {
  return QuoteIdent(schema) + "." + QuoteIdent(table);
}

std::string QuoteLiteral(std::string_view value) {
  bool backslash = value.find('\\') != std::string_view::npos;
  std::string out = backslash ? "E'" : "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    if (c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

bool IsLockBusy(const Status& status) {
  // 55P03 lock_not_available (NOWAIT and lock_timeout both raise it).
  return status.sqlstate() == "55P03";
}

bool IsTransient(const Status& status) {
  if (status.ok()) return false;
  if (status.code() == StatusCode::kConnection) return true;
  const std::string& s = status.sqlstate();
  return s == "40001" ||         // serialization_failure
         s == "40P01" ||         // deadlock_detected
         s == "55P03" ||         // lock_not_available
         s == "57P01" ||         // admin_shutdown
         s == "57P02" ||         // crash_shutdown
         s == "57P03" ||         // cannot_connect_now
         s.rfind("08", 0) == 0;  // connection exceptions
}

}  // namespace hyperdump::engine
