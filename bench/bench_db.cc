#include "bench/bench_db.h"

#include <cctype>
#include <cstdio>

#include "bench/demo_data.h"
#include "engine/pg/conninfo.h"
#include "engine/pg/local_files.h"
#include "engine/pg/subprocess.h"

namespace hyperdump::bench {

using engine::CompareDigests;
using engine::CompareReport;
using engine::ConninfoParam;
using engine::FormatConninfo;
using engine::ParseConninfo;
using engine::PgConnection;
using engine::PgResult;
using engine::QuoteIdent;
using engine::QuoteLiteral;
using engine::ReadWholeFile;
using engine::RunProgram;
using engine::TableDigest;

Result<std::string> ConninfoWithDatabase(const std::string& conninfo, const std::string& dbname) {
  auto params = ParseConninfo(conninfo);
  if (!params.ok()) return params.status().WithContext("-d/--dbname");
  std::vector<ConninfoParam> out;
  for (ConninfoParam& p : *params) {
    if (p.keyword != "dbname") out.push_back(std::move(p));
  }
  out.push_back({"dbname", dbname});
  return FormatConninfo(out);
}

std::string BenchSourceMarker(const BenchOptions& options) {
  return "hyperdump bench source v1: size=" + std::to_string(options.size_bytes) +
         " timescaledb=" + (options.timescaledb ? "auto" : "off") +
         (options.shape == DemoShape::kDemo
              ? ""
              : std::string(" shape=") + DemoShapeName(options.shape));
}

Status DropBenchDatabase(PgConnection& server, const std::string& name) {
  if (name.rfind(kBenchPrefix, 0) != 0) {
    return Internal("bench refuses to drop database \"" + name + "\": not one of its own");
  }
  server.Run("SET client_min_messages = warning").IgnoreError();  // no "does not exist" notice
  return server.Run("DROP DATABASE IF EXISTS " + QuoteIdent(name) + " WITH (FORCE)")
      .WithContext("dropping database " + name);
}

namespace {

Status CreateEmptyDatabase(PgConnection& server, const std::string& name) {
  return server.Run("CREATE DATABASE " + QuoteIdent(name) + " TEMPLATE template0 ENCODING 'UTF8'")
      .WithContext("creating database " + name);
}

// Builds the demo in the (new, empty) source and marks it complete.
Status BuildSource(PgConnection& server, const BenchOptions& options, const BenchLog& log) {
  HD_ASSIGN_OR_RETURN(std::string uri, ConninfoWithDatabase(options.server, kBenchSourceDb));
  HD_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(uri, "hyperdump bench"));
  DemoOptions demo;
  demo.target_bytes = options.size_bytes;
  demo.timescaledb = options.timescaledb;
  demo.shape = options.shape;
  log("building the demo database " + std::string(kBenchSourceDb) + " (--size " +
      options.size_text + ", --shape " + DemoShapeName(options.shape) + ")...");
  HD_RETURN_IF_ERROR(BuildDemoDatabase(conn, demo));
  // Hint bits and the visibility map set once, so no contender pays for them.
  HD_RETURN_IF_ERROR(conn.Run("VACUUM (ANALYZE)").WithContext("VACUUM ANALYZE of the source"));
  return server.Run("COMMENT ON DATABASE " + QuoteIdent(kBenchSourceDb) + " IS " +
                    QuoteLiteral(BenchSourceMarker(options)));
}

}  // namespace

Result<bool> PrepareBenchSource(PgConnection& server, const BenchOptions& options,
                                const BenchLog& log) {
  HD_ASSIGN_OR_RETURN(PgResult r, server.ExecParams("SELECT shobj_description(oid, 'pg_database') "
                                                    "FROM pg_database WHERE datname = $1",
                                                    {std::string(kBenchSourceDb)}));
  if (r.rows() == 1) {
    if (!r.IsNull(0, 0) && r.GetString(0, 0) == BenchSourceMarker(options)) {
      log("reusing the demo database " + std::string(kBenchSourceDb) + " (--size " +
          options.size_text + ")");
      return true;
    }
    log("dropping " + std::string(kBenchSourceDb) + ": built for another size or shape");
    HD_RETURN_IF_ERROR(DropBenchDatabase(server, kBenchSourceDb));
  }
  HD_RETURN_IF_ERROR(CreateEmptyDatabase(server, kBenchSourceDb));
  if (Status st = BuildSource(server, options, log); !st.ok()) {
    DropBenchDatabase(server, kBenchSourceDb).IgnoreError();
    return st.WithContext("building the bench's demo database");
  }
  return false;
}

Result<BenchTarget> BenchTarget::Create(const std::string& server_conninfo,
                                        const std::string& name) {
  HD_ASSIGN_OR_RETURN(std::string conninfo, ConninfoWithDatabase(server_conninfo, name));
  HD_ASSIGN_OR_RETURN(PgConnection server,
                      PgConnection::Connect(server_conninfo, "hyperdump bench"));
  HD_RETURN_IF_ERROR(DropBenchDatabase(server, name));  // left by a killed bench
  HD_RETURN_IF_ERROR(CreateEmptyDatabase(server, name));
  return BenchTarget(server_conninfo, name, conninfo);
}

BenchTarget::~BenchTarget() {
  if (name_.empty()) return;
  auto server = PgConnection::Connect(server_, "hyperdump bench");
  if (server.ok()) DropBenchDatabase(*server, name_).IgnoreError();
}

int ParsePgMajor(const std::string& version_line) {
  size_t p = version_line.find(") ");
  if (p == std::string::npos) return 0;
  p += 2;
  int major = 0;
  bool any = false;
  while (p < version_line.size() && std::isdigit(static_cast<unsigned char>(version_line[p]))) {
    major = major * 10 + (version_line[p++] - '0');
    any = true;
    if (major > 100000) return 0;
  }
  return any ? major : 0;
}

Result<int> CheckClientMajor(const std::string& bindir, int server_major,
                             const std::string& work_dir, const std::atomic<bool>& interrupt) {
  for (const char* program : {"pg_dump", "pg_restore"}) {
    std::string path = bindir + "/" + program;
    std::string out = work_dir + "/" + program + ".version";
    HD_RETURN_IF_ERROR(RunProgram({path, "--version"}, out, path + " --version", &interrupt));
    HD_ASSIGN_OR_RETURN(std::string line, ReadWholeFile(out));
    while (!line.empty() && line.back() == '\n') line.pop_back();
    int major = ParsePgMajor(line);
    if (major != server_major) {
      return Status(StatusCode::kUnsupportedVersion,
                    path + " is \"" + line + "\" but the server is PostgreSQL " +
                        std::to_string(server_major) +
                        ": the bench compares like with like, so set PG_BINDIR to the bin "
                        "directory of PostgreSQL " +
                        std::to_string(server_major) + "'s client programs (e.g. " +
                        "/usr/lib/postgresql/" + std::to_string(server_major) + "/bin)");
    }
  }
  return server_major;
}

Status VerifyEqual(const std::map<std::string, TableDigest>& source,
                   const std::map<std::string, TableDigest>& target, const std::string& what,
                   const std::string& target_db) {
  CompareReport report = CompareDigests(source, target);
  if (report.ok()) return Status::Ok();
  std::string tables;
  for (const auto& t : report.different) tables += "\n  DIFFERENT  " + t;
  for (const auto& t : report.missing) tables += "\n  MISSING    " + t + " (in source only)";
  for (const auto& t : report.extra) tables += "\n  EXTRA      " + t + " (in target only)";
  return Status(StatusCode::kInternal, what + ": database " + target_db +
                                           " does not hold the rows of its source " +
                                           kBenchSourceDb + "; no time counted:" + tables);
}

}  // namespace hyperdump::bench
