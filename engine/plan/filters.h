// pg_dump-compatible object selection: -n/-N schema patterns and -t/-T table
// patterns, written as psql patterns.
//
// A pattern is translated here, exactly as psql's processSQLNamePattern does,
// into anchored POSIX regular expressions; the server evaluates them with the
// `~` operator (engine/plan/discovery.cc), so matching uses PostgreSQL's own regex
// engine, like pg_dump. Pure functions, no state: safe from any thread.
#ifndef HYPERDUMP_ENGINE_PLAN_FILTERS_H_
#define HYPERDUMP_ENGINE_PLAN_FILTERS_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hyperdump::engine {

// A psql pattern split at its unquoted dots and turned into regexes.
// Rules (psql "Patterns"): unquoted letters fold to lower case, `*` is any
// run of characters, `?` any one character, `.` separates database, schema
// and name; inside double quotes case is kept, `*`, `?` and `.` are literal
// and `""` is one quote; `$` is always literal; other regex characters pass
// through outside quotes (as in psql) and are escaped inside them.
struct NamePattern {
  std::optional<std::string> database;  // "db" of db.schema.name (literal text)
  std::optional<std::string> schema;    // anchored regex, e.g. "^(public)$"; none = unqualified
  std::string name;                     // anchored regex for the last part
};

// Parses a schema pattern (-n/-N): one part, or db.schema.
Result<NamePattern> ParseSchemaPattern(std::string_view pattern);
// Parses a table pattern (-t/-T): name, schema.name or db.schema.name.
Result<NamePattern> ParseTablePattern(std::string_view pattern);

// True when `regex` (from a NamePattern) matches every name, i.e. "^(.*)$":
// psql then drops the condition.
inline bool MatchesEverything(const std::string& regex) { return regex == "^(.*)$"; }

// A pattern matching exactly one name, whatever characters it holds: each
// part double-quoted (so `*`, `?`, `.` and regex characters are literal and
// case is kept), `"` doubled. "public"."a*b"; ExactSchemaPattern: "public".
std::string ExactSchemaPattern(std::string_view schema);
std::string ExactTablePattern(std::string_view schema, std::string_view name);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PLAN_FILTERS_H_
