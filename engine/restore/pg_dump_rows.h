// The COPY rows of TABLE DATA items of a pg_dump archive, out of what
// `pg_restore -L <the items> -f -` prints: for each item a header (comments,
// SET lines, then "COPY s.t (cols) FROM stdin;"), its rows and the end
// marker "\."; then a trailer. engine/restore/pg_dump_archive.h feeds each
// item's rows to a COPY.
//
// Ownership: owns `printed` (the child's output). One thread at a time.
#ifndef HYPERDUMP_ENGINE_RESTORE_PG_DUMP_ROWS_H_
#define HYPERDUMP_ENGINE_RESTORE_PG_DUMP_ROWS_H_

#include <memory>
#include <string>
#include <utility>

#include "base/status.h"
#include "format/sink.h"

namespace hyperdump::engine {

class PgDumpRows final : public format::ByteSource {
 public:
  // `items`: how many items `printed` holds.
  PgDumpRows(std::unique_ptr<format::ByteSource> printed, int items)
      : printed_(std::move(printed)), items_left_(items) {}

  // Starts the next item (`what` names it in errors: "item 4012 of pg_dump
  // archive DIR"): reads its header, returns its COPY statement without the
  // ';'. kCorrupt when it holds none (a dump made with --inserts). Only
  // when ready_for_next().
  Result<std::string> NextItem(std::string what);
  // Whether another item may start: none was started, or the last one's
  // rows were all read, and items remain.
  bool ready_for_next() const { return !in_item_ && items_left_ > 0 && error_.ok(); }

  // The current item's rows, as printed; 0 once its end marker is reached
  // (after the last item's, once the rest of the output has been read, so
  // that a failing pg_restore is reported). kCorrupt when the output ends
  // before the marker. A text COPY row never starts with "\.": its
  // backslashes are escaped. Errors are sticky.
  Result<size_t> Read(char* out, size_t cap) override;

 private:
  std::pair<size_t, bool> FindEnd(const char* p, size_t n) const;
  Result<bool> Refill();
  Status DrainPrinted();

  static constexpr size_t kChunk = size_t{256} * 1024;
  std::unique_ptr<format::ByteSource> printed_;
  int items_left_;        // items not yet started
  bool in_item_ = false;  // an item started whose marker was not reached
  Status error_;
  std::string what_;
  std::string chunk_;  // what one read of `printed_` returns
  std::string buf_;    // read but not yet handed out, from pos_
  size_t pos_ = 0;
  bool line_start_ = true;
  bool eof_ = false;
};

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_PG_DUMP_ROWS_H_
