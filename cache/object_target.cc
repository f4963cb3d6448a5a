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

uint16_t Read16(absl::string_view bytes, size_t at, int byte_order) {
  auto b0 = static_cast<uint8_t>(bytes[at]);
  auto b1 = static_cast<uint8_t>(bytes[at + 1]);
  return byte_order == kMsb ? static_cast<uint16_t>(b0 << 8 | b1)
                            : static_cast<uint16_t>(b1 << 8 | b0);
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
