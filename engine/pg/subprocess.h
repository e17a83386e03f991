// Running PostgreSQL's client programs (pg_dump, pg_restore, pg_dumpall).
//
// No shell is involved: arguments go to execv as they are, so no quoting can
// go wrong. The child inherits the environment (PGPASSWORD, PGSSLMODE...).
// Scratch files and directories are engine/pg/local_files.h's; shell quoting,
// for commands shown to a user, is base/shell_quote.h's.
#ifndef HYPERDUMP_ENGINE_PG_SUBPROCESS_H_
#define HYPERDUMP_ENGINE_PG_SUBPROCESS_H_

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace hyperdump::engine {

// Directory of pg_dump and friends: $PG_BINDIR, else the PostgreSQL 15 one.
std::string PgBinDir();

// Runs `argv` (argv[0] is the program's path) with stdout written to
// `stdout_path` and stderr kept. Polls `interrupt` (may be null) and stops
// the child with SIGTERM when it is set. A non-zero exit is an error whose
// message is "<what> failed: <its stderr>".
// `env` adds variables to the child's environment only.
Status RunProgram(const std::vector<std::string>& argv, const std::string& stdout_path,
                  const std::string& what, const std::atomic<bool>* interrupt,
                  const std::vector<std::pair<std::string, std::string>>& env = {});

// The error of a child that ended with `wstatus` (from waitpid) other than
// exit 0: kDatabase "<what> failed (exit code N | signal N): <its stderr>",
// the stderr read from `stderr_path`, trimmed, at most 2,000 characters.
Status ChildFailed(const std::string& what, int wstatus, const std::string& stderr_path);

// A libpq conninfo for a child's --dbname with any password taken out
// (argv is visible to every local user in ps); the password, if any, goes in
// `env` as PGPASSWORD. Unparsable input is returned as it is.
std::string ConninfoForChild(const std::string& conninfo,
                             std::vector<std::pair<std::string, std::string>>& env);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PG_SUBPROCESS_H_
