#include "format/codec.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <cerrno>
#include <tuple>

#include "format/test_util.h"

namespace hyperdump::format {
namespace {

// Encodes `data` in pieces of `chunk` bytes; returns the stored bytes.
std::string Encode(Codec codec, int level, const std::string& data, size_t chunk,
                   uint64_t* checksum = nullptr) {
  StringSink sink;
  auto enc = Encoder::Create(codec, level, &sink);
  EXPECT_TRUE(enc.ok());
  for (size_t i = 0; i < data.size(); i += chunk) {
    EXPECT_TRUE(enc->Write(std::string_view(data).substr(i, chunk)).ok());
  }
  EXPECT_TRUE(enc->Finish().ok());
  EXPECT_EQ(enc->raw_bytes(), data.size());
  EXPECT_EQ(enc->stored_bytes(), sink.data().size());
  EXPECT_EQ(enc->checksum(), ChecksumOf(sink.data()));
  if (checksum) *checksum = enc->checksum();
  return sink.data();
}

Result<std::string> Decode(Codec codec, const std::string& stored, size_t cap) {
  StringSource src(stored);
  HD_ASSIGN_OR_RETURN(Decoder dec, Decoder::Create(codec, &src));
  std::string out;
  std::string buf(cap, '\0');
  while (true) {
    HD_ASSIGN_OR_RETURN(size_t n, dec.Read(buf.data(), buf.size()));
    if (n == 0) break;
    out.append(buf.data(), n);
  }
  if (dec.stored_bytes() != stored.size()) return Internal("decoder did not read everything");
  if (dec.checksum() != ChecksumOf(stored)) return Internal("decoder checksum differs");
  return out;
}

class CodecRoundTripTest
    : public ::testing::TestWithParam<std::tuple<Codec, int, size_t /*size*/>> {};

TEST_P(CodecRoundTripTest, DecodesToTheExactBytesWritten) {
  auto [codec, level, size] = GetParam();
  std::string data = testing::CopyRows(size / 40 + 1).substr(0, size);
  ASSERT_EQ(data.size(), size);
  for (size_t chunk : {size_t{1} << 20, size_t{4093}}) {
    if (chunk == 4093 && size > (1u << 20)) continue;  // keep the test quick
    std::string stored = Encode(codec, level, data, chunk);
    if (codec == Codec::kNone) {
      EXPECT_TRUE(stored == data);
    }
    for (size_t cap : {size_t{1} << 16, size_t{1000}}) {
      auto got = Decode(codec, stored, cap);
      ASSERT_TRUE(got.ok()) << got.status().message();
      EXPECT_TRUE(*got == data) << "size " << size << " chunk " << chunk << " cap " << cap;
    }
  }
}

// 0 bytes, 1 byte, under one buffer, and several zstd/none buffers.
INSTANTIATE_TEST_SUITE_P(
    Sizes, CodecRoundTripTest,
    ::testing::Combine(::testing::Values(Codec::kNone, Codec::kZstd), ::testing::Values(1, 3, 9),
                       ::testing::Values(size_t{0}, size_t{1}, size_t{1000}, size_t{131072},
                                         size_t{5 * 131072 + 17}, size_t{3 << 20})));

TEST(CodecTest, ZstdOutputIsAStandardFrame) {
  std::string data = testing::CopyRows(1000);
  std::string stored = Encode(Codec::kZstd, 3, data, 1 << 20);
  std::string plain(data.size(), '\0');
  size_t n = ZSTD_decompress(plain.data(), plain.size(), stored.data(), stored.size());
  ASSERT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
  EXPECT_EQ(plain.substr(0, n), data);
  EXPECT_LT(stored.size(), data.size() / 2);
}

TEST(CodecTest, EncoderStreamsInsteadOfBufferingTheWholeFile) {
  std::string chunk = testing::RandomBytes(1 << 20);
  NullSink sink;
  auto enc = Encoder::Create(Codec::kZstd, 1, &sink);
  ASSERT_TRUE(enc.ok());
  for (int i = 0; i < 16; ++i) ASSERT_TRUE(enc->Write(chunk).ok());
  // 16 MiB in, incompressible: all but the last block has reached the sink.
  EXPECT_GT(sink.bytes(), 15u << 20);
  ASSERT_TRUE(enc->Finish().ok());
}

TEST(CodecTest, TruncatedZstdStreamIsCorrupt) {
  std::string stored = Encode(Codec::kZstd, 3, testing::CopyRows(5000), 1 << 20);
  auto got = Decode(Codec::kZstd, stored.substr(0, stored.size() - 3), 1 << 16);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(got.status().message().find("truncated"), std::string::npos);
}

TEST(CodecTest, GarbageIsCorruptNotACrash) {
  auto got = Decode(Codec::kZstd, testing::RandomBytes(5000), 1 << 16);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(got.status().message().find("zstd decompression failed"), std::string::npos);
}

TEST(CodecTest, EncoderReportsAFullDisk) {
  FaultInjectingSink sink(std::make_unique<StringSink>(), "/a/f.tmp", 1000, ENOSPC);
  auto enc = Encoder::Create(Codec::kNone, 0, &sink);
  ASSERT_TRUE(enc.ok());
  Status s = enc->Write(testing::RandomBytes(1 << 20));
  EXPECT_EQ(s.code(), StatusCode::kNoSpace);
}

TEST(CodecTest, RejectsLevelsOutOfRangeAndUnknownCodecs) {
  StringSink sink;
  auto enc = Encoder::Create(Codec::kZstd, 0, &sink);
  ASSERT_FALSE(enc.ok());
  EXPECT_EQ(enc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(enc.status().message().find("zstd level 0 is out of range (1.."), std::string::npos);
  EXPECT_FALSE(Encoder::Create(Codec::kZstd, 99, &sink).ok());
  auto c = ParseCodec("gzip");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "unknown codec 'gzip' (known: zstd, none)");
  EXPECT_EQ(*ParseCodec("none"), Codec::kNone);
  EXPECT_EQ(*ParseCodec("zstd"), Codec::kZstd);
}

TEST(ChecksumTest, MatchesKnownXxh64Values) {
  // Reference values of XXH64 with seed 0 (xxhsum -H1).
  EXPECT_EQ(ChecksumToHex(ChecksumOf("")), "ef46db3751d8e999");
  EXPECT_EQ(ChecksumToHex(ChecksumOf("abc")), "44bc2cf5ad770999");
  Checksum c;
  c.Update("a");
  c.Update("bc");
  EXPECT_EQ(c.Digest(), ChecksumOf("abc"));
  EXPECT_EQ(ChecksumFromHex(ChecksumToHex(0x0123456789abcdefull)), 0x0123456789abcdefull);
  EXPECT_FALSE(ChecksumFromHex("0123"));
  EXPECT_FALSE(ChecksumFromHex("0123456789ABCDEF"));
}

}  // namespace
}  // namespace hyperdump::format
