// `hyperdump verify DIR`: checks every archive file against the manifest and
// names every bad one. Exit 0 only when all are good; kExitCorrupt otherwise.
#include <cstdio>

#include "base/units.h"
#include "cli/commands.h"
#include "format/verify.h"

namespace hyperdump::cli {

CommandFn RegisterVerify(CLI::App& root) {
  CLI::App* cmd = root.add_subcommand(
      "verify",
      "Check every file of an archive against its manifest: presence, size, checksum, "
      "full decompression, row count");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("DIR", *dir, "Archive directory")->required();
  return [dir]() -> int {
    Result<format::VerifyReport> report = format::VerifyArchive(*dir);
    if (!report.ok()) return ReportError(report.status());
    for (const format::FileProblem& p : report->problems) {
      std::printf("BAD  %s: %s\n", p.name.c_str(), p.reason.c_str());
    }
    if (!report->ok()) {
      std::fflush(stdout);
      std::string names;
      for (const format::FileProblem& p : report->problems) {
        names += (names.empty() ? "" : ", ") + p.name;
      }
      return ReportError(Corrupt(
          "archive " + *dir + " has " + std::to_string(report->problems.size()) +
          " bad file(s): " + names + " (restore them from another copy or re-run the dump)"));
    }
    std::printf("archive %s is good: %llu files, %s stored, %s uncompressed\n", dir->c_str(),
                static_cast<unsigned long long>(report->files_checked),
                HumanBytes(report->stored_bytes).c_str(),
                HumanBytes(report->uncompressed_bytes).c_str());
    return kExitOk;
  };
}

}  // namespace hyperdump::cli
