#include "engine/restore/pg_dump_rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace hyperdump::engine {
namespace {

// Hands out `text` at most `piece` bytes per read, so that every boundary
// (inside the header, inside "\.", right after a newline) is crossed; then,
// if `fail` is set, that error instead of the end.
class PiecewiseSource final : public format::ByteSource {
 public:
  PiecewiseSource(std::string text, size_t piece, Status fail = Status::Ok())
      : text_(std::move(text)), piece_(piece), fail_(std::move(fail)) {}
  Result<size_t> Read(char* buf, size_t cap) override {
    if (pos_ == text_.size()) {
      if (!fail_.ok()) return fail_;
      return size_t{0};
    }
    size_t n = std::min({cap, piece_, text_.size() - pos_});
    std::memcpy(buf, text_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string text_;
  size_t piece_;
  size_t pos_ = 0;
  Status fail_;
};

const char kHeader[] =
    "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc\n\nSET client_encoding = 'UTF8';\n\n"
    "--\n-- Data for Name: t; Type: TABLE DATA; Schema: demo; Owner: postgres\n--\n\n"
    "COPY demo.\"Odd \"\"t\"\"\" (id, \"Äb\") FROM stdin;\n";
const char kTrailer[] =
    "\\.\n\n\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict abc\n\n";

std::string ReadAll(PgDumpRows& rows, Status* error) {
  std::string out;
  char buf[7];
  for (;;) {
    Result<size_t> n = rows.Read(buf, sizeof buf);
    if (!n.ok()) {
      *error = n.status();
      return out;
    }
    if (*n == 0) return out;
    out.append(buf, *n);
  }
}

// The rows come out exactly, whatever the read sizes: backslashes inside or
// ending a row, "\." inside a row, an empty last field, are rows.
TEST(PgDumpRowsTest, RowsComeOutExactlyUpToTheEndMarkerWhateverTheReadSizes) {
  const std::string rows = "1\ta\\\\.b\n2\t\\\\.\n3\t\\N\n4\tx\\\\\n5\t\n";
  for (size_t piece : {1, 2, 3, 5, 64, 1 << 20}) {
    SCOPED_TRACE("piece " + std::to_string(piece));
    PgDumpRows r(std::make_unique<PiecewiseSource>(kHeader + rows + kTrailer, piece), 1);
    Result<std::string> copy = r.NextItem("item 7");
    ASSERT_TRUE(copy.ok()) << copy.status().message();
    EXPECT_EQ(*copy, "COPY demo.\"Odd \"\"t\"\"\" (id, \"Äb\") FROM stdin");
    Status error;
    EXPECT_EQ(ReadAll(r, &error), rows);
    EXPECT_TRUE(error.ok()) << error.message();
  }
}

TEST(PgDumpRowsTest, AnEmptyTableHasNoRows) {
  PgDumpRows r(std::make_unique<PiecewiseSource>(std::string(kHeader) + kTrailer, 1), 1);
  ASSERT_TRUE(r.NextItem("item 7").ok());
  Status error;
  EXPECT_EQ(ReadAll(r, &error), "");
  EXPECT_TRUE(error.ok()) << error.message();
}

// Output cut short (pg_restore killed, a truncated file it did not notice)
// is an error, never rows that look complete.
TEST(PgDumpRowsTest, OutputEndingBeforeTheMarkerIsCorrupt) {
  PgDumpRows r(std::make_unique<PiecewiseSource>(std::string(kHeader) + "1\ta\n2\t\\", 3), 1);
  ASSERT_TRUE(r.NextItem("item 7").ok());
  Status error;
  ReadAll(r, &error);
  EXPECT_EQ(error.code(), StatusCode::kCorrupt);
  EXPECT_EQ(error.message(), "item 7: pg_restore's output ended before the end of its rows");
}

// pg_restore failing after the rows (its exit status comes with the end of
// its output) fails the read that would have ended the stream.
TEST(PgDumpRowsTest, AFailureAfterTheRowsIsReported) {
  PgDumpRows r(std::make_unique<PiecewiseSource>(
                   std::string(kHeader) + "1\ta\n" + kTrailer, 4,
                   Status(StatusCode::kDatabase, "pg_restore failed (exit code 1): boom")),
               1);
  ASSERT_TRUE(r.NextItem("item 7").ok());
  Status error;
  EXPECT_EQ(ReadAll(r, &error), "1\ta\n");
  EXPECT_EQ(error.message(), "item 7: pg_restore failed (exit code 1): boom");
}

// Several items in one printout (one pg_restore for a batch of small
// tables): each item's rows end at its own marker, the next starts after it.
TEST(PgDumpRowsTest, ItemsOfOnePrintoutComeOutOneAfterTheOther) {
  const std::string second =
      "\\.\n\n\n--\n-- Data for Name: u; Type: TABLE DATA; Schema: demo; Owner: postgres\n--\n\n"
      "COPY demo.u (x) FROM stdin;\n";
  for (size_t piece : {1, 4, 1 << 20}) {
    SCOPED_TRACE("piece " + std::to_string(piece));
    PgDumpRows r(std::make_unique<PiecewiseSource>(
                     kHeader + std::string("1\ta\n") + second + "9\n8\n" + kTrailer, piece),
                 2);
    ASSERT_TRUE(r.NextItem("item 7").ok());
    Status error;
    EXPECT_EQ(ReadAll(r, &error), "1\ta\n");
    EXPECT_TRUE(r.ready_for_next());
    Result<std::string> copy = r.NextItem("item 8");
    ASSERT_TRUE(copy.ok()) << copy.status().message();
    EXPECT_EQ(*copy, "COPY demo.u (x) FROM stdin");
    EXPECT_EQ(ReadAll(r, &error), "9\n8\n");
    EXPECT_TRUE(error.ok()) << error.message();
    EXPECT_FALSE(r.ready_for_next());
  }
}

TEST(PgDumpRowsTest, InsertStatementsAreRefusedNamingTheFix) {
  PgDumpRows r(
      std::make_unique<PiecewiseSource>("SET x = 1;\n\nINSERT INTO demo.t VALUES (1);\n", 5), 1);
  Result<std::string> copy = r.NextItem("item 7");
  ASSERT_FALSE(copy.ok());
  EXPECT_EQ(copy.status().message(),
            "item 7 holds no COPY data (a dump made with --inserts or --column-inserts?): "
            "restore this archive with pg_restore");
}

}  // namespace
}  // namespace hyperdump::engine
