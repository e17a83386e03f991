#include "engine/plan/filters.h"

#include <gtest/gtest.h>

#include <regex>

namespace hyperdump::engine {
namespace {

// The translated regexes use only constructs that mean the same in
// ECMAScript and PostgreSQL's ARE, so std::regex can check what they match.
bool Matches(const std::string& regex, const std::string& name) {
  return std::regex_match(name, std::regex(regex));
}

TEST(ExactPatternTest, MatchesExactlyTheNameWhateverItHolds) {
  const std::string schema = "Sel *.?\"x", name = "Par.t*ed$ (a|b)[]";
  EXPECT_EQ(ExactTablePattern("public", "m"), "\"public\".\"m\"");
  auto p = ParseTablePattern(ExactTablePattern(schema, name));
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_TRUE(p->schema.has_value());
  EXPECT_TRUE(Matches(*p->schema, schema));
  EXPECT_FALSE(Matches(*p->schema, "Sel xx?\"x"));
  EXPECT_TRUE(Matches(p->name, name));
  EXPECT_FALSE(Matches(p->name, "Parxted$ (a|b)[]"));
  EXPECT_FALSE(Matches(p->name, "par.t*ed$ (a|b)[]"));
  auto n = ParseSchemaPattern(ExactSchemaPattern(schema));
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(Matches(n->name, schema));
}

TEST(ParseTablePatternTest, UnquotedNamesFoldToLowerCase) {
  auto p = ParseTablePattern("Metrics");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->schema.has_value());
  EXPECT_EQ(p->name, "^(metrics)$");
  EXPECT_TRUE(Matches(p->name, "metrics"));
  EXPECT_FALSE(Matches(p->name, "Metrics"));
}

TEST(ParseTablePatternTest, QuotedPartsKeepCaseAndLiteralWildcards) {
  auto p = ParseTablePattern("\"My Schema\".\"Tab*le.x\"");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->schema, "^(My Schema)$");
  EXPECT_EQ(p->name, "^(Tab\\*le\\.x)$");
  EXPECT_TRUE(Matches(p->name, "Tab*le.x"));
  EXPECT_FALSE(Matches(p->name, "Table.x"));
}

TEST(ParseTablePatternTest, StarAndQuestionMarkAreWildcardsOutsideQuotes) {
  auto p = ParseTablePattern("pub*.t?_*");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->schema, "^(pub.*)$");
  EXPECT_EQ(p->name, "^(t._.*)$");
  EXPECT_TRUE(Matches(p->name, "t1_x"));
  EXPECT_TRUE(Matches(p->name, "tx_"));
  EXPECT_FALSE(Matches(p->name, "t_x"));
  EXPECT_TRUE(Matches(*p->schema, "public"));
}

TEST(ParseTablePatternTest, DoubledQuoteInsideQuotesIsOneQuote) {
  auto p = ParseTablePattern("\"we\"\"ird\"");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "^(we\"ird)$");
  EXPECT_TRUE(Matches(p->name, "we\"ird"));
}

TEST(ParseTablePatternTest, MixedQuotingFoldsOnlyUnquotedText) {
  // psql: FOO"BAR"BAZ means fooBARbaz.
  auto p = ParseTablePattern("FOO\"BAR\"BAZ");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "^(fooBARbaz)$");
}

TEST(ParseTablePatternTest, DollarIsAlwaysLiteral) {
  auto p = ParseTablePattern("a$b");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "^(a\\$b)$");
  EXPECT_TRUE(Matches(p->name, "a$b"));
}

TEST(ParseTablePatternTest, BracketPairIsLiteralButClassesPassThrough) {
  auto arr = ParseTablePattern("int[]");
  ASSERT_TRUE(arr.ok());
  EXPECT_EQ(arr->name, "^(int\\[])$");
  auto cls = ParseTablePattern("t[0-9]");
  ASSERT_TRUE(cls.ok());
  EXPECT_TRUE(Matches(cls->name, "t7"));
  EXPECT_FALSE(Matches(cls->name, "tx"));
}

TEST(ParseTablePatternTest, UnicodeIsCopiedUnchanged) {
  auto p = ParseTablePattern("données");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "^(données)$");
}

TEST(ParseTablePatternTest, ThreePartsNameTheDatabase) {
  auto p = ParseTablePattern("MyDb.public.t");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->database, "mydb");
  EXPECT_EQ(*p->schema, "^(public)$");
  EXPECT_EQ(p->name, "^(t)$");
}

TEST(ParseTablePatternTest, RejectsTooManyDotsAndOpenQuotes) {
  auto dots = ParseTablePattern("a.b.c.d");
  ASSERT_FALSE(dots.ok());
  EXPECT_EQ(dots.status().message(),
            "improper qualified name (too many dotted names) in table pattern \"a.b.c.d\"");
  auto quote = ParseTablePattern("\"abc");
  ASSERT_FALSE(quote.ok());
  EXPECT_EQ(quote.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(quote.status().message().find("unterminated quoted identifier"), std::string::npos);
}

TEST(ParseSchemaPatternTest, OnePartIsTheSchema) {
  auto p = ParseSchemaPattern("Sales*");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "^(sales.*)$");
  EXPECT_FALSE(p->database.has_value());
  auto q = ParseSchemaPattern("\"a.b\"");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->name, "^(a\\.b)$");
}

TEST(ParseSchemaPatternTest, TwoPartsNameTheDatabaseAndThreeAreRejected) {
  auto p = ParseSchemaPattern("db.s");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->database, "db");
  EXPECT_EQ(p->name, "^(s)$");
  EXPECT_FALSE(ParseSchemaPattern("a.b.c").ok());
}

TEST(MatchesEverythingTest, OnlyALoneStar) {
  EXPECT_TRUE(MatchesEverything(ParseTablePattern("*")->name));
  EXPECT_FALSE(MatchesEverything(ParseTablePattern("a*")->name));
}

}  // namespace
}  // namespace hyperdump::engine
