// Unit tests of the pure parts of engine/large_objects.h: batching and the
// SQL that restores an object's owner, comment and privileges.
#include "engine/large_objects.h"

#include <gtest/gtest.h>

namespace hyperdump::engine {
namespace {

std::vector<LargeObjectInfo> Objects(int count, uint64_t bytes, uint32_t first_oid = 100) {
  std::vector<LargeObjectInfo> out;
  for (int i = 0; i < count; ++i) out.push_back({first_oid + static_cast<uint32_t>(i), bytes});
  return out;
}

TEST(LargeObjectBatchTest, ManySmallObjectsMakeAFewBatchesOfConsecutiveOids) {
  auto batches = BatchLargeObjects(Objects(10000, 10), {2000, 64u << 20});
  ASSERT_EQ(batches.size(), 5u);
  uint32_t next = 100;
  for (size_t i = 0; i < batches.size(); ++i) {
    EXPECT_EQ(batches[i].index, static_cast<int>(i));
    EXPECT_EQ(batches[i].objects.size(), 2000u);
    EXPECT_EQ(batches[i].first_oid(), next);
    EXPECT_EQ(batches[i].bytes, 20000u);
    next = batches[i].last_oid() + 1;
  }
  EXPECT_EQ(next, 10100u);
}

TEST(LargeObjectBatchTest, AnObjectBiggerThanTheByteLimitIsABatchOfItsOwn) {
  std::vector<LargeObjectInfo> objects = Objects(3, 100);
  objects.push_back({200, 200u << 20});
  for (const auto& lo : Objects(3, 100, 300)) objects.push_back(lo);
  auto batches = BatchLargeObjects(objects, {2000, 64u << 20});
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].objects.size(), 3u);
  ASSERT_EQ(batches[1].objects.size(), 1u);
  EXPECT_EQ(batches[1].first_oid(), 200u);
  EXPECT_EQ(batches[2].objects.size(), 3u);
  EXPECT_EQ(batches[2].first_oid(), 300u);
}

TEST(LargeObjectBatchTest, BytesBoundABatch) {
  auto batches = BatchLargeObjects(Objects(10, 30), {2000, 100});
  ASSERT_EQ(batches.size(), 4u);  // 3 + 3 + 3 + 1
  EXPECT_EQ(batches[3].objects.size(), 1u);
  EXPECT_TRUE(BatchLargeObjects({}).empty());
}

TEST(LargeObjectFileNameTest, NamesTheBatchInItsDirectory) {
  EXPECT_EQ(LargeObjectFileName(7, format::Codec::kZstd), "large_objects/0007.lo.zst");
  EXPECT_EQ(LargeObjectFileName(12, format::Codec::kNone), "large_objects/0012.lo");
}

nlohmann::json Header() {
  return nlohmann::json::parse(R"({"oid": 42, "bytes": 3, "owner": "Al \"ice\"",
    "comment": "it's", "grants": [
      {"grantee": "Al \"ice\"", "privilege": "SELECT", "grantable": false},
      {"grantee": "Al \"ice\"", "privilege": "UPDATE", "grantable": false},
      {"grantee": null, "privilege": "SELECT", "grantable": false},
      {"grantee": "bob", "privilege": "UPDATE", "grantable": true}]})");
}

TEST(LargeObjectMetadataSqlTest, OwnerCommentAndExactPrivilegesQuoted) {
  auto sql = LargeObjectMetadataSql(Header(), {});
  ASSERT_TRUE(sql.ok()) << sql.status().message();
  EXPECT_EQ(*sql,
            "ALTER LARGE OBJECT 42 OWNER TO \"Al \"\"ice\"\"\";\n"
            "COMMENT ON LARGE OBJECT 42 IS 'it''s';\n"
            "REVOKE ALL ON LARGE OBJECT 42 FROM PUBLIC;\n"
            "REVOKE ALL ON LARGE OBJECT 42 FROM \"Al \"\"ice\"\"\";\n"
            "GRANT SELECT ON LARGE OBJECT 42 TO \"Al \"\"ice\"\"\";\n"
            "GRANT UPDATE ON LARGE OBJECT 42 TO \"Al \"\"ice\"\"\";\n"
            "GRANT SELECT ON LARGE OBJECT 42 TO PUBLIC;\n"
            "GRANT UPDATE ON LARGE OBJECT 42 TO \"bob\" WITH GRANT OPTION;\n");
}

TEST(LargeObjectMetadataSqlTest, NoOwnerAndNoPrivilegesLeaveThemOut) {
  auto sql = LargeObjectMetadataSql(Header(), {/*no_owner=*/true, /*no_privileges=*/true});
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(*sql, "COMMENT ON LARGE OBJECT 42 IS 'it''s';\n");
  nlohmann::json plain = {
      {"oid", 7}, {"bytes", 0}, {"owner", "a"}, {"comment", nullptr}, {"grants", nullptr}};
  auto defaults = LargeObjectMetadataSql(plain, {/*no_owner=*/true});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(*defaults, "");  // default privileges: no GRANT, no REVOKE
}

TEST(LargeObjectMetadataSqlTest, AnUnknownPrivilegeIsCorrupt) {
  nlohmann::json h = Header();
  h["grants"][0]["privilege"] = "SELECT; DROP TABLE x";
  auto sql = LargeObjectMetadataSql(h, {});
  ASSERT_FALSE(sql.ok());
  EXPECT_EQ(sql.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(sql.status().message(),
            "large object 42 has the privilege \"SELECT; DROP TABLE x\" in the archive, which "
            "large objects do not have");
}

}  // namespace
}  // namespace hyperdump::engine
