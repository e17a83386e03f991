#include "base/units.h"

#include <gtest/gtest.h>

namespace hyperdump {
namespace {

using std::chrono::milliseconds;

TEST(HumanBytesTest, UsesBinaryUnitsWithOneDecimal) {
  EXPECT_EQ(HumanBytes(0), "0 B");
  EXPECT_EQ(HumanBytes(1023), "1023 B");
  EXPECT_EQ(HumanBytes(1024), "1.0 KiB");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(HumanBytes(12'900'000), "12.3 MiB");
  EXPECT_EQ(HumanBytes(3ULL << 30), "3.0 GiB");
  EXPECT_EQ(HumanBytes(1024ULL * 1024 * 1024 * 30), "30.0 GiB");
  EXPECT_EQ(HumanBytes(1024ULL * 1024 * 1024 * 1024 * 2), "2.0 TiB");
}

TEST(HumanBytesTest, MovesUpAUnitInsteadOfPrinting1024) {
  EXPECT_EQ(HumanBytes(1024ULL * 1024 - 1), "1.0 MiB");
  EXPECT_EQ(HumanBytes(UINT64_MAX), "16.0 EiB");
}

TEST(ParseSizeTest, AcceptsPostgresAndIecUnitsInAnyCase) {
  EXPECT_EQ(*ParseSize("100MB", "--size"), 100ULL << 20);
  EXPECT_EQ(*ParseSize("2GB", "--size"), 2ULL << 30);
  EXPECT_EQ(*ParseSize("512kB", "--size"), 512ULL << 10);
  EXPECT_EQ(*ParseSize("64KB", "--size"), 64ULL << 10);
  EXPECT_EQ(*ParseSize("1.5G", "--size"), 3ULL << 29);
  EXPECT_EQ(*ParseSize("1.5GB", "--size"), 3ULL << 29);
  EXPECT_EQ(*ParseSize("4096", "--size"), 4096U);
  EXPECT_EQ(*ParseSize("7B", "--size"), 7U);
  EXPECT_EQ(*ParseSize(" 10 mib ", "--size"), 10ULL << 20);
  EXPECT_EQ(*ParseSize("1T", "--size"), 1ULL << 40);
  EXPECT_EQ(*ParseSize("1PiB", "--size"), 1ULL << 50);
  EXPECT_EQ(*ParseSize("0", "--size"), 0U);
}

TEST(ParseSizeTest, RejectsGarbageNamingTheFlagWithExamples) {
  for (const char* bad : {"", "MB", "10XB", "1.2.3MB", "-5MB", "abc", "99999999999999T", "5 GBB"}) {
    auto r = ParseSize(bad, "--split-larger-than");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().message().rfind("--split-larger-than: invalid size '", 0), 0U)
        << r.status().message();
    EXPECT_NE(r.status().message().find("100MB"), std::string::npos) << r.status().message();
  }
}

TEST(ParseDurationTest, AcceptsMillisecondsSecondsAndMinutes) {
  EXPECT_EQ(*ParseDuration("500ms", "--lock-timeout"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("10000", "--lock-timeout"), milliseconds(10'000));
  EXPECT_EQ(*ParseDuration("10s", "--lock-timeout"), milliseconds(10'000));
  EXPECT_EQ(*ParseDuration("2min", "--lock-timeout"), milliseconds(120'000));
  EXPECT_EQ(*ParseDuration(" 3 S ", "--lock-timeout"), milliseconds(3'000));
  EXPECT_EQ(*ParseDuration("2147483647", "--lock-timeout"), milliseconds(2'147'483'647));
}

TEST(ParseDurationTest, RejectsGarbageZeroAndOverflowNamingTheFlag) {
  for (const char* bad : {"", "s", "0", "0s", "-5s", "1.5s", "10 parsecs", "40000min", "2147483648",
                          "99999999999999999999"}) {
    auto r = ParseDuration(bad, "--wait-jobs-timeout");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().message().rfind("--wait-jobs-timeout: invalid duration '", 0), 0U)
        << r.status().message();
    EXPECT_NE(r.status().message().find("10s"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace hyperdump
