// ArchiveWriter and ArchiveReader together, on real files.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <istream>
#include <iterator>
#include <thread>

#include "format/reader.h"
#include "format/test_util.h"
#include "format/verify.h"
#include "format/writer.h"

namespace hyperdump::format {
namespace {

using testing::CopyRows;
using testing::ModeOf;
using testing::ReadFile;
using testing::TempDir;

std::unique_ptr<ArchiveWriter> NewWriter(const std::string& dir, WriterOptions o = {}) {
  auto w = ArchiveWriter::Create(dir, "0.1.0-test", std::move(o));
  EXPECT_TRUE(w.ok()) << w.status().message();
  return w.ok() ? std::move(w).value() : nullptr;
}

Status WriteFile(ArchiveWriter& w, const std::string& name, const std::string& data, uint64_t rows,
                 FileOptions o = {}) {
  HD_ASSIGN_OR_RETURN(auto f, w.BeginFile(name, std::move(o)));
  for (size_t i = 0; i < data.size(); i += 100000) {
    HD_RETURN_IF_ERROR(f->Write(std::string_view(data).substr(i, 100000)));
  }
  return f->Finish(rows).status();
}

Result<std::string> ReadAll(const ArchiveReader& r, const std::string& name) {
  HD_ASSIGN_OR_RETURN(auto f, r.OpenFile(name));
  std::string out;
  char buf[70000];
  while (true) {
    HD_ASSIGN_OR_RETURN(size_t n, f->Read(buf, sizeof buf));
    if (n == 0) return out;
    out.append(buf, n);
  }
}

TEST(ArchiveTest, RoundTripsFilesOfManySizesAndBlobs) {
  TempDir tmp;
  std::string dir = tmp / "a";
  auto w = NewWriter(dir);
  const uint64_t kRows[] = {0, 1, 10, 100000};
  for (uint64_t rows : kRows) {
    FileOptions o;
    o.job = "job-" + std::to_string(rows);
    o.count_lines = true;
    o.meta = {{"schema", "public"}, {"table", "t" + std::to_string(rows)}};
    ASSERT_TRUE(
        WriteFile(*w, "data/" + std::to_string(rows) + ".zst", CopyRows(rows, rows), rows, o).ok());
    o.codec = Codec::kNone;
    ASSERT_TRUE(WriteFile(*w, "raw/" + std::to_string(rows), CopyRows(rows, rows), rows, o).ok());
  }
  ASSERT_TRUE(WriteFile(*w, "one-byte", "x", 0).ok());
  ASSERT_TRUE(w->PutBlob("schema.sql", "CREATE TABLE t ();\n", {{"format", "sql"}}).ok());
  ASSERT_TRUE(w->Commit({{"server_version", "15.8"}}).ok());

  auto r = ArchiveReader::Open(dir);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->manifest().tool_version, "0.1.0-test");
  EXPECT_EQ((*r)->manifest().source["server_version"], "15.8");
  EXPECT_EQ((*r)->manifest().files.size(), 10u);
  for (uint64_t rows : kRows) {
    std::string name = "data/" + std::to_string(rows) + ".zst";
    auto got = ReadAll(**r, name);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_TRUE(*got == CopyRows(rows, rows)) << name;
    const FileEntry* e = (*r)->manifest().Find(name);
    EXPECT_EQ(e->rows, rows);
    EXPECT_EQ(e->lines, rows);
    EXPECT_EQ(e->job, "job-" + std::to_string(rows));
    EXPECT_EQ(e->meta["table"], "t" + std::to_string(rows));
    EXPECT_EQ(e->level, kDefaultZstdLevel);
    auto raw = ReadAll(**r, "raw/" + std::to_string(rows));
    ASSERT_TRUE(raw.ok());
    EXPECT_TRUE(*raw == CopyRows(rows, rows));
    EXPECT_TRUE(ReadFile(dir + "/raw/" + std::to_string(rows)) == *raw);  // none = plain bytes
  }
  EXPECT_EQ(*ReadAll(**r, "one-byte"), "x");
  auto blob = (*r)->ReadBlob("schema.sql");
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(*blob, "CREATE TABLE t ();\n");
  EXPECT_EQ(ReadFile((*r)->PathOf("schema.sql")),
            "CREATE TABLE t ();\n");  // blobs are stored plain
  EXPECT_EQ((*r)->manifest().Find("schema.sql")->kind, FileKind::kBlob);
}

// A blob written in pieces reads back whole; read as a stream (how restore
// parses plan.json), a damaged one ends the stream early and says why.
TEST(ArchiveTest, BlobWrittenInPiecesStreamsBackAndADamagedOneStopsTheStream) {
  TempDir tmp;
  std::string dir = tmp / "a";
  auto w = NewWriter(dir);
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "{\"n\": " + std::to_string(i) + "}\n";
  auto blob = w->BeginBlob("plan.json");
  ASSERT_TRUE(blob.ok());
  for (size_t at = 0; at < text.size(); at += 4096) {
    ASSERT_TRUE((*blob)->Write(std::string_view(text).substr(at, 4096)).ok());
  }
  ASSERT_TRUE((*blob)->Finish(0).ok());
  ASSERT_TRUE(w->Commit({}).ok());
  auto r = ArchiveReader::Open(dir);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->manifest().Find("plan.json")->kind, FileKind::kBlob);
  auto stream_all = [&](Status* status) {
    auto reader = (*r)->OpenFile("plan.json");
    EXPECT_TRUE(reader.ok());
    ReaderStreamBuf buf(**reader);
    std::istream in(&buf);
    std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    *status = buf.status();
    return got;
  };
  Status s;
  EXPECT_TRUE(stream_all(&s) == text);
  EXPECT_TRUE(s.ok()) << s.message();

  {
    std::fstream f(dir + "/plan.json", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('X');
  }
  std::string got = stream_all(&s);
  EXPECT_EQ(s.code(), StatusCode::kCorrupt);
  EXPECT_NE(s.message().find("plan.json"), std::string::npos) << s.message();
  EXPECT_LE(got.size(), text.size());
}

TEST(ArchiveTest, CreatesEverythingPrivateToTheUser) {
  TempDir tmp;
  std::string dir = tmp / "a";
  ::umask(022);
  auto w = NewWriter(dir);
  ASSERT_TRUE(WriteFile(*w, "sub/dir/f", "data\n", 1).ok());
  ASSERT_TRUE(w->PutBlob("b", "blob").ok());
  ASSERT_TRUE(w->Commit({}).ok());
  EXPECT_EQ(ModeOf(dir), 0700);
  EXPECT_EQ(ModeOf(dir + "/sub"), 0700);
  EXPECT_EQ(ModeOf(dir + "/sub/dir"), 0700);
  EXPECT_EQ(ModeOf(dir + "/sub/dir/f"), 0600);
  EXPECT_EQ(ModeOf(dir + "/b"), 0600);
  EXPECT_EQ(ModeOf(dir + "/manifest.json"), 0600);
}

TEST(ArchiveTest, RefusesANonEmptyDirectoryAndLeavesItAlone) {
  TempDir tmp;
  testing::WriteFile(tmp / "precious", "keep");
  auto w = ArchiveWriter::Create(tmp.path(), "0.1.0");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(w.status().message(),
            "archive directory " + tmp.path() +
                " exists and is not empty; hyperdump never overwrites an archive (choose a new "
                "directory or remove " +
                tmp.path() + " first)");
  EXPECT_EQ(ReadFile(tmp / "precious"), "keep");
}

TEST(ArchiveTest, AdoptsAnEmptyExistingDirectory) {
  TempDir tmp;
  auto w = NewWriter(tmp.path());
  ASSERT_TRUE(w->Commit({}).ok());
  EXPECT_TRUE(ArchiveReader::Open(tmp.path()).ok());
}

TEST(ArchiveTest, MissingParentDirectoryIsNamed) {
  TempDir tmp;
  auto w = ArchiveWriter::Create(tmp / "no/such", "0.1.0");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(w.status().message(), "cannot create archive directory " + (tmp / "no/such") +
                                      ": its parent directory does not exist (create it first)");
}

TEST(ArchiveTest, WithoutCommitTheArchiveIsIncomplete) {
  TempDir tmp;
  std::string dir = tmp / "a";
  auto w = NewWriter(dir);
  ASSERT_TRUE(WriteFile(*w, "f", CopyRows(10), 10).ok());
  w.reset();  // the process "crashed" before Commit
  auto r = ArchiveReader::Open(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIncomplete);
  EXPECT_EQ(r.status().message(), "archive " + dir +
                                      " is incomplete: manifest.json missing (the dump did not "
                                      "finish); re-run the dump");
  auto v = VerifyArchive(dir);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kIncomplete);
}

TEST(ArchiveTest, OpeningAMissingDirectoryIsNotFound) {
  TempDir tmp;
  auto r = ArchiveReader::Open(tmp / "nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "archive directory " + (tmp / "nope") + " does not exist");
}

TEST(ArchiveTest, AnUnfinishedFileLeavesNoTraceAndItsNameCanBeReused) {
  TempDir tmp;
  std::string dir = tmp / "a";
  auto w = NewWriter(dir);
  {
    auto f = w->BeginFile("f", {});
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Write("partial").ok());
    EXPECT_TRUE(boost::filesystem::exists(dir + "/f.tmp"));
  }
  EXPECT_FALSE(boost::filesystem::exists(dir + "/f.tmp"));
  EXPECT_FALSE(boost::filesystem::exists(dir + "/f"));
  ASSERT_TRUE(WriteFile(*w, "f", "again\n", 1).ok());
  ASSERT_TRUE(w->Commit({}).ok());
  auto v = VerifyArchive(dir);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok());
}

TEST(ArchiveTest, RefusesDuplicateNamesAndCommitWithOpenFiles) {
  TempDir tmp;
  auto w = NewWriter(tmp / "a");
  auto f = w->BeginFile("f", {});
  ASSERT_TRUE(f.ok());
  auto dup = w->BeginFile("f", {});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  Status c = w->Commit({});
  EXPECT_EQ(c.code(), StatusCode::kInternal);
  EXPECT_NE(c.message().find("1 file(s) still being written, first f"), std::string::npos);
  ASSERT_TRUE((*f)->Finish(0).ok());
  EXPECT_TRUE(w->Commit({}).ok());
  EXPECT_FALSE(w->BeginFile("g", {}).ok());
}

TEST(ArchiveTest, RefusesBadNamesAndLevels) {
  TempDir tmp;
  auto w = NewWriter(tmp / "a");
  EXPECT_EQ(w->BeginFile("../escape", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w->BeginFile("manifest.json", {}).status().code(), StatusCode::kInvalidArgument);
  FileOptions o;
  o.level = 42;
  EXPECT_EQ(w->BeginFile("f", o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(w->BeginFile("f", {}).ok());  // the refused attempt did not reserve the name
}

TEST(ArchiveTest, LineCountDifferentFromRowsFailsTheFile) {
  TempDir tmp;
  auto w = NewWriter(tmp / "a");
  FileOptions o;
  o.count_lines = true;
  auto f = w->BeginFile("f", o);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Write("a\nb\n").ok());
  auto e = (*f)->Finish(3);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(e.status().message().find("the data holds 2 lines but the dump reported 3 rows"),
            std::string::npos);
}

// A sink factory that gives every sink only `budget` bytes before ENOSPC.
WriterOptions DiskFullAfter(uint64_t budget, const std::string& only_suffix = "") {
  WriterOptions o;
  o.sink_factory = [=](const std::string& path) -> Result<std::unique_ptr<ByteSink>> {
    HD_ASSIGN_OR_RETURN(auto file, FileSink::Create(path));
    bool limit = only_suffix.empty() || path.ends_with(only_suffix);
    return std::unique_ptr<ByteSink>(std::make_unique<FaultInjectingSink>(
        std::move(file), path, limit ? budget : UINT64_MAX, ENOSPC));
  };
  return o;
}

TEST(ArchiveTest, DiskFullWhileWritingDataIsReportedAndLeavesNoFile) {
  TempDir tmp;
  std::string dir = tmp / "a";
  auto w = NewWriter(dir, DiskFullAfter(50000));
  {
    auto f = w->BeginFile("data/big", {});
    ASSERT_TRUE(f.ok());
    std::string rows = testing::RandomBytes(1 << 20);
    Status s = (*f)->Write(rows);
    if (s.ok()) s = (*f)->Finish(0).status();
    EXPECT_EQ(s.code(), StatusCode::kNoSpace);
    EXPECT_NE(s.message().find("archive file " + dir + "/data/big"), std::string::npos);
    EXPECT_NE(s.message().find("No space left on device"), std::string::npos);
    EXPECT_EQ((*f)->Write("more").code(), StatusCode::kNoSpace);  // sticky
  }
  EXPECT_FALSE(boost::filesystem::exists(dir + "/data/big.tmp"));
  EXPECT_FALSE(boost::filesystem::exists(dir + "/data/big"));
  // The dump gives up: no manifest, so the archive reads as incomplete.
  EXPECT_EQ(ArchiveReader::Open(dir).status().code(), StatusCode::kIncomplete);
}

TEST(ArchiveTest, DiskFullWhileWritingTheManifestLeavesAnIncompleteArchive) {
  TempDir tmp;
  std::string dir = tmp / "a";
  auto w = NewWriter(dir, DiskFullAfter(100, "manifest.json.tmp"));
  ASSERT_TRUE(WriteFile(*w, "f", CopyRows(100), 100).ok());
  Status s = w->Commit({{"big", std::string(1000, 'x')}});
  EXPECT_EQ(s.code(), StatusCode::kNoSpace);
  EXPECT_NE(s.message().find("writing the manifest of archive " + dir), std::string::npos);
  EXPECT_FALSE(boost::filesystem::exists(dir + "/manifest.json"));
  EXPECT_FALSE(boost::filesystem::exists(dir + "/manifest.json.tmp"));
  EXPECT_EQ(ArchiveReader::Open(dir).status().code(), StatusCode::kIncomplete);
}

// Runs `fn` as an unprivileged user when we are root (root ignores mode
// bits), in a child process; returns the StatusCode it produced.
template <typename Fn>
int RunUnprivileged(Fn fn) {
  if (::geteuid() != 0) return static_cast<int>(fn());
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(100);
    ::_exit(static_cast<int>(fn()));
  }
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

TEST(ArchiveTest, AReadOnlyDirectoryIsPermissionDenied) {
  TempDir tmp;
  std::string parent = tmp / "ro";
  ASSERT_EQ(::mkdir(parent.c_str(), 0555), 0);
  ASSERT_EQ(::chmod(tmp.path().c_str(), 0755), 0);
  // Creating the archive inside a read-only parent.
  int code = RunUnprivileged([&] {
    auto w = ArchiveWriter::Create(parent + "/a", "0.1.0");
    if (!w.ok() && w.status().message().find("cannot create archive directory " + parent + "/a") ==
                       std::string::npos) {
      return StatusCode::kInternal;
    }
    return w.status().code();
  });
  EXPECT_EQ(code, static_cast<int>(StatusCode::kPermissionDenied));
  // Adopting an empty directory we may not write into: refused at once,
  // when the writer makes its (nameless) file of manifest entries there.
  code = RunUnprivileged([&] {
    auto w = ArchiveWriter::Create(parent, "0.1.0");
    if (w.ok()) return StatusCode::kOk;  // wrong stage: make the test fail
    if (w.status().message().find("cannot create " + parent + "/.manifest-entries.") ==
        std::string::npos) {
      return StatusCode::kInternal;
    }
    return w.status().code();
  });
  EXPECT_EQ(code, static_cast<int>(StatusCode::kPermissionDenied));
}

TEST(ArchiveTest, ManyThreadsWriteOneArchive) {
  TempDir tmp;
  std::string dir = tmp / "a";
  auto w = NewWriter(dir);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string name =
            "d" + std::to_string(i % 3) + "/t" + std::to_string(t) + "-" + std::to_string(i);
        FileOptions o;
        o.job = name;
        o.count_lines = true;
        if (!WriteFile(*w, name, CopyRows(100 + i, t), 100 + i, o).ok()) ++failures;
        if (!w->PutBlob("b" + std::to_string(t) + "-" + std::to_string(i), name).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_TRUE(w->Commit({}).ok());
  auto r = ArchiveReader::Open(dir);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->manifest().files.size(), 8u * 20u * 2u);
  EXPECT_EQ(*(*r)->ReadBlob("b3-7"), "d1/t3-7");
  EXPECT_EQ(*ReadAll(**r, "d1/t3-7"), CopyRows(107, 3));
  auto v = VerifyArchive(dir);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok()) << v->problems.front().name << ": " << v->problems.front().reason;
}

TEST(ArchiveTest, StreamingReaderReportsCorruptionBeforeTheEnd) {
  TempDir tmp;
  std::string dir = tmp / "a";
  auto w = NewWriter(dir);
  FileOptions none;
  none.codec = Codec::kNone;
  ASSERT_TRUE(WriteFile(*w, "plain", CopyRows(1000), 1000, none).ok());
  ASSERT_TRUE(w->Commit({}).ok());
  std::string bytes = ReadFile(dir + "/plain");
  bytes[500] ^= 0x20;  // a flipped bit that still looks like text
  boost::filesystem::remove(dir + "/plain");
  testing::WriteFile(dir + "/plain", bytes);
  auto r = ArchiveReader::Open(dir);
  ASSERT_TRUE(r.ok());
  auto got = ReadAll(**r, "plain");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(got.status().message().find("archive file " + dir +
                                        "/plain is corrupt: checksum "
                                        "mismatch"),
            std::string::npos)
      << got.status().message();
  auto unknown = (*r)->OpenFile("nope");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().message(), "archive " + dir + " has no file nope");
}

}  // namespace
}  // namespace hyperdump::format
