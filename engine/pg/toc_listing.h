// The one reader of `pg_restore -l` output (a custom-format archive's table
// of contents), shared by the dump (its post-data map), the restore (its
// schema items) and selective restore (pg_restore's verdict, `list --toc`).
//
// An entry line is "<dump id>; <catalog oid> <object oid> <DESC> <namespace>
// <tag> <owner>" (pg_backup_archiver.c, PrintTOCSummary); lines starting
// with ';' are comments. Pure functions, plain values.
#ifndef HYPERDUMP_ENGINE_PG_TOC_LISTING_H_
#define HYPERDUMP_ENGINE_PG_TOC_LISTING_H_

#include <string>
#include <vector>

namespace hyperdump::engine {

// One entry line: "308; 1259 17316 TABLE demo metrics postgres".
struct TocLine {
  int id = 0;                                // pg_restore's dump id, > 0
  std::string catalog_oid = "0", oid = "0";  // as printed (decimal)
  std::string desc;  // "TABLE", "INDEX ATTACH", "FK CONSTRAINT"... (longest known match)
  std::string text;  // "DESC NAMESPACE TAG OWNER", as printed
  std::string line;  // the whole line, usable in a pg_restore -L list
};

// The entry lines of a `pg_restore -l` listing (comments, blank lines and
// lines without a positive id skipped), in listing order.
std::vector<TocLine> ParseTocListing(const std::string& listing);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PG_TOC_LISTING_H_
