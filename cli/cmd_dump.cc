// `hyperdump dump -d SOURCE -f DIR -j N`: flags in, engine::RunDump, one
// summary (or one error) out. Flags follow pg_dump's.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>

#include "base/units.h"
#include "cli/commands.h"
#include "cli/ui_flags.h"
#include "cli/ui_observer.h"
#include "cli/version.h"
#include "engine/dump/dry_run.h"
#include "engine/dump/dump.h"

namespace hyperdump::cli {
namespace {

// "zstd", "zstd:LEVEL", "none".
Status ParseCompress(const std::string& text, engine::DumpOptions& o) {
  if (text == "none") {
    o.codec = format::Codec::kNone;
    o.level = 0;
    return Status::Ok();
  }
  if (text == "zstd") return Status::Ok();
  if (text.rfind("zstd:", 0) == 0) {
    try {
      size_t pos = 0;
      o.level = std::stoi(text.substr(5), &pos);
      if (pos == text.size() - 5 && o.level >= format::MinZstdLevel() &&
          o.level <= format::MaxZstdLevel()) {
        return Status::Ok();
      }
    } catch (...) {
    }
  }
  return InvalidArgument("--compress: '" + text + "' is not zstd, zstd:LEVEL (" +
                         std::to_string(format::MinZstdLevel()) + ".." +
                         std::to_string(format::MaxZstdLevel()) + ") or none");
}

}  // namespace

CommandFn RegisterDump(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand(
      "dump",
      "Dump a database into an archive directory: one consistent snapshot shared by N "
      "connections, COPY streamed through zstd, TimescaleDB chunks as they are");
  auto o = std::make_shared<engine::DumpOptions>();
  struct Flags {
    std::string split = "auto", compress = "zstd", copy_format = "text", lock_timeout = "10s",
                wait_jobs_timeout = "10min";
    bool no_pause_jobs = false, dry_run = false, json = false, verbose = false;
    UiFlags ui;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("-d,--dbname", o->source, "Source database (libpq URI or key=value string)")
      ->required();
  cmd->add_option("-f,--file", o->dir, "Archive directory to create (must not exist, or be empty)");
  cmd->add_option("-j,--jobs", o->jobs, "Worker connections copying at once")
      ->check(CLI::Range(1, 256));
  cmd->add_option("-n,--schema", o->selection.include_schemas,
                  "Dump only schemas matching PATTERN");
  cmd->add_option("-N,--exclude-schema", o->selection.exclude_schemas,
                  "Do not dump schemas matching PATTERN");
  cmd->add_option("-t,--table", o->selection.include_tables, "Dump only tables matching PATTERN");
  cmd->add_option("-T,--exclude-table", o->selection.exclude_tables,
                  "Do not dump tables matching PATTERN");
  cmd->add_option("--split-larger-than", f->split,
                  "Split tables larger than SIZE into ctid-range jobs, so that N workers share "
                  "a big table; auto: only a table above its worker's share of all the data "
                  "(0: never)")
      ->capture_default_str();
  cmd->add_option("--compress", f->compress, "zstd, zstd:LEVEL or none")->capture_default_str();
  cmd->add_option("--copy-format,--format", f->copy_format,
                  "COPY format of the data files: text, binary, or auto (binary for tables "
                  "whose column types are all built in or TimescaleDB's, and for compressed "
                  "chunks; text for the rest)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "binary", "auto"}));
  cmd->add_flag("--lock-per-job", o->lock_per_job,
                "Lock each table only while a job copies it (for more tables than the lock "
                "table holds); a table rewritten meanwhile fails the dump");
  cmd->add_option("--lock-timeout", f->lock_timeout,
                  "How long to wait for a table lock before failing (ms, s, min)")
      ->capture_default_str();
  cmd->add_flag("--no-pause-jobs", f->no_pause_jobs,
                "Leave TimescaleDB background jobs scheduled during the dump");
  cmd->add_option("--wait-jobs-timeout", f->wait_jobs_timeout,
                  "How long to wait, before the snapshot, for TimescaleDB jobs already running "
                  "(ms, s, min)")
      ->capture_default_str();
  cmd->add_flag("--roles", o->roles, "Also store the cluster's roles (without passwords)");
  cmd->add_flag(
      "--no-large-objects", o->no_large_objects,
      "Dump without the database's large objects (else they are dumped with their owners, "
      "privileges and comments)");
  cmd->add_option("--cpu-log", o->cpu_log,
                  "Write one JSON line per data job to FILE: wall time, server and client CPU "
                  "seconds (for benchmarks)")
      ->type_name("FILE");
  cmd->add_flag("--dry-run", f->dry_run, "Print the plan (jobs, sizes) and write nothing");
  cmd->add_flag("--json", f->json, "With --dry-run: print the plan as JSON");
  cmd->add_flag("-v,--verbose", f->verbose,
                "Accepted for pg_dump compatibility: progress is shown unless --quiet");
  AddUiFlags(cmd, &f->ui);
  return [o, f]() -> int {
    o->selection.slots = o->jobs;
    if (f->split == "auto") {
      o->selection.split_larger_than = engine::kSplitByBalance;
    } else {
      auto split = ParseSize(f->split, "--split-larger-than");
      if (!split.ok()) return ReportError(split.status());
      o->selection.split_larger_than =
          static_cast<int64_t>(std::min<uint64_t>(*split, std::numeric_limits<int64_t>::max()));
    }
    if (f->dry_run) {
      return ReportError(engine::PrintDryRun(o->source, o->selection, f->json, std::cout));
    }
    if (f->json) return ReportError(InvalidArgument("--json requires --dry-run"));
    if (o->dir.empty()) return ReportError(InvalidArgument("-f/--file DIR is required"));
    auto timeout = ParseDuration(f->lock_timeout, "--lock-timeout");
    if (!timeout.ok()) return ReportError(timeout.status());
    o->lock_timeout_ms = static_cast<int>(timeout->count());
    auto wait_jobs = ParseDuration(f->wait_jobs_timeout, "--wait-jobs-timeout");
    if (!wait_jobs.ok()) return ReportError(wait_jobs.status());
    o->wait_jobs_timeout_ms = static_cast<int>(wait_jobs->count());
    Status s = ParseCompress(f->compress, *o);
    if (!s.ok()) return ReportError(s);
    o->copy_format = engine::ParseCopyFormat(f->copy_format);
    o->pause_jobs = !f->no_pause_jobs;
    o->tool_version = kVersion;

    auto ui = MakeRunUi("dump", f->ui);
    if (!ui.ok()) return ReportError(ui.status());
    // RunDump reports its phases and estimate to the display through the
    // observer; the line below adds what only the dump knows.
    engine::DumpSummary sum;
    UiObserver observer(**ui);
    s = engine::RunDump(*o, InterruptFlag(), (*ui)->sink(), &sum, &observer);
    int exit_code = FinishRun(**ui, s);
    if (exit_code != kExitOk || f->ui.quiet || f->ui.log_format == "json") return exit_code;
    std::printf("dumped %lld tables (%lld jobs) to %s: %llu rows, %s of COPY data stored as %s\n",
                static_cast<long long>(sum.tables), static_cast<long long>(sum.jobs),
                o->dir.c_str(), static_cast<unsigned long long>(sum.rows),
                HumanBytes(sum.bytes).c_str(), HumanBytes(sum.stored_bytes).c_str());
    return kExitOk;
  };
}

}  // namespace hyperdump::cli
