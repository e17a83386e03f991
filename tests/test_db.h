// Helpers for integration tests that need the throwaway PostgreSQL server
// started by scripts/with-pg (tests/README.md).
//
// The server's URI comes from HYPERDUMP_TEST_URI. Without it the tests skip
// with a message saying how to run them; they never fall back to a server
// they were not given. Each test works in its own ScratchDatabase, so tests
// can run in parallel (ctest -j) and leave nothing behind.
#ifndef HYPERDUMP_TESTS_TEST_DB_H_
#define HYPERDUMP_TESTS_TEST_DB_H_

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "base/shell_quote.h"
#include "engine/pg/pg.h"

namespace hyperdump::testing {

// The server URI from HYPERDUMP_TEST_URI (a libpq URI or key=value string
// naming an existing database, usually `postgres`); empty when unset.
std::string TestServerUri();

// Empty when the test server offers the real TimescaleDB (installed and in
// shared_preload_libraries, as scripts/with-pg sets it up); otherwise why not
// and the command that fixes it.
std::string TimescaleDbMissing();

// Fails the current test (never skips it) unless the server offers the real
// TimescaleDB: every TimescaleDB test runs on the real extension.
#define HD_REQUIRE_TIMESCALEDB()                                                    \
  do {                                                                              \
    if (std::string why = ::hyperdump::testing::TimescaleDbMissing(); !why.empty()) \
      GTEST_FAIL() << why;                                                          \
  } while (0)

// Skips the current test (from the test body or a fixture's SetUp) when no
// test server is configured.
#define HD_REQUIRE_TEST_SERVER()                                                     \
  do {                                                                               \
    if (::hyperdump::testing::TestServerUri().empty())                               \
      GTEST_SKIP() << "HYPERDUMP_TEST_URI is not set: run integration tests under "  \
                      "scripts/with-pg (e.g. scripts/with-pg ctest -L integration)"; \
  } while (0)

// A database created for one test and dropped (WITH (FORCE)) when the object
// goes away. Its name is `<prefix>_<pid>_<n>`, lower case, unique per process
// run. Construct it in a fixture's SetUp() or after HD_REQUIRE_TEST_SERVER():
// without a server the constructor only records a skip; if the server refuses
// to create the database it records a test failure and uri() stays empty.
// Not copyable or movable; use from the test's thread.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(std::string prefix);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  // A URI for this database (the server URI with the database replaced).
  const std::string& uri() const { return uri_; }
  const std::string& name() const { return name_; }
  // A new connection to this database; on failure records a test failure
  // and returns a connection whose ok() is false.
  engine::PgConnection Connect() const;

 private:
  std::string name_;
  std::string uri_;
};

// The single value `sql` returns on `conn`, as text ("<null>" for NULL). A
// query error or a result other than one row of one column records a test
// failure (naming the query) and returns "<error>".
std::string QueryValue(engine::PgConnection& conn, const std::string& sql);

// Records a test failure unless the two databases hold the same tables row
// for row (compare's digests), naming each table that differs, is missing
// or is extra; also unless the source has more than `min_tables` tables (a
// digest of nothing would compare equal).
void ExpectSameRows(const std::string& source_uri, const std::string& target_uri,
                    size_t min_tables = 1);

// The two databases compared after a restore of part of the data (`migrate
// --resume --partial`), whose output names the tables lacking data
// ("schema.name"; a hypertable lacks data through any chunk of it named).
struct PartialComparison {
  size_t equal = 0;      // tables identical
  size_t differing = 0;  // tables different, missing or extra
  // Differences no name in `lacking` explains; empty when every other table
  // is identical.
  std::vector<std::string> unaccounted;
  std::set<std::string> hypertables_lacking;  // hypertables of the chunks named
};
// Records a test failure when a database cannot be read.
PartialComparison CompareBeyondLacking(const std::string& source_uri, const std::string& target_uri,
                                       const std::set<std::string>& lacking);

// `s` quoted for sh (single quotes).
using ::hyperdump::ShellQuote;

// How a program ended and what it printed.
struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs `argv` (argv[0] the program) through sh, `env` ("K=V ...") prepended,
// stdout and stderr kept apart (stderr goes through `scratch_dir`/stderr.txt).
CommandResult RunCommand(const std::string& env, const std::vector<std::string>& argv,
                         const std::string& scratch_dir);

// `uri` with its database replaced by `dbname` (URI or key=value form).
std::string UriWithDatabase(const std::string& uri, const std::string& dbname);

}  // namespace hyperdump::testing

#endif  // HYPERDUMP_TESTS_TEST_DB_H_
