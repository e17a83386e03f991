#include "engine/pg/toc_listing.h"

#include <gtest/gtest.h>

namespace hyperdump::engine {
namespace {

TEST(TocListingTest, ParsesIdsOidsAndTextOfEntryLines) {
  auto lines = ParseTocListing(
      ";\n; Archive created at 2026-01-01\n;\n"
      "2; 3079 16385 EXTENSION - timescaledb \n"
      "298; 1259 17202 TABLE demo Odd \"Quoted\" Name.ü postgres\n"
      "\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].id, 2);
  EXPECT_EQ(lines[0].catalog_oid, 3079u);
  EXPECT_EQ(lines[0].desc(), "EXTENSION");
  EXPECT_EQ(lines[0].text, "EXTENSION - timescaledb ");
  EXPECT_EQ(lines[1].oid, 17202u);
  EXPECT_EQ(lines[1].text, "TABLE demo Odd \"Quoted\" Name.ü postgres");
  EXPECT_EQ(lines[1].line(), "298; 1259 17202 TABLE demo Odd \"Quoted\" Name.ü postgres");
}

TEST(TocListingTest, DescriptionsOfSeveralWordsWinOverTheirFirstWord) {
  auto items = ParseTocListing(
      "3218; 2606 16394 CONSTRAINT public We\"ird. tab We\"ird. tab_pkey postgres\n"
      "3222; 0 0 INDEX ATTACH public p1_k_idx postgres\n"
      "3223; 2606 16407 FK CONSTRAINT public r r_id_fkey postgres\n"
      "3224; 0 17400 MATERIALIZED VIEW DATA public mv postgres\n"
      "3225; 1259 17401 INDEX public t_idx postgres\n");
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[0].id, 3218);
  EXPECT_EQ(items[0].catalog_oid, 2606u);
  EXPECT_EQ(items[0].oid, 16394u);
  EXPECT_EQ(items[0].desc(), "CONSTRAINT");
  EXPECT_EQ(items[1].desc(), "INDEX ATTACH");
  EXPECT_EQ(items[2].desc(), "FK CONSTRAINT");
  EXPECT_EQ(items[2].line(), "3223; 2606 16407 FK CONSTRAINT public r r_id_fkey postgres");
  EXPECT_EQ(items[3].desc(), "MATERIALIZED VIEW DATA");
  EXPECT_EQ(items[4].desc(), "INDEX");
}

TEST(TocListingTest, AnEntryMadeOfItsPartsPrintsAsPgRestoreListsIt) {
  const TocLine l = TocLine::Of(3223, 2606, 16407, "FK CONSTRAINT public r r_id_fkey postgres");
  EXPECT_EQ(l.desc(), "FK CONSTRAINT");
  EXPECT_EQ(l.line(), "3223; 2606 16407 FK CONSTRAINT public r r_id_fkey postgres");
  EXPECT_EQ(TocLine::Of(7, 0, 0, "TABLE DATA public t postgres").desc(), "TABLE");
}

TEST(TocListingTest, SkipsLinesWithoutAnEntryId) {
  EXPECT_TRUE(ParseTocListing("; comment\n\nno semicolon here\n0; 0 0 TABLE x y z\n").empty());
}

}  // namespace
}  // namespace hyperdump::engine
