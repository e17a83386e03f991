// staged_pg_restore TARGET DIR JOBS WORK_DIR [PHASE]: the documented TimescaleDB
// pg_restore procedure (bench/bench_pg.h RunStagedPgRestore) for the bench
// scripts (bench/bench_lib.sh), so that the scripts and `hyperdump bench`
// time the same steps from one copy. pg_restore comes from $PG_BINDIR (else
// PostgreSQL 15's); its listings and outputs go to WORK_DIR. Exit status 0 on
// success, 1 with the error on stderr otherwise. PHASE (start, catalog, data,
// post-data, end) runs one step only, for a script that times each.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/bench_pg.h"
#include "engine/pg/subprocess.h"

int main(int argc, char** argv) {
  using hyperdump::bench::StagedPhase;
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: %s TARGET DIR JOBS WORK_DIR [start|catalog|data|post-data|end]\n",
                 argv[0]);
    return 2;
  }
  StagedPhase phase = StagedPhase::kAll;
  if (argc == 6) {
    const std::string p = argv[5];
    if (p == "start") {
      phase = StagedPhase::kStart;
    } else if (p == "catalog") {
      phase = StagedPhase::kCatalog;
    } else if (p == "data") {
      phase = StagedPhase::kData;
    } else if (p == "post-data") {
      phase = StagedPhase::kPostData;
    } else if (p == "end") {
      phase = StagedPhase::kEnd;
    } else {
      std::fprintf(stderr,
                   "staged_pg_restore: unknown phase %s (start, catalog, data, post-data, end)\n",
                   argv[5]);
      return 2;
    }
  }
  const int jobs = std::atoi(argv[3]);
  if (jobs < 1) {
    std::fprintf(stderr, "staged_pg_restore: JOBS must be a positive number, not %s\n", argv[3]);
    return 2;
  }
  const hyperdump::bench::PgTools tools{hyperdump::engine::PgBinDir(), argv[4], nullptr};
  hyperdump::Status st = hyperdump::bench::RunStagedPgRestore(tools, argv[1], argv[2], jobs, phase);
  if (!st.ok()) {
    std::fprintf(stderr, "staged_pg_restore: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}
