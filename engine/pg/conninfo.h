// Connection strings (libpq URIs and key=value conninfo) as libpq itself
// reads them (PQconninfoParse): rebuilt for a child process, shown with the
// secrets hidden, or printed without them. libpq's parser is the judge of
// what a connection string holds, so a form the patterns in base/redact.h do
// not know is still never printed with its password.
#ifndef HYPERDUMP_ENGINE_PG_CONNINFO_H_
#define HYPERDUMP_ENGINE_PG_CONNINFO_H_

#include <string>
#include <vector>

#include "base/status.h"

namespace hyperdump::engine {

// One keyword given a value (explicitly, in the string: not from PG*
// variables or defaults). `secret` for the ones libpq hides (password,
// sslpassword).
struct ConninfoParam {
  std::string keyword;
  std::string value;
  bool secret = false;
};

// The keywords set in `conninfo`, in libpq's order; kInvalidArgument naming
// libpq's reason when it is neither a URI nor a key=value string.
Result<std::vector<ConninfoParam>> ParseConninfo(const std::string& conninfo);

// key='value' key='value' ... (values quoted as libpq reads them).
std::string FormatConninfo(const std::vector<ConninfoParam>& params);

// The conninfo with every secret replaced by "********", for logs and
// errors: in the form it was written when the masking can be checked by
// libpq, else rebuilt from libpq's reading. Text libpq cannot parse gets
// base/redact.h's masking.
std::string RedactConninfo(const std::string& conninfo);

// The conninfo without its secrets (keys and values), for a command shown
// to the user: psql then takes the password from PGPASSWORD, ~/.pgpass or a
// prompt. In the form it was written when libpq agrees, else rebuilt.
std::string ConninfoWithoutSecrets(const std::string& conninfo);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PG_CONNINFO_H_
