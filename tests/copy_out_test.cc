// Several COPY ... TO STDOUT statements in one query string (engine/dump/
// copy_out.h: StartCopies, ReadNextCopy, EndCopies, AbandonCopies), as the
// dump runs a batch of small tables, on a real server with the real
// TimescaleDB: each statement's rows come out in order and equal to its own
// COPY, and every way out of the middle of the string (the server's error,
// the writer's, giving up between two tables, a statement left unread)
// leaves the connection ready for the next command.
#include "engine/dump/copy_out.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/pg/pg.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

using engine::AbandonCopies;
using engine::CopyOut;
using engine::CopyStats;
using engine::EndCopies;
using engine::PgConnection;
using engine::ReadNextCopy;
using engine::StartCopies;
using testing::QueryValue;
using testing::ScratchDatabase;

class CopyOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TIMESCALEDB();
    db_ = std::make_unique<ScratchDatabase>("copy_out");
    conn_ = db_->Connect();
    ASSERT_TRUE(conn_.ok());
    // A hypertable of three one-day chunks and a plain table: a batch of
    // small tables is mostly chunks.
    ASSERT_TRUE(
        conn_
            .Run("CREATE EXTENSION IF NOT EXISTS timescaledb;"
                 "SET client_min_messages = warning;"
                 "CREATE TABLE m (t timestamptz NOT NULL, v int);"
                 "SELECT create_hypertable('m', 't', chunk_time_interval => interval '1 day');"
                 "INSERT INTO m SELECT '2026-01-01'::timestamptz + i * interval '1 hour', i"
                 "  FROM generate_series(0, 71) i;"
                 "CREATE TABLE plain (id int, s text);"
                 "INSERT INTO plain SELECT i, 'row ' || i FROM generate_series(1, 5) i;")
            .ok());
    auto chunks = conn_.Exec(
        "SELECT format('%I.%I', chunk_schema, chunk_name)"
        " FROM timescaledb_information.chunks ORDER BY range_start");
    ASSERT_TRUE(chunks.ok()) << chunks.status().message();
    for (int i = 0; i < chunks->rows(); ++i) tables_.push_back(chunks->GetString(i, 0));
    ASSERT_EQ(tables_.size(), 3u);
    tables_.push_back("public.plain");
  }

  // What one COPY of `table` alone writes.
  std::string CopyAlone(const std::string& table) {
    std::string out;
    auto stats = CopyOut(
        conn_, "COPY " + table + " TO STDOUT",
        [&](std::string_view b) {
          out.append(b);
          return Status::Ok();
        },
        nullptr, nullptr);
    EXPECT_TRUE(stats.ok()) << stats.status().message();
    return out;
  }

  std::vector<std::string> CopySqls() const {
    std::vector<std::string> sqls;
    for (const std::string& t : tables_) sqls.push_back("COPY " + t + " TO STDOUT");
    return sqls;
  }

  // The connection takes a command and answers it.
  void ExpectUsable() { EXPECT_EQ(QueryValue(conn_, "SELECT 40 + 2"), "42"); }

  std::unique_ptr<ScratchDatabase> db_;
  PgConnection conn_;
  std::vector<std::string> tables_;  // three chunks, then public.plain
};

TEST_F(CopyOutTest, EachStatementOfTheStringYieldsItsOwnRowsInOrder) {
  std::vector<std::string> alone;
  for (const std::string& t : tables_) alone.push_back(CopyAlone(t));
  ASSERT_TRUE(StartCopies(conn_, CopySqls()).ok());
  for (size_t i = 0; i < tables_.size(); ++i) {
    std::string got;
    auto stats = ReadNextCopy(
        conn_,
        [&](std::string_view b) {
          got.append(b);
          return Status::Ok();
        },
        nullptr, nullptr);
    ASSERT_TRUE(stats.ok()) << tables_[i] << ": " << stats.status().message();
    EXPECT_EQ(got, alone[i]) << tables_[i];
    EXPECT_EQ(stats->rows, i < 3 ? 24u : 5u) << tables_[i];
    EXPECT_EQ(stats->bytes, got.size());
  }
  EXPECT_TRUE(EndCopies(conn_).ok());
  ExpectUsable();
}

TEST_F(CopyOutTest, AServerErrorInTheMiddleIsTheNextReadsErrorAndSkipsTheRest) {
  std::vector<std::string> sqls = CopySqls();
  sqls.insert(sqls.begin() + 1, "COPY public.no_such_table TO STDOUT");
  ASSERT_TRUE(StartCopies(conn_, sqls).ok());
  auto first = ReadNextCopy(
      conn_, [](std::string_view) { return Status::Ok(); }, nullptr, nullptr);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->rows, 24u);
  auto second = ReadNextCopy(
      conn_, [](std::string_view) { return Status::Ok(); }, nullptr, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().sqlstate(), "42P01") << second.status().message();
  EXPECT_NE(second.status().message().find("no_such_table"), std::string::npos)
      << second.status().message();
  // Nothing of the statements after it is left to read.
  EXPECT_TRUE(EndCopies(conn_).ok());
  ExpectUsable();
}

TEST_F(CopyOutTest, AWriterFailureCancelsTheRestAndLeavesTheConnectionUsable) {
  ASSERT_TRUE(StartCopies(conn_, CopySqls()).ok());
  auto failed = ReadNextCopy(
      conn_, [](std::string_view) { return Status(StatusCode::kIo, "disk full (injected)"); },
      nullptr, nullptr);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "disk full (injected)");
  EXPECT_TRUE(EndCopies(conn_).ok());
  ExpectUsable();
}

TEST_F(CopyOutTest, AbandoningBetweenTwoTablesLeavesTheConnectionUsable) {
  ASSERT_TRUE(conn_.Run("BEGIN").ok());
  ASSERT_TRUE(StartCopies(conn_, CopySqls()).ok());
  auto first = ReadNextCopy(
      conn_, [](std::string_view) { return Status::Ok(); }, nullptr, nullptr);
  ASSERT_TRUE(first.ok()) << first.status().message();
  AbandonCopies(conn_);
  ASSERT_TRUE(conn_.Run("ROLLBACK").ok());
  ExpectUsable();
}

TEST_F(CopyOutTest, AStatementLeftUnreadIsAnErrorAndIsReadAway) {
  ASSERT_TRUE(StartCopies(conn_, CopySqls()).ok());
  auto first = ReadNextCopy(
      conn_, [](std::string_view) { return Status::Ok(); }, nullptr, nullptr);
  ASSERT_TRUE(first.ok()) << first.status().message();
  Status end = EndCopies(conn_);
  EXPECT_FALSE(end.ok());
  EXPECT_EQ(end.message(), "the server answered more COPY statements than were read");
  ExpectUsable();
}

TEST_F(CopyOutTest, ReadingPastTheLastStatementIsAnError) {
  ASSERT_TRUE(StartCopies(conn_, {"COPY public.plain TO STDOUT"}).ok());
  auto only = ReadNextCopy(
      conn_, [](std::string_view) { return Status::Ok(); }, nullptr, nullptr);
  ASSERT_TRUE(only.ok()) << only.status().message();
  auto past = ReadNextCopy(
      conn_, [](std::string_view) { return Status::Ok(); }, nullptr, nullptr);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().message(), "no COPY left in the query string");
  ExpectUsable();
}

}  // namespace
}  // namespace hyperdump
