#include "format/manifest.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace hyperdump::format {
namespace {

using nlohmann::json;

Manifest Sample() {
  Manifest m;
  m.created_at = "2026-11-25T11:38:25Z";
  m.tool_version = "0.1.0";
  m.source = {{"server_version", "15.8"}, {"snapshot", "00000003-0000001B-1"}};
  FileEntry d;
  d.name = "data/0001.copy.zst";
  d.job = "public.metrics:1";
  d.codec = Codec::kZstd;
  d.level = 3;
  d.compressed_bytes = 123;
  d.uncompressed_bytes = 4567;
  d.rows = 89;
  d.lines = 89;
  d.checksum = 0xfedcba9876543210ull;
  d.meta = {{"schema", "public"}, {"table", "metrics"}, {"kind", "chunk"}};
  FileEntry b;
  b.name = "schema.sql";
  b.kind = FileKind::kBlob;
  b.codec = Codec::kNone;
  b.compressed_bytes = b.uncompressed_bytes = 10;
  b.checksum = 1;
  m.files = {d, b};
  return m;
}

TEST(ManifestTest, RoundTripsEveryField) {
  Manifest m = Sample();
  auto parsed = ParseManifest(SerializeManifest(m), "m.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->major, 1);
  EXPECT_EQ(parsed->minor, kFormatMinor);
  EXPECT_EQ(parsed->created_at, m.created_at);
  EXPECT_EQ(parsed->tool_version, "0.1.0");
  EXPECT_EQ(parsed->source, m.source);
  ASSERT_EQ(parsed->files.size(), 2u);
  const FileEntry& d = parsed->files[0];
  EXPECT_EQ(d.name, "data/0001.copy.zst");
  EXPECT_EQ(d.kind, FileKind::kData);
  EXPECT_EQ(d.job, "public.metrics:1");
  EXPECT_EQ(d.codec, Codec::kZstd);
  EXPECT_EQ(d.level, 3);
  EXPECT_EQ(d.compressed_bytes, 123u);
  EXPECT_EQ(d.uncompressed_bytes, 4567u);
  EXPECT_EQ(d.rows, 89u);
  EXPECT_EQ(d.lines, 89u);
  EXPECT_EQ(d.checksum, 0xfedcba9876543210ull);
  EXPECT_EQ(d.meta, m.files[0].meta);
  const FileEntry& b = parsed->files[1];
  EXPECT_EQ(b.kind, FileKind::kBlob);
  EXPECT_FALSE(b.rows.has_value());
  EXPECT_EQ(parsed->Find("schema.sql"), &parsed->files[1]);
  EXPECT_EQ(parsed->Find("nope"), nullptr);
}

TEST(ManifestTest, WritesTheDocumentedKeys) {
  json j = json::parse(SerializeManifest(Sample()));
  EXPECT_EQ(j["format"], "hyperdump-archive");
  EXPECT_EQ(j["version"], json({{"major", 1}, {"minor", 2}}));
  EXPECT_EQ(j["manifest_checksum"], ManifestSelfChecksum(j));
  EXPECT_EQ(j["tool"]["name"], "hyperdump");
  EXPECT_EQ(j["checksum_algorithm"], "xxh64");
  EXPECT_EQ(j["files"][0]["checksum"], "fedcba9876543210");
  EXPECT_FALSE(j["files"][1].contains("job"));
  EXPECT_FALSE(j["files"][1].contains("rows"));
}

TEST(ManifestTest, ReadsANewerMinorVersionIgnoringUnknownKeys) {
  json j = ManifestToJson(Sample());
  j["version"]["minor"] = 9;
  j["future_top_level"] = {{"x", 1}};
  j["files"][0]["future_field"] = "whatever";
  ResealManifest(j);
  auto parsed = ParseManifest(j.dump(), "m.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->minor, 9);
  EXPECT_EQ(parsed->files[0].rows, 89u);
}

TEST(ManifestTest, RefusesAnUnknownMajorVersion) {
  json j = ManifestToJson(Sample());
  j["version"]["major"] = 2;
  j["version"]["minor"] = 0;
  auto parsed = ParseManifest(j.dump(), "/a/manifest.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kUnsupportedVersion);
  EXPECT_EQ(parsed.status().message(),
            "/a/manifest.json has archive format version 2.0; this hyperdump reads major version "
            "1 only (use the hyperdump version that wrote the archive, or a newer one)");
}

TEST(ManifestTest, RefusesTheWrongMagic) {
  json j = ManifestToJson(Sample());
  j["format"] = "something-else";
  auto parsed = ParseManifest(j.dump(), "m.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(parsed.status().message().find("is not a hyperdump archive manifest"),
            std::string::npos);
}

TEST(ManifestTest, RefusesTruncatedJson) {
  std::string text = SerializeManifest(Sample());
  auto parsed = ParseManifest(text.substr(0, text.size() / 2), "/a/manifest.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(parsed.status().message(),
            "/a/manifest.json is truncated or is not valid JSON; the archive cannot be read "
            "(restore from another copy or re-run the dump)");
}

TEST(ManifestTest, NamesAMalformedField) {
  json j = ManifestToJson(Sample());
  j["files"][1]["compressed_bytes"] = "ten";
  ResealManifest(j);
  auto parsed = ParseManifest(j.dump(), "m.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(parsed.status().message().find("field files[1].compressed_bytes is missing or not an "
                                           "unsigned integer"),
            std::string::npos);
}

// A byte changed in a size, a row count or a fact keeps the JSON valid: only
// the manifest's own checksum (1.2) catches it.
TEST(ManifestTest, AValueChangedAfterTheDumpIsCaughtByTheManifestsOwnChecksum) {
  std::string text = SerializeManifest(Sample());
  ASSERT_TRUE(ParseManifest(text, "m.json").ok());
  const size_t at = text.find("\"rows\": 89");
  ASSERT_NE(at, std::string::npos);
  text[at + 9] = '7';  // 89 -> 79
  auto parsed = ParseManifest(text, "/a/manifest.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(parsed.status().message(),
            "/a/manifest.json does not match its own checksum (manifest_checksum): it was "
            "damaged or edited after the dump, and nothing it says can be trusted; restore from "
            "another copy of the archive or re-run the dump");
  json j = json::parse(SerializeManifest(Sample()));
  j.erase("manifest_checksum");
  parsed = ParseManifest(j.dump(), "m.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("has no manifest_checksum"), std::string::npos);
}

// The reader streams the entries of a manifest laid out as hyperdump writes
// it; one whose keys come in another order (edited by hand, rewritten by
// another JSON tool) is read whole, with the same checks.
TEST(ManifestTest, ReadsAManifestWhoseKeysAreInAnotherOrder) {
  const json sorted = json::parse(SerializeManifest(Sample()));
  nlohmann::ordered_json reordered;
  for (const char* key : {"version", "manifest_checksum", "files", "tool", "source", "format",
                          "created_at", "checksum_algorithm"}) {
    ASSERT_TRUE(sorted.contains(key)) << key;
    reordered[key] = sorted[key];
  }
  std::string text = reordered.dump(2);
  ASSERT_LT(text.find("\"version\""), text.find("\"files\""));
  auto parsed = ParseManifest(text, "m.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->files.size(), 2u);
  EXPECT_EQ(parsed->files[0].rows, 89u);
  EXPECT_EQ(parsed->source, Sample().source);

  const size_t at = text.find("\"rows\": 89");
  ASSERT_NE(at, std::string::npos);
  text[at + 9] = '7';
  parsed = ParseManifest(text, "m.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("does not match its own checksum"), std::string::npos);
}

// Each of many entries counts in the self-checksum: a change in the middle
// one is caught, and every entry is read when none changed.
TEST(ManifestTest, ReadsManyEntriesAndCatchesAChangeInAnyOfThem) {
  Manifest m = Sample();
  m.files.resize(1);
  for (int i = 2; i <= 1000; ++i) {
    FileEntry e = m.files[0];
    char name[32];
    std::snprintf(name, sizeof name, "data/%04d.copy.zst", i);
    e.name = name;
    e.rows = e.lines = static_cast<uint64_t>(i);
    m.files.push_back(e);
  }
  std::string text = SerializeManifest(m);
  auto parsed = ParseManifest(text, "m.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->files.size(), 1000u);
  EXPECT_EQ(parsed->files[499].name, "data/0500.copy.zst");
  EXPECT_EQ(parsed->files[499].rows, 500u);

  const size_t at = text.find("\"rows\": 500");
  ASSERT_NE(at, std::string::npos);
  text[at + 9] = '6';  // 500 -> 600
  parsed = ParseManifest(text, "m.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("does not match its own checksum"), std::string::npos);
}

TEST(FileMetaTest, HoldsTheObjectAsCompactTextAndReadsItsKeys) {
  const FileMeta meta = {{"schema", "public"}, {"columns", {"t", "v"}}, {"table", 7}};
  EXPECT_EQ(meta.text(), R"({"columns":["t","v"],"schema":"public","table":7})");
  EXPECT_EQ(meta.value("schema", ""), "public");
  EXPECT_EQ(meta.value("table", size_t{0}), 7u);
  EXPECT_EQ(meta["columns"], json({"t", "v"}));
  EXPECT_TRUE(meta["absent"].is_null());
  EXPECT_EQ(meta.value("absent", "none"), "none");
  EXPECT_TRUE(meta.contains("table"));
  EXPECT_EQ(FileMeta().text(), "{}");
  EXPECT_EQ(FileMeta(json::array()).text(), "{}");  // only objects are meta
  EXPECT_EQ(meta, FileMeta(json::parse(meta.text())));
  EXPECT_FALSE(meta == FileMeta());
}

// Archives written before 1.2 have no manifest_checksum and are still read.
TEST(ManifestTest, AnOlderMinorWithoutItsOwnChecksumIsStillRead) {
  json j = ManifestToJson(Sample());
  j["version"]["minor"] = 1;
  auto parsed = ParseManifest(j.dump(), "m.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->minor, 1);
}

TEST(ManifestTest, RefusesUnsafeFileNames) {
  json j = ManifestToJson(Sample());
  j["files"][0]["name"] = "../../etc/passwd";
  auto parsed = ParseManifest(j.dump(), "m.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kCorrupt);
}

TEST(ManifestTest, ValidatesFileNames) {
  EXPECT_TRUE(ValidateFileName("data/0001.copy.zst").ok());
  EXPECT_TRUE(ValidateFileName("schema.sql").ok());
  for (const char* bad :
       {"", "/abs", "a/", "a//b", "./a", "a/../b", "..", "manifest.json", "data/x.tmp"}) {
    EXPECT_EQ(ValidateFileName(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace hyperdump::format
