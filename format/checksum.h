// The archive's checksum: XXH64 (seed 0) over each file's bytes as stored on
// disk.
//
// Chosen by measurement against XXH3-64 and CRC32C (docs/benchmarks.md): with
// Debian's libxxhash it was the fastest of the three on large buffers, and all
// are far faster than any codec, so checksumming never limits a dump or a
// restore. The value is written as 16 lowercase hex digits, the same as
// `xxhsum -H1` prints (docs/format.md).
#ifndef HYPERDUMP_FORMAT_CHECKSUM_H_
#define HYPERDUMP_FORMAT_CHECKSUM_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hyperdump::format {

inline constexpr const char* kChecksumAlgorithm = "xxh64";

// Streaming XXH64 (seed 0). Move-only owner of its hashing state.
class Checksum {
 public:
  Checksum();
  void Update(std::string_view bytes);
  uint64_t Digest() const;

 private:
  struct State;
  struct Free {
    void operator()(State* s) const;
  };
  std::unique_ptr<State, Free> state_;
};

// One-shot XXH64 of `bytes`.
uint64_t ChecksumOf(std::string_view bytes);

// 16 lowercase hex digits, and back (nullopt unless exactly that shape).
std::string ChecksumToHex(uint64_t value);
std::optional<uint64_t> ChecksumFromHex(std::string_view hex);

}  // namespace hyperdump::format

#endif  // HYPERDUMP_FORMAT_CHECKSUM_H_
