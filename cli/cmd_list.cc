// `hyperdump list DIR [--json]`: what an archive holds, from its manifest.
// `hyperdump list --toc DIR`: its items in pg_restore's -l format, for -L.
#include <cstdio>

#include "cli/commands.h"
#include "engine/restore/restore_selection.h"
#include "format/reader.h"
#include "format/verify.h"

namespace hyperdump::cli {

CommandFn RegisterList(CLI::App& root) {
  CLI::App* cmd =
      root.add_subcommand("list", "Show the files, jobs, objects, rows and sizes an archive holds");
  struct Args {
    std::string dir;
    bool json = false;
    bool toc = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("DIR", args->dir, "Archive directory")->required();
  cmd->add_flag("--json", args->json, "Print JSON for tools instead of a table");
  cmd->add_flag("--toc", args->toc,
                "Print the archive's items (schema and data) in pg_restore's -l format, for "
                "`hyperdump restore -L`")
      ->excludes("--json");
  return [args]() -> int {
    if (args->toc) {
      Result<std::string> toc = engine::ArchiveTocListing(args->dir, "");
      if (!toc.ok()) return ReportError(toc.status());
      std::fwrite(toc->data(), 1, toc->size(), stdout);
      return kExitOk;
    }
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
