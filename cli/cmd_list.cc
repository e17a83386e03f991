// `hyperdump list DIR [--json]`: what an archive holds, from its manifest.
#include <cstdio>

#include "cli/commands.h"
#include "format/reader.h"
#include "format/verify.h"

namespace hyperdump::cli {

CommandFn RegisterList(CLI::App& root) {
  CLI::App* cmd =
      root.add_subcommand("list", "Show the files, jobs, objects, rows and sizes an archive holds");
  struct Args {
    std::string dir;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("DIR", args->dir, "Archive directory")->required();
  cmd->add_flag("--json", args->json, "Print JSON for tools instead of a table");
  return [args]() -> int {
    Result<std::unique_ptr<format::ArchiveReader>> reader = format::ArchiveReader::Open(args->dir);
    if (!reader.ok()) return ReportError(reader.status());
    const format::Manifest& m = (*reader)->manifest();
    std::string out = args->json ? format::ListingJson(args->dir, m).dump(2) + "\n"
                                 : format::FormatListing(args->dir, m);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  };
}

}  // namespace hyperdump::cli
