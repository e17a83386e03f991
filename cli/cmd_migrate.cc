// `hyperdump migrate -d SOURCE --to TARGET -f DIR -j N`: flags in,
// engine::RunMigrate, one summary (or one error) out. The dump's selection
// flags follow pg_dump's, the restore's pg_restore's.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/ui/side_sink.h"
#include "cli/ui_flags.h"
#include "cli/ui_observer.h"
#include "cli/version.h"
#include "engine/migrate.h"

namespace hyperdump::cli {

namespace {

// One side's phases and notes, named after the side ("dump: data").
class SideObserver final : public engine::RunObserver {
 public:
  SideObserver(std::string side, engine::RunObserver& inner)
      : side_(std::move(side)), inner_(inner) {}
  void OnPhase(const std::string& name) override { inner_.OnPhase(side_ + ": " + name); }
  void OnEstimate(uint64_t bytes, uint64_t rows) override { inner_.OnEstimate(bytes, rows); }
  void OnWarning(const std::string& text) override { inner_.OnWarning(side_ + ": " + text); }
  void OnServerNotice(const engine::ServerNotice& n) override { inner_.OnServerNotice(n); }

 private:
  const std::string side_;
  engine::RunObserver& inner_;
};

}  // namespace

CommandFn RegisterMigrate(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand(
      "migrate",
      "Dump and restore at once: each data file is loaded into the target as soon as it is "
      "sealed in the archive, which is also the resume point (--resume)");
  auto o = std::make_shared<engine::MigrateOptions>();
  struct Flags {
    int jobs = 2, dump_jobs = 0, restore_jobs = 0;
    std::string copy_format = "text";
    bool no_pause_jobs = false, no_analyze = false;
    UiFlags ui;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("-d,--dbname", o->dump.source, "Source database (libpq URI or key=value string)")
      ->required();
  cmd->add_option("--to", o->restore.target, "Target database (libpq URI or key=value string)")
      ->required();
  cmd->add_option("-f,--file", o->dump.dir,
                  "Archive directory (created; it buffers the data and is the resume point)")
      ->required();
  cmd->add_option("-j,--jobs", f->jobs, "Connections on each side")->check(CLI::Range(1, 256));
  cmd->add_option("--dump-jobs", f->dump_jobs, "Connections dumping (default: --jobs)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--restore-jobs", f->restore_jobs, "Connections restoring (default: --jobs)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("-n,--schema", o->dump.selection.include_schemas,
                  "Migrate only schemas matching PATTERN");
  cmd->add_option("-N,--exclude-schema", o->dump.selection.exclude_schemas,
                  "Do not migrate schemas matching PATTERN");
  cmd->add_option("-t,--table", o->dump.selection.include_tables,
                  "Migrate only tables matching PATTERN");
  cmd->add_option("-T,--exclude-table", o->dump.selection.exclude_tables,
                  "Do not migrate tables matching PATTERN");
  cmd->add_option("--copy-format,--format", f->copy_format,
                  "COPY format of the data files: text, binary or auto, as for dump (binary "
                  "and auto: same PostgreSQL major version only)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "binary", "auto"}));
  cmd->add_flag("--no-pause-jobs", f->no_pause_jobs,
                "Leave the source's TimescaleDB background jobs scheduled during the dump");
  cmd->add_flag("--no-large-objects", o->dump.no_large_objects,
                "Leave the source's large objects out");
  cmd->add_flag("-c,--clean", o->restore.clean,
                "Drop the archive's objects on the target and any unfinished restore there "
                "first; also empties -f DIR when it holds an unfinished migration's archive");
  cmd->add_flag("-O,--no-owner", o->restore.no_owner, "Do not set object owners (as pg_restore)");
  cmd->add_flag("-x,--no-privileges,--no-acl", o->restore.no_privileges,
                "Do not restore privileges (GRANT/REVOKE), as pg_restore");
  cmd->add_flag("--roles", o->restore.roles,
                "Also move the source cluster's roles that the target lacks (without passwords)");
  CLI::Option* resume = cmd->add_flag(
      "--resume", o->restore.resume,
      "Finish an interrupted migration from its archive (a complete one; see --partial)");
  cmd->add_flag("--partial", o->partial,
                "With --resume, when the dump side did not finish: restore what it had "
                "completed; the tables left without all their data are named")
      ->needs(resume);
  cmd->add_flag("--allow-version-mismatch", o->restore.allow_version_mismatch,
                "Migrate even though the TimescaleDB versions differ (risk of catalog "
                "corruption)");
  cmd->add_flag("--no-analyze", f->no_analyze, "Skip ANALYZE of the restored tables");
  AddUiFlags(cmd, &f->ui);
  return [o, f]() -> int {
    o->dump.jobs = f->dump_jobs > 0 ? f->dump_jobs : f->jobs;
    o->restore.jobs = f->restore_jobs > 0 ? f->restore_jobs : f->jobs;
    o->dump.roles = o->restore.roles;
    o->dump.pause_jobs = !f->no_pause_jobs;
    o->dump.copy_format = engine::ParseCopyFormat(f->copy_format);
    o->dump.selection.split_larger_than = engine::kSplitByBalance;  // as dump's default
    o->dump.tool_version = kVersion;
    o->restore.analyze = !f->no_analyze;

    auto ui = MakeRunUi("migrate", f->ui);
    if (!ui.ok()) return ReportError(ui.status());
    UiObserver observer(**ui);
    SideObserver dump_observer("dump", observer), restore_observer("restore", observer);
    // The dump's jobs and slots first, the restore's after them.
    ui::SideSink dump_sink("dump", (*ui)->sink(), 0, 0);
    ui::SideSink restore_sink("restore", (*ui)->sink(), 1u << 30, o->dump.jobs);
    engine::MigrateSummary sum;
    Status s = engine::RunMigrate(*o, InterruptFlag(), {&dump_sink, &dump_observer},
                                  {&restore_sink, &restore_observer}, &sum);
    int exit_code = FinishRun(**ui, s);
    if (exit_code != kExitOk || f->ui.quiet || f->ui.log_format == "json") return exit_code;
    if (sum.already_finished && sum.partial) {
      std::printf(
          "nothing to resume: --resume --partial had already restored into the target what "
          "the dump side of %s completed (the tables lacking data are listed in "
          "%s/local/migrated.json)\n",
          o->dump.dir.c_str(), o->dump.dir.c_str());
      return kExitOk;
    }
    if (sum.partial) {
      std::printf("restored what the dump side of %s had completed: %lld rows loaded by this run\n",
                  o->dump.dir.c_str(), static_cast<long long>(sum.restore.rows));
      if (sum.lacking_data.empty()) {
        std::printf("every table has all its data: the dump side had sealed every data file\n");
      } else {
        std::printf("%zu tables lack data (also listed in %s/local/migrated.json):\n",
                    sum.lacking_data.size(), o->dump.dir.c_str());
        for (const std::string& t : sum.lacking_data) std::printf("  %s\n", t.c_str());
      }
      return kExitOk;
    }
    if (sum.already_finished) {
      std::printf(
          "nothing to resume: the migration from %s had already finished the target (its "
          "process was stopped after the last step)\n",
          o->dump.dir.c_str());
      return kExitOk;
    }
    if (sum.resumed_from_archive) {
      std::printf("finished the migration from %s: %lld rows, %.1f MB loaded by this run\n",
                  o->dump.dir.c_str(), static_cast<long long>(sum.restore.rows),
                  static_cast<double>(sum.restore.bytes) / 1e6);
      return kExitOk;
    }
    std::printf(
        "migrated %lld tables through %s: %llu rows dumped (%.1f MB of COPY data stored as "
        "%.1f MB), %lld rows restored, %d schema items\n",
        static_cast<long long>(sum.dump.tables), o->dump.dir.c_str(),
        static_cast<unsigned long long>(sum.dump.rows), static_cast<double>(sum.dump.bytes) / 1e6,
        static_cast<double>(sum.dump.stored_bytes) / 1e6, static_cast<long long>(sum.restore.rows),
        sum.restore.schema_items);
    return kExitOk;
  };
}

}  // namespace hyperdump::cli
