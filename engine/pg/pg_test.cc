#include "engine/pg/pg.h"

#include <gtest/gtest.h>

namespace hyperdump::engine {
namespace {

TEST(QuoteIdentTest, DoublesEmbeddedQuotesAndAlwaysQuotes) {
  EXPECT_EQ(QuoteIdent("plain"), "\"plain\"");
  EXPECT_EQ(QuoteIdent("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(QualifiedName("My Schema", "t.1"), "\"My Schema\".\"t.1\"");
}

TEST(QuoteLiteralTest, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(QuoteLiteral("a\\b"), "E'a\\\\b'");
}

TEST(IsTransientTest, ClassifiesBySqlstate) {
  EXPECT_TRUE(IsTransient(Status(StatusCode::kDatabase, "x", "40001")));
  EXPECT_TRUE(IsTransient(Status(StatusCode::kDatabase, "x", "40P01")));
  EXPECT_TRUE(IsTransient(Status(StatusCode::kDatabase, "x", "55P03")));
  EXPECT_TRUE(IsTransient(Status(StatusCode::kConnection, "x", "08006")));
  EXPECT_FALSE(IsTransient(Status(StatusCode::kDatabase, "x", "23505")));
  EXPECT_FALSE(IsTransient(Status(StatusCode::kDatabase, "x", "42P01")));
  EXPECT_TRUE(IsLockBusy(Status(StatusCode::kDatabase, "x", "55P03")));
  EXPECT_FALSE(IsLockBusy(Status(StatusCode::kDatabase, "x", "40001")));
}

TEST(ReadIdentTest, ReadsQuotedAndBareIdentifiersAsPostgresPrintsThem) {
  std::string name;
  bool quoted = false;
  size_t pos = 0;
  std::string sql = R"("Ab ""c"".d".x y$1 é; "open)";
  ASSERT_TRUE(ReadIdent(sql, pos, &name, &quoted));
  EXPECT_EQ(name, R"(Ab "c".d)");
  EXPECT_TRUE(quoted);
  EXPECT_EQ(sql[pos], '.');
  ++pos;
  ASSERT_TRUE(ReadIdent(sql, pos, &name, &quoted));
  EXPECT_EQ(name, "x");
  EXPECT_FALSE(quoted);
  EXPECT_FALSE(ReadIdent(sql, pos, &name));  // a space starts none
  ++pos;
  ASSERT_TRUE(ReadIdent(sql, pos, &name));
  EXPECT_EQ(name, "y$1");
  ++pos;
  ASSERT_TRUE(ReadIdent(sql, pos, &name));
  EXPECT_EQ(name, "\xC3\xA9");
  EXPECT_FALSE(ReadIdent(sql, pos, &name));  // ';'
  pos += 2;
  size_t before = pos;
  EXPECT_FALSE(ReadIdent(sql, pos, &name));  // quote never closed
  EXPECT_EQ(pos, before);
  EXPECT_EQ(name, "\xC3\xA9");
}

}  // namespace
}  // namespace hyperdump::engine
