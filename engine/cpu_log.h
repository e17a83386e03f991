// --cpu-log FILE (issue 13 part 1): what each job cost, as one JSON line per
// job, for the benchmarks' per-job CPU breakdown: the wall time, the server
// backend's CPU seconds (utime + stime of /proc/<pid>/stat, readable when the
// server runs on this machine; null otherwise) and the client thread's
// (CLOCK_THREAD_CPUTIME_ID: the worker thread, which decodes, compresses and
// writes for its job).
//
// Threads: Record may be called from any worker; lines are written whole.
// Ownership: a CpuLog owns its file descriptor.
#ifndef HYPERDUMP_ENGINE_CPU_LOG_H_
#define HYPERDUMP_ENGINE_CPU_LOG_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace hyperdump::engine {

// A point in one job's life: wall clock, the backend's and this thread's CPU.
struct CpuMark {
  std::chrono::steady_clock::time_point at;
  double server_s = -1;  // < 0: the backend's /proc entry is not readable
  double client_s = 0;
};
CpuMark MarkCpu(int backend_pid);

class CpuLog {
 public:
  // Creates `path` (0600; an existing file is replaced).
  static Result<std::unique_ptr<CpuLog>> Open(const std::string& path);
  ~CpuLog();
  CpuLog(const CpuLog&) = delete;
  CpuLog& operator=(const CpuLog&) = delete;

  // Appends `fields` plus "wall_s", "server_cpu_s" (null when unknown) and
  // "client_cpu_s", from `before` to `after`. A failed write is ignored: the
  // log never fails a run.
  void Record(nlohmann::json fields, const CpuMark& before, const CpuMark& after);

 private:
  explicit CpuLog(int fd) : fd_(fd) {}
  std::mutex mu_;
  int fd_;
};

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_CPU_LOG_H_
