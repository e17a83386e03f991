#include "format/checksum.h"

#include <xxhash.h>

#include <cstdio>

namespace hyperdump::format {

// XXH64_state_t is opaque without XXH_STATIC_LINKING_ONLY; wrap the pointer.
struct Checksum::State {
  XXH64_state_t* xxh;
};

void Checksum::Free::operator()(State* s) const {
  XXH64_freeState(s->xxh);
  delete s;
}

Checksum::Checksum() : state_(new State{XXH64_createState()}) {
  if (state_->xxh == nullptr) throw std::bad_alloc();
  XXH64_reset(state_->xxh, 0);
}

void Checksum::Update(std::string_view bytes) {
  XXH64_update(state_->xxh, bytes.data(), bytes.size());
}

uint64_t Checksum::Digest() const { return XXH64_digest(state_->xxh); }

uint64_t ChecksumOf(std::string_view bytes) { return XXH64(bytes.data(), bytes.size(), 0); }

std::string ChecksumToHex(uint64_t value) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

std::optional<uint64_t> ChecksumFromHex(std::string_view hex) {
  if (hex.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : hex) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

}  // namespace hyperdump::format
