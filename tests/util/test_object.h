// What the caches accept as an object in tests: a whole ELF relocatable
// object (ET_REL) with `payload` as the contents of its one .text section,
// a .shstrtab and the section header table. X86RelocatableObject is the
// x86_64 one (ELFCLASS64, little-endian, EM_X86_64). Header-only;
// cache/object_target.h has the check it passes.
#ifndef HELPERLINK_TESTS_UTIL_TEST_OBJECT_H_
#define HELPERLINK_TESTS_UTIL_TEST_OBJECT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace helperlink {

// `elf_class` 1 (32-bit) or 2 (64-bit), `byte_order` 1 (LSB) or 2 (MSB),
// `type` e_type (1 = ET_REL), `machine` e_machine.
inline std::string ElfObject(int elf_class, int byte_order, uint16_t type,
                             uint16_t machine, absl::string_view payload) {
  const bool is64 = elf_class == 2;
  const size_t header_size = is64 ? 64 : 52;
  const size_t entry_size = is64 ? 64 : 40;
  auto put = [byte_order](std::string& bytes, size_t at, uint64_t value,
                          size_t size) {
    for (size_t i = 0; i < size; ++i) {
      size_t index = byte_order == 2 ? at + size - 1 - i : at + i;
      bytes[index] = static_cast<char>((value >> (8 * i)) & 0xff);
    }
  };
  const std::string names("\0.text\0.shstrtab\0", 17);
  std::string object(header_size, '\0');
  object.replace(0, 4,
                 "\x7f"
                 "ELF");
  object[4] = static_cast<char>(elf_class);
  object[5] = static_cast<char>(byte_order);
  object[6] = 1;  // EV_CURRENT
  put(object, 16, type, 2);
  put(object, 18, machine, 2);
  put(object, 20, 1, 4);  // e_version
  const size_t text_offset = object.size();
  object += std::string(payload);
  const size_t names_offset = object.size();
  object += names;
  object.resize((object.size() + 7) / 8 * 8, '\0');
  const size_t shoff = object.size();
  const size_t word = is64 ? 8 : 4;
  put(object, is64 ? 0x28 : 0x20, shoff, word);     // e_shoff
  put(object, is64 ? 0x34 : 0x28, header_size, 2);  // e_ehsize
  put(object, is64 ? 0x3a : 0x2e, entry_size, 2);   // e_shentsize
  put(object, is64 ? 0x3c : 0x30, 3, 2);            // e_shnum
  put(object, is64 ? 0x3e : 0x32, 2, 2);            // e_shstrndx
  std::string sections(3 * entry_size, '\0');       // [0]: null
  const size_t offset_at = is64 ? 24 : 16, size_at = is64 ? 32 : 20;
  put(sections, entry_size + 0, 1, 4);     // ".text"
  put(sections, entry_size + 4, 1, 4);     // SHT_PROGBITS
  put(sections, entry_size + 8, 6, word);  // AX
  put(sections, entry_size + offset_at, text_offset, word);
  put(sections, entry_size + size_at, payload.size(), word);
  put(sections, 2 * entry_size + 0, 7, 4);  // ".shstrtab"
  put(sections, 2 * entry_size + 4, 3, 4);  // SHT_STRTAB
  put(sections, 2 * entry_size + offset_at, names_offset, word);
  put(sections, 2 * entry_size + size_at, names.size(), word);
  return object + sections;
}

inline std::string X86RelocatableObject(absl::string_view payload) {
  return ElfObject(/*elf_class=*/2, /*byte_order=*/1, /*ET_REL*/ 1,
                   /*EM_X86_64*/ 62, payload);
}

}  // namespace helperlink

#endif  // HELPERLINK_TESTS_UTIL_TEST_OBJECT_H_
