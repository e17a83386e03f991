#include "engine/pg.h"

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

TEST(RedactConninfoTest, HidesPasswordsInEveryForm) {
  EXPECT_EQ(RedactConninfo("postgresql://bob:s3cret@db:5432/app"),
            "postgresql://bob:********@db:5432/app");
  EXPECT_EQ(RedactConninfo("host=db password=s3cret user=bob"),
            "host=db password=******** user=bob");
  EXPECT_EQ(RedactConninfo("host=db password='s3 cret' user=bob"),
            "host=db password=******** user=bob");
  EXPECT_EQ(RedactConninfo("postgresql://db/app?password=s3cret&sslmode=off"),
            "postgresql://db/app?password=********&sslmode=off");
  EXPECT_EQ(RedactConninfo("postgresql://bob@db/app"), "postgresql://bob@db/app");
}

}  // namespace
}  // namespace hyperdump::engine
