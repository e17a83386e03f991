// `--log-format json`: one JSON object per line, for log pipelines.
//
// Every line has "ts" (UTC, ISO 8601 with milliseconds) and "event". Job
// events add "job", "name", "kind", "slot"; the end of an attempt adds
// "attempt", "bytes", "rows", "duration_ms"; failures add "error", "code" and
// "sqlstate" (when PostgreSQL gave one); requeues add "detail". Phases,
// warnings, the run's error and its summary have events of their own.
// All free text goes through RedactSecrets: no password reaches the log.
#ifndef HYPERDUMP_CLI_UI_JSON_LOG_H_
#define HYPERDUMP_CLI_UI_JSON_LOG_H_

#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <unordered_map>

#include "base/status.h"
#include "cli/ui/summary.h"
#include "scheduler/events.h"

namespace hyperdump::ui {

// "2026-11-25T11:43:47.123Z".
std::string FormatTimestamp(std::chrono::system_clock::time_point t);

class JsonLogSink : public scheduler::EventSink {
 public:
  struct Options {
    // Also log kQueued and kProgress events (many: one per job and per
    // progress report). Off by default.
    bool all_events = false;
    // Steady clock (event times) and wall clock; tests inject both.
    std::function<std::chrono::steady_clock::time_point()> steady_now;
    std::function<std::chrono::system_clock::time_point()> wall_now;
  };

  // Writes to `out` (not owned, must outlive the sink), flushing each line.
  explicit JsonLogSink(std::FILE* out) : JsonLogSink(out, Options()) {}
  JsonLogSink(std::FILE* out, Options options);
  explicit JsonLogSink(std::ostream& out) : JsonLogSink(out, Options()) {}
  JsonLogSink(std::ostream& out, Options options);

  // Thread-safe; one whole line per call, never interleaved.
  void OnEvent(const scheduler::Event& event) override;

  void LogPhase(const std::string& phase);          // {"event":"phase","phase":...}
  void LogEstimate(uint64_t bytes, uint64_t rows);  // {"event":"estimate","bytes":...,"rows":...}
  void LogWarning(const std::string& message);      // {"event":"warning","message":...}
  // {"event":"warning","source":"server","severity":...,"sqlstate":...,"message":...}
  void LogServerNotice(const std::string& severity, const std::string& sqlstate,
                       const std::string& message);
  void LogError(const Status& status);         // {"event":"error","error":...,"code":...}
  void LogSummary(const RunSummary& summary);  // {"event":"summary",...}

 private:
  struct Attempt {
    std::chrono::steady_clock::time_point start;
    uint64_t bytes = 0, rows = 0;
    int attempt = 0;
  };
  void Init();
  std::string Timestamp(std::chrono::steady_clock::time_point at) const;
  void WriteLine(const std::string& line);  // mu_ held

  std::FILE* file_ = nullptr;
  std::ostream* stream_ = nullptr;
  Options options_;
  // Wall time = steady time + offset, fixed at construction so that the
  // timestamps of one run are monotonic.
  std::chrono::system_clock::time_point wall_base_;
  std::chrono::steady_clock::time_point steady_base_;

  std::mutex mu_;
  std::unordered_map<scheduler::JobId, Attempt> running_;
  std::unordered_map<scheduler::JobId, int> attempts_;
};

}  // namespace hyperdump::ui

#endif  // HYPERDUMP_CLI_UI_JSON_LOG_H_
