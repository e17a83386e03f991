#include "engine/plan/dump_plan.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "base/units.h"

namespace hyperdump::engine {

const char* TableKindName(TableKind kind) {
  switch (kind) {
    case TableKind::kTable:
      return "table";
    case TableKind::kPartition:
      return "partition";
    case TableKind::kInheritanceChild:
      return "inheritance_child";
    case TableKind::kChunk:
      return "chunk";
    case TableKind::kCompressedChunk:
      return "compressed_chunk";
    case TableKind::kHypertable:
      return "hypertable";
    case TableKind::kExtensionConfig:
      return "extension_config";
  }
  return "unknown";
}

namespace {

std::string Qualified(const TableInfo& t) { return t.schema + "." + t.name; }

std::string RangeText(const DataJob& job) {
  if (!job.range) return "all";
  std::string end = job.range->end_block == 0 ? "end" : std::to_string(job.range->end_block);
  return "[" + std::to_string(job.range->start_block) + "," + end + ")";
}

// What must come before a job's table, for people: extension config load
// order, and the table a chunk or companion belongs to.
std::string Dependencies(const TableInfo& t) {
  std::string out;
  auto add = [&out](const std::string& s) {
    if (!out.empty()) out += ", ";
    out += s;
  };
  for (const auto& a : t.load_after) add("after " + a);
  if (!t.compressed_of.empty()) add("companion of " + t.compressed_of);
  if (!t.hypertable.empty()) {
    add("hypertable " + t.hypertable);
  } else if (!t.parent.empty()) {
    add("parent " + t.parent);
  }
  if (!t.copy_filter.empty()) add(t.copy_filter);
  return out.empty() ? "-" : out;
}

}  // namespace

std::string FormatPlan(const DumpPlan& plan) {
  std::ostringstream out;
  const ServerFacts& s = plan.server;
  out << "database " << s.database << " on PostgreSQL " << s.server_version;
  if (!s.timescaledb_version.empty()) out << ", TimescaleDB " << s.timescaledb_version;
  out << "\n";
  int64_t total = 0;
  for (const auto& j : plan.jobs) total += j.estimated_bytes;
  out << plan.tables.size() << " tables, " << plan.jobs.size() << " data jobs, "
      << HumanBytes(static_cast<uint64_t>(total)) << " estimated, " << plan.sequences.size()
      << " sequences, " << plan.large_objects << " large objects\n\n";
  char line[128];
  std::snprintf(line, sizeof line, "%-14s %-17s %-14s %10s %12s  ", "JOB", "KIND", "RANGE", "SIZE",
                "ROWS(est)");
  out << line << "OBJECT  DEPENDENCIES\n";
  for (const auto& j : plan.jobs) {
    const TableInfo& t = plan.tables[j.table_index];
    std::snprintf(line, sizeof line, "%-14s %-17s %-14s %10s %12lld  ", j.id.c_str(),
                  TableKindName(t.kind), RangeText(j).c_str(),
                  HumanBytes(static_cast<uint64_t>(j.estimated_bytes)).c_str(),
                  static_cast<long long>(t.rows_estimate));
    out << line << Qualified(t) << "  " << Dependencies(t) << "\n";
  }
  if (!plan.sequences.empty()) out << "\nSEQUENCES\n";
  for (const auto& q : plan.sequences) {
    out << "  " << q.schema << "." << q.name << " = " << q.last_value
        << (q.is_called ? " (called)" : " (not called)");
    if (!q.owned_by.empty()) out << " owned by " << q.owned_by;
    out << "\n";
  }
  if (plan.large_objects > 0) out << "\nLARGE OBJECTS: " << plan.large_objects << "\n";
  return out.str();
}

}  // namespace hyperdump::engine

namespace hyperdump::engine {

std::vector<DataJob> PlanJobs(const std::vector<TableInfo>& tables, int64_t split_larger_than,
                              int slots) {
  std::vector<DataJob> jobs;
  jobs.reserve(tables.size());  // one each but for split tables: no copy by doubling
  char id[32];
  // The size above which a table splits, and the size of its ranges.
  int64_t over = split_larger_than, range = split_larger_than;
  if (split_larger_than == kSplitByBalance) {
    int64_t total = 0;
    for (const TableInfo& t : tables) total += t.bytes;
    const int64_t share = total / std::max(slots, 1);
    over = slots > 1 ? std::max(share + share / 4, kMinSplitRange) : 0;
    range = std::max(share, kMinSplitRange);
  }
  for (size_t i = 0; i < tables.size(); ++i) {
    const TableInfo& t = tables[i];
    std::snprintf(id, sizeof id, "t%06zu", i);
    int64_t pieces = 1;
    // Only plain heaps split: a ctid-range query on a TimescaleDB chunk goes
    // through TimescaleDB's planner, which reads `ONLY chunk` as empty and a
    // compressed chunk decompressed (copy_out.cc refuses it); chunks are
    // already TimescaleDB's own partitions, one job each.
    const bool splittable = t.kind == TableKind::kTable || t.kind == TableKind::kPartition ||
                            t.kind == TableKind::kInheritanceChild;
    if (over > 0 && splittable && t.bytes > over) {
      pieces = std::min<int64_t>((t.bytes + range - 1) / range, t.pages);
    }
    if (pieces <= 1) {
      jobs.push_back({id, i, std::nullopt, t.bytes});
      continue;
    }
    // Boundaries at k * pages / pieces: lengths differ by at most one block.
    for (int64_t k = 0; k < pieces; ++k) {
      int64_t start = k * t.pages / pieces;
      int64_t end = (k + 1) * t.pages / pieces;
      char rid[80];
      std::snprintf(rid, sizeof rid, "%s.r%03lld", id, static_cast<long long>(k));
      int64_t bytes = t.pages > 0 ? t.bytes * (end - start) / t.pages : 0;
      jobs.push_back({rid, i, CtidRange{start, k + 1 == pieces ? 0 : end}, bytes});
    }
  }
  std::stable_sort(jobs.begin(), jobs.end(), [](const DataJob& a, const DataJob& b) {
    if (a.estimated_bytes != b.estimated_bytes) return a.estimated_bytes > b.estimated_bytes;
    return a.id < b.id;
  });
  return jobs;
}

}  // namespace hyperdump::engine
