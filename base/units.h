// Byte sizes and durations, for people: the one formatter and the one parser
// every module and every flag uses, so that a size reads and is written the
// same way everywhere.
//
// The convention is IEC: powers of 1024, named KiB, MiB, GiB, TiB. On input
// PostgreSQL's spelling (kB, MB, GB: also powers of 1024, as in
// postgresql.conf) and the IEC one (KiB, MiB) are both accepted, in any case.
// Pure functions; thread-safe.
#ifndef HYPERDUMP_BASE_UNITS_H_
#define HYPERDUMP_BASE_UNITS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hyperdump {

// 0 B, 512 B, 1.0 KiB, 12.3 MiB, 1.5 GiB, 2.0 TiB (one decimal; moves up a
// unit rather than print "1024.0 KiB").
std::string HumanBytes(uint64_t bytes);

// A size as a user writes it: "4096", "7B", "512kB", "100MB", "1.5G",
// "10 MiB", "2TB" (case-insensitive; fractions allowed; the B optional).
// "0" is 0: callers that need at least one byte say so. The error names
// `flag` and gives examples.
Result<uint64_t> ParseSize(std::string_view text, std::string_view flag);

// A duration as a user writes it: "500ms", "10s", "2min", or a bare whole
// number of milliseconds (as PostgreSQL's lock_timeout). Positive and at most
// 2^31-1 ms (what PostgreSQL's timeouts take). The error names `flag` and
// gives examples.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text, std::string_view flag);

}  // namespace hyperdump

#endif  // HYPERDUMP_BASE_UNITS_H_
