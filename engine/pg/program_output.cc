#include "engine/pg/program_output.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/pg/subprocess.h"

namespace hyperdump::engine {

Result<std::unique_ptr<ProgramOutput>> ProgramOutput::Start(const std::vector<std::string>& argv,
                                                            const std::string& what) {
  HD_ASSIGN_OR_RETURN(TempDir scratch, TempDir::Create("hyperdump-child"));
  const std::string err_path = scratch.path() + "/stderr";
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (err < 0) return Internal("cannot create " + err_path + ": " + std::strerror(errno));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ::close(err);
    return Internal("cannot create a pipe for " + what + ": " + std::strerror(errno));
  }
  // posix_spawn, not fork: a restore starts a child per data item, and
  // fork would copy this multi-threaded process's page tables each time
  // (most of a small item's cost, measured). The child gets a process
  // group of its own, so that Ctrl-C in the terminal reaches us only and
  // we decide when it stops (the destructor's SIGTERM).
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err, 2);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(err);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Internal("cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  return std::unique_ptr<ProgramOutput>(new ProgramOutput(pid, fds[0], std::move(scratch), what));
}

ProgramOutput::~ProgramOutput() {
  if (fd_ >= 0) ::close(fd_);
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int wstatus = 0;
    while (::waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
    }
  }
}

Status ProgramOutput::Reap() {
  int wstatus = 0;
  pid_t r;
  while ((r = ::waitpid(pid_, &wstatus, 0)) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (r < 0) return Internal("waitpid failed: " + std::string(std::strerror(errno)));
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return Status::Ok();
  return ChildFailed(what_, wstatus, scratch_.path() + "/stderr");
}

Result<size_t> ProgramOutput::Read(char* buf, size_t cap) {
  if (!error_.ok()) return error_;
  if (done_) return size_t{0};
  for (;;) {
    ssize_t n = ::read(fd_, buf, cap);
    if (n > 0) return static_cast<size_t>(n);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error_ = Internal("reading the output of " + what_ + ": " + std::strerror(errno));
      return error_;
    }
    break;
  }
  ::close(fd_);
  fd_ = -1;
  error_ = Reap();
  if (!error_.ok()) return error_;
  done_ = true;
  return size_t{0};
}

}  // namespace hyperdump::engine
