#include "cli/argv_scrub.h"

#include <cstring>
#include <regex>

namespace hyperdump::cli {

int MaskPasswords(std::string& arg) {
  static const std::regex kUri(R"(^[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:([^@\s]*)@)");
  static const std::regex kKey(
      R"((?:^|[\s?&])[A-Za-z_]*password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&]+))", std::regex::icase);
  int masked = 0;
  for (const std::regex* re : {&kUri, &kKey}) {
    std::string copy = arg;  // positions from the unmasked text
    for (auto it = std::sregex_iterator(copy.begin(), copy.end(), *re);
         it != std::sregex_iterator(); ++it) {
      const std::smatch& m = *it;
      if (m.length(1) == 0) continue;
      arg.replace(static_cast<size_t>(m.position(1)), static_cast<size_t>(m.length(1)),
                  static_cast<size_t>(m.length(1)), '*');
      ++masked;
    }
  }
  return masked;
}

std::vector<std::string> ScrubArgv(int argc, char** argv) {
  std::vector<std::string> out(argv, argv + argc);
  for (int i = 1; i < argc; ++i) {
    std::string masked = out[i];
    if (MaskPasswords(masked) > 0) std::memcpy(argv[i], masked.data(), masked.size());
  }
  return out;
}

}  // namespace hyperdump::cli
