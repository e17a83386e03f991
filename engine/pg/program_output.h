// A client program's standard output as a stream (pg_restore printing one
// data item of an archive, read while it prints).
//
// Like RunProgram (engine/pg/subprocess.h) there is no shell and the child
// inherits the environment; it runs in a process group of its own (Ctrl-C
// in the terminal reaches us, not it). Its stderr goes to a private scratch
// file, quoted in the error when it fails.
//
// Ownership: a ProgramOutput owns the child and the pipe's read end; the
// destructor of one whose child is still running stops it (SIGTERM) and
// reaps it, so no child outlives its reader. Used by one thread at a time.
#ifndef HYPERDUMP_ENGINE_PG_PROGRAM_OUTPUT_H_
#define HYPERDUMP_ENGINE_PG_PROGRAM_OUTPUT_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/pg/local_files.h"
#include "format/sink.h"

namespace hyperdump::engine {

class ProgramOutput final : public format::ByteSource {
 public:
  // Starts `argv` (argv[0] is the program's path); `what` names it in errors.
  static Result<std::unique_ptr<ProgramOutput>> Start(const std::vector<std::string>& argv,
                                                      const std::string& what);
  ~ProgramOutput() override;
  ProgramOutput(const ProgramOutput&) = delete;
  ProgramOutput& operator=(const ProgramOutput&) = delete;

  // Up to `cap` bytes of the child's stdout; 0 at its end, only once the
  // child has exited 0. A child that failed is kDatabase "<what> failed
  // (exit code N): <its stderr>"; errors are sticky.
  Result<size_t> Read(char* buf, size_t cap) override;

 private:
  ProgramOutput(pid_t pid, int fd, TempDir scratch, std::string what)
      : pid_(pid), fd_(fd), scratch_(std::move(scratch)), what_(std::move(what)) {}
  Status Reap();

  pid_t pid_;  // -1 once reaped
  int fd_;     // the pipe's read end; -1 once closed
  TempDir scratch_;
  std::string what_;
  Status error_;
  bool done_ = false;
};

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PG_PROGRAM_OUTPUT_H_
