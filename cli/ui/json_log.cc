#include "cli/ui/json_log.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "base/redact.h"
#include "cli/ui/timeline.h"

namespace hyperdump::ui {

using scheduler::Event;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::string FormatTimestamp(std::chrono::system_clock::time_point t) {
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  if (ms % 1000 < 0) --secs;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(((ms % 1000) + 1000) % 1000));
  return buf;
}

JsonLogSink::JsonLogSink(std::FILE* out, Options options)
    : file_(out), options_(std::move(options)) {
  Init();
}

JsonLogSink::JsonLogSink(std::ostream& out, Options options)
    : stream_(&out), options_(std::move(options)) {
  Init();
}

void JsonLogSink::Init() {
  steady_base_ = options_.steady_now ? options_.steady_now() : std::chrono::steady_clock::now();
  wall_base_ = options_.wall_now ? options_.wall_now() : std::chrono::system_clock::now();
}

std::string JsonLogSink::Timestamp(std::chrono::steady_clock::time_point at) const {
  return FormatTimestamp(wall_base_ +
                         duration_cast<std::chrono::system_clock::duration>(at - steady_base_));
}

void JsonLogSink::WriteLine(const std::string& line) {
  if (file_ != nullptr) {
    std::fputs(line.c_str(), file_);
    std::fputc('\n', file_);
    std::fflush(file_);
  } else if (stream_ != nullptr) {
    *stream_ << line << '\n';
    stream_->flush();
  }
}

namespace {

void AddStatus(const Status& s, nlohmann::json* j) {
  if (s.ok()) return;
  (*j)["error"] = RedactSecrets(s.message());
  (*j)["code"] = StatusCodeName(s.code());
  if (!s.sqlstate().empty()) (*j)["sqlstate"] = s.sqlstate();
}

// Invalid UTF-8 in an object name must not make dump() throw.
std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void JsonLogSink::OnEvent(const Event& e) {
  if (!options_.all_events && (e.type == Event::kQueued || e.type == Event::kProgress)) {
    // Still needed for the end-of-attempt totals.
    if (e.type == Event::kProgress) {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = running_.find(e.job);
      if (it != running_.end()) {
        it->second.bytes += e.bytes;
        it->second.rows += e.rows;
      }
    }
    return;
  }
  nlohmann::json j;
  j["ts"] = Timestamp(e.at);
  j["event"] = EventName(e.type);
  j["job"] = e.job;
  j["name"] = RedactSecrets(e.name);
  j["kind"] = e.kind;
  if (!e.side.empty()) j["side"] = e.side;
  if (e.slot >= 0) j["slot"] = e.slot;

  std::lock_guard<std::mutex> lock(mu_);
  switch (e.type) {
    case Event::kStarted: {
      Attempt a;
      a.start = e.at;
      a.attempt = ++attempts_[e.job];
      running_[e.job] = a;
      j["attempt"] = a.attempt;
      break;
    }
    case Event::kProgress: {
      auto it = running_.find(e.job);
      if (it != running_.end()) {
        it->second.bytes += e.bytes;
        it->second.rows += e.rows;
      }
      j["bytes"] = e.bytes;  // this report's increment
      j["rows"] = e.rows;
      break;
    }
    case Event::kFinished:
    case Event::kRetry:
    case Event::kRequeued:
    case Event::kFailed:
    case Event::kCancelled: {
      auto it = running_.find(e.job);
      if (it != running_.end()) {
        j["attempt"] = it->second.attempt;
        j["bytes"] = it->second.bytes;
        j["rows"] = it->second.rows;
        j["duration_ms"] = duration_cast<milliseconds>(e.at - it->second.start).count();
        running_.erase(it);
      }
      AddStatus(e.status, &j);
      if (!e.detail.empty()) j["detail"] = RedactSecrets(e.detail);
      break;
    }
    case Event::kQueued:
      break;
  }
  WriteLine(Dump(j));
}

void JsonLogSink::LogPhase(const std::string& phase) {
  nlohmann::json j;
  j["ts"] =
      Timestamp(options_.steady_now ? options_.steady_now() : std::chrono::steady_clock::now());
  j["event"] = "phase";
  j["phase"] = phase;
  std::lock_guard<std::mutex> lock(mu_);
  WriteLine(Dump(j));
}

void JsonLogSink::LogEstimate(uint64_t bytes, uint64_t rows) {
  nlohmann::json j;
  j["ts"] =
      Timestamp(options_.steady_now ? options_.steady_now() : std::chrono::steady_clock::now());
  j["event"] = "estimate";
  j["bytes"] = bytes;
  j["rows"] = rows;
  std::lock_guard<std::mutex> lock(mu_);
  WriteLine(Dump(j));
}

void JsonLogSink::LogWarning(const std::string& message) {
  nlohmann::json j;
  j["ts"] =
      Timestamp(options_.steady_now ? options_.steady_now() : std::chrono::steady_clock::now());
  j["event"] = "warning";
  j["message"] = RedactSecrets(message);
  std::lock_guard<std::mutex> lock(mu_);
  WriteLine(Dump(j));
}

void JsonLogSink::LogServerNotice(const std::string& severity, const std::string& sqlstate,
                                  const std::string& message) {
  nlohmann::json j;
  j["ts"] =
      Timestamp(options_.steady_now ? options_.steady_now() : std::chrono::steady_clock::now());
  j["event"] = "warning";
  j["source"] = "server";
  j["severity"] = severity;
  j["sqlstate"] = sqlstate;
  j["message"] = RedactSecrets(message);
  std::lock_guard<std::mutex> lock(mu_);
  WriteLine(Dump(j));
}

void JsonLogSink::LogError(const Status& status) {
  if (status.ok()) return;
  nlohmann::json j;
  j["ts"] =
      Timestamp(options_.steady_now ? options_.steady_now() : std::chrono::steady_clock::now());
  j["event"] = "error";
  AddStatus(status, &j);
  std::lock_guard<std::mutex> lock(mu_);
  WriteLine(Dump(j));
}

void JsonLogSink::LogSummary(const RunSummary& s) {
  nlohmann::json j;
  j["ts"] =
      Timestamp(options_.steady_now ? options_.steady_now() : std::chrono::steady_clock::now());
  j["event"] = "summary";
  j["command"] = s.command;
  j["outcome"] = OutcomeWord(s.status);
  AddStatus(s.status, &j);
  j["duration_ms"] = s.total.count();
  nlohmann::json phases = nlohmann::json::array();
  for (const PhaseTiming& p : s.phases) {
    phases.push_back({{"phase", p.name}, {"duration_ms", p.duration.count()}});
  }
  j["phases"] = phases;
  j["bytes"] = s.bytes;
  j["rows"] = s.rows;
  j["jobs_done"] = s.jobs_done;
  j["jobs_failed"] = s.jobs_failed;
  j["jobs_cancelled"] = s.jobs_cancelled;
  j["retries"] = s.retries;
  j["requeues"] = s.requeues;
  j["slots"] = s.slots;
  j["busy_fraction"] = s.busy_fraction;
  if (s.peak_rss_kib > 0) {
    j["peak_rss_kib"] = s.peak_rss_kib;
    j["children_peak_rss_kib"] = s.children_peak_rss_kib;
  }
  nlohmann::json warnings = nlohmann::json::array();
  for (const std::string& w : s.warnings) warnings.push_back(RedactSecrets(w));
  j["warnings"] = warnings;
  std::lock_guard<std::mutex> lock(mu_);
  WriteLine(Dump(j));
}

}  // namespace hyperdump::ui
