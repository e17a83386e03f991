#include "cli/ui/redact.h"

#include <gtest/gtest.h>

namespace hyperdump::ui {
namespace {

TEST(RedactSecretsTest, HidesThePasswordOfAUri) {
  EXPECT_EQ(RedactSecrets("postgresql://bob:s3cr%40t@db.example:5432/app"),
            "postgresql://bob:********@db.example:5432/app");
  EXPECT_EQ(RedactSecrets("cannot connect to postgres://u:pw@h/db: timeout"),
            "cannot connect to postgres://u:********@h/db: timeout");
}

TEST(RedactSecretsTest, LeavesUrisWithoutAPasswordAlone) {
  EXPECT_EQ(RedactSecrets("postgresql://bob@h:5432/db"), "postgresql://bob@h:5432/db");
  EXPECT_EQ(RedactSecrets("postgresql://h:5432/db"), "postgresql://h:5432/db");
}

TEST(RedactSecretsTest, HidesKeyValuePasswords) {
  EXPECT_EQ(RedactSecrets("host=h password=hunter2 dbname=app"),
            "host=h password=******** dbname=app");
  EXPECT_EQ(RedactSecrets("host=h password = 'se cret' user=x"),
            "host=h password = ******** user=x");
  EXPECT_EQ(RedactSecrets("PGPASSWORD=abc&def ./run"), "PGPASSWORD=******** ./run");
  EXPECT_EQ(RedactSecrets(R"({"password": "x y"})"), R"({"password": ********})");
}

TEST(RedactSecretsTest, HidesQueryParameterPasswordsButKeepsTheRest) {
  EXPECT_EQ(RedactSecrets("postgresql:///app?host=/tmp&password=pw&sslmode=off"),
            "postgresql:///app?host=/tmp&password=********&sslmode=off");
}

TEST(RedactSecretsTest, KeepsPostgresErrorTextThatMerelyMentionsPasswords) {
  const std::string msg = "FATAL: password authentication failed for user \"bob\"";
  EXPECT_EQ(RedactSecrets(msg), msg);
  EXPECT_EQ(RedactSecrets("copy public.metrics chunk 17"), "copy public.metrics chunk 17");
}

}  // namespace
}  // namespace hyperdump::ui
