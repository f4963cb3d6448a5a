// ELF relocatable object checks; see object_target.h.
#include "cache/object_target.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace helperlink {
namespace {

constexpr int kClass32 = 1, kClass64 = 2;
constexpr int kLsb = 1, kMsb = 2;
constexpr uint16_t kEtRel = 1;

struct Arch {
  const char* prefix;  // architecture name, or its start when `exact` is false
  bool exact;
  int elf_class, byte_order;
  uint16_t machine;
};

// e_machine values from the ELF gABI and the processor supplements.
constexpr Arch kArchs[] = {
    {"x86_64", true, kClass64, kLsb, 62},
    {"amd64", true, kClass64, kLsb, 62},
    {"i386", true, kClass32, kLsb, 3},
    {"i486", true, kClass32, kLsb, 3},
    {"i586", true, kClass32, kLsb, 3},
    {"i686", true, kClass32, kLsb, 3},
    {"aarch64_be", true, kClass64, kMsb, 183},
    {"aarch64", true, kClass64, kLsb, 183},
    {"arm64", true, kClass64, kLsb, 183},
    {"armeb", false, kClass32, kMsb, 40},
    {"thumbeb", false, kClass32, kMsb, 40},
    {"arm", false, kClass32, kLsb, 40},
    {"thumb", false, kClass32, kLsb, 40},
    {"riscv64", true, kClass64, kLsb, 243},
    {"riscv32", true, kClass32, kLsb, 243},
    {"loongarch64", true, kClass64, kLsb, 258},
    {"powerpc64le", true, kClass64, kLsb, 21},
    {"powerpc64", true, kClass64, kMsb, 21},
    {"powerpc", true, kClass32, kMsb, 20},
    {"s390x", true, kClass64, kMsb, 22},
};

std::string HostTriple() {
#if defined(__x86_64__)
  return "x86_64-linux-gnu";
#elif defined(__aarch64__)
  return "aarch64-linux-gnu";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64-linux-gnu";
#else
  return "";
#endif
}

// An unsigned field of `size` bytes at `at` (the caller has checked that
// it lies inside `bytes`).
uint64_t ReadField(absl::string_view bytes, size_t at, size_t size,
                   int byte_order) {
  uint64_t value = 0;
  for (size_t i = 0; i < size; ++i) {
    size_t index = byte_order == kMsb ? at + i : at + size - 1 - i;
    value = value << 8 | static_cast<uint8_t>(bytes[index]);
  }
  return value;
}

uint16_t Read16(absl::string_view bytes, size_t at, int byte_order) {
  return static_cast<uint16_t>(ReadField(bytes, at, 2, byte_order));
}

constexpr uint32_t kShtNull = 0, kShtStrtab = 3, kShtNobits = 8;
constexpr uint16_t kShnXindex = 0xffff;

// Where the fields this check reads are in the ELF header and in a
// section header, for one ELF class.
struct ElfLayout {
  size_t shoff_at, shoff_size;                 // e_shoff
  size_t shentsize_at, shnum_at, shstrndx_at;  // 2-byte fields
  size_t section_header_size;                  // what e_shentsize must be
  size_t sh_type_at;                           // 4 bytes
  size_t sh_offset_at, sh_size_at, word_size;  // sh_offset, sh_size
  size_t sh_link_at;                           // 4 bytes
};
constexpr ElfLayout kElf64 = {0x28, 8, 0x3a, 0x3c, 0x3e, 64, 4, 24, 32, 8, 40};
constexpr ElfLayout kElf32 = {0x20, 4, 0x2e, 0x30, 0x32, 40, 4, 16, 20, 4, 24};

// Whether [offset, offset + size) lies inside a file of `file_size` bytes.
bool Inside(uint64_t offset, uint64_t size, uint64_t file_size) {
  return offset <= file_size && size <= file_size - offset;
}

// The section header table and every section with contents lie inside the
// object, and e_shstrndx names a string table: what a cut-off or patched
// object gets wrong. "" when they do, else what is wrong.
std::string StructureProblem(absl::string_view object, int elf_class,
                             int byte_order) {
  const ElfLayout& at = elf_class == kClass64 ? kElf64 : kElf32;
  auto field = [&](size_t offset, size_t size) {
    return ReadField(object, offset, size, byte_order);
  };
  const uint64_t file_size = object.size();
  uint64_t shoff = field(at.shoff_at, at.shoff_size);
  uint64_t shentsize = field(at.shentsize_at, 2);
  uint64_t shnum = field(at.shnum_at, 2);
  uint64_t shstrndx = field(at.shstrndx_at, 2);
  if (shoff == 0) return "it has no section header table";
  if (shentsize != at.section_header_size) {
    return absl::StrCat("e_shentsize is ", shentsize, ", want ",
                        at.section_header_size);
  }
  const uint64_t entry = at.section_header_size;
  if (!Inside(shoff, entry, file_size)) {
    return absl::StrCat("the section header table at offset ", shoff,
                        " is past the end of the ", file_size,
                        "-byte file (truncated?)");
  }
  // More than 0xff00 sections: the counts are in section 0's header.
  if (shnum == 0) shnum = field(shoff + at.sh_size_at, at.word_size);
  if (shstrndx == kShnXindex) shstrndx = field(shoff + at.sh_link_at, 4);
  if (shnum == 0 || shnum > file_size / entry ||
      !Inside(shoff, shnum * entry, file_size)) {
    return absl::StrCat(
        "the section header table (", shnum, " entries at offset ", shoff,
        ") runs past the end of the ", file_size, "-byte file (truncated?)");
  }
  if (shstrndx >= shnum) {
    return absl::StrCat("e_shstrndx ", shstrndx, " is not one of its ", shnum,
                        " sections");
  }
  for (uint64_t i = 1; i < shnum; ++i) {
    uint64_t header = shoff + i * entry;
    uint64_t type = field(header + at.sh_type_at, 4);
    if (i == shstrndx && type != kShtStrtab) {
      return absl::StrCat("section ", i, " (e_shstrndx) is not a string table");
    }
    if (type == kShtNull || type == kShtNobits) continue;
    uint64_t offset = field(header + at.sh_offset_at, at.word_size);
    uint64_t size = field(header + at.sh_size_at, at.word_size);
    if (!Inside(offset, size, file_size)) {
      return absl::StrCat("section ", i, " (", size, " bytes at offset ",
                          offset, ") runs past the end of the ", file_size,
                          "-byte file (truncated?)");
    }
  }
  return "";
}

}  // namespace

ObjectTarget TargetOfCompilerFlags(const std::vector<std::string>& flags) {
  ObjectTarget target;
  target.triple = HostTriple();
  enum class Width { kAsNamed, k32, k64, kX32 } width = Width::kAsNamed;
  int endian = 0;
  for (size_t i = 0; i < flags.size(); ++i) {
    const std::string& flag = flags[i];
    if (absl::StartsWith(flag, "--target=")) {
      target.triple = flag.substr(9);
    } else if ((flag == "-target" || flag == "--target") &&
               i + 1 < flags.size()) {
      target.triple = flags[++i];
    } else if (flag == "-m32") {
      width = Width::k32;
    } else if (flag == "-m64") {
      width = Width::k64;
    } else if (flag == "-mx32") {
      width = Width::kX32;
    } else if (flag == "-mbig-endian") {
      endian = kMsb;
    } else if (flag == "-mlittle-endian") {
      endian = kLsb;
    }
  }
  std::string arch = target.triple.substr(0, target.triple.find('-'));
  for (const Arch& known : kArchs) {
    if (known.exact ? arch == known.prefix
                    : absl::StartsWith(arch, known.prefix)) {
      target.elf_class = known.elf_class;
      target.byte_order = known.byte_order;
      target.machine = known.machine;
      break;
    }
  }
  bool x86 = target.machine == 62 || target.machine == 3;
  if (x86 && width == Width::k32) {
    target.elf_class = kClass32;
    target.machine = 3;
  } else if (x86 && width == Width::k64) {
    target.elf_class = kClass64;
    target.machine = 62;
  } else if (x86 && width == Width::kX32) {
    target.elf_class = kClass32;
    target.machine = 62;
  } else if (target.machine != 0 && width == Width::k32) {
    target.elf_class = kClass32;
  } else if (target.machine != 0 && width == Width::k64) {
    target.elf_class = kClass64;
  }
  if (target.machine != 0 && endian != 0) target.byte_order = endian;
  return target;
}

absl::Status CheckRelocatableObject(absl::string_view object,
                                    const ObjectTarget& target) {
  auto bad = [&](absl::string_view why) {
    return absl::DataLossError(absl::StrCat(
        "not an object for ",
        target.triple.empty() ? "this target" : target.triple, ": ", why));
  };
  if (object.empty()) return bad("it is empty");
  if (object.size() < 16 || !absl::StartsWith(object,
                                              "\x7f"
                                              "ELF")) {
    return bad("no ELF magic");
  }
  int elf_class = static_cast<uint8_t>(object[4]);
  int byte_order = static_cast<uint8_t>(object[5]);
  if ((elf_class != kClass32 && elf_class != kClass64) ||
      (byte_order != kLsb && byte_order != kMsb)) {
    return bad("bad ELF identification");
  }
  size_t header_bytes = elf_class == kClass64 ? 64 : 52;
  if (object.size() < header_bytes) return bad("truncated ELF header");
  if (Read16(object, 16, byte_order) != kEtRel) {
    return bad("not a relocatable object (e_type is not ET_REL)");
  }
  std::string structure = StructureProblem(object, elf_class, byte_order);
  if (!structure.empty()) return bad(structure);
  if (target.machine == 0) return absl::OkStatus();
  if (elf_class != target.elf_class || byte_order != target.byte_order) {
    return bad(absl::StrCat("ELF class ", elf_class, " byte order ", byte_order,
                            ", want ", target.elf_class, " ",
                            target.byte_order));
  }
  uint16_t machine = Read16(object, 18, byte_order);
  if (machine != target.machine) {
    return bad(absl::StrCat("e_machine ", machine, ", want ", target.machine));
  }
  return absl::OkStatus();
}

}  // namespace helperlink
