// Helpers shared by the format unit tests (not part of the library).
#ifndef HYPERDUMP_FORMAT_TEST_UTIL_H_
#define HYPERDUMP_FORMAT_TEST_UTIL_H_

#include <sys/stat.h>

#include <boost/filesystem.hpp>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace hyperdump::format::testing {

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/hd_format_XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() {
    boost::system::error_code ec;
    boost::filesystem::permissions(path_, boost::filesystem::owner_all, ec);
    boost::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline int ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

// COPY-text-like rows: "id\ttimestamp\tdevice\tvalue\n", deterministic.
inline std::string CopyRows(uint64_t rows, uint64_t seed = 1) {
  std::string out;
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  char line[128];
  for (uint64_t i = 0; i < rows; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    int n = std::snprintf(
        line, sizeof line, "%llu\t2026-01-%02llu %02llu:%02llu:%02llu+00\tdev-%llu\t%llu.%03llu\n",
        static_cast<unsigned long long>(i), static_cast<unsigned long long>(1 + (i / 86400) % 28),
        static_cast<unsigned long long>((i / 3600) % 24),
        static_cast<unsigned long long>((i / 60) % 60), static_cast<unsigned long long>(i % 60),
        static_cast<unsigned long long>(x % 500), static_cast<unsigned long long>(x % 1000),
        static_cast<unsigned long long>((x >> 20) % 1000));
    out.append(line, static_cast<size_t>(n));
  }
  return out;
}

// Incompressible bytes, deterministic.
inline std::string RandomBytes(size_t n, uint64_t seed = 7) {
  std::string out(n, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<char>(x >> 56);
  }
  return out;
}

}  // namespace hyperdump::format::testing

#endif  // HYPERDUMP_FORMAT_TEST_UTIL_H_
