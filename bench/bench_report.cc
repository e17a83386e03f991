// FormatBenchTable and FormatBenchJson (bench/bench.h): the same figures,
// for people and for machines.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "base/units.h"
#include "bench/bench.h"

namespace hyperdump::bench {
namespace {

std::string Format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

std::string RestoreNote(const BenchReport& r) {
  return r.timescaledb == "none"
             ? "pg_restore -j N"
             : "the staged procedure (pre-data; catalog data alone; data -j N; post-data -j N)";
}

}  // namespace

std::string FormatBenchTable(const BenchReport& r) {
  std::string out;
  out +=
      Format("source: %s (--size %s%s): %s on disk, %lld rows in %lld tables, TimescaleDB: %s%s\n",
             r.source_db.c_str(), r.size_text.c_str(),
             r.shape == "skewed" ? ", --shape skewed" : "", HumanBytes(r.source_bytes).c_str(),
             static_cast<long long>(r.source_rows), static_cast<long long>(r.source_tables),
             r.timescaledb.c_str(), r.source_reused ? " (reused)" : "");
  out += Format("PostgreSQL %d server; pg_dump/pg_restore %d from %s\n", r.server_major,
                r.client_major, r.pg_bindir.c_str());
  out += "\n";
  out += Format("%-18s %-8s %4s %9s %9s %12s %11s %7s\n", "tool", "step", "jobs", "seconds",
                "MiB/s", "rows/s", "archive", "ratio");
  for (const BenchRun& run : r.runs) {
    out += Format("%-18s %-8s %4d %9.2f %9.1f %12.0f %11s %6.2fx\n", run.tool.c_str(),
                  run.operation.c_str(), run.jobs, run.seconds, r.BytesPerSecond(run) / (1 << 20),
                  r.RowsPerSecond(run), HumanBytes(run.archive_bytes).c_str(), run.ratio);
  }
  out += "\n";
  out += "every restored database was compared row for row with the source: equal\n";
  out += "MiB/s and rows/s: the source's size on disk and rows over the seconds; ratio: the\n";
  out += "pg_dump or pg_restore time at the same -j over this one's (above 1: faster);\n";
  out += "restore with pg_restore: " + RestoreNote(r) + "\n";
  return out;
}

std::string FormatBenchJson(const BenchReport& r) {
  nlohmann::ordered_json j;  // fields in the order docs/user-guide.md shows
  j["source"] = {{"database", r.source_db},
                 {"size", r.size_text},
                 {"shape", r.shape.empty() ? "demo" : r.shape},
                 {"reused", r.source_reused},
                 {"bytes", r.source_bytes},
                 {"rows", r.source_rows},
                 {"tables", r.source_tables},
                 {"timescaledb", r.timescaledb}};
  j["postgresql"] = {
      {"server_major", r.server_major}, {"client_major", r.client_major}, {"bindir", r.pg_bindir}};
  j["runs"] = nlohmann::ordered_json::array();
  for (const BenchRun& run : r.runs) {
    j["runs"].push_back({{"tool", run.tool},
                         {"operation", run.operation},
                         {"jobs", run.jobs},
                         {"seconds", run.seconds},
                         {"mb_per_s", r.BytesPerSecond(run) / 1e6},  // 10^6: a field scripts read
                         {"rows_per_s", r.RowsPerSecond(run)},
                         {"archive_bytes", run.archive_bytes},
                         {"ratio", run.ratio},
                         {"verified", true}});
  }
  return j.dump(2) + "\n";
}

}  // namespace hyperdump::bench
