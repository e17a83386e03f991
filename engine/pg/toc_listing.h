// The one reader of `pg_restore -l` output (a custom-format archive's table
// of contents), shared by the dump (its post-data map), the restore (its
// schema items) and selective restore (pg_restore's verdict, `list --toc`).
//
// An entry line is "<dump id>; <catalog oid> <object oid> <DESC> <namespace>
// <tag> <owner>" (pg_backup_archiver.c, PrintTOCSummary); lines starting
// with ';' are comments. Pure functions, plain values.
#ifndef HYPERDUMP_ENGINE_PG_TOC_LISTING_H_
#define HYPERDUMP_ENGINE_PG_TOC_LISTING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hyperdump::engine {

// One entry line: "308; 1259 17316 TABLE demo metrics postgres".
// One string and three numbers (48 bytes and `text`): a listing has an entry
// per table and per index, hundreds of thousands at 100,000 chunks (issue 18).
struct TocLine {
  int id = 0;                         // pg_restore's dump id, > 0
  uint32_t catalog_oid = 0, oid = 0;  // as printed (%u)
  uint32_t desc_size = 0;             // desc() is text's first desc_size characters
  std::string text;                   // "DESC NAMESPACE TAG OWNER", as printed

  // "TABLE", "INDEX ATTACH", "FK CONSTRAINT"... (longest known match).
  std::string_view desc() const { return std::string_view(text).substr(0, desc_size); }
  // The whole line, as pg_restore printed it ("%d; %u %u %s %s %s %s",
  // pg_backup_archiver.c), usable in a pg_restore -L list.
  std::string line() const;
  // An entry of `text` ("DESC NAMESPACE TAG OWNER"), its desc found as
  // ParseTocListing finds it.
  static TocLine Of(int id, uint32_t catalog_oid, uint32_t oid, std::string text);
};

// The entry lines of a `pg_restore -l` listing (comments, blank lines and
// lines without a positive id skipped), in listing order.
std::vector<TocLine> ParseTocListing(const std::string& listing);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PG_TOC_LISTING_H_
