// `hyperdump dump --dry-run`: the plan a dump would follow, printed, with
// nothing written anywhere.
#ifndef HYPERDUMP_ENGINE_DUMP_DRY_RUN_H_
#define HYPERDUMP_ENGINE_DUMP_DRY_RUN_H_

#include <ostream>
#include <string>

#include "base/status.h"
#include "engine/plan/dump_plan.h"

namespace hyperdump::engine {

// Connects to `uri`, opens a REPEATABLE READ READ ONLY transaction, discovers
// with `opts` and prints the plan to `out`: FormatPlan's table, or with
// `json` the plan as JSON (engine/plan/plan_json.h) (one line, then a newline). Reads only; the
// transaction is rolled back.
Status PrintDryRun(const std::string& uri, const DiscoveryOptions& opts, bool json,
                   std::ostream& out);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_DUMP_DRY_RUN_H_
