#include "engine/cpu_log.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace hyperdump::engine {

namespace {

// utime + stime of process `pid`, in seconds; -1 when unreadable.
double ProcessCpu(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');  // the command name may hold spaces
  if (!in.good() && stat.empty()) return -1;
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f;
  for (std::string w; fields >> w && f.size() < 13;) f.push_back(w);
  if (f.size() < 13) return -1;
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (std::stod(f[11]) + std::stod(f[12])) / hz;  // fields 14 and 15
}

double ThreadCpu() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

CpuMark MarkCpu(int backend_pid) {
  return {std::chrono::steady_clock::now(), ProcessCpu(backend_pid), ThreadCpu()};
}

Result<std::unique_ptr<CpuLog>> CpuLog::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return InvalidArgument("--cpu-log: cannot create " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<CpuLog>(new CpuLog(fd));
}

CpuLog::~CpuLog() { ::close(fd_); }

void CpuLog::Record(nlohmann::json fields, const CpuMark& before, const CpuMark& after) {
  auto round3 = [](double v) { return static_cast<double>(static_cast<int64_t>(v * 1000)) / 1000; };
  fields["wall_s"] = round3(std::chrono::duration<double>(after.at - before.at).count());
  fields["server_cpu_s"] = before.server_s < 0 || after.server_s < 0
                               ? nlohmann::json(nullptr)
                               : nlohmann::json(round3(after.server_s - before.server_s));
  fields["client_cpu_s"] = round3(after.client_s - before.client_s);
  std::string line = fields.dump() + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  ssize_t n = ::write(fd_, line.data(), line.size());
  (void)n;
}

}  // namespace hyperdump::engine
