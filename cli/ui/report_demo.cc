// ui_report_demo OUT.html [SPEED]: writes the timeline report of a synthetic but
// realistic 8-worker restore (schema, TimescaleDB catalog, 90 chunks of two
// hypertables and 12 plain tables, their indexes, constraints, ANALYZE, one
// retried lock timeout). Prints "bars=N", the number of bars drawn, for the
// rendering test. The screenshot in docs/ is of this page.
// With SPEED (e.g. 20), replays the run SPEED times faster than simulated
// through a RunUi: the live progress display, warnings and the summary, as
// `hyperdump restore` shows them; for looking at the display in a terminal.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "cli/ui/report_html.h"
#include "cli/ui/run_ui.h"
#include "cli/ui/summary.h"
#include "cli/ui/timeline.h"

namespace {

using hyperdump::Status;
using hyperdump::StatusCode;
using hyperdump::scheduler::Event;
using hyperdump::scheduler::JobId;

struct Job {
  std::string name, kind;
  double seconds;
  uint64_t bytes, rows;
  std::vector<size_t> deps;
  double priority;
  // Filled by the simulation.
  bool scheduled = false;
  double end = 0;
  double not_before = 0;  // a retried job waits for its backoff
};

// A small deterministic generator, so the page is the same on every run.
uint32_t Next(uint32_t* state) {
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}

// Plays `events` in real time divided by `speed` through a RunUi.
int Replay(const std::vector<Event>& events, const std::vector<Job>& jobs, double speed,
           const std::string& report) {
  hyperdump::ui::UiOptions o;
  o.command = "restore";
  o.report_path = report;
  auto ui = hyperdump::ui::RunUi::Create(o);
  if (!ui.ok()) return 2;
  uint64_t bytes = 0, rows = 0;
  for (const Job& j : jobs) {
    bytes += j.bytes;
    rows += j.rows;
  }
  (*ui)->SetEstimate(bytes, rows);
  auto start = std::chrono::steady_clock::now();
  auto t0 = events.front().at;
  std::string phase;
  for (const Event& e : events) {
    auto due = start +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>((e.at - t0) / speed);
    std::this_thread::sleep_until(due);
    std::string want = e.kind == "schema" ? "schema"
                       : e.kind == "catalog"
                           ? (phase == "data and indexes" ? "post-restore" : "catalog")
                       : e.kind == "analyze" ? phase
                                             : "data and indexes";
    if (e.type == Event::kStarted && want != phase) {
      phase = want;
      (*ui)->SetPhase(phase);
    }
    Event live = e;
    live.at = std::chrono::steady_clock::now();
    (*ui)->sink()->OnEvent(live);
    if (e.type == Event::kRetry) (*ui)->Warn("retrying " + e.name + ": " + e.status.message());
  }
  Status st = (*ui)->Finish(Status::Ok());
  return st.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: ui_report_demo OUT.html [SPEED]\n");
    return 2;
  }
  const int kSlots = 8;
  const double kMiBps = 95.0;  // per worker COPY speed
  uint32_t rng = 42;
  std::vector<Job> jobs;
  auto add = [&](std::string name, std::string kind, double secs, uint64_t bytes, uint64_t rows,
                 std::vector<size_t> deps, double priority) {
    jobs.push_back(
        {std::move(name), std::move(kind), secs, bytes, rows, std::move(deps), priority});
    return jobs.size() - 1;
  };

  size_t schema = add("pg_restore --section=pre-data (214 objects)", "schema", 7.5, 0, 0, {}, 1e9);
  size_t prev = schema;
  for (const char* t : {"hypertable", "dimension", "dimension_slice", "chunk", "chunk_constraint",
                        "chunk_index", "compression_settings"}) {
    prev = add(std::string("_timescaledb_catalog.") + t, "catalog", 0.6 + (Next(&rng) % 100) / 80.0,
               0, 0, {prev}, 1e8);
  }
  size_t catalog_done = prev;

  std::vector<size_t> analyze_deps;
  // Two hypertables, chunk by chunk; each chunk's index as soon as its data is in.
  struct Hyper {
    const char* table;
    int chunks;
    int hyper_id;
    double mib;
  } hypers[] = {{"public.metrics", 60, 1, 900}, {"public.events", 30, 2, 420}};
  for (const Hyper& h : hypers) {
    std::vector<size_t> table_jobs;
    for (int c = 0; c < h.chunks; ++c) {
      double mib = h.mib * (0.45 + (Next(&rng) % 100) / 100.0);
      if (c == h.chunks - 1) mib *= 0.3;  // the newest chunk is still filling
      std::string chunk = std::string(h.table) + " chunk " + std::to_string(c + 1);
      auto bytes = static_cast<uint64_t>(mib * 1024 * 1024);
      size_t data =
          add("copy " + chunk, "copy", mib / kMiBps, bytes, bytes / 48, {catalog_done}, mib);
      size_t index = add("index _timescaledb_internal._hyper_" + std::to_string(h.hyper_id) + "_" +
                             std::to_string(c + 1) + "_chunk_time_idx",
                         "index", mib / kMiBps * 0.35, 0, 0, {data}, mib * 0.35);
      table_jobs.push_back(index);
    }
    size_t analyze = add(std::string("analyze ") + h.table, "analyze", 3.0, 0, 0, table_jobs, 1);
    analyze_deps.push_back(analyze);
  }
  const char* plain[] = {"public.users",    "public.orders",    "public.order_items",
                         "public.products", "public.devices",   "public.sites",
                         "public.alerts",   "public.audit_log", "public.sessions",
                         "public.invoices", "public.tags",      "public.settings"};
  std::vector<size_t> users_done;
  for (const char* t : plain) {
    double mib = 5 + (Next(&rng) % 1000) / 2.5;
    auto bytes = static_cast<uint64_t>(mib * 1024 * 1024);
    size_t data = add(std::string("copy ") + t, "copy", mib / kMiBps, bytes, bytes / 120,
                      {catalog_done}, mib);
    size_t pk = add(std::string("index ") + t + "_pkey", "index", mib / kMiBps * 0.3 + 0.2, 0, 0,
                    {data}, mib * 0.3);
    size_t idx2 = add(std::string("index ") + t + "_created_at_idx", "index",
                      mib / kMiBps * 0.25 + 0.2, 0, 0, {data}, mib * 0.25);
    if (std::string(t) == "public.users" || std::string(t) == "public.orders" ||
        std::string(t) == "public.products") {
      users_done.push_back(pk);
    }
    analyze_deps.push_back(
        add(std::string("analyze ") + t, "analyze", 0.5 + mib / 400, 0, 0, {pk, idx2}, 0.5));
  }
  add("constraint public.orders orders_user_id_fkey", "foreign key", 4.0, 0, 0,
      {users_done[0], users_done[1]}, 5);
  add("constraint public.order_items order_items_product_id_fkey", "foreign key", 5.5, 0, 0,
      {users_done[1], users_done[2]}, 5);
  add("timescaledb_post_restore()", "catalog", 1.2, 0, 0, analyze_deps, 0);

  // List scheduling: the first free slot takes the ready job of highest priority.
  std::vector<double> free_at(kSlots, 0);
  std::vector<Event> events;
  auto t0 = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  auto at = [&](double s) {
    return t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(s));
  };
  auto emit = [&](Event::Type type, size_t j, double when, int slot) {
    Event e;
    e.type = type;
    e.job = static_cast<JobId>(j);
    e.name = jobs[j].name;
    e.kind = jobs[j].kind;
    e.slot = slot;
    e.at = at(when);
    events.push_back(e);
    return events.size() - 1;
  };
  bool retried = false;
  size_t left = jobs.size();
  while (left > 0) {
    int slot = static_cast<int>(std::min_element(free_at.begin(), free_at.end()) - free_at.begin());
    double t = free_at[static_cast<size_t>(slot)];
    long best = -1;
    double next_ready = 1e18;
    for (size_t j = 0; j < jobs.size(); ++j) {
      if (jobs[j].scheduled) continue;
      bool deps_scheduled = true;
      double ready = jobs[j].not_before;
      for (size_t d : jobs[j].deps) {
        deps_scheduled = deps_scheduled && jobs[d].scheduled;
        ready = std::max(ready, jobs[d].end);
      }
      if (!deps_scheduled) continue;
      if (ready > t) {
        next_ready = std::min(next_ready, ready);
        continue;
      }
      if (best < 0 || jobs[j].priority > jobs[static_cast<size_t>(best)].priority) {
        best = static_cast<long>(j);
      }
    }
    if (best < 0) {
      // Nothing ready: idle until something is (or until a running job ends).
      double later = next_ready;
      for (const Job& j : jobs) {
        if (j.scheduled && j.end > t) later = std::min(later, j.end);
      }
      free_at[static_cast<size_t>(slot)] = later;
      continue;
    }
    auto j = static_cast<size_t>(best);
    Job& job = jobs[j];
    // One chunk hits a lock timeout once and is retried.
    if (!retried && job.name == "copy public.metrics chunk 9") {
      retried = true;
      emit(Event::kStarted, j, t, slot);
      size_t pi = emit(Event::kProgress, j, t + 2.0, slot);
      events[pi].bytes = job.bytes / 6;
      events[pi].rows = job.rows / 6;
      size_t ri = emit(Event::kRetry, j, t + 2.5, slot);
      events[ri].status =
          Status(StatusCode::kDatabase, "canceling statement due to lock timeout", "55P03");
      free_at[static_cast<size_t>(slot)] = t + 2.5;
      job.not_before = t + 2.5 + 1.0;
      continue;  // stays unscheduled: it will be picked again
    }
    emit(Event::kStarted, j, t, slot);
    const int kSlices = 4;
    for (int s = 1; s <= kSlices; ++s) {
      size_t pi = emit(Event::kProgress, j, t + job.seconds * s / kSlices, slot);
      events[pi].bytes = job.bytes / kSlices;
      events[pi].rows = job.rows / kSlices;
    }
    emit(Event::kFinished, j, t + job.seconds, slot);
    job.scheduled = true;
    job.end = t + job.seconds;
    free_at[static_cast<size_t>(slot)] = job.end;
    --left;
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });

  if (argc == 3) return Replay(events, jobs, std::atof(argv[2]), argv[1]);

  hyperdump::ui::RunSummary summary;
  summary.command = "restore";
  double end = 0;
  for (const Job& j : jobs) end = std::max(end, j.end);
  double catalog_end = jobs[catalog_done].end;
  double data_end = 0, analyze_start = 1e18;
  for (const Job& j : jobs) {
    if (j.kind == "copy" || j.kind == "index" || j.kind == "foreign key") {
      data_end = std::max(data_end, j.end);
    }
    if (j.kind == "analyze") analyze_start = std::min(analyze_start, j.end - j.seconds);
  }
  auto ms = [](double s) { return std::chrono::milliseconds(static_cast<int64_t>(s * 1000)); };
  summary.total = ms(end + 0.4);
  summary.phases = {{"schema", ms(jobs[schema].end)},
                    {"catalog", ms(catalog_end - jobs[schema].end)},
                    {"data and indexes", ms(data_end - catalog_end)},
                    {"post-restore", ms(end + 0.4 - data_end)}};
  summary.warnings = {
      "table public.audit_log has no primary key: restored, but "
      "duplicate rows cannot be detected on resume"};
  hyperdump::ui::AddEventTotals(events, &summary);
  Status st = hyperdump::ui::WriteHtmlReport(argv[1], events, summary,
                                             "hyperdump restore: app to app_copy (8 workers)");
  if (!st.ok()) {
    std::fprintf(stderr, "ui_report_demo: %s\n", st.message().c_str());
    return 1;
  }
  std::printf("bars=%zu\n", hyperdump::ui::BuildSpans(events).size());
  return 0;
}
