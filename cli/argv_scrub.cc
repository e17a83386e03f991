#include "cli/argv_scrub.h"

#include <cstring>

#include "base/redact.h"

namespace hyperdump::cli {

int MaskPasswords(std::string& arg) {
  int masked = 0;
  for (const SecretSpan& s : FindSecrets(arg)) {
    if (s.value_end == s.value_begin) continue;
    arg.replace(s.value_begin, s.value_end - s.value_begin, s.value_end - s.value_begin, '*');
    ++masked;
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
