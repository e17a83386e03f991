#include "engine/pg/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

#include "engine/pg/conninfo.h"
#include "engine/pg/local_files.h"

namespace hyperdump::engine {

std::string PgBinDir() {
  const char* env = std::getenv("PG_BINDIR");
  return env && *env ? env : "/usr/lib/postgresql/15/bin";
}

std::string ConninfoForChild(const std::string& conninfo,
                             std::vector<std::pair<std::string, std::string>>& env) {
  auto params = ParseConninfo(conninfo);
  if (!params.ok()) return conninfo;
  std::vector<ConninfoParam> kept;
  for (ConninfoParam& p : *params) {
    if (p.keyword == "password") {
      env.emplace_back("PGPASSWORD", p.value);
    } else {
      kept.push_back(std::move(p));
    }
  }
  return FormatConninfo(kept);
}

Status RunProgram(const std::vector<std::string>& argv, const std::string& stdout_path,
                  const std::string& what, const std::atomic<bool>* interrupt,
                  const std::vector<std::pair<std::string, std::string>>& env) {
  std::string err_path = stdout_path + ".stderr";
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The child's environment, built before fork: between fork and exec the
  // child of a multi-threaded process may only make async-signal-safe calls
  // (setenv may malloc, and another thread may hold malloc's lock).
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    bool overridden = false;
    for (const auto& kv : env) {
      if (entry.size() > kv.first.size() && entry.compare(0, kv.first.size(), kv.first) == 0 &&
          entry[kv.first.size()] == '=') {
        overridden = true;
      }
    }
    if (!overridden) env_strings.emplace_back(entry);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Internal("cannot start " + argv[0] + ": " + std::strerror(errno));
  if (pid == 0) {
    int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0) _exit(126);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::signal(SIGINT, SIG_IGN);  // Ctrl-C reaches us; we decide when it stops
    ::execve(args[0], args.data(), envp.data());
    dprintf(2, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  int wstatus = 0;
  bool killed = false;
  int polls = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &wstatus, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR)
      return Internal("waitpid failed: " + std::string(std::strerror(errno)));
    if (!killed && interrupt && interrupt->load()) {
      ::kill(pid, SIGTERM);
      killed = true;
    }
    // Poll quickly at first (short runs such as pg_restore -l end within
    // milliseconds), then every 20 ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(polls < 20 ? 1 : 20));
    ++polls;
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 && !killed) return Status::Ok();
  // Ctrl-C in a terminal reaches the child too (its whole process group): a
  // child that died of it, or that we stopped, failed because of the interrupt.
  if (killed || (interrupt && interrupt->load())) return Cancelled(what + " interrupted");
  return ChildFailed(what, wstatus, err_path);
}

Status ChildFailed(const std::string& what, int wstatus, const std::string& stderr_path) {
  auto err = ReadWholeFile(stderr_path);
  std::string text = err.ok() ? *err : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.size() > 2000) text = text.substr(0, 2000) + "...";
  std::string how = WIFEXITED(wstatus) ? "exit code " + std::to_string(WEXITSTATUS(wstatus))
                                       : "signal " + std::to_string(WTERMSIG(wstatus));
  return Status(StatusCode::kDatabase, what + " failed (" + how + "): " + text);
}

}  // namespace hyperdump::engine
