// LiveArchive fed by a real ArchiveWriter: readers wait for files that are
// not sealed yet, and every wait ends when the writer stops.
#include "format/live.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "format/test_util.h"
#include "format/writer.h"

namespace hyperdump::format {
namespace {

using testing::TempDir;

struct LiveFixture {
  TempDir tmp;
  std::string dir = tmp / "archive";
  LiveArchive live{dir};
  std::unique_ptr<ArchiveWriter> writer;

  LiveFixture() {
    WriterOptions o;
    o.created_at = "2026-11-29T16:00:00Z";
    o.on_sealed = [this](const FileEntry& e) { live.Seal(e); };
    writer = std::move(ArchiveWriter::Create(dir, "test", std::move(o))).value();
  }
  Status Write(const std::string& name, const std::string& rows_text, uint64_t rows) {
    FileOptions fo;
    fo.count_lines = true;
    HD_ASSIGN_OR_RETURN(auto f, writer->BeginFile(name, fo));
    HD_RETURN_IF_ERROR(f->Write(rows_text));
    return f->Finish(rows).status();
  }
};

TEST(LiveArchiveTest, ReaderWaitsForAFileUntilItIsSealedThenReadsItVerified) {
  LiveFixture f;
  auto reader = std::async(std::launch::async, [&] { return f.live.ReadBlob("data/t1.copy.zst"); });
  EXPECT_EQ(reader.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  EXPECT_FALSE(f.live.IsSealed("data/t1.copy.zst"));
  ASSERT_TRUE(f.Write("data/t1.copy.zst", "1\ta\n2\tb\n", 2).ok());
  Result<std::string> got = reader.get();
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, "1\ta\n2\tb\n");
  EXPECT_TRUE(f.live.IsSealed("data/t1.copy.zst"));
}

TEST(LiveArchiveTest, BlobsAreReadableOnceStoredAndTheManifestKeepsTheCreationTime) {
  LiveFixture f;
  ASSERT_TRUE(f.writer->PutBlob("plan.json", "{}\n").ok());
  Result<std::string> got = f.live.ReadBlob("plan.json");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, "{}\n");
  ASSERT_TRUE(f.writer->Commit(nlohmann::json::object()).ok());
  auto reader = ArchiveReader::Open(f.dir);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->manifest().created_at, "2026-11-29T16:00:00Z");
}

TEST(LiveArchiveTest, WriterFailureEndsTheWaitWithTheWritersError) {
  LiveFixture f;
  auto reader = std::async(std::launch::async, [&] { return f.live.Wait("data/t2.copy.zst"); });
  f.live.Finish(Status(StatusCode::kDatabase, "copying public.t: connection lost"));
  Result<const FileEntry*> got = reader.get();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kDatabase);
  EXPECT_EQ(got.status().message(),
            "archive file data/t2.copy.zst was never written: copying public.t: connection lost");
}

TEST(LiveArchiveTest, AfterACommitAFileNeverWrittenIsNotFound) {
  LiveFixture f;
  f.live.Finish(Status::Ok());
  Result<const FileEntry*> got = f.live.Wait("data/none.copy.zst");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
}

TEST(LiveArchiveTest, StopEndsEveryWaitNowAndLater) {
  LiveFixture f;
  auto reader = std::async(std::launch::async, [&] { return f.live.Wait("x"); });
  f.live.Stop(Cancelled("interrupted"));
  EXPECT_EQ(reader.get().status().message(), "interrupted");
  EXPECT_EQ(f.live.Wait("y").status().code(), StatusCode::kCancelled);
}

TEST(LiveArchiveTest, ACorruptedSealedFileIsReportedWhenRead) {
  LiveFixture f;
  ASSERT_TRUE(f.Write("data/t3.copy.zst", "1\n2\n3\n", 3).ok());
  {
    std::FILE* out = std::fopen((f.dir + "/data/t3.copy.zst").c_str(), "r+b");
    ASSERT_NE(out, nullptr);
    std::fseek(out, 10, SEEK_SET);
    std::fputc('X', out);
    std::fclose(out);
  }
  Result<std::string> got = f.live.ReadBlob("data/t3.copy.zst");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kCorrupt);
}

}  // namespace
}  // namespace hyperdump::format
