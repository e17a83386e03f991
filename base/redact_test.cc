#include "base/redact.h"

#include <gtest/gtest.h>

namespace hyperdump {
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

TEST(RedactSecretsTest, HidesABareConninfoPasswordUpToWhiteSpace) {
  EXPECT_EQ(RedactSecrets("host=h password=a&b,c} user=x"), "host=h password=******** user=x");
  EXPECT_EQ(RedactSecrets("host=h sslpassword=k3y"), "host=h sslpassword=********");
}

TEST(FindSecretsTest, GivesEachSecretsKeyAndValueInTextOrder) {
  const std::string text = "postgresql://u:pw@h/db?sslmode=off&password=q x password='a b'";
  std::vector<SecretSpan> s = FindSecrets(text);
  ASSERT_EQ(s.size(), 3U);
  EXPECT_EQ(s[0].kind, SecretSpan::kUriUserInfo);
  EXPECT_EQ(text.substr(s[0].key_begin, s[0].value_end - s[0].key_begin), ":pw");
  EXPECT_EQ(s[1].kind, SecretSpan::kUriQuery);
  EXPECT_EQ(text.substr(s[1].key_begin, s[1].value_end - s[1].key_begin), "password=q");
  EXPECT_EQ(s[2].kind, SecretSpan::kKeyValue);
  EXPECT_EQ(text.substr(s[2].value_begin, s[2].value_end - s[2].value_begin), "'a b'");
  EXPECT_TRUE(FindSecrets("copy public.metrics; password authentication failed").empty());
}

}  // namespace
}  // namespace hyperdump
