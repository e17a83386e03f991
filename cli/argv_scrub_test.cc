#include "cli/argv_scrub.h"

#include <gtest/gtest.h>

#include <cstring>

namespace hyperdump::cli {
namespace {

TEST(MaskPasswordsTest, MasksUriAndKeyValuePasswordsKeepingTheLength) {
  std::string uri = "postgresql://alice:s3cr%40t@db.example:5432/app?sslmode=require";
  EXPECT_EQ(MaskPasswords(uri), 1);
  EXPECT_EQ(uri, "postgresql://alice:********@db.example:5432/app?sslmode=require");
  std::string kv = "host=db user=alice password='se cret' dbname=app";
  EXPECT_EQ(MaskPasswords(kv), 1);
  EXPECT_EQ(kv, "host=db user=alice password=********* dbname=app");
  std::string query = "postgresql://h/app?user=a&password=xyz&sslmode=disable";
  EXPECT_EQ(MaskPasswords(query), 1);
  EXPECT_EQ(query, "postgresql://h/app?user=a&password=***&sslmode=disable");
}

TEST(MaskPasswordsTest, LeavesArgumentsWithoutPasswordsAlone) {
  for (std::string arg : {"postgresql://alice@h/app", "-j", "/backups/db.hd", "user=bob host=x"}) {
    const std::string before = arg;
    EXPECT_EQ(MaskPasswords(arg), 0) << before;
    EXPECT_EQ(arg, before);
  }
}

TEST(ScrubArgvTest, ReturnsTheArgumentsAsGivenAndMasksArgvInPlace) {
  char a0[] = "hyperdump", a1[] = "dump", a2[] = "-d", a3[] = "postgresql://u:pw@h/db";
  char* argv[] = {a0, a1, a2, a3, nullptr};
  std::vector<std::string> args = ScrubArgv(4, argv);
  ASSERT_EQ(args.size(), 4u);
  EXPECT_EQ(args[3], "postgresql://u:pw@h/db");
  EXPECT_STREQ(argv[3], "postgresql://u:**@h/db");
  EXPECT_STREQ(argv[1], "dump");
}

}  // namespace
}  // namespace hyperdump::cli
