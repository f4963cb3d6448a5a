// What the caches accept as an object in tests: an x86_64 ELF relocatable
// object header (ELFCLASS64, little-endian, ET_REL, EM_X86_64) followed by
// `payload`. Header-only; cache/object_target.h has the check it passes.
#ifndef HELPERLINK_TESTS_UTIL_TEST_OBJECT_H_
#define HELPERLINK_TESTS_UTIL_TEST_OBJECT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace helperlink {

inline std::string X86RelocatableObject(absl::string_view payload) {
  std::string header(64, '\0');
  header.replace(0, 4,
                 "\x7f"
                 "ELF");
  header[4] = 2;    // ELFCLASS64
  header[5] = 1;    // little-endian
  header[6] = 1;    // EV_CURRENT
  header[16] = 1;   // ET_REL
  header[18] = 62;  // EM_X86_64
  return header + std::string(payload);
}

}  // namespace helperlink

#endif  // HELPERLINK_TESTS_UTIL_TEST_OBJECT_H_
