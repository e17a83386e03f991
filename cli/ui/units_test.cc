#include "cli/ui/units.h"

#include <gtest/gtest.h>

namespace hyperdump::ui {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(HumanCountTest, GroupsThousands) {
  EXPECT_EQ(HumanCount(0), "0");
  EXPECT_EQ(HumanCount(999), "999");
  EXPECT_EQ(HumanCount(1000), "1,000");
  EXPECT_EQ(HumanCount(45678901), "45,678,901");
  EXPECT_EQ(HumanCount(123456), "123,456");
}

TEST(ShortCountTest, UsesMetricSuffixes) {
  EXPECT_EQ(ShortCount(999), "999");
  EXPECT_EQ(ShortCount(12'345), "12.3k");
  EXPECT_EQ(ShortCount(1'200'000), "1.2M");
  EXPECT_EQ(ShortCount(999'999), "1.0M");
  EXPECT_EQ(ShortCount(3'400'000'000ULL), "3.4G");
}

TEST(HumanDurationTest, PicksAUnitByMagnitude) {
  EXPECT_EQ(HumanDuration(milliseconds(0)), "0.0s");
  EXPECT_EQ(HumanDuration(milliseconds(400)), "0.4s");
  EXPECT_EQ(HumanDuration(milliseconds(12'345)), "12.3s");
  EXPECT_EQ(HumanDuration(milliseconds(59'999)), "59.9s");
  EXPECT_EQ(HumanDuration(milliseconds(125'000)), "2m 05s");
  EXPECT_EQ(HumanDuration(milliseconds(3'723'000)), "1h 02m 03s");
  EXPECT_EQ(HumanDuration(milliseconds(3LL * 86'400'000 + 4 * 3'600'000 + 5 * 60'000)),
            "3d 04h 05m");
  EXPECT_EQ(HumanDuration(milliseconds(-5)), "0.0s");
}

TEST(RateTest, FormatsBytesPerSecondOrDash) {
  EXPECT_EQ(HumanRate(0), "-");
  EXPECT_EQ(HumanRate(-3), "-");
  EXPECT_EQ(HumanRate(85.2 * 1024 * 1024), "85.2 MiB/s");
}

TEST(EtaTest, DividesWhatIsLeftByTheRate) {
  EXPECT_EQ(EstimateRemaining(50, 100, 10), seconds(5));
  EXPECT_EQ(EstimateRemaining(50, 100, 3), seconds(17));  // rounded up
  EXPECT_EQ(EstimateRemaining(100, 100, 10), seconds(0));
  EXPECT_EQ(EstimateRemaining(150, 100, 10), seconds(0));  // estimate exceeded
  EXPECT_EQ(EstimateRemaining(50, 100, 0), std::nullopt);  // no rate yet
  EXPECT_EQ(EstimateRemaining(50, 0, 10), std::nullopt);   // no estimate
  EXPECT_EQ(FormatEta(seconds(42)), "42s");
  EXPECT_EQ(FormatEta(seconds(212)), "3m 32s");
  EXPECT_EQ(FormatEta(std::nullopt), "--");
}

TEST(FitColumnsTest, CutsAtCodePointsWithAnEllipsis) {
  EXPECT_EQ(FitColumns("abcdef", 6), "abcdef");
  EXPECT_EQ(FitColumns("abcdef", 4), "abc\xE2\x80\xA6");
  EXPECT_EQ(FitColumns("abcdef", 0), "");
  // "ééé" is 3 columns, 6 bytes: never split inside a code point.
  EXPECT_EQ(FitColumns("\xC3\xA9\xC3\xA9\xC3\xA9", 2), "\xC3\xA9\xE2\x80\xA6");
  EXPECT_EQ(DisplayColumns("\xC3\xA9t\xC3\xA9"), 3);
}

}  // namespace
}  // namespace hyperdump::ui
