// Pure text formatting shared by the progress display, the summary and the
// report: counts, durations, rates (sizes: HumanBytes, base/units.h). No clock, no I/O, so tests
// check exact strings.
#ifndef HYPERDUMP_CLI_UI_UNITS_H_
#define HYPERDUMP_CLI_UI_UNITS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "base/units.h"

namespace hyperdump::ui {

// 1,234,567 (thousands separators).
std::string HumanCount(uint64_t n);

// 999, 12.3k, 1.2M, 3.4G: for narrow progress columns.
std::string ShortCount(uint64_t n);

// 0.4s, 12.3s, 2m 05s, 1h 02m 03s, 3d 04h 05m.
std::string HumanDuration(std::chrono::milliseconds d);

// 85.2 MiB/s; "-" when the rate is not known yet (<= 0).
std::string HumanRate(double bytes_per_second);

// Time left to move `remaining` units at `per_second`; nullopt when it cannot
// be known (no rate yet, or nothing to estimate against).
std::optional<std::chrono::seconds> EstimateRemaining(uint64_t done, uint64_t estimate,
                                                      double per_second);

// "3m 32s" or "--" when unknown; whole seconds.
std::string FormatEta(std::optional<std::chrono::seconds> eta);

// Cuts `s` to at most `columns` display columns (UTF-8 aware: never splits a
// code point), ending with "…" when something was cut.
std::string FitColumns(const std::string& s, int columns);

// Display columns of a UTF-8 string (one per code point; good enough for
// object names and our own text).
int DisplayColumns(const std::string& s);

}  // namespace hyperdump::ui

#endif  // HYPERDUMP_CLI_UI_UNITS_H_
