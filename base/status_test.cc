#include "base/status.h"

#include <gtest/gtest.h>

namespace hyperdump {
namespace {

TEST(StatusCodeNameTest, NamesEveryCodeForMachines) {
  EXPECT_STREQ(StatusCodeName(StatusCode::kOk), "ok");
  EXPECT_STREQ(StatusCodeName(StatusCode::kInvalidArgument), "invalid_argument");
  EXPECT_STREQ(StatusCodeName(StatusCode::kNoSpace), "no_space");
  EXPECT_STREQ(StatusCodeName(StatusCode::kInternal), "internal");
}

}  // namespace
}  // namespace hyperdump
