#include "format/verify.h"

#include <gtest/gtest.h>

#include <map>

#include "format/test_util.h"
#include "format/writer.h"

namespace hyperdump::format {
namespace {

using testing::CopyRows;
using testing::ReadFile;
using testing::TempDir;

// An archive of five data files and a blob.
void MakeArchive(const std::string& dir) {
  auto w = ArchiveWriter::Create(dir, "0.1.0");
  ASSERT_TRUE(w.ok());
  for (int i = 0; i < 5; ++i) {
    FileOptions o;
    o.job = "public.metrics:" + std::to_string(i);
    o.count_lines = true;
    o.codec = i == 4 ? Codec::kNone : Codec::kZstd;
    o.meta = {{"schema", "public"}, {"table", "metrics"}};
    auto f = (*w)->BeginFile("data/" + std::to_string(i), o);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Write(CopyRows(20000, i)).ok());
    ASSERT_TRUE((*f)->Finish(20000).ok());
  }
  ASSERT_TRUE((*w)->PutBlob("schema.sql", "CREATE TABLE public.metrics ();\n").ok());
  ASSERT_TRUE((*w)->Commit({{"server_version", "15.8"}}).ok());
}

void Replace(const std::string& path, const std::string& bytes) {
  boost::filesystem::remove(path);
  testing::WriteFile(path, bytes);
}

std::map<std::string, std::string> Problems(const VerifyReport& r) {
  std::map<std::string, std::string> out;
  for (const auto& p : r.problems) out[p.name] = p.reason;
  return out;
}

TEST(VerifyTest, AGoodArchivePasses) {
  TempDir tmp;
  std::string dir = tmp / "a";
  MakeArchive(dir);
  auto v = VerifyArchive(dir);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_TRUE(v->ok());
  EXPECT_EQ(v->files_checked, 6u);
  EXPECT_EQ(v->uncompressed_bytes, CopyRows(20000, 0).size() + CopyRows(20000, 1).size() +
                                       CopyRows(20000, 2).size() + CopyRows(20000, 3).size() +
                                       CopyRows(20000, 4).size() + 32u);
}

TEST(VerifyTest, NamesEveryBadFileWithItsOwnReason) {
  TempDir tmp;
  std::string dir = tmp / "a";
  MakeArchive(dir);
  std::string d0 = ReadFile(dir + "/data/0");
  d0[d0.size() / 2] ^= 0x01;  // flipped bit inside a zstd file
  Replace(dir + "/data/0", d0);
  std::string d1 = ReadFile(dir + "/data/1");
  Replace(dir + "/data/1", d1.substr(0, d1.size() - 10));  // truncated
  boost::filesystem::remove(dir + "/data/2");              // missing
  std::string d4 = ReadFile(dir + "/data/4");
  d4[100] = d4[100] == 'x' ? 'y' : 'x';  // flipped byte in a plain file
  Replace(dir + "/data/4", d4);
  testing::WriteFile(dir + "/stray.txt", "hello");          // extra
  testing::WriteFile(dir + "/data/5.tmp", "half-written");  // leftover temporary

  auto v = VerifyArchive(dir);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_FALSE(v->ok());
  auto p = Problems(*v);
  ASSERT_EQ(p.size(), 6u);
  EXPECT_NE(p["data/0"].find("archive file " + dir + "/data/0 is corrupt: checksum mismatch"),
            std::string::npos)
      << p["data/0"];
  EXPECT_NE(p["data/1"].find("archive file " + dir + "/data/1 is corrupt: it holds " +
                             std::to_string(d1.size() - 10) + " bytes but the manifest records " +
                             std::to_string(d1.size()) + " (truncated)"),
            std::string::npos)
      << p["data/1"];
  EXPECT_NE(
      p["data/2"].find("archive file " + dir + "/data/2 is missing but listed in the manifest"),
      std::string::npos)
      << p["data/2"];
  EXPECT_NE(p["data/4"].find("archive file " + dir + "/data/4 is corrupt: checksum mismatch"),
            std::string::npos)
      << p["data/4"];
  EXPECT_EQ(
      p["stray.txt"],
      "extra file not listed in the manifest (remove it, or it was not written by this dump)");
  EXPECT_EQ(p["data/5.tmp"],
            "leftover temporary file from an interrupted write, not in the manifest");
  EXPECT_EQ(p.count("data/3"), 0u);
  EXPECT_EQ(p.count("schema.sql"), 0u);
}

TEST(VerifyTest, IgnoresTheLocalNotesDirectoryButNotAFileNamedLikeIt) {
  TempDir tmp;
  std::string dir = tmp / "a";
  MakeArchive(dir);
  boost::filesystem::create_directories(dir + "/local");
  testing::WriteFile(dir + "/local/migrated.json", "{}");
  testing::WriteFile(dir + "/localx", "not a note");

  auto v = VerifyArchive(dir);
  ASSERT_TRUE(v.ok()) << v.status().message();
  auto p = Problems(*v);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.count("local/migrated.json"), 0u);
  EXPECT_EQ(
      p["localx"],
      "extra file not listed in the manifest (remove it, or it was not written by this dump)");
}

TEST(VerifyTest, CatchesAWrongLineCountEvenWhenBytesMatch) {
  TempDir tmp;
  std::string dir = tmp / "a";
  MakeArchive(dir);
  // Edit the manifest as a buggy writer might have: rows and lines disagree
  // with the data, but sizes and checksum are right.
  auto m = nlohmann::json::parse(ReadFile(dir + "/manifest.json"));
  for (auto& f : m["files"]) {
    if (f["name"] == "data/3") f["lines"] = 19999;
  }
  ResealManifest(m);  // a buggy writer seals what it wrote
  Replace(dir + "/manifest.json", m.dump(2));
  auto v = VerifyArchive(dir);
  ASSERT_TRUE(v.ok());
  auto p = Problems(*v);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p["data/3"].find("it holds 20000 lines but the manifest records 19999"),
            std::string::npos)
      << p["data/3"];
}

TEST(VerifyTest, RefusesArchivesItCannotCheck) {
  TempDir tmp;
  std::string dir = tmp / "a";
  MakeArchive(dir);
  std::string manifest = ReadFile(dir + "/manifest.json");

  Replace(dir + "/manifest.json", manifest.substr(0, manifest.size() - 40));
  auto v = VerifyArchive(dir);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(v.status().message().find("manifest.json is truncated or is not valid JSON"),
            std::string::npos);

  auto j = nlohmann::json::parse(manifest);
  j["version"]["major"] = 2;
  Replace(dir + "/manifest.json", j.dump());
  v = VerifyArchive(dir);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kUnsupportedVersion);

  boost::filesystem::remove(dir + "/manifest.json");
  v = VerifyArchive(dir);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kIncomplete);
}

TEST(ListingTest, ShowsEveryFileWithTotals) {
  TempDir tmp;
  std::string dir = tmp / "a";
  MakeArchive(dir);
  auto r = VerifyArchive(dir);  // also proves list's input is a good archive
  ASSERT_TRUE(r.ok());
  std::string manifest_text = ReadFile(dir + "/manifest.json");
  auto m = ParseManifest(manifest_text, "m");
  ASSERT_TRUE(m.ok());
  std::string table = FormatListing(dir, *m);
  EXPECT_NE(table.find("archive " + dir + " (format 1.2, written "), std::string::npos) << table;
  EXPECT_NE(table.find("FILE"), std::string::npos);
  EXPECT_NE(table.find("data/3"), std::string::npos);
  EXPECT_NE(table.find("public.metrics:3"), std::string::npos);
  EXPECT_NE(table.find("zstd-" + std::to_string(kDefaultZstdLevel)), std::string::npos);
  std::string total = table.substr(table.find("\nTOTAL ") + 1);
  for (const char* cell : {"6 files", "5 jobs", "1 objects", " 100000 ", "4.2 MiB", "2.50\n"}) {
    EXPECT_NE(total.find(cell), std::string::npos) << cell << " in " << table;
  }

  auto j = ListingJson(dir, *m);
  EXPECT_EQ(j["totals"]["files"], 6);
  EXPECT_EQ(j["totals"]["jobs"], 5);
  EXPECT_EQ(j["totals"]["objects"], 1);
  EXPECT_EQ(j["totals"]["rows"], 100000);
  EXPECT_EQ(j["files"][0]["object"], "public.metrics");
  EXPECT_EQ(j["files"][5]["name"], "schema.sql");
  EXPECT_TRUE(j["files"][5]["rows"].is_null());
  EXPECT_EQ(j["source"]["server_version"], "15.8");
}

}  // namespace
}  // namespace hyperdump::format
