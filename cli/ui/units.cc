#include "cli/ui/units.h"

#include <cmath>
#include <cstdio>

namespace hyperdump::ui {

std::string HumanCount(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  int lead = static_cast<int>(digits.size() % 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (static_cast<int>(i) - lead) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string ShortCount(uint64_t n) {
  static const char kSuffix[] = {'k', 'M', 'G', 'T', 'P', 'E'};
  if (n < 1000) return std::to_string(n);
  double v = static_cast<double>(n) / 1000.0;
  int unit = 0;
  while (v >= 999.95 && unit < 5) {
    v /= 1000.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%c", v, kSuffix[unit]);
  return buf;
}

std::string HumanDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms < 0) ms = 0;
  char buf[48];
  if (ms < 60'000) {
    // Tenths of a second, rounded down so "59.99s" never reads "60.0s".
    std::snprintf(buf, sizeof buf, "%lld.%llds", static_cast<long long>(ms / 1000),
                  static_cast<long long>((ms % 1000) / 100));
    return buf;
  }
  int64_t s = ms / 1000;
  if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh %02lldm %02llds", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd %02lldh %02lldm", static_cast<long long>(s / 86400),
                  static_cast<long long>(s / 3600 % 24), static_cast<long long>(s / 60 % 60));
  }
  return buf;
}

std::string HumanRate(double bytes_per_second) {
  if (!(bytes_per_second > 0)) return "-";
  return HumanBytes(static_cast<uint64_t>(std::llround(bytes_per_second))) + "/s";
}

std::optional<std::chrono::seconds> EstimateRemaining(uint64_t done, uint64_t estimate,
                                                      double per_second) {
  if (estimate == 0 || !(per_second > 0)) return std::nullopt;
  if (done >= estimate) return std::chrono::seconds(0);
  double secs = static_cast<double>(estimate - done) / per_second;
  if (secs > 1e9) return std::nullopt;  // nonsense, e.g. a stalled rate
  return std::chrono::seconds(static_cast<int64_t>(std::ceil(secs)));
}

std::string FormatEta(std::optional<std::chrono::seconds> eta) {
  if (!eta) return "--";
  if (*eta < std::chrono::seconds(60)) return std::to_string(eta->count()) + "s";
  return HumanDuration(std::chrono::duration_cast<std::chrono::milliseconds>(*eta));
}

namespace {
bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }
}  // namespace

int DisplayColumns(const std::string& s) {
  int n = 0;
  for (unsigned char c : s) {
    if (!IsContinuation(c)) ++n;
  }
  return n;
}

std::string FitColumns(const std::string& s, int columns) {
  if (columns <= 0) return "";
  if (DisplayColumns(s) <= columns) return s;
  // Keep columns-1 code points, then the ellipsis.
  int kept = 0;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if (!IsContinuation(static_cast<unsigned char>(s[i]))) {
      if (kept == columns - 1) break;
      ++kept;
    }
  }
  return s.substr(0, i) + "\xE2\x80\xA6";  // U+2026
}

}  // namespace hyperdump::ui
