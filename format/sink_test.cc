#include "format/sink.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "format/test_util.h"

namespace hyperdump::format {
namespace {

using testing::ModeOf;
using testing::ReadFile;
using testing::TempDir;

TEST(FileSinkTest, CreatesPrivateFileAndWritesAllBytes) {
  TempDir dir;
  auto sink = FileSink::Create(dir / "f");
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  ASSERT_TRUE((*sink)->Write("hello ").ok());
  ASSERT_TRUE((*sink)->Write("world").ok());
  ASSERT_TRUE((*sink)->Sync().ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ(ReadFile(dir / "f"), "hello world");
  EXPECT_EQ(ModeOf(dir / "f"), 0600);
}

TEST(FileSinkTest, RefusesToOverwriteAnExistingFile) {
  TempDir dir;
  testing::WriteFile(dir / "f", "keep me");
  auto sink = FileSink::Create(dir / "f");
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(sink.status().message().find(dir / "f"), std::string::npos);
  EXPECT_EQ(ReadFile(dir / "f"), "keep me");
}

TEST(ErrnoStatusTest, MapsErrnoToCodesAndNamesThePath) {
  EXPECT_EQ(ErrnoStatus(ENOSPC, "cannot write", "/x").code(), StatusCode::kNoSpace);
  EXPECT_EQ(ErrnoStatus(EDQUOT, "cannot write", "/x").code(), StatusCode::kNoSpace);
  EXPECT_EQ(ErrnoStatus(EACCES, "cannot create", "/x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus(EROFS, "cannot create", "/x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus(ENOENT, "cannot open", "/x").code(), StatusCode::kNotFound);
  EXPECT_EQ(ErrnoStatus(EIO, "cannot read", "/x").code(), StatusCode::kIo);
  EXPECT_EQ(ErrnoStatus(ENOSPC, "cannot write", "/a/b").message(),
            "cannot write /a/b: No space left on device (free space or choose another directory)");
}

TEST(FaultInjectingSinkTest, PassesBytesUntilTheLimitThenFailsLikeAFullDisk) {
  auto inner = std::make_unique<StringSink>();
  StringSink* seen = inner.get();
  FaultInjectingSink sink(std::move(inner), "/archive/f.tmp", 10, ENOSPC);
  ASSERT_TRUE(sink.Write("12345").ok());
  Status s = sink.Write("6789abcdef");
  EXPECT_EQ(s.code(), StatusCode::kNoSpace);
  EXPECT_NE(s.message().find("/archive/f.tmp"), std::string::npos);
  EXPECT_EQ(seen->data(), "123456789a");  // the short write reached the disk
  EXPECT_EQ(sink.Write("x").code(), StatusCode::kNoSpace);
  EXPECT_EQ(sink.Sync().code(), StatusCode::kNoSpace);
}

TEST(FileSourceTest, ReadsTheFileToItsEnd) {
  TempDir dir;
  testing::WriteFile(dir / "f", "abcdefghij");
  auto src = FileSource::Open(dir / "f");
  ASSERT_TRUE(src.ok());
  EXPECT_EQ((*src)->size(), 10u);
  char buf[4];
  std::string got;
  while (true) {
    auto n = (*src)->Read(buf, sizeof buf);
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    got.append(buf, *n);
  }
  EXPECT_EQ(got, "abcdefghij");
}

TEST(FileSourceTest, MissingFileIsNotFound) {
  TempDir dir;
  auto src = FileSource::Open(dir / "nope");
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace hyperdump::format
