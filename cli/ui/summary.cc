#include "cli/ui/summary.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "base/redact.h"
#include "cli/ui/timeline.h"
#include "cli/ui/units.h"

namespace hyperdump::ui {

using scheduler::Event;

void AddEventTotals(const std::vector<Event>& events, RunSummary* summary) {
  std::set<scheduler::JobId> failed;
  for (const Event& e : events) {
    switch (e.type) {
      case Event::kFinished:
        ++summary->jobs_done;
        break;
      case Event::kRetry:
        ++summary->retries;
        break;
      case Event::kRequeued:
        ++summary->requeues;
        break;
      case Event::kFailed:
        failed.insert(e.job);
        break;
      case Event::kCancelled:
        ++summary->jobs_cancelled;
        break;
      default:
        break;
    }
  }
  summary->jobs_failed += failed.size();

  std::vector<JobSpan> spans = BuildSpans(events);
  std::set<int> slots;
  std::chrono::steady_clock::duration busy{0};
  std::chrono::steady_clock::time_point first = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::time_point::min();
  for (const JobSpan& s : spans) {
    if (s.outcome == Event::kFinished && !s.open) {
      summary->bytes += s.bytes;
      summary->rows += s.rows;
      if (!s.side.empty()) {
        summary->side_moved[s.side].first += s.bytes;
        summary->side_moved[s.side].second += s.rows;
      }
    }
    if (s.slot >= 0) slots.insert(s.slot);
    busy += s.end - s.start;
    first = std::min(first, s.start);
    last = std::max(last, s.end);
  }
  if (summary->side_moved.size() > 1) {  // the run moved what its slower side did
    summary->bytes = UINT64_MAX;
    for (const auto& [side, moved] : summary->side_moved) {
      if (moved.first < summary->bytes) {
        summary->bytes = moved.first;
        summary->rows = moved.second;
      }
    }
  }
  summary->slots = std::max(summary->slots, static_cast<int>(slots.size()));
  if (!spans.empty() && last > first && summary->slots > 0) {
    double capacity = std::chrono::duration<double>(last - first).count() * summary->slots;
    summary->busy_fraction = std::min(1.0, std::chrono::duration<double>(busy).count() / capacity);
  }
}

const char* OutcomeWord(const Status& status) {
  if (status.ok()) return "finished";
  if (status.code() == StatusCode::kCancelled) return "interrupted";
  return "failed";
}

namespace {
std::string Plural(uint64_t n, const char* one, const char* many) {
  return HumanCount(n) + " " + (n == 1 ? one : many);
}
}  // namespace

std::string FormatSummary(const RunSummary& s) {
  std::string out = "hyperdump";
  if (!s.command.empty()) out += " " + s.command;
  out += " ";
  out += OutcomeWord(s.status);
  out += s.status.ok() ? " in " : " after ";
  out += HumanDuration(s.total) + "\n";

  if (!s.phases.empty()) {
    out += "  phases:     ";
    for (size_t i = 0; i < s.phases.size(); ++i) {
      if (i) out += ", ";
      out += s.phases[i].name + " " + HumanDuration(s.phases[i].duration);
    }
    out += "\n";
  }
  if (s.side_moved.size() > 1) {
    out += "  moved:     ";
    for (const auto& [side, moved] : s.side_moved) {
      out += " " + side + " " + HumanBytes(moved.first) + ", " +
             Plural(moved.second, "row", "rows") + ";";
    }
    out.back() = '\n';
  } else {
    out += "  moved:      " + HumanBytes(s.bytes) + ", " + Plural(s.rows, "row", "rows") + "\n";
  }
  double secs = std::chrono::duration<double>(s.total).count();
  if (secs > 0) {
    out += "  throughput: " + HumanRate(static_cast<double>(s.bytes) / secs) + ", " +
           HumanCount(static_cast<uint64_t>(std::llround(static_cast<double>(s.rows) / secs))) +
           " rows/s\n";
  }
  out += "  jobs:       " + HumanCount(s.jobs_done) + " done, " + HumanCount(s.jobs_failed) +
         " failed, ";
  if (s.jobs_cancelled) out += HumanCount(s.jobs_cancelled) + " cancelled, ";
  out += Plural(s.retries, "retry", "retries") + ", " + HumanCount(s.requeues) + " requeued\n";
  if (s.slots > 0) {
    out += "  workers:    " + std::to_string(s.slots) + ", busy " +
           std::to_string(static_cast<int>(std::lround(s.busy_fraction * 100))) + "% of the time\n";
  }
  if (s.peak_rss_kib > 0) {
    out += "  memory:     peak " + HumanBytes(static_cast<uint64_t>(s.peak_rss_kib) * 1024);
    if (s.children_peak_rss_kib > 0) {
      out += " (pg_dump/pg_restore: " +
             HumanBytes(static_cast<uint64_t>(s.children_peak_rss_kib) * 1024) + ")";
    }
    out += "\n";
  }
  out += "  warnings:   " + std::to_string(s.warnings.size()) + "\n";
  for (const std::string& w : s.warnings) out += "    - " + RedactSecrets(w) + "\n";
  return out;
}

}  // namespace hyperdump::ui
