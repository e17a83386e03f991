// Quoting for the POSIX shell, for the command lines hyperdump shows a user
// to copy (hints such as "psql -d '...' -c ...") and tests run through sh.
// hyperdump itself runs programs without a shell (engine/pg/subprocess.h).
#ifndef HYPERDUMP_BASE_SHELL_QUOTE_H_
#define HYPERDUMP_BASE_SHELL_QUOTE_H_

#include <string>

namespace hyperdump {

// `s` as one POSIX shell word ('...', with ' written '\'').
std::string ShellQuote(const std::string& s);

}  // namespace hyperdump

#endif  // HYPERDUMP_BASE_SHELL_QUOTE_H_
