#include "tests/test_db.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "engine/compare.h"

namespace hyperdump::testing {

std::string TestServerUri() {
  const char* uri = std::getenv("HYPERDUMP_TEST_URI");
  return uri ? std::string(uri) : std::string();
}

std::string TimescaleDbMissing() {
  const std::string fix =
      "; run scripts/bootstrap as root (it builds and installs TimescaleDB 2.28.3), then run "
      "the tests under scripts/with-pg (scripts/test does both)";
  std::string server = TestServerUri();
  if (server.empty()) return "HYPERDUMP_TEST_URI is not set" + fix;
  auto conn = engine::PgConnection::Connect(server, "hyperdump-test");
  if (!conn.ok()) return conn.status().message();
  auto r = conn->Exec(
      "SELECT (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'),"
      " current_setting('shared_preload_libraries')");
  if (!r.ok()) return r.status().message();
  if (r->IsNull(0, 0)) return "TimescaleDB is not installed for the test server" + fix;
  if (r->Get(0, 1).find("timescaledb") == std::string_view::npos) {
    return "the test server does not preload timescaledb (shared_preload_libraries = '" +
           r->GetString(0, 1) + "')" + fix;
  }
  return "";
}

std::string UriWithDatabase(const std::string& uri, const std::string& dbname) {
  for (const char* scheme : {"postgresql://", "postgres://"}) {
    std::string s(scheme);
    if (uri.compare(0, s.size(), s) != 0) continue;
    // postgresql://[userinfo@]host[:port][/dbname][?params]
    size_t authority_end = uri.find_first_of("/?", s.size());
    std::string params;
    if (authority_end == std::string::npos) {
      authority_end = uri.size();
    } else if (size_t q = uri.find('?', authority_end); q != std::string::npos) {
      params = uri.substr(q);
    }
    return uri.substr(0, authority_end) + "/" + dbname + params;
  }
  // key=value: a later dbname overrides an earlier one.
  return uri + " dbname=" + dbname;
}

namespace {
std::atomic<int> scratch_counter{0};

// GTEST_SKIP() expands to `return <void expression>`, which a constructor may
// not contain; this wrapper gives it a function to return from.
void SkipWithoutServer() {
  GTEST_SKIP() << "HYPERDUMP_TEST_URI is not set: run integration tests under "
                  "scripts/with-pg (e.g. scripts/with-pg ctest -L integration)";
}

std::string SafeName(const std::string& prefix) {
  std::string out;
  for (char c : prefix) {
    unsigned char u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
  }
  if (out.empty()) out = "test";
  return out.substr(0, 40);
}
}  // namespace

ScratchDatabase::ScratchDatabase(std::string prefix) {
  std::string server = TestServerUri();
  if (server.empty()) {
    SkipWithoutServer();
    return;
  }
  std::string name = "hdt_" + SafeName(prefix) + "_" + std::to_string(getpid()) + "_" +
                     std::to_string(scratch_counter.fetch_add(1));
  auto conn = engine::PgConnection::Connect(server, "hyperdump-test");
  if (!conn.ok()) {
    ADD_FAILURE() << conn.status().message();
    return;
  }
  conn->Run("SET client_min_messages = warning").IgnoreError();  // no "does not exist" notice
  // Two statements, two round trips: DROP/CREATE DATABASE refuse to run in
  // the implicit transaction of a multi-statement string.
  Status st = conn->Run("DROP DATABASE IF EXISTS " + engine::QuoteIdent(name) + " WITH (FORCE)");
  if (st.ok()) {
    st = conn->Run("CREATE DATABASE " + engine::QuoteIdent(name) +
                   " TEMPLATE template0 ENCODING 'UTF8'");
  }
  if (!st.ok()) {
    ADD_FAILURE() << "creating scratch database " << name << ": " << st.message();
    return;
  }
  name_ = name;
  uri_ = UriWithDatabase(server, name);
}

ScratchDatabase::~ScratchDatabase() {
  if (name_.empty()) return;
  auto conn = engine::PgConnection::Connect(TestServerUri(), "hyperdump-test");
  if (!conn.ok()) return;
  // FORCE ends sessions a failed test left open. Keep the database when
  // HYPERDUMP_KEEP_TEST_DB is set, to inspect it after a failure.
  if (std::getenv("HYPERDUMP_KEEP_TEST_DB")) return;
  conn->Run("DROP DATABASE IF EXISTS " + engine::QuoteIdent(name_) + " WITH (FORCE)").IgnoreError();
}

engine::PgConnection ScratchDatabase::Connect() const {
  if (uri_.empty()) {
    ADD_FAILURE() << "no scratch database (see the earlier failure or skip)";
    return engine::PgConnection();
  }
  auto conn = engine::PgConnection::Connect(uri_, "hyperdump-test");
  if (!conn.ok()) {
    ADD_FAILURE() << conn.status().message();
    return engine::PgConnection();
  }
  return std::move(conn).value();
}

std::string QueryValue(engine::PgConnection& conn, const std::string& sql) {
  auto r = conn.Exec(sql);
  if (!r.ok()) {
    ADD_FAILURE() << sql << ": " << r.status().message();
    return "<error>";
  }
  if (r->rows() != 1 || r->columns() != 1) {
    ADD_FAILURE() << sql << ": expected one value, got " << r->rows() << " rows";
    return "<error>";
  }
  return r->IsNull(0, 0) ? "<null>" : r->GetString(0, 0);
}

CommandResult RunCommand(const std::string& env, const std::vector<std::string>& argv,
                         const std::string& scratch_dir) {
  const std::string err_path = scratch_dir + "/stderr.txt";
  std::string cmd = env;
  for (const std::string& a : argv) cmd += " " + ShellQuote(a);
  cmd += " 2>" + ShellQuote(err_path);
  CommandResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (FILE* e = fopen(err_path.c_str(), "r")) {
    while ((n = fread(buf.data(), 1, buf.size(), e)) > 0) r.err.append(buf.data(), n);
    fclose(e);
  }
  return r;
}

void ExpectSameRows(const std::string& source_uri, const std::string& target_uri,
                    size_t min_tables) {
  Result<engine::CompareReport> report = engine::CompareDatabases(source_uri, target_uri);
  ASSERT_TRUE(report.ok()) << report.status().message();
  std::string why;
  for (const auto& x : report->different) why += "\n  different: " + x;
  for (const auto& x : report->missing) why += "\n  missing: " + x;
  for (const auto& x : report->extra) why += "\n  extra: " + x;
  EXPECT_TRUE(report->ok()) << why;
  // The source's tables: those equal, different or missing in the target.
  EXPECT_GT(report->equal.size() + report->different.size() + report->missing.size(), min_tables);
}

PartialComparison CompareBeyondLacking(const std::string& source_uri, const std::string& target_uri,
                                       const std::set<std::string>& lacking) {
  PartialComparison out;
  Result<engine::CompareReport> compared = engine::CompareDatabases(source_uri, target_uri);
  if (!compared.ok()) {
    ADD_FAILURE() << compared.status().message();
    return out;
  }
  const engine::CompareReport& report = *compared;
  std::optional<engine::PgConnection> source;  // only when a chunk lacks data
  for (const std::string& chunk : lacking) {
    if (chunk.rfind("_timescaledb_internal.", 0) != 0) continue;
    if (!source) {
      auto conn = engine::PgConnection::Connect(source_uri);
      if (!conn.ok()) {
        ADD_FAILURE() << conn.status().message();
        return out;
      }
      source = std::move(conn).value();
    }
    out.hypertables_lacking.insert(QueryValue(
        *source,
        "SELECT h.schema_name || '.' || h.table_name FROM _timescaledb_catalog.chunk c JOIN "
        "_timescaledb_catalog.hypertable h ON h.id = c.hypertable_id WHERE c.schema_name || "
        "'.' || c.table_name = '" +
            chunk + "'"));
  }
  out.equal = report.equal.size();
  out.differing = report.different.size() + report.missing.size() + report.extra.size();
  // "schema.name: ..." or "schema.name (chunk ...): ..." or "schema.name
  // [hypertable...]: ...", where a name may hold spaces, dots and colons:
  // the line belongs to a table named lacking if it starts with that name
  // and one of those separators.
  auto explained = [&](const std::string& line) {
    const std::set<std::string>* const sets[] = {&lacking, &out.hypertables_lacking};
    for (const std::set<std::string>* names : sets) {
      for (const std::string& t : *names) {
        if (line.size() > t.size() && line.compare(0, t.size(), t) == 0 &&
            (line[t.size()] == ':' || line[t.size()] == ' ')) {
          return true;
        }
      }
    }
    return false;
  };
  for (const std::string& line : report.different) {
    if (!explained(line)) out.unaccounted.push_back(line);
  }
  for (const std::string& table : report.missing) {
    if (!lacking.count(table)) out.unaccounted.push_back(table + " (missing)");
  }
  for (const std::string& table : report.extra) out.unaccounted.push_back(table + " (extra)");
  return out;
}

}  // namespace hyperdump::testing
