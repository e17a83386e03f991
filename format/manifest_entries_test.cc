#include "format/manifest_entries.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cerrno>
#include <memory>
#include <string>

namespace hyperdump::format {
namespace {

// A scratch directory, removed with its contents at the end of the test.
class ManifestEntriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hd-manifest-entries.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { boost::filesystem::remove_all(dir_); }
  std::string dir_;
};

Manifest Header() {
  Manifest m;
  m.created_at = "2026-12-03T07:00:00Z";
  m.tool_version = "0.1.0";
  m.source = {{"server_version", "15.8"}, {"database", "files\": []\n  odd"}};
  return m;
}

FileEntry Entry(std::string name, int i) {
  FileEntry e;
  e.name = std::move(name);
  e.job = "t" + std::to_string(i);
  e.level = 1;
  e.compressed_bytes = 10 + i;
  e.uncompressed_bytes = 100 + i;
  e.rows = i;
  e.lines = i;
  e.checksum = 0x0123456789abcdefull + i;
  e.meta = {{"schema", "public"}, {"columns", {"t", "device", "v"}}, {"range", nullptr}};
  return e;
}

TEST_F(ManifestEntriesTest, StreamsExactlyTheTextSerializeManifestPrintsSortedByName) {
  auto entries = ManifestEntries::Create(dir_);
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  Manifest whole = Header();
  int i = 0;
  for (const char* name : {"data/t3.copy.zst", "schema.pgdump", "data/t1.copy.zst", "plan.json"}) {
    FileEntry e = Entry(name, i++);
    if (e.name.find('/') == std::string::npos) {
      e.kind = FileKind::kBlob;
      e.codec = Codec::kNone;
      e.level = 0;
      e.compressed_bytes = e.uncompressed_bytes;
      e.rows.reset();
      e.lines.reset();
    }
    ASSERT_TRUE(entries->Add(e).ok());
    whole.files.push_back(e);
  }
  std::sort(whole.files.begin(), whole.files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.name < b.name; });
  StringSink sink;
  ASSERT_TRUE(entries->WriteManifest(Header(), sink).ok());
  EXPECT_EQ(sink.data(), SerializeManifest(whole));
  auto parsed = ParseManifest(sink.data(), "manifest.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->files.size(), 4u);
  EXPECT_EQ(parsed->files[0].name, "data/t1.copy.zst");
  EXPECT_EQ(parsed->files[3].name, "schema.pgdump");
}

TEST_F(ManifestEntriesTest, NoEntriesStreamsAnEmptyFilesArray) {
  auto entries = ManifestEntries::Create(dir_);
  ASSERT_TRUE(entries.ok());
  StringSink sink;
  ASSERT_TRUE(entries->WriteManifest(Header(), sink).ok());
  EXPECT_EQ(sink.data(), SerializeManifest(Header()));
}

TEST_F(ManifestEntriesTest, LeavesNoFileInTheDirectory) {
  auto entries = ManifestEntries::Create(dir_);
  ASSERT_TRUE(entries.ok());
  ASSERT_TRUE(entries->Add(Entry("data/a", 1)).ok());
  EXPECT_TRUE(boost::filesystem::is_empty(dir_));
}

TEST_F(ManifestEntriesTest, ManyEntriesAcrossSeveralLargeWritesMatch) {
  auto entries = ManifestEntries::Create(dir_);
  ASSERT_TRUE(entries.ok());
  Manifest whole = Header();
  for (int i = 5000; i > 0; --i) {  // more than the 1 MiB write buffer, added in reverse
    FileEntry e = Entry("data/t" + std::to_string(100000 + i) + ".copy.zst", i);
    ASSERT_TRUE(entries->Add(e).ok());
    whole.files.insert(whole.files.begin(), e);
  }
  StringSink sink;
  ASSERT_TRUE(entries->WriteManifest(Header(), sink).ok());
  EXPECT_GT(sink.data().size(), size_t{1} << 20);
  EXPECT_EQ(sink.data(), SerializeManifest(whole));
}

TEST_F(ManifestEntriesTest, AFailingSinkFailsTheManifest) {
  auto entries = ManifestEntries::Create(dir_);
  ASSERT_TRUE(entries.ok());
  ASSERT_TRUE(entries->Add(Entry("data/a", 1)).ok());
  FaultInjectingSink sink(std::make_unique<StringSink>(), "manifest.json.tmp", 10, ENOSPC);
  Status s = entries->WriteManifest(Header(), sink);
  EXPECT_EQ(s.code(), StatusCode::kNoSpace) << s.message();
}

}  // namespace
}  // namespace hyperdump::format
