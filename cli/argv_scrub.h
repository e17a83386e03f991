// Hides passwords given on the command line from other users' `ps`.
//
// /proc/PID/cmdline shows a process's argument strings as they are in its
// memory: a password in `-d postgresql://u:secret@h/db` or `-d "password=x"`
// would be readable by every local user for as long as hyperdump runs.
// ScrubArgv copies the arguments (for the parser), then overwrites each
// password in the original strings with '*' of the same length. Children
// never get a password in their arguments either (engine/subprocess.h puts
// it in their environment).
#ifndef HYPERDUMP_CLI_ARGV_SCRUB_H_
#define HYPERDUMP_CLI_ARGV_SCRUB_H_

#include <string>
#include <vector>

namespace hyperdump::cli {

// The arguments as given, then argv's passwords masked in place.
std::vector<std::string> ScrubArgv(int argc, char** argv);

// Masks, in place, the password of a URI with user info
// (scheme://user:secret@...) and the value of any key ending in "password"
// (key=value, quoted or not; ?password=...&). Returns how many it masked.
int MaskPasswords(std::string& arg);

}  // namespace hyperdump::cli

#endif  // HYPERDUMP_CLI_ARGV_SCRUB_H_
