#include "base/shell_quote.h"

#include <gtest/gtest.h>

namespace hyperdump {
namespace {

TEST(ShellQuoteTest, OneWordWhateverItHolds) {
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("it's $HOME"), "'it'\\''s $HOME'");
}

}  // namespace
}  // namespace hyperdump
