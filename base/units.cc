#include "base/units.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace hyperdump {

std::string HumanBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  // Move up a unit before rounding would print "1024.0".
  while (v >= 1023.95 && unit < 5) {
    v /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits "12.5 MiB" into the number ("12.5") and the unit, lower-cased and
// without white space ("mib").
void SplitNumber(std::string_view s, std::string* number, std::string* unit) {
  size_t end = 0;
  while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == '.')) {
    ++end;
  }
  *number = std::string(s.substr(0, end));
  unit->clear();
  for (char c : s.substr(end)) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      *unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
}

}  // namespace

Result<uint64_t> ParseSize(std::string_view text, std::string_view flag) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument(std::string(flag) + ": invalid size '" + std::string(text) +
                           "': " + why + " (examples: 100MB, 2GB, 512kB, 1.5GiB, 4096)");
  };
  std::string number, unit;
  SplitNumber(Trim(text), &number, &unit);
  if (number.empty()) return bad("it does not start with a number");
  if (number.find('.') != number.rfind('.') || number == ".") return bad("malformed number");
  if (!unit.empty() && unit.back() == 'b') unit.pop_back();  // "MB" == "M", "B" == ""
  if (unit.size() == 2 && unit[1] == 'i') unit.pop_back();   // "MiB" == "MB"
  static const std::string_view kPrefixes = "kmgtpe";
  double multiplier = 1;
  if (!unit.empty()) {
    size_t power = unit.size() == 1 ? kPrefixes.find(unit[0]) : std::string_view::npos;
    if (power == std::string_view::npos) return bad("unknown unit (use kB, MB, GB, TB)");
    multiplier = std::ldexp(1.0, 10 * static_cast<int>(power + 1));
  }
  double bytes = std::round(std::strtod(number.c_str(), nullptr) * multiplier);
  // 2^64 is the first double past the largest uint64_t.
  if (bytes >= 18446744073709551616.0) return bad("too large");
  return static_cast<uint64_t>(bytes);
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text, std::string_view flag) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument(std::string(flag) + ": invalid duration '" + std::string(text) +
                           "': " + why + " (examples: 500ms, 10s, 2min)");
  };
  std::string number, unit;
  SplitNumber(Trim(text), &number, &unit);
  if (number.empty() || number.find('.') != std::string::npos) {
    return bad("it does not start with a whole number");
  }
  int64_t per_unit = unit.empty() || unit == "ms" ? 1
                     : unit == "s"                ? 1000
                     : unit == "min"              ? 60'000
                                                  : 0;
  if (per_unit == 0) return bad("unknown unit (use ms, s, min)");
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  if (number.size() > 12) return bad("too long (at most 2147483647 ms)");
  int64_t ms = std::strtoll(number.c_str(), nullptr, 10) * per_unit;
  if (ms <= 0) return bad("it must be positive");
  if (ms > kMax) return bad("too long (at most 2147483647 ms)");
  return std::chrono::milliseconds(ms);
}

}  // namespace hyperdump
