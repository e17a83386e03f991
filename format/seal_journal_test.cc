#include "format/seal_journal.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "format/test_util.h"

namespace hyperdump::format {
namespace {

namespace fs = std::filesystem;

FileEntry Entry(const std::string& name, uint64_t rows) {
  FileEntry e;
  e.name = name;
  e.job = "copy " + name;
  e.level = 1;
  e.compressed_bytes = 10 * rows;
  e.uncompressed_bytes = 30 * rows;
  e.rows = rows;
  e.lines = rows;
  e.checksum = 0x0123456789abcdefULL + rows;
  e.meta = {{"schema", "s"}, {"table", name}};
  return e;
}

TEST(SealJournalTest, EntriesReadBackInOrderWithTheArchivesCreatedAt) {
  testing::TempDir dir;
  {
    SealJournal journal(dir.path(), "2026-12-02T15:00:00Z");
    ASSERT_TRUE(journal.Append(Entry("data/a", 3)).ok());
    ASSERT_TRUE(journal.Append(Entry("data/b", 5)).ok());
  }
  EXPECT_EQ(fs::status(dir.path() + "/local").permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(fs::status(dir.path() + "/local/sealed.jsonl").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  Result<SealedFiles> read = ReadSealJournal(dir.path());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->created_at, "2026-12-02T15:00:00Z");
  ASSERT_EQ(read->files.size(), 2u);
  EXPECT_EQ(read->files[0].name, "data/a");
  EXPECT_EQ(read->files[1].name, "data/b");
  EXPECT_EQ(read->files[1].rows, 5u);
  EXPECT_EQ(read->files[1].checksum, 0x0123456789abcdefULL + 5);
  EXPECT_EQ(read->files[1].meta["table"], "data/b");
}

TEST(SealJournalTest, ALastLineCutShortIsNotSealedButADamagedOneIsCorrupt) {
  testing::TempDir dir;
  {
    SealJournal journal(dir.path(), "2026-12-02T15:00:00Z");
    ASSERT_TRUE(journal.Append(Entry("data/a", 3)).ok());
  }
  const std::string path = dir.path() + "/local/sealed.jsonl";
  {
    std::ofstream out(path, std::ios::app);
    out << R"({"name": "data/b", "kind": "da)";
  }
  Result<SealedFiles> read = ReadSealJournal(dir.path());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->files.size(), 1u);
  {
    std::ofstream out(path, std::ios::app);
    out << "\n";
  }
  read = ReadSealJournal(dir.path());
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(read.status().message(), path + " line 3: not JSON");
}

TEST(SealJournalTest, NoJournalIsNotFound) {
  testing::TempDir dir;
  Result<SealedFiles> read = ReadSealJournal(dir.path());
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace hyperdump::format
