#include "engine/run_phases.h"

#include <algorithm>
#include <optional>

#include "base/job_kind.h"

namespace hyperdump::engine {

namespace {
constexpr int kStages = 5;
constexpr const char* kStageNames[kStages] = {"pre-data", "catalog", "data", "post-data",
                                              "analyze"};

int StageOf(const scheduler::JobGraph& graph, scheduler::JobId id) {
  const std::optional<JobKind> kind = ParseJobKind(graph.job(id).kind);
  if (kind == JobKind::kSchema && graph.dependency_count(id) == 0) return 0;
  if (kind == JobKind::kCatalog) return 1;
  if (kind == JobKind::kCopy) return 2;
  if (kind == JobKind::kAnalyze) return 4;
  return 3;
}
}  // namespace

RunEstimate DumpEstimate(const DumpPlan& plan) {
  RunEstimate e;
  bool rows_known = true;
  for (const TableInfo& t : plan.tables) {
    e.bytes += static_cast<uint64_t>(std::max<int64_t>(t.bytes, 0));
    e.rows += static_cast<uint64_t>(std::max<int64_t>(t.rows_estimate, 0));
    if (t.rows_estimate <= 0 && t.pages > 0) rows_known = false;
  }
  if (rows_known && e.rows > 0) e.bytes = 0;  // the display measures against rows
  return e;
}

RunEstimate RestoreEstimate(const RestoreInput& input, const std::set<std::string>& done) {
  RunEstimate e;
  bool catalog_done = done.count("catalog") > 0;
  for (const RestoreTable& t : input.tables) {
    if (!t.extension.empty() && catalog_done) continue;
    for (const format::FileEntry* f : t.files) {
      if (t.extension.empty() && done.count("data:" + f->name)) continue;
      e.bytes += f->uncompressed_bytes;
      e.rows += f->rows.value_or(0);
    }
  }
  for (const format::FileEntry* f : input.large_object_files) {  // rows: objects
    if (done.count("lo:" + f->name)) continue;
    e.bytes += f->uncompressed_bytes;
    e.rows += f->rows.value_or(0);
  }
  return e;
}

RestorePhaseSink::RestorePhaseSink(scheduler::EventSink* next, RunObserver& observer,
                                   const scheduler::JobGraph& graph)
    : next_(next), observer_(observer), remaining_(kStages, 0) {
  stage_of_.reserve(graph.size());
  for (scheduler::JobId id = 0; id < graph.size(); ++id) {
    stage_of_.push_back(StageOf(graph, id));
    ++remaining_[static_cast<size_t>(stage_of_.back())];
  }
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked();
}

void RestorePhaseSink::AdvanceLocked() {
  size_t before = current_;
  while (current_ < remaining_.size() && remaining_[current_] == 0) ++current_;
  if (current_ >= remaining_.size()) return;  // the graph is done: the caller names what follows
  if (!announced_ || current_ != before) {
    announced_ = true;
    observer_.OnPhase(kStageNames[current_]);
  }
}

void RestorePhaseSink::OnEvent(const scheduler::Event& event) {
  if (event.type == scheduler::Event::kFinished && event.job < stage_of_.size()) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t& left = remaining_[static_cast<size_t>(stage_of_[event.job])];
    if (left > 0) --left;
    AdvanceLocked();
  }
  if (next_) next_->OnEvent(event);
}

}  // namespace hyperdump::engine
