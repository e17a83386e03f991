#include "bench/bench_pg.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <utility>
#include <vector>

#include "engine/pg/local_files.h"
#include "engine/pg/pg.h"
#include "engine/pg/subprocess.h"

namespace hyperdump::bench {

using engine::ConninfoForChild;
using engine::PgConnection;
using engine::ReadWholeFile;
using engine::RunProgram;
namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

// Runs `<bindir>/<program> args... --dbname=<conninfo>` (when conninfo is not
// empty), its stdout in <work_dir>/<step>.out.
Status RunTool(const PgTools& tools, const std::string& program, std::vector<std::string> args,
               const std::string& conninfo, const std::string& step) {
  Env env;
  std::vector<std::string> argv = {tools.bindir + "/" + program};
  if (!conninfo.empty()) argv.push_back("--dbname=" + ConninfoForChild(conninfo, env));
  for (std::string& a : args) argv.push_back(std::move(a));
  return RunProgram(argv, tools.work_dir + "/" + step + ".out", program + " (" + step + ")",
                    tools.interrupt, env);
}

bool IsCatalogData(const std::string& toc_line) {
  static const std::regex kCatalog(
      R"(^[0-9]+; [0-9]+ [0-9]+ TABLE DATA (_timescaledb_catalog|_timescaledb_config) )");
  return std::regex_search(toc_line, kCatalog);
}

// Writes the lines of the TOC listing `from` that `keep` accepts to `to`
// (a pg_restore -L list).
Status FilterList(const std::string& from, const std::string& to, bool catalog) {
  HD_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(from));
  std::ofstream out(to);
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] == ';') continue;  // comments
    if (IsCatalogData(line) == catalog) out << line << '\n';
  }
  out.close();
  if (!out) return IoError("cannot write " + to);
  return Status::Ok();
}

}  // namespace

Status RunPgDump(const PgTools& tools, const std::string& source, const std::string& dir,
                 int jobs) {
  return RunTool(tools, "pg_dump", {"-Fd", "-j", std::to_string(jobs), "-f", dir}, source,
                 "pg_dump");
}

Status RunPgRestore(const PgTools& tools, const std::string& target, const std::string& dir,
                    int jobs) {
  return RunTool(tools, "pg_restore", {"-j", std::to_string(jobs), dir}, target, "pg_restore");
}

Status RunStagedPgRestore(const PgTools& tools, const std::string& target, const std::string& dir,
                          int jobs, StagedPhase phase) {
  const std::string toc = tools.work_dir + "/list_all.out";
  const std::string data_toc = tools.work_dir + "/list_data.out";
  const std::string catalog_list = tools.work_dir + "/catalog.list";
  const std::string data_list = tools.work_dir + "/data.list";
  auto runs = [phase](StagedPhase step) { return phase == StagedPhase::kAll || phase == step; };
  if (runs(StagedPhase::kCatalog) || runs(StagedPhase::kData)) {
    HD_RETURN_IF_ERROR(RunTool(tools, "pg_restore", {"-l", dir}, "", "list_all"));
    HD_RETURN_IF_ERROR(
        RunTool(tools, "pg_restore", {"-l", "--section=data", dir}, "", "list_data"));
    HD_RETURN_IF_ERROR(FilterList(toc, catalog_list, /*catalog=*/true));
    HD_RETURN_IF_ERROR(FilterList(data_toc, data_list, /*catalog=*/false));
  }

  HD_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(target, "hyperdump bench"));
  const std::string j = std::to_string(jobs);
  Status st = Status::Ok();
  if (runs(StagedPhase::kStart)) {
    st = conn.Run("CREATE EXTENSION IF NOT EXISTS timescaledb")
             .WithContext("staged pg_restore: CREATE EXTENSION timescaledb");
    if (st.ok()) {
      st = conn.Run("SELECT timescaledb_pre_restore()")
               .WithContext("staged pg_restore: timescaledb_pre_restore()");
    }
    if (st.ok()) st = RunTool(tools, "pg_restore", {"--section=pre-data", dir}, target, "pre_data");
  }
  if (st.ok() && runs(StagedPhase::kCatalog)) {
    st = RunTool(tools, "pg_restore", {"-L", catalog_list, dir}, target, "catalog");
  }
  if (st.ok() && runs(StagedPhase::kData)) {
    st = RunTool(tools, "pg_restore", {"-j", j, "-L", data_list, dir}, target, "data");
  }
  if (st.ok() && runs(StagedPhase::kPostData)) {
    st = RunTool(tools, "pg_restore", {"-j", j, "--section=post-data", dir}, target, "post_data");
  }
  if (phase != StagedPhase::kAll && phase != StagedPhase::kEnd) return st;
  // timescaledb_post_restore() on every path, as a user would after a failure.
  Status post = conn.Run("SELECT timescaledb_post_restore()")
                    .WithContext("staged pg_restore: timescaledb_post_restore()");
  return st.ok() ? post : st.WithContext("staged pg_restore");
}

uint64_t DirectoryBytes(const std::string& path) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

}  // namespace hyperdump::bench
