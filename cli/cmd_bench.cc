// `hyperdump bench -d SERVER [--size 1GB] [-j 1,2,4] [--json]`: flags in,
// bench::RunBench, the comparison table (or JSON) out; progress on stderr.
#include <cstdio>
#include <memory>
#include <string>

#include "base/units.h"
#include "bench/bench.h"
#include "bench/demo_data.h"
#include "cli/commands.h"
#include "cli/version.h"

namespace hyperdump::cli {

CommandFn RegisterBench(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand(
      "bench",
      "Measure dump and restore on this server: hyperdump side by side with pg_dump/pg_restore "
      "on the demo database, every restore verified equal to its source");
  auto o = std::make_shared<bench::BenchOptions>();
  struct Flags {
    std::string jobs = "4";
    std::string shape = "demo";
    bool no_timescaledb = false, no_analyze = false, json = false, quiet = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("-d,--dbname", o->server,
                  "Server to measure, as a maintenance database (e.g. postgres); bench creates "
                  "and drops its own hyperdump_bench_* databases")
      ->required();
  cmd->add_option("--size", o->size_text, "Size of the demo database: 100MB, 2GB...")
      ->capture_default_str();
  cmd->add_option("-j,--jobs", f->jobs, "Job counts to measure, comma-separated (e.g. 1,2,4)")
      ->capture_default_str();
  cmd->add_option("--shape", f->shape,
                  "demo (data spread over many tables) or skewed (one table with three indexes "
                  "and a foreign key holds 90% of the data, next to small ones)")
      ->capture_default_str();
  cmd->add_flag("--no-timescaledb", f->no_timescaledb,
                "Build the demo without TimescaleDB even if the server has it");
  cmd->add_flag("--no-analyze", f->no_analyze,
                "hyperdump restore skips ANALYZE (pg_restore never runs it)");
  cmd->add_option("--keep", o->keep_dir,
                  "Keep the archives in DIR (new or empty) instead of a temporary directory");
  cmd->add_flag("--drop-source", o->drop_source,
                "Drop the demo database at the end too (else kept for the next bench)");
  cmd->add_flag("--json", f->json, "Print the results as JSON");
  cmd->add_flag("-q,--quiet", f->quiet, "No progress lines on stderr");
  return [o, f]() -> int {
    auto jobs = bench::ParseJobsList(f->jobs);
    if (!jobs.ok()) return ReportError(jobs.status());
    o->jobs = *jobs;
    auto size = ParseSize(o->size_text, "--size");
    if (size.ok() && *size == 0) size = InvalidArgument("--size must be at least one byte");
    if (!size.ok()) return ReportError(size.status());
    o->size_bytes = *size;
    auto shape = bench::ParseDemoShape(f->shape);
    if (!shape.ok()) return ReportError(shape.status());
    o->shape = *shape;
    o->timescaledb = !f->no_timescaledb;
    o->analyze = !f->no_analyze;
    o->tool_version = kVersion;
    const bool quiet = f->quiet;
    auto log = [quiet](const std::string& line) {
      if (!quiet) std::fprintf(stderr, "bench: %s\n", line.c_str());
    };
    auto report = bench::RunBench(*o, InterruptFlag(), log);
    if (!report.ok()) return ReportError(report.status());
    std::string out = f->json ? bench::FormatBenchJson(*report) : bench::FormatBenchTable(*report);
    std::fputs(out.c_str(), stdout);
    return kExitOk;
  };
}

}  // namespace hyperdump::cli
