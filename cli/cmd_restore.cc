// `hyperdump restore -d TARGET -j N DIR`: flags in, engine::RunRestore, one
// summary (or one error) out. Flags follow pg_restore's.
#include <cstdio>
#include <memory>
#include <string>

#include "base/units.h"
#include "cli/commands.h"
#include "cli/ui_flags.h"
#include "cli/ui_observer.h"
#include "engine/restore/restore.h"

namespace hyperdump::cli {

CommandFn RegisterRestore(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand(
      "restore",
      "Restore an archive into a database: schema, TimescaleDB catalog in order, data in "
      "parallel, each table's indexes as soon as its data is in; resumable (--resume)");
  auto o = std::make_shared<engine::RestoreOptions>();
  cmd->add_option("-d,--dbname", o->target, "Target database (libpq URI or key=value string)")
      ->required();
  cmd->add_option("-j,--jobs", o->jobs, "Jobs (connections) running at once")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("-c,--clean", o->clean,
                "Drop the archive's objects (DROP ... IF EXISTS) and any unfinished restore "
                "before restoring");
  auto if_exists = std::make_shared<bool>(false);
  cmd->add_flag("--if-exists", *if_exists,
                "With --clean: accepted for pg_restore compatibility (hyperdump's --clean always "
                "uses IF EXISTS)");
  cmd->add_flag("-O,--no-owner", o->no_owner, "Do not set object owners (as pg_restore)");
  cmd->add_flag("-x,--no-privileges,--no-acl", o->no_privileges,
                "Do not restore privileges (GRANT/REVOKE), as pg_restore");
  cmd->add_flag("--no-tablespaces", o->no_tablespaces,
                "Create every object in the default tablespace (as pg_restore)");
  engine::RestoreSelection& sel = o->selection;
  cmd->add_option("-n,--schema", sel.schemas,
                  "Restore only objects in this schema (repeatable; exact name, as pg_restore)")
      ->type_name("NAME");
  cmd->add_option("-N,--exclude-schema", sel.exclude_schemas,
                  "Do not restore objects in this schema (repeatable)")
      ->type_name("NAME");
  cmd->add_option("-t,--table", sel.tables,
                  "Restore only the named table, view, materialized view, sequence or foreign "
                  "table (repeatable; no indexes, as pg_restore); a hypertable brings its chunks")
      ->type_name("NAME");
  cmd->add_option("-I,--index", sel.indexes, "Restore only the named index (repeatable)")
      ->type_name("NAME");
  cmd->add_option("--section", sel.sections,
                  "Restore only this section: pre-data, data or post-data (repeatable)")
      ->check(CLI::IsMember({"pre-data", "data", "post-data"}))
      ->type_name("SECTION");
  cmd->add_flag("-s,--schema-only", sel.schema_only, "Restore only the schema, no data");
  cmd->add_flag("-a,--data-only", sel.data_only,
                "Restore only the data, into the existing schema (e.g. after --schema-only)");
  cmd->add_option("-L,--use-list", sel.use_list,
                  "Restore only the items listed in FILE (made with `hyperdump list --toc DIR`; "
                  "lines starting with ';' are comments)")
      ->type_name("FILE");
  cmd->add_flag("--strict-names", sel.strict_names,
                "Fail unless every -n, -t and -I name matches something in the archive");
  auto exit_on_error = std::make_shared<bool>(false);
  cmd->add_flag("-e,--exit-on-error", *exit_on_error,
                "Accepted for pg_restore compatibility: hyperdump always stops at the first "
                "failed job");
  cmd->add_flag("--roles", o->roles,
                "Create the archive's roles that the target lacks (archive made with --roles)");
  cmd->add_flag("--resume", o->resume,
                "Finish an interrupted restore into the same database from the same archive");
  cmd->add_flag("--allow-version-mismatch", o->allow_version_mismatch,
                "Restore even though the target's TimescaleDB version differs from the "
                "source's (risk of catalog corruption)");
  auto no_analyze = std::make_shared<bool>(false);
  cmd->add_flag("--no-analyze", *no_analyze, "Skip ANALYZE of the restored tables");
  auto index_workers = std::make_shared<std::string>("auto");
  cmd->add_option("--index-workers", *index_workers,
                  "Parallel workers of each index and key build: auto (default: the slots idle "
                  "when the build starts, with their share of maintenance_work_mem) or a number "
                  "(0: no parallel builds)")
      ->type_name("auto|N")
      ->check(CLI::IsMember({"auto"}) | CLI::Range(0, 1024));
  cmd->add_flag("-v,--verbose", o->verbose, "One line per finished job on stderr");
  cmd->add_option("--cpu-log", o->cpu_log,
                  "Write one JSON line per job to FILE: wall time, server and client CPU seconds "
                  "(for benchmarks)")
      ->type_name("FILE");
  auto ui_flags = std::make_shared<UiFlags>();
  AddUiFlags(cmd, ui_flags.get());
  cmd->add_option("DIR", o->archive_dir, "Archive directory")->required();
  // One value per -n/-N/-t/-I/--section, so that DIR is never taken for one.
  for (const char* name : {"--schema", "--exclude-schema", "--table", "--index", "--section"}) {
    cmd->get_option(name)->allow_extra_args(false);
  }
  return [o, if_exists, no_analyze, index_workers, ui_flags, exit_on_error]() -> int {
    if (*if_exists && !o->clean) {
      return ReportError(InvalidArgument("--if-exists requires --clean (as in pg_restore)"));
    }
    o->analyze = !*no_analyze;
    o->index_workers = *index_workers == "auto" ? -1 : std::stoi(*index_workers);
    if (o->verbose && ui_flags->log_format == "json") {
      // Its plain lines would break the JSON lines on the same stream.
      return ReportError(InvalidArgument(
          "--verbose cannot be combined with --log-format json, whose \"finished\" events "
          "already list every job: drop --verbose"));
    }
    auto ui = MakeRunUi("restore", *ui_flags);
    if (!ui.ok()) return ReportError(ui.status());
    // RunRestore reports its phases, estimate and notes (as warnings, when
    // they happen) through the observer; the line on stdout adds what only
    // the restore knows (jobs a --resume skipped).
    engine::RestoreSummary summary;
    UiObserver observer(**ui);
    Status s = engine::RunRestore(*o, InterruptFlag(), (*ui)->sink(), &summary, &observer);
    int exit_code = FinishRun(**ui, s);
    if (exit_code != kExitOk || ui_flags->quiet || ui_flags->log_format == "json") {
      return exit_code;
    }
    std::printf("restored %s: %lld rows, %s, %d jobs", o->archive_dir.c_str(),
                static_cast<long long>(summary.rows), HumanBytes(summary.bytes).c_str(),
                summary.jobs_run);
    if (summary.jobs_skipped > 0) std::printf(" (%d already done before)", summary.jobs_skipped);
    std::printf(", %d schema items\n", summary.schema_items);
    return kExitOk;
  };
}

}  // namespace hyperdump::cli
