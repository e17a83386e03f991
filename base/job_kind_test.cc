#include "base/job_kind.h"

#include <gtest/gtest.h>

namespace hyperdump {
namespace {

TEST(JobKindTest, NamesAreTheStringsLogsAndReportsShow) {
  EXPECT_STREQ(JobKindName(JobKind::kCopy), "copy");
  EXPECT_STREQ(JobKindName(JobKind::kForeignKey), "foreign key");
  EXPECT_STREQ(JobKindName(JobKind::kSchema), "schema");
}

TEST(JobKindTest, EveryNameParsesBackToItsKind) {
  for (JobKind kind : {JobKind::kSchema, JobKind::kCatalog, JobKind::kCopy, JobKind::kSequences,
                       JobKind::kKey, JobKind::kIndex, JobKind::kForeignKey, JobKind::kAnalyze}) {
    EXPECT_EQ(ParseJobKind(JobKindName(kind)), kind) << JobKindName(kind);
  }
}

TEST(JobKindTest, OtherTextIsNoKind) {
  EXPECT_EQ(ParseJobKind("data"), std::nullopt);
  EXPECT_EQ(ParseJobKind("Copy"), std::nullopt);
  EXPECT_EQ(ParseJobKind(""), std::nullopt);
}

}  // namespace
}  // namespace hyperdump
