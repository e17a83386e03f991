#include "format/codec.h"

#include <zstd.h>

#include <cstring>
#include <utility>

namespace hyperdump::format {

std::string_view CodecName(Codec codec) { return codec == Codec::kZstd ? "zstd" : "none"; }

Result<Codec> ParseCodec(std::string_view name) {
  if (name == "zstd") return Codec::kZstd;
  if (name == "none") return Codec::kNone;
  return InvalidArgument("unknown codec '" + std::string(name) + "' (known: zstd, none)");
}

int MinZstdLevel() { return 1; }
int MaxZstdLevel() { return ZSTD_maxCLevel(); }

namespace {

// One idle context of each kind per thread, kept for that thread's next
// file: an archive of 100,000 small tables otherwise made and freed 100,000
// contexts, each a fresh block of over 1 MiB to allocate, fault in and set
// up (issue 18). A context is reset before reuse, which zstd defines as
// equivalent to a new one. Freed when its thread ends.
template <typename Ctx, Ctx* (*CreateFn)(), size_t (*ResetFn)(Ctx*, ZSTD_ResetDirective),
          size_t (*FreeFn)(Ctx*)>
struct IdleContext {
  Ctx* ctx = nullptr;
  IdleContext() = default;
  IdleContext(const IdleContext&) = delete;
  IdleContext& operator=(const IdleContext&) = delete;
  ~IdleContext() { FreeFn(ctx); }
  // The idle context, reset, else a new one (null when out of memory). One
  // that will not reset is freed and replaced by a new one.
  Ctx* TakeOrCreate() {
    if (Ctx* c = std::exchange(ctx, nullptr)) {
      if (!ZSTD_isError(ResetFn(c, ZSTD_reset_session_and_parameters))) return c;
      FreeFn(c);
    }
    return CreateFn();
  }
  // Keeps `c` if the slot is empty, else frees it.
  void Give(Ctx* c) {
    if (ctx == nullptr) {
      ctx = c;
    } else {
      FreeFn(c);
    }
  }
};
thread_local IdleContext<ZSTD_CCtx, ZSTD_createCCtx, ZSTD_CCtx_reset, ZSTD_freeCCtx> idle_cctx;
thread_local IdleContext<ZSTD_DCtx, ZSTD_createDCtx, ZSTD_DCtx_reset, ZSTD_freeDCtx> idle_dctx;

}  // namespace

void ZstdCompressor::Free::operator()(ZSTD_CCtx_s* c) const { idle_cctx.Give(c); }
void ZstdDecompressor::Free::operator()(ZSTD_DCtx_s* c) const { idle_dctx.Give(c); }

Result<ZstdCompressor> ZstdCompressor::Create(int level) {
  if (level < MinZstdLevel() || level > MaxZstdLevel()) {
    return InvalidArgument("zstd level " + std::to_string(level) + " is out of range (" +
                           std::to_string(MinZstdLevel()) + ".." + std::to_string(MaxZstdLevel()) +
                           ")");
  }
  ZstdCompressor c;
  c.ctx_.reset(idle_cctx.TakeOrCreate());
  if (!c.ctx_) return Internal("ZSTD_createCCtx failed (out of memory)");
  size_t rc = ZSTD_CCtx_setParameter(c.get(), ZSTD_c_compressionLevel, level);
  if (ZSTD_isError(rc)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(rc));
  return c;
}

Result<ZstdDecompressor> ZstdDecompressor::Create() {
  ZstdDecompressor d;
  d.ctx_.reset(idle_dctx.TakeOrCreate());
  if (!d.ctx_) return Internal("ZSTD_createDCtx failed (out of memory)");
  return d;
}

// ---- Encoder ---------------------------------------------------------------

namespace {
constexpr size_t kNoneBufferSize = size_t{256} * 1024;
}

Result<Encoder> Encoder::Create(Codec codec, int level, ByteSink* sink) {
  Encoder e(codec, sink);
  if (codec == Codec::kZstd) {
    HD_ASSIGN_OR_RETURN(e.zstd_, ZstdCompressor::Create(level));
    e.buf_.resize(ZSTD_CStreamOutSize());
  } else {
    e.buf_.resize(kNoneBufferSize);
  }
  return e;
}

Status Encoder::Emit(std::string_view stored) {
  if (stored.empty()) return Status::Ok();
  checksum_.Update(stored);
  stored_bytes_ += stored.size();
  return sink_->Write(stored);
}

Status Encoder::Write(std::string_view bytes) {
  raw_bytes_ += bytes.size();
  if (codec_ == Codec::kNone) {
    if (buffered_ + bytes.size() <= buf_.size()) {
      std::memcpy(buf_.data() + buffered_, bytes.data(), bytes.size());
      buffered_ += bytes.size();
      return Status::Ok();
    }
    HD_RETURN_IF_ERROR(Emit({buf_.data(), buffered_}));
    buffered_ = 0;
    if (bytes.size() >= buf_.size()) return Emit(bytes);  // large writes go straight through
    std::memcpy(buf_.data(), bytes.data(), bytes.size());
    buffered_ = bytes.size();
    return Status::Ok();
  }
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
    size_t rc = ZSTD_compressStream2(zstd_.get(), &out, &in, ZSTD_e_continue);
    if (ZSTD_isError(rc))
      return Internal(std::string("zstd compression: ") + ZSTD_getErrorName(rc));
    HD_RETURN_IF_ERROR(Emit({buf_.data(), out.pos}));
  }
  return Status::Ok();
}

Status Encoder::Finish() {
  if (codec_ == Codec::kNone) {
    HD_RETURN_IF_ERROR(Emit({buf_.data(), buffered_}));
    buffered_ = 0;
    return Status::Ok();
  }
  ZSTD_inBuffer in{nullptr, 0, 0};
  size_t remaining;
  do {
    ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
    remaining = ZSTD_compressStream2(zstd_.get(), &out, &in, ZSTD_e_end);
    if (ZSTD_isError(remaining)) {
      return Internal(std::string("zstd compression: ") + ZSTD_getErrorName(remaining));
    }
    HD_RETURN_IF_ERROR(Emit({buf_.data(), out.pos}));
  } while (remaining != 0);
  return Status::Ok();
}

// ---- Decoder ---------------------------------------------------------------

Result<Decoder> Decoder::Create(Codec codec, ByteSource* source) {
  Decoder d(codec, source);
  if (codec == Codec::kZstd) {
    HD_ASSIGN_OR_RETURN(d.zstd_, ZstdDecompressor::Create());
    d.in_.resize(ZSTD_DStreamInSize());
  }
  return d;
}

Status Decoder::Refill() {
  HD_ASSIGN_OR_RETURN(size_t n, source_->Read(in_.data(), in_.size()));
  in_pos_ = 0;
  in_size_ = n;
  if (n == 0) {
    eof_ = true;
  } else {
    checksum_.Update({in_.data(), n});
    stored_bytes_ += n;
  }
  return Status::Ok();
}

Result<size_t> Decoder::Read(char* buf, size_t cap) {
  if (cap == 0) return size_t{0};
  if (codec_ == Codec::kNone) {
    HD_ASSIGN_OR_RETURN(size_t n, source_->Read(buf, cap));
    checksum_.Update({buf, n});
    stored_bytes_ += n;
    return n;
  }
  while (true) {
    if (in_pos_ == in_size_ && !eof_) HD_RETURN_IF_ERROR(Refill());
    ZSTD_inBuffer in{in_.data(), in_size_, in_pos_};
    ZSTD_outBuffer out{buf, cap, 0};
    bool no_input = in.pos == in.size;
    if (no_input && frame_hint_ == 0) return size_t{0};  // clean end between frames
    size_t rc = ZSTD_decompressStream(zstd_.get(), &out, &in);
    if (ZSTD_isError(rc)) {
      return Corrupt(std::string("zstd decompression failed: ") + ZSTD_getErrorName(rc));
    }
    in_pos_ = in.pos;
    frame_hint_ = rc;
    if (out.pos > 0) return out.pos;
    if (no_input && eof_) {
      return Corrupt("the zstd stream ends inside a frame (the file is truncated)");
    }
  }
}

Status Decoder::DrainStored() {
  if (codec_ == Codec::kNone) {
    char buf[64 * 1024];
    while (true) {
      HD_ASSIGN_OR_RETURN(size_t n, Read(buf, sizeof buf));
      if (n == 0) return Status::Ok();
    }
  }
  while (!eof_) HD_RETURN_IF_ERROR(Refill());
  return Status::Ok();
}

}  // namespace hyperdump::format
