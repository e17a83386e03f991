// Hides passwords given on the command line from other users' `ps`.
//
// /proc/PID/cmdline shows a process's argument strings as they are in its
// memory: a password in `-d postgresql://u:secret@h/db` or `-d "password=x"`
// would be readable by every local user for as long as hyperdump runs.
// ScrubArgv copies the arguments (for the parser), then overwrites each
// password in the original strings with '*' of the same length. Children
// never get a password in their arguments either (engine/pg/subprocess.h puts
// it in their environment).
#ifndef HYPERDUMP_CLI_ARGV_SCRUB_H_
#define HYPERDUMP_CLI_ARGV_SCRUB_H_

#include <string>
#include <vector>

namespace hyperdump::cli {

// The arguments as given, then argv's passwords masked in place.
std::vector<std::string> ScrubArgv(int argc, char** argv);

// Masks, in place, every secret base/redact.h finds (a URI's password, the
// value of any key ending in "password", quoted or not), keeping the
// length. Returns how many it masked.
int MaskPasswords(std::string& arg);

}  // namespace hyperdump::cli

#endif  // HYPERDUMP_CLI_ARGV_SCRUB_H_
