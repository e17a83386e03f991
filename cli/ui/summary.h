// The end-of-run summary: time per phase, volume, throughput, jobs, retries,
// warnings. A plain value filled by the command (phases, warnings, outcome)
// and by AddEventTotals (everything the scheduler saw).
#ifndef HYPERDUMP_CLI_UI_SUMMARY_H_
#define HYPERDUMP_CLI_UI_SUMMARY_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "scheduler/events.h"

namespace hyperdump::ui {

struct PhaseTiming {
  std::string name;
  std::chrono::milliseconds duration{0};
};

struct RunSummary {
  std::string command;  // "dump", "restore": the first word of the summary
  Status status;        // the run's outcome: finished, failed or interrupted
  std::chrono::milliseconds total{0};
  std::vector<PhaseTiming> phases;  // in the order they ran
  uint64_t bytes = 0, rows = 0;     // moved by jobs that finished
  // The same per Event::side, when a run has sides (`hyperdump migrate`):
  // side -> {bytes, rows}; `bytes` and `rows` are then the slower side's.
  std::map<std::string, std::pair<uint64_t, uint64_t>> side_moved;
  int slots = 0;  // worker slots that ran at least one job
  uint64_t jobs_done = 0, jobs_failed = 0, jobs_cancelled = 0;
  uint64_t retries = 0, requeues = 0;
  double busy_fraction = 0;  // share of slot time spent in jobs, 0..1
  // Peak resident memory (getrusage's ru_maxrss, KiB) of hyperdump itself
  // and of the largest child it ran (pg_dump, pg_restore); 0: not measured.
  int64_t peak_rss_kib = 0, children_peak_rss_kib = 0;
  std::vector<std::string> warnings;
};

// Adds to `summary` what the scheduler's events say: bytes and rows of
// finished attempts, job counts, retries, requeues, slots, busy fraction.
void AddEventTotals(const std::vector<scheduler::Event>& events, RunSummary* summary);

// "finished", "failed" or "interrupted" (StatusCode::kCancelled).
const char* OutcomeWord(const Status& status);

// Several lines, each ending in '\n', for stderr at the end of a run:
//   hyperdump restore finished in 5m 47s
//     phases:     schema 4.1s, catalog 0.8s, data 4m 02s
//     moved:      12.3 GiB, 45,678,901 rows
//     throughput: 36.4 MiB/s, 131,635 rows/s
//     jobs:       412 done, 0 failed, 3 retries, 0 requeued
//     workers:    8, busy 91% of the time
//     memory:     peak 97 MiB (pg_dump/pg_restore: 210 MiB)
//     warnings:   1
//       - table public.t has no primary key
// Secrets in warnings are redacted.
std::string FormatSummary(const RunSummary& summary);

}  // namespace hyperdump::ui

#endif  // HYPERDUMP_CLI_UI_SUMMARY_H_
