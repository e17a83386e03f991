#include "scheduler/graph.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace hyperdump::scheduler {
namespace {

// A cycle longer than this is named by its first jobs and a count.
constexpr size_t kMaxNamedCycleJobs = 32;

std::string Quote(const JobSpec& spec) { return "'" + spec.name + "'"; }

}  // namespace

JobId JobGraph::Add(JobSpec spec) {
  const auto id = static_cast<JobId>(jobs_.size());
  jobs_.push_back(std::move(spec));
  dependents_.emplace_back();
  dependency_count_.push_back(0);
  return id;
}

void JobGraph::AddDependency(JobId before, JobId after) {
  if (before >= jobs_.size() || after >= jobs_.size()) {
    bad_edges_.emplace_back(before, after);
    return;
  }
  dependents_[before].push_back(after);
  ++dependency_count_[after];
}

std::vector<JobId> JobGraph::TopologicalOrder() const {
  // Kahn's algorithm; a cycle leaves some jobs out.
  std::vector<uint32_t> pending = dependency_count_;
  std::vector<JobId> order;
  order.reserve(jobs_.size());
  for (JobId id = 0; id < jobs_.size(); ++id) {
    if (pending[id] == 0) {
      order.push_back(id);
    }
  }
  for (size_t i = 0; i < order.size(); ++i) {
    for (JobId next : dependents_[order[i]]) {
      if (--pending[next] == 0) {
        order.push_back(next);
      }
    }
  }
  if (order.size() != jobs_.size()) {
    order.clear();
  }
  return order;
}

Status JobGraph::Validate() const {
  if (!bad_edges_.empty()) {
    const auto [before, after] = bad_edges_.front();
    return InvalidArgument("dependency " + std::to_string(before) + " -> " + std::to_string(after) +
                           " names a job that was never added (" + std::to_string(jobs_.size()) +
                           " jobs)");
  }
  if (jobs_.empty() || !TopologicalOrder().empty()) {
    return Status::Ok();
  }

  // Find one cycle with an iterative depth-first search: an edge to a job on
  // the current path closes it.
  enum Color : uint8_t { kWhite, kGrey, kBlack };
  std::vector<Color> color(jobs_.size(), kWhite);
  std::vector<std::pair<JobId, size_t>> stack;  // job, next dependent to visit
  for (JobId root = 0; root < jobs_.size(); ++root) {
    if (color[root] != kWhite) {
      continue;
    }
    stack.emplace_back(root, 0);
    color[root] = kGrey;
    while (!stack.empty()) {
      auto& [id, next] = stack.back();
      if (next == dependents_[id].size()) {
        color[id] = kBlack;
        stack.pop_back();
        continue;
      }
      const JobId child = dependents_[id][next++];
      if (color[child] == kWhite) {
        color[child] = kGrey;
        stack.emplace_back(child, 0);
        continue;
      }
      if (color[child] != kGrey) {
        continue;
      }
      // The path from `child` to the top of the stack, then back to `child`.
      size_t first = 0;
      while (stack[first].first != child) {
        ++first;
      }
      const size_t length = stack.size() - first;
      std::string names;
      for (size_t i = first; i < stack.size() && i - first < kMaxNamedCycleJobs; ++i) {
        names += Quote(jobs_[stack[i].first]) + " -> ";
      }
      if (length > kMaxNamedCycleJobs) {
        names += "... (" + std::to_string(length) + " jobs in all) -> ";
      }
      names += Quote(jobs_[child]);
      return InvalidArgument("dependency cycle: " + names +
                             "; each job waits for the next, so none can start");
    }
  }
  return Internal("job graph has no topological order but no cycle was found");
}

std::vector<uint64_t> JobGraph::CriticalPathWeights() const {
  const std::vector<JobId> order = TopologicalOrder();
  std::vector<uint64_t> path(jobs_.size(), 0);
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    uint64_t tail = 0;
    for (JobId next : dependents_[*it]) {
      tail = std::max(tail, path[next]);
    }
    const uint64_t weight = jobs_[*it].weight;
    path[*it] = tail > kMax - weight ? kMax : tail + weight;
  }
  return path;
}

}  // namespace hyperdump::scheduler
