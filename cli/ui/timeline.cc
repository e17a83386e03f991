#include "cli/ui/timeline.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "base/job_kind.h"

namespace hyperdump::ui {

using scheduler::Event;

KindClass ClassifyKind(const std::string& kind) {
  const std::optional<JobKind> known = ParseJobKind(kind);
  if (!known) return KindClass::kOther;
  switch (*known) {
    case JobKind::kSchema:
      return KindClass::kSchema;
    case JobKind::kCatalog:
      return KindClass::kCatalog;
    case JobKind::kCopy:
      return KindClass::kData;
    case JobKind::kIndex:
      return KindClass::kIndex;
    case JobKind::kKey:
    case JobKind::kForeignKey:
      return KindClass::kConstraint;
    case JobKind::kAnalyze:
      return KindClass::kAnalyze;
    case JobKind::kSequences:
      return KindClass::kOther;
  }
  return KindClass::kOther;
}

const char* KindClassName(KindClass k) {
  switch (k) {
    case KindClass::kSchema:
      return "schema";
    case KindClass::kCatalog:
      return "catalog";
    case KindClass::kData:
      return "data";
    case KindClass::kIndex:
      return "index";
    case KindClass::kConstraint:
      return "constraint";
    case KindClass::kAnalyze:
      return "analyze";
    case KindClass::kOther:
      return "other";
  }
  return "other";
}

const char* EventName(Event::Type type) { return scheduler::EventTypeName(type); }

std::vector<JobSpan> BuildSpans(const std::vector<Event>& events) {
  std::vector<JobSpan> spans;
  std::unordered_map<scheduler::JobId, size_t> running;  // job -> index in spans
  std::unordered_map<scheduler::JobId, int> attempts;
  std::chrono::steady_clock::time_point last{};
  for (const Event& e : events) {
    last = std::max(last, e.at);
    switch (e.type) {
      case Event::kStarted: {
        JobSpan s;
        s.job = e.job;
        s.name = e.name;
        s.side = e.side;
        s.kind = e.kind;
        s.slot = e.slot;
        s.attempt = ++attempts[e.job];
        s.start = s.end = e.at;
        s.open = true;
        running[e.job] = spans.size();
        spans.push_back(std::move(s));
        break;
      }
      case Event::kProgress: {
        auto it = running.find(e.job);
        if (it == running.end()) break;
        spans[it->second].bytes += e.bytes;
        spans[it->second].rows += e.rows;
        break;
      }
      case Event::kFinished:
      case Event::kRetry:
      case Event::kRequeued:
      case Event::kFailed:
      case Event::kCancelled: {
        auto it = running.find(e.job);
        if (it == running.end()) break;
        JobSpan& s = spans[it->second];
        s.end = e.at;
        s.open = false;
        s.outcome = e.type;
        s.status = e.status;
        s.detail = e.detail;
        running.erase(it);
        break;
      }
      case Event::kQueued:
        break;
    }
  }
  for (auto& [job, index] : running) spans[index].end = last;
  return spans;
}

void CompactRecorder::OnEvent(const Event& e) {
  std::lock_guard<std::mutex> lock(mu_);
  if (e.type == Event::kProgress) {
    auto [it, inserted] = pending_.try_emplace(e.job, e);
    if (!inserted) {
      it->second.bytes += e.bytes;
      it->second.rows += e.rows;
      it->second.at = e.at;
    }
    return;
  }
  if (e.type != Event::kQueued && e.type != Event::kStarted) {
    auto it = pending_.find(e.job);
    if (it != pending_.end()) {
      events_.push_back(std::move(it->second));
      pending_.erase(it);
    }
  }
  events_.push_back(e);
}

std::vector<Event> CompactRecorder::events() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Event> out = events_;
  for (const auto& [job, progress] : pending_) out.push_back(progress);
  return out;
}

}  // namespace hyperdump::ui
