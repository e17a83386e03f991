// Sequence discovery: which sequences a dump selects (pg_dump's rules, see
// engine/plan/selection.h) and their values, read inside the caller's snapshot
// transaction. Part of Discover(); separate to keep files small.
#ifndef HYPERDUMP_ENGINE_PLAN_SEQUENCES_H_
#define HYPERDUMP_ENGINE_PLAN_SEQUENCES_H_

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "engine/pg/pg.h"
#include "engine/plan/dump_plan.h"
#include "engine/plan/selection.h"

namespace hyperdump::engine {

// Appends the selected sequences, in schema.name order, to `out`.
// `config_extension` maps extension configuration relations (extconfig) to
// their extension: such sequences follow the extension config rule; other
// extension members are skipped. Config sequences of `partial_extensions`
// (TimescaleDB when a partial dump keeps some of its catalog rows) are kept
// unless excluded by -T/-N.
Status DiscoverSequences(PgConnection& conn, const Selection& sel,
                         const std::unordered_map<uint32_t, std::string>& config_extension,
                         const std::set<std::string>& partial_extensions,
                         std::vector<SequenceInfo>* out);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PLAN_SEQUENCES_H_
