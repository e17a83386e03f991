// Streaming codecs with bounded memory: Encoder (bytes -> codec -> sink) and
// Decoder (source -> codec -> bytes).
//
// Memory does not grow with the file: the encoder keeps one zstd context and
// one output buffer of ZSTD_CStreamOutSize() bytes; the decoder one context and
// one input buffer of ZSTD_DStreamInSize() bytes, plus zstd's window (at most
// 2^27 bytes, the decoder's default limit; our levels use far less).
// Both count and checksum the bytes as stored, so the archive records what is
// on disk. Each is used by one thread at a time and is move-only.
#ifndef HYPERDUMP_FORMAT_CODEC_H_
#define HYPERDUMP_FORMAT_CODEC_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "format/checksum.h"
#include "format/sink.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace hyperdump::format {

enum class Codec { kNone, kZstd };

// "none" / "zstd", as written in the manifest.
std::string_view CodecName(Codec codec);
Result<Codec> ParseCodec(std::string_view name);

// Chosen from bench/format_bench.cc (docs/benchmarks.md): the level at which
// one core compresses COPY text at several hundred MB/s with most of the ratio.
inline constexpr int kDefaultZstdLevel = 1;

// Valid zstd levels accepted by the writer (inclusive).
int MinZstdLevel();
int MaxZstdLevel();

// Move-only owners of zstd's C contexts. A context let go is kept, one of
// each kind per thread, for that thread's next Create(), which resets it:
// no new context per file (format/codec.cc).
class ZstdCompressor {
 public:
  static Result<ZstdCompressor> Create(int level);
  ZSTD_CCtx_s* get() const { return ctx_.get(); }

 private:
  struct Free {
    void operator()(ZSTD_CCtx_s* c) const;
  };
  std::unique_ptr<ZSTD_CCtx_s, Free> ctx_;
};

class ZstdDecompressor {
 public:
  static Result<ZstdDecompressor> Create();
  ZSTD_DCtx_s* get() const { return ctx_.get(); }

 private:
  struct Free {
    void operator()(ZSTD_DCtx_s* c) const;
  };
  std::unique_ptr<ZSTD_DCtx_s, Free> ctx_;
};

// Encodes a stream into `sink`, which must outlive the encoder. Finish() ends
// the zstd frame and hands the last bytes to the sink (it neither syncs nor
// closes it). After an error the encoder must not be used again.
class Encoder {
 public:
  static Result<Encoder> Create(Codec codec, int level, ByteSink* sink);

  Status Write(std::string_view bytes);
  Status Finish();

  uint64_t raw_bytes() const { return raw_bytes_; }
  uint64_t stored_bytes() const { return stored_bytes_; }
  uint64_t checksum() const { return checksum_.Digest(); }

 private:
  Encoder(Codec codec, ByteSink* sink) : codec_(codec), sink_(sink) {}
  Status Emit(std::string_view stored);

  Codec codec_;
  ByteSink* sink_;
  ZstdCompressor zstd_;  // empty for kNone
  std::string buf_;      // zstd output buffer, or coalescing buffer for kNone
  size_t buffered_ = 0;  // kNone only: bytes waiting in buf_
  Checksum checksum_;
  uint64_t raw_bytes_ = 0;
  uint64_t stored_bytes_ = 0;
};

// Decodes a stream from `source`, which must outlive the decoder. Read()
// returns 0 only at a clean end: for zstd, after the last frame is complete;
// a stream that stops inside a frame is kCorrupt ("truncated").
class Decoder {
 public:
  static Result<Decoder> Create(Codec codec, ByteSource* source);

  Result<size_t> Read(char* buf, size_t cap);
  // Reads the rest of the stored bytes without decoding them, so that the
  // checksum covers the whole file after a decoding error.
  Status DrainStored();

  uint64_t stored_bytes() const { return stored_bytes_; }
  uint64_t checksum() const { return checksum_.Digest(); }

 private:
  Decoder(Codec codec, ByteSource* source) : codec_(codec), source_(source) {}
  Status Refill();

  Codec codec_;
  ByteSource* source_;
  ZstdDecompressor zstd_;
  std::string in_;
  size_t in_pos_ = 0;
  size_t in_size_ = 0;
  bool eof_ = false;
  size_t frame_hint_ = 0;  // last ZSTD_decompressStream result: 0 = frame complete
  Checksum checksum_;
  uint64_t stored_bytes_ = 0;
};

}  // namespace hyperdump::format

#endif  // HYPERDUMP_FORMAT_CODEC_H_
