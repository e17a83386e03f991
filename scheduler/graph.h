// A graph of jobs: what must finish before what.
//
// Built once on one thread, then read-only: Run() and Plan take it by const
// reference and read it from several threads. Job ids are dense, assigned by
// Add in order (0, 1, 2...), and stable.
#ifndef HYPERDUMP_SCHEDULER_GRAPH_H_
#define HYPERDUMP_SCHEDULER_GRAPH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "scheduler/job.h"

namespace hyperdump::scheduler {

class JobGraph {
 public:
  JobId Add(JobSpec spec);
  // `after` runs only once `before` is Done. Unknown ids are reported by Validate.
  void AddDependency(JobId before, JobId after);

  // OK, or kInvalidArgument naming the jobs on a dependency cycle (or the bad
  // edge). Run() calls it; nothing runs if it fails.
  Status Validate() const;

  size_t size() const { return jobs_.size(); }
  const JobSpec& job(JobId id) const { return jobs_[id]; }
  // Jobs that wait for `id` (one entry per AddDependency call).
  const std::vector<JobId>& dependents(JobId id) const { return dependents_[id]; }
  // How many AddDependency calls named `id` as `after`.
  uint32_t dependency_count(JobId id) const { return dependency_count_[id]; }

  // Jobs in an order where every job comes after all it depends on; empty
  // unless the graph is valid.
  std::vector<JobId> TopologicalOrder() const;

  // For each job, the weight of the heaviest path from it to the end of the
  // graph, its own weight included (ninja's critical path). Saturates at
  // UINT64_MAX. Requires a valid graph.
  std::vector<uint64_t> CriticalPathWeights() const;

 private:
  std::vector<JobSpec> jobs_;
  std::vector<std::vector<JobId>> dependents_;
  std::vector<uint32_t> dependency_count_;
  std::vector<std::pair<JobId, JobId>> bad_edges_;  // naming unknown ids
};

}  // namespace hyperdump::scheduler

#endif  // HYPERDUMP_SCHEDULER_GRAPH_H_
