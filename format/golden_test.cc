// The golden archive in testdata/golden_v1 was written by hyperdump 0.1.0
// (format 1.0) and is checked in: every future version must read it.
// Regenerate only for a new format version, into a new directory:
//   HYPERDUMP_GOLDEN_OUT=format/testdata/golden_v2 format_test
//     --gtest_also_run_disabled_tests --gtest_filter='*WriteGoldenArchive'
#include <gtest/gtest.h>

#include <boost/filesystem.hpp>
#include <cstdlib>

#include "format/reader.h"
#include "format/test_util.h"
#include "format/verify.h"
#include "format/writer.h"

namespace hyperdump::format {
namespace {

using testing::ReadFile;
using testing::TempDir;

const std::string kGolden = std::string(HYPERDUMP_FORMAT_TESTDATA) + "/golden_v1";

const char kSchema[] =
    "CREATE TABLE public.metrics (\"time\" timestamptz NOT NULL, device int, value double "
    "precision);\n";
const char kChunk1[] =
    "2026-01-01 00:00:00+00\t1\t0.5\n"
    "2026-01-01 00:00:01+00\t2\t\\N\n"
    "2026-01-01 00:00:02+00\t3\ttab\\there\n";
const char kChunk2[] =
    "2026-01-02 00:00:00+00\t1\t1.5\n"
    "2026-01-02 00:00:01+00\t2\t2.5\n";

TEST(GoldenArchiveTest, DISABLED_WriteGoldenArchive) {
  const char* out = std::getenv("HYPERDUMP_GOLDEN_OUT");
  ASSERT_NE(out, nullptr) << "set HYPERDUMP_GOLDEN_OUT to a new directory";
  auto w = ArchiveWriter::Create(out, "0.1.0");
  ASSERT_TRUE(w.ok()) << w.status().message();
  ASSERT_TRUE((*w)->PutBlob("schema.sql", kSchema, {{"format", "sql"}}).ok());
  auto put = [&](const std::string& name, Codec codec, const std::string& job, const char* data,
                 uint64_t rows, nlohmann::json meta) {
    FileOptions o;
    o.codec = codec;
    o.level = codec == Codec::kZstd ? 3 : 0;
    o.job = job;
    o.meta = std::move(meta);
    o.count_lines = true;
    auto f = (*w)->BeginFile(name, o);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Write(data).ok());
    ASSERT_TRUE((*f)->Finish(rows).ok());
  };
  put("data/0001.copy.zst", Codec::kZstd, "public.metrics/1", kChunk1, 3,
      {{"schema", "public"}, {"table", "metrics"}, {"kind", "chunk"}, {"range", "[0,1)"}});
  put("data/0002.copy", Codec::kNone, "public.metrics/2", kChunk2, 2,
      {{"schema", "public"}, {"table", "metrics"}, {"kind", "chunk"}, {"range", "[1,2)"}});
  put("data/0003.copy.zst", Codec::kZstd, "public.empty/1", "", 0,
      {{"schema", "public"}, {"table", "empty"}, {"kind", "table"}});
  ASSERT_TRUE((*w)->Commit({{"server_version", "15.8"},
                            {"extensions", {{"timescaledb", "2.14.2"}}},
                            {"snapshot", "00000003-0000001B-1"},
                            {"options", {{"jobs", 2}}}})
                  .ok());
}

Result<std::string> ReadAll(const ArchiveReader& r, const std::string& name) {
  HD_ASSIGN_OR_RETURN(auto f, r.OpenFile(name));
  std::string out;
  char buf[7];  // deliberately tiny
  while (true) {
    HD_ASSIGN_OR_RETURN(size_t n, f->Read(buf, sizeof buf));
    if (n == 0) return out;
    out.append(buf, n);
  }
}

TEST(GoldenArchiveTest, ReadsTheVersion1GoldenArchive) {
  auto r = ArchiveReader::Open(kGolden);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Manifest& m = (*r)->manifest();
  EXPECT_EQ(m.major, 1);
  EXPECT_EQ(m.minor, 0);
  EXPECT_EQ(m.tool_version, "0.1.0");
  EXPECT_EQ(m.created_at, "2026-11-25T12:27:55Z");
  EXPECT_EQ(m.source["server_version"], "15.8");
  EXPECT_EQ(m.source["extensions"]["timescaledb"], "2.14.2");
  EXPECT_EQ(m.source["snapshot"], "00000003-0000001B-1");
  ASSERT_EQ(m.files.size(), 4u);

  EXPECT_EQ(*(*r)->ReadBlob("schema.sql"), kSchema);
  EXPECT_EQ(m.files[3].name, "schema.sql");
  EXPECT_EQ(m.files[3].kind, FileKind::kBlob);
  EXPECT_EQ(m.files[3].meta["format"], "sql");

  const FileEntry* c1 = m.Find("data/0001.copy.zst");
  ASSERT_NE(c1, nullptr);
  EXPECT_EQ(c1->job, "public.metrics/1");
  EXPECT_EQ(c1->codec, Codec::kZstd);
  EXPECT_EQ(c1->level, 3);
  EXPECT_EQ(c1->rows, 3u);
  EXPECT_EQ(c1->lines, 3u);
  EXPECT_EQ(c1->uncompressed_bytes, sizeof(kChunk1) - 1);
  EXPECT_EQ(c1->meta["range"], "[0,1)");
  EXPECT_EQ(ChecksumToHex(c1->checksum), "fcf4832e39540646");  // XXH64 of the stored bytes
  EXPECT_EQ(*ReadAll(**r, "data/0001.copy.zst"), kChunk1);

  const FileEntry* c2 = m.Find("data/0002.copy");
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(c2->codec, Codec::kNone);
  EXPECT_EQ(c2->rows, 2u);
  EXPECT_EQ(*ReadAll(**r, "data/0002.copy"), kChunk2);
  EXPECT_EQ(ReadFile(kGolden + "/data/0002.copy"), kChunk2);

  const FileEntry* c3 = m.Find("data/0003.copy.zst");
  ASSERT_NE(c3, nullptr);
  EXPECT_EQ(c3->rows, 0u);
  EXPECT_EQ(c3->uncompressed_bytes, 0u);
  EXPECT_GT(c3->compressed_bytes, 0u);  // an empty zstd frame still has a header
  EXPECT_EQ(*ReadAll(**r, "data/0003.copy.zst"), "");

  auto v = VerifyArchive(kGolden);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok());
  EXPECT_EQ(v->files_checked, 4u);
}

// Copies the golden archive and rewrites its manifest with `edit`.
std::string EditedCopy(const TempDir& tmp, const std::function<void(nlohmann::json&)>& edit) {
  std::string dir = tmp / "copy";
  boost::filesystem::create_directories(dir + "/data");
  for (const char* f :
       {"schema.sql", "data/0001.copy.zst", "data/0002.copy", "data/0003.copy.zst"}) {
    boost::filesystem::copy_file(kGolden + "/" + f, dir + "/" + f);
  }
  auto j = nlohmann::json::parse(ReadFile(kGolden + "/manifest.json"));
  edit(j);
  ResealManifest(j);  // an edit on purpose: the manifest's own checksum follows it
  testing::WriteFile(dir + "/manifest.json", j.dump(2));
  return dir;
}

TEST(GoldenArchiveTest, ReadsANewerMinorVersionIgnoringWhatItDoesNotKnow) {
  TempDir tmp;
  std::string dir = EditedCopy(tmp, [](nlohmann::json& j) {
    j["version"]["minor"] = 3;
    j["encryption_hint"] = "none";
    for (auto& f : j["files"]) f["new_per_file_fact"] = {{"a", 1}};
  });
  auto r = ArchiveReader::Open(dir);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->manifest().minor, 3);
  EXPECT_EQ(*ReadAll(**r, "data/0001.copy.zst"), kChunk1);
  auto v = VerifyArchive(dir);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok());
}

TEST(GoldenArchiveTest, RefusesAnUnknownMajorVersion) {
  TempDir tmp;
  std::string dir = EditedCopy(tmp, [](nlohmann::json& j) { j["version"]["major"] = 2; });
  auto r = ArchiveReader::Open(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupportedVersion);
  EXPECT_EQ(r.status().message(),
            dir +
                "/manifest.json has archive format version 2.0; this hyperdump reads major "
                "version 1 only (use the hyperdump version that wrote the archive, or a newer "
                "one)");
}

}  // namespace
}  // namespace hyperdump::format
