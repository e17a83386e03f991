// The COPY format choices: --copy-format auto per table (ChooseCopyFormat)
// and restore's refusal of binary data across PostgreSQL majors
// (CheckBinaryDataFits).
#include <gtest/gtest.h>

#include "engine/dump/copy_out.h"
#include "engine/restore/restore_checks.h"

namespace hyperdump::engine {
namespace {

CopyColumnSet Columns(bool binary_io, bool portable, bool oid_free = true) {
  CopyColumnSet c;
  c.names = {"a"};
  c.binary_io = binary_io;
  c.portable = portable;
  c.oid_free = oid_free;
  return c;
}

TEST(ChooseCopyFormatTest, AnExplicitFormatIsKeptWhateverTheColumns) {
  EXPECT_EQ(ChooseCopyFormat(CopyFormat::kText, TableKind::kTable, Columns(true, true)),
            CopyFormat::kText);
  EXPECT_EQ(ChooseCopyFormat(CopyFormat::kBinary, TableKind::kTable, Columns(true, false)),
            CopyFormat::kBinary);
}

TEST(ChooseCopyFormatTest, AutoIsBinaryOnlyForBuiltInOrTimescaleTypesWithBinaryIo) {
  EXPECT_EQ(ChooseCopyFormat(CopyFormat::kAuto, TableKind::kTable, Columns(true, true)),
            CopyFormat::kBinary);
  EXPECT_EQ(ChooseCopyFormat(CopyFormat::kAuto, TableKind::kChunk, Columns(true, false)),
            CopyFormat::kText);
  EXPECT_EQ(ChooseCopyFormat(CopyFormat::kAuto, TableKind::kTable, Columns(false, true)),
            CopyFormat::kText);
}

TEST(ChooseCopyFormatTest, AutoIsBinaryForCompressedChunksUnlessATypeHasNoBinaryIo) {
  EXPECT_EQ(ChooseCopyFormat(CopyFormat::kAuto, TableKind::kCompressedChunk, Columns(true, false)),
            CopyFormat::kBinary);
  EXPECT_EQ(ChooseCopyFormat(CopyFormat::kAuto, TableKind::kCompressedChunk, Columns(false, true)),
            CopyFormat::kText);
}

// A regclass's binary form is its OID, another object's on the target:
// such tables are text even when binary is asked for.
TEST(ChooseCopyFormatTest, ATableWithARegColumnIsAlwaysText) {
  for (CopyFormat f : {CopyFormat::kBinary, CopyFormat::kAuto}) {
    EXPECT_EQ(ChooseCopyFormat(f, TableKind::kTable, Columns(true, true, false)),
              CopyFormat::kText);
    EXPECT_EQ(ChooseCopyFormat(f, TableKind::kCompressedChunk, Columns(true, true, false)),
              CopyFormat::kText);
  }
}

TEST(CopyFormatNameTest, NamesRoundTrip) {
  for (CopyFormat f : {CopyFormat::kText, CopyFormat::kBinary, CopyFormat::kAuto}) {
    EXPECT_EQ(ParseCopyFormat(CopyFormatName(f)), f);
  }
}

// An input of two tables, the second with a file in `second_format`.
struct Input {
  format::FileEntry text_file, other_file;
  RestoreInput input;
  explicit Input(const std::string& second_format) {
    text_file.meta = {{"copy_format", "text"}};
    other_file.meta = {{"copy_format", second_format}};
    RestoreTable a, b;
    a.schema = "public";
    a.name = "a";
    a.files = {&text_file};
    b.schema = "Big";
    b.name = "events";
    b.files = {&other_file};
    input.tables = {a, b};
    input.source_server_version_num = 150004;
  }
};

TEST(CheckBinaryDataFitsTest, BinaryDataIsRefusedInAnotherMajorNamingATableAndTheFix) {
  Input in("binary");
  EXPECT_TRUE(CheckBinaryDataFits(in.input, 150010).ok());
  Status s = CheckBinaryDataFits(in.input, 160002);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "the archive holds binary COPY data (table \"Big\".\"events\") dumped from "
            "PostgreSQL 15, and the target runs PostgreSQL 16: binary data moves only within one "
            "major version; dump again with --copy-format text");
}

TEST(CheckBinaryDataFitsTest, TextDataGoesToAnyMajor) {
  Input in("text");
  EXPECT_TRUE(CheckBinaryDataFits(in.input, 160002).ok());
  EXPECT_TRUE(CheckBinaryDataFits(in.input, 140009).ok());
}

}  // namespace
}  // namespace hyperdump::engine
