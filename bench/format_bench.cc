// Archive codec throughput on COPY-text-like data: the format's Encoder and
// Decoder at several zstd levels and `none`, next to gzip -6 (what
// pg_dump -Fd uses on PostgreSQL 15), plus the checksum candidates.
// Results and the chosen default are recorded in docs/benchmarks.md.
//
//   build-format/bench/format_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>
#include <nmmintrin.h>
#include <xxhash.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "format/codec.h"
#include "format/sink.h"
#include "format/writer.h"

namespace {

using hyperdump::format::Codec;
using hyperdump::format::Decoder;
using hyperdump::format::Encoder;
using hyperdump::format::NullSink;
using hyperdump::format::StringSink;
using hyperdump::format::StringSource;

// 64 MiB of rows shaped like COPY text of a TimescaleDB metrics hypertable:
// time, device id, three measurements (some NULL), a short JSON tag column.
const std::string& CopyText() {
  static const std::string data = [] {
    std::string out;
    out.reserve(70 << 20);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    auto next = [&] {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return x;
    };
    char line[256];
    for (uint64_t i = 0; out.size() < (64u << 20); ++i) {
      uint64_t t = 1767225600 + i / 50;  // 50 devices report every second
      uint64_t dev = i % 50;
      uint64_t r = next();
      int h = static_cast<int>((t / 3600) % 24), m = static_cast<int>((t / 60) % 60),
          s = static_cast<int>(t % 60);
      int n;
      if (r % 20 == 0) {
        n = std::snprintf(
            line, sizeof line,
            "2026-01-%02d %02d:%02d:%02d+00\t%llu\t\\N\t%llu.%02llu\t%llu\t"
            "{\"region\": \"eu-west-%llu\", \"rack\": %llu}\n",
            static_cast<int>(1 + (t / 86400) % 28), h, m, s, static_cast<unsigned long long>(dev),
            static_cast<unsigned long long>(r % 100),
            static_cast<unsigned long long>((r >> 8) % 100),
            static_cast<unsigned long long>((r >> 16) % 100000),
            static_cast<unsigned long long>(dev % 3), static_cast<unsigned long long>(dev % 7));
      } else {
        n = std::snprintf(
            line, sizeof line,
            "2026-01-%02d %02d:%02d:%02d+00\t%llu\t%llu.%03llu\t%llu.%02llu\t%llu\t"
            "{\"region\": \"eu-west-%llu\", \"rack\": %llu}\n",
            static_cast<int>(1 + (t / 86400) % 28), h, m, s, static_cast<unsigned long long>(dev),
            static_cast<unsigned long long>(20 + r % 15),
            static_cast<unsigned long long>((r >> 4) % 1000),
            static_cast<unsigned long long>((r >> 14) % 100),
            static_cast<unsigned long long>((r >> 24) % 100),
            static_cast<unsigned long long>((r >> 32) % 100000),
            static_cast<unsigned long long>(dev % 3), static_cast<unsigned long long>(dev % 7));
      }
      out.append(line, static_cast<size_t>(n));
    }
    return out;
  }();
  return data;
}

// COPY delivers rows in buffers of a few KiB to 64 KiB; feed the writer so.
constexpr size_t kChunk = size_t{64} * 1024;

std::string Compress(Codec codec, int level) {
  const std::string& data = CopyText();
  StringSink sink;
  auto enc = Encoder::Create(codec, level, &sink);
  for (size_t i = 0; i < data.size(); i += kChunk) {
    (void)enc->Write(std::string_view(data).substr(i, kChunk));
  }
  (void)enc->Finish();
  return sink.data();
}

void BM_Write(benchmark::State& state, Codec codec) {
  const std::string& data = CopyText();
  int level = static_cast<int>(state.range(0));
  uint64_t stored = 0;
  for (auto _ : state) {
    NullSink sink;
    auto enc = Encoder::Create(codec, level, &sink);
    for (size_t i = 0; i < data.size(); i += kChunk) {
      if (!enc->Write(std::string_view(data).substr(i, kChunk)).ok()) state.SkipWithError("write");
    }
    if (!enc->Finish().ok()) state.SkipWithError("finish");
    stored = enc->stored_bytes();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.counters["ratio"] = static_cast<double>(data.size()) / static_cast<double>(stored);
}

void BM_Read(benchmark::State& state, Codec codec) {
  int level = static_cast<int>(state.range(0));
  std::string stored = Compress(codec, level);
  std::string buf(kChunk, '\0');
  uint64_t raw = 0;
  for (auto _ : state) {
    StringSource src(stored);
    auto dec = Decoder::Create(codec, &src);
    raw = 0;
    while (true) {
      auto n = dec->Read(buf.data(), buf.size());
      if (!n.ok()) state.SkipWithError("read");
      if (!n.ok() || *n == 0) break;
      raw += *n;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw));
}

void BM_ZstdWrite(benchmark::State& s) { BM_Write(s, Codec::kZstd); }
void BM_ZstdRead(benchmark::State& s) { BM_Read(s, Codec::kZstd); }
void BM_NoneWrite(benchmark::State& s) { BM_Write(s, Codec::kNone); }
void BM_NoneRead(benchmark::State& s) { BM_Read(s, Codec::kNone); }
BENCHMARK(BM_ZstdWrite)->Arg(1)->Arg(2)->Arg(3)->Arg(5)->Arg(9)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ZstdWrite)->Arg(19)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ZstdRead)->Arg(1)->Arg(3)->Arg(9)->Arg(19)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NoneWrite)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NoneRead)->Arg(0)->Unit(benchmark::kMillisecond);

// gzip -6 through zlib's deflate, 64 KiB in and out, as pg_dump -Fd does.
void Gzip(int level, uint64_t* out_bytes) {
  const std::string& data = CopyText();
  z_stream z{};
  deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string buf(kChunk, '\0');
  for (size_t i = 0; i <= data.size(); i += kChunk) {
    size_t len = std::min(kChunk, data.size() - std::min(i, data.size()));
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + std::min(i, data.size())));
    z.avail_in = static_cast<uInt>(len);
    int flush = i + kChunk >= data.size() ? Z_FINISH : Z_NO_FLUSH;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf.data());
      z.avail_out = static_cast<uInt>(buf.size());
      deflate(&z, flush);
      size_t have = buf.size() - z.avail_out;
      *out_bytes += have;  // a real writer would write buf here
    } while (z.avail_out == 0);
    if (flush == Z_FINISH) break;
  }
  deflateEnd(&z);
}

void BM_GzipWrite(benchmark::State& state) {
  uint64_t stored = 0;
  for (auto _ : state) {
    stored = 0;
    Gzip(static_cast<int>(state.range(0)), &stored);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * CopyText().size()));
  state.counters["ratio"] = static_cast<double>(CopyText().size()) / static_cast<double>(stored);
}
BENCHMARK(BM_GzipWrite)->Arg(6)->Unit(benchmark::kMillisecond);

void BM_GzipRead(benchmark::State& state) {
  const std::string& data = CopyText();
  std::string stored(compressBound(static_cast<uLong>(data.size())) + 1024, '\0');
  {
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(stored.data());
    z.avail_out = static_cast<uInt>(stored.size());
    deflate(&z, Z_FINISH);
    stored.resize(z.total_out);
    deflateEnd(&z);
  }
  std::string buf(kChunk, '\0');
  for (auto _ : state) {
    z_stream z{};
    inflateInit2(&z, 15 + 16);
    z.next_in = reinterpret_cast<Bytef*>(stored.data());
    z.avail_in = static_cast<uInt>(stored.size());
    int rc;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf.data());
      z.avail_out = static_cast<uInt>(buf.size());
      rc = inflate(&z, Z_NO_FLUSH);
    } while (rc == Z_OK);
    if (rc != Z_STREAM_END || z.total_out != data.size()) state.SkipWithError("inflate");
    inflateEnd(&z);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_GzipRead)->Unit(benchmark::kMillisecond);

// Checksum candidates over the same bytes.
__attribute__((target("sse4.2"))) uint32_t Crc32c(const char* p, size_t n) {
  uint64_t crc = 0xFFFFFFFFu;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    crc = _mm_crc32_u64(crc, v);
    p += 8;
    n -= 8;
  }
  while (n--) crc = _mm_crc32_u8(static_cast<uint32_t>(crc), static_cast<uint8_t>(*p++));
  return static_cast<uint32_t>(crc) ^ 0xFFFFFFFFu;
}

void BM_ChecksumXxh3_64(benchmark::State& state) {
  const std::string& d = CopyText();
  for (auto _ : state) benchmark::DoNotOptimize(XXH3_64bits(d.data(), d.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.size()));
}
void BM_ChecksumXxh64(benchmark::State& state) {
  const std::string& d = CopyText();
  for (auto _ : state) benchmark::DoNotOptimize(XXH64(d.data(), d.size(), 0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.size()));
}
void BM_ChecksumCrc32c(benchmark::State& state) {
  const std::string& d = CopyText();
  for (auto _ : state) benchmark::DoNotOptimize(Crc32c(d.data(), d.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.size()));
}
BENCHMARK(BM_ChecksumXxh3_64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChecksumXxh64)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChecksumCrc32c)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
