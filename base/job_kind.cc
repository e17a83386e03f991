#include "base/job_kind.h"

namespace hyperdump {

namespace {
constexpr JobKind kAll[] = {JobKind::kSchema,     JobKind::kCatalog, JobKind::kCopy,
                            JobKind::kSequences,  JobKind::kKey,     JobKind::kIndex,
                            JobKind::kForeignKey, JobKind::kAnalyze};
}  // namespace

const char* JobKindName(JobKind kind) {
  switch (kind) {
    case JobKind::kSchema:
      return "schema";
    case JobKind::kCatalog:
      return "catalog";
    case JobKind::kCopy:
      return "copy";
    case JobKind::kSequences:
      return "sequences";
    case JobKind::kKey:
      return "key";
    case JobKind::kIndex:
      return "index";
    case JobKind::kForeignKey:
      return "foreign key";
    case JobKind::kAnalyze:
      return "analyze";
  }
  return "?";
}

std::optional<JobKind> ParseJobKind(std::string_view name) {
  for (JobKind kind : kAll) {
    if (name == JobKindName(kind)) return kind;
  }
  return std::nullopt;
}

}  // namespace hyperdump
