// What a helperlink object must look like: an ELF relocatable object
// (ET_REL) for the target the compiler flags name. The remote cache checks
// every object it downloads against this, so a writer cannot make a build
// emit an empty file, a non-object, a cut-off object or another machine's
// object.
//
// The target is the compiler's --target / -target triple (the host's when
// none is given, as clang does), with -m32 / -m64 / -mx32 and
// -mbig-endian / -mlittle-endian applied. Its architecture gives the
// ELF class, byte order and e_machine; an architecture not listed here
// still gets the ELF magic and ET_REL checks.
#ifndef HELPERLINK_CACHE_OBJECT_TARGET_H_
#define HELPERLINK_CACHE_OBJECT_TARGET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace helperlink {

struct ObjectTarget {
  std::string triple;  // as named (or the host's), for messages
  // 0 = not known: not checked.
  int elf_class = 0;     // 1 = ELFCLASS32, 2 = ELFCLASS64
  int byte_order = 0;    // 1 = ELFDATA2LSB, 2 = ELFDATA2MSB
  uint16_t machine = 0;  // e_machine
};

// The target of a C compiler command (argv[0] and flags, or flags alone).
ObjectTarget TargetOfCompilerFlags(const std::vector<std::string>& flags);

// OK if `object` is a whole ELF relocatable object for `target`: its
// header, and a section header table and sections (all but SHT_NOBITS)
// that lie inside it, with e_shstrndx naming a string table. Else
// DATA_LOSS saying what is wrong (a cut-off object says where it ends).
// Cheap: reads the headers only.
absl::Status CheckRelocatableObject(absl::string_view object,
                                    const ObjectTarget& target);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_OBJECT_TARGET_H_
