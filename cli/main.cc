// hyperdump: moves large PostgreSQL and TimescaleDB databases fast, without
// losing a row. This file only dispatches to the subcommands (cli/cmd_*.cc).
#include <CLI/CLI.hpp>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/argv_scrub.h"
#include "cli/commands.h"
#include "cli/version.h"

namespace {
bool HasSubcommand(CLI::App& app, const std::string& name) {
  for (CLI::App* sub : app.get_subcommands({})) {
    if (sub->check_name(name)) return true;
  }
  return false;
}
}  // namespace

// An exception escaping main (std::bad_alloc: the commands report errors as
// Status values) ends the process with its message, as it should.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  using namespace hyperdump::cli;
#if defined(__GLIBC__)
  // Peak memory at many tables (issue 18), three glibc malloc settings:
  // - One arena for every thread. glibc gives each new thread an arena of
  //   its own, and memory freed there serves only that arena: a dump or
  //   restore of 39,019 tables kept about a fifth of its peak in its
  //   workers' arenas. Its threads are few (the -j workers and a helper or
  //   two) and allocate little per row, mostly from their own tcache.
  // - Blocks of 1 MiB and more (the vectors of all tables, items or files,
  //   the listings and their text) from mmap, returned to the system when
  //   freed. By default glibc raises that threshold after the first such
  //   free, up to 32 MiB, and the next big blocks come from the heap, where
  //   they leave holes that count in the process's memory. So nothing may
  //   allocate 1 MiB or more per file or per row: COPY and codec buffers are
  //   256 KiB, zstd contexts are kept per thread (format/codec.cc).
  // - The heap's free top kept up to 2 MiB, twice the mmap threshold, as
  //   glibc's own rule would set it. Setting the threshold above turns that
  //   rule off and leaves the trim threshold at 128 KiB: each file's 256 KiB
  //   buffer, freed at the top of the heap, was given back to the system
  //   and faulted in again for the next file (a restore of 13,019 tables
  //   spent 7-9 s of system CPU on it, three times its CPU before).
  // Measured with the first two, 39,019 tables: dump 99 -> 59 MiB, restore
  // 109 -> 79.
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 2 << 20);
#endif
  CLI::App app{
      "hyperdump: parallel, consistent dump and restore of PostgreSQL and "
      "TimescaleDB databases",
      "hyperdump"};
  app.set_version_flag("-V,--version", std::string("hyperdump ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough(false);

  // Each subcommand registers itself and hands back its runner.
  std::map<CLI::App*, CommandFn> commands;
  auto add = [&](CommandFn fn) { commands[app.get_subcommands({}).back()] = std::move(fn); };
  add(RegisterDump(app));
  add(RegisterRestore(app));
  add(RegisterMigrate(app));
  add(RegisterVerify(app));
  add(RegisterList(app));
  add(RegisterDemoData(app));
  add(RegisterResumeJobs(app));
  add(RegisterCompare(app));
  add(RegisterBench(app));

  // Parse a copy: the passwords in argv itself are masked at once, before
  // anything else runs (other users' `ps` reads argv's memory).
  std::vector<std::string> args = ScrubArgv(argc, argv);
  std::vector<char*> parse_argv;
  parse_argv.reserve(args.size() + 1);
  for (std::string& a : args) parse_argv.push_back(a.data());
  parse_argv.push_back(nullptr);
  try {
    app.parse(argc, parse_argv.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, exit 2, as for any usage error.
    std::string what = e.what();
    if (argc > 1 && args[1][0] != '-' && !HasSubcommand(app, args[1])) {
      what = "unknown subcommand '" + args[1] + "'";
    }
    std::fprintf(stderr, "hyperdump: error: %s (see hyperdump --help)\n", what.c_str());
    return hyperdump::kExitUsage;
  }
  InstallInterruptHandlers();
  for (CLI::App* sub : app.get_subcommands()) return commands.at(sub)();
  return hyperdump::kExitUsage;
}
