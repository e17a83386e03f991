#include "engine/pg/conninfo.h"

#include <gtest/gtest.h>

namespace hyperdump::engine {
namespace {

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

TEST(RedactConninfoTest, RebuildsWhatThePatternsCannotMaskSoNoSecretShows) {
  // A bare value with an escaped space: libpq reads "s3 cret"; masking the
  // text would leave " cret", so the conninfo is shown as libpq read it.
  std::string r = RedactConninfo(R"(host=db password=s3\ cret user=bob)");
  EXPECT_EQ(r.find("cret"), std::string::npos) << r;
  EXPECT_EQ(r, "user='bob' password='********' host='db'");  // libpq's order
  EXPECT_EQ(RedactConninfo("host=db sslpassword=k3y"), "host=db sslpassword=********");
}

TEST(RedactConninfoTest, MasksTextLibpqCannotParseByThePatterns) {
  EXPECT_EQ(RedactConninfo("host='db password=s3cret"), "host='db password=********");
}

TEST(ParseConninfoTest, ReadsUrisAndKeyValuesAndNamesLibpqsReason) {
  auto p = ParseConninfo("postgresql://u:p%40ss@h:5433/db?sslmode=require");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(FormatConninfo(*p),
            "user='u' password='p@ss' dbname='db' host='h' port='5433' sslmode='require'");
  int secrets = 0;
  for (const ConninfoParam& c : *p) secrets += c.secret ? 1 : 0;
  EXPECT_EQ(secrets, 1);
  auto bad = ParseConninfo("host='unterminated");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("not a libpq URI or conninfo: ", 0), 0U);
}

TEST(ConninfoWithoutSecretsTest, DropsSecretsKeepingTheFormWritten) {
  EXPECT_EQ(ConninfoWithoutSecrets("postgresql://ann:s3cret@db:5433/tsdb?password=x&sslmode=off"),
            "postgresql://ann@db:5433/tsdb?sslmode=off");
  EXPECT_EQ(ConninfoWithoutSecrets("postgresql://db/tsdb?sslmode=off&sslpassword=k"),
            "postgresql://db/tsdb?sslmode=off");
  EXPECT_EQ(ConninfoWithoutSecrets("host=h password='se cret' dbname=it's"), "host=h dbname=it's");
  EXPECT_EQ(ConninfoWithoutSecrets("host=h dbname=x"), "host=h dbname=x");
  std::string rebuilt = ConninfoWithoutSecrets(R"(host=h password=a\ b dbname=x)");
  EXPECT_EQ(rebuilt, "dbname='x' host='h'");
}

}  // namespace
}  // namespace hyperdump::engine
