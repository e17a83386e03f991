// The kinds of job a run puts on the scheduler. The engine sets them, the
// restore's phase sink (engine/run_phases.h) and the timeline's colour
// groups (cli/ui/timeline.h) read them: one enum, so that none of them
// guesses from text. scheduler::JobSpec::kind carries JobKindName(kind),
// which progress lines, the JSON log and the timeline report show.
#ifndef HYPERDUMP_BASE_JOB_KIND_H_
#define HYPERDUMP_BASE_JOB_KIND_H_

#include <optional>
#include <string_view>

namespace hyperdump {

enum class JobKind {
  kSchema,      // schema items run in order (pre-data, the rest, ACLs...)
  kCatalog,     // the extension configuration tables (TimescaleDB catalog)
  kCopy,        // data: COPY of a table, a range, a batch, large objects
  kSequences,   // sequence values
  kKey,         // a table's key or check constraint (ALTER TABLE)
  kIndex,       // CREATE INDEX
  kForeignKey,  // a foreign key
  kAnalyze,     // ANALYZE
};

// "schema", "catalog", "copy", "sequences", "key", "index", "foreign key",
// "analyze": stable, they appear in logs and reports.
const char* JobKindName(JobKind kind);

// The kind named `name` (as JobKindName gives it); nullopt for any other text.
std::optional<JobKind> ParseJobKind(std::string_view name);

}  // namespace hyperdump

#endif  // HYPERDUMP_BASE_JOB_KIND_H_
