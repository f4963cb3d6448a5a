// Tests for cache/object_target: targets from compiler flags, and the ELF
// relocatable object check.
#include "cache/object_target.h"

#include "gtest/gtest.h"

namespace helperlink {
namespace {

std::string Elf(int elf_class, int byte_order, uint16_t type,
                uint16_t machine) {
  std::string header(elf_class == 2 ? 64 : 52, '\0');
  header.replace(0, 4,
                 "\x7f"
                 "ELF");
  header[4] = static_cast<char>(elf_class);
  header[5] = static_cast<char>(byte_order);
  header[6] = 1;
  int lo = byte_order == 1 ? 0 : 1, hi = 1 - lo;
  header[16 + lo] = static_cast<char>(type & 0xff);
  header[16 + hi] = static_cast<char>(type >> 8);
  header[18 + lo] = static_cast<char>(machine & 0xff);
  header[18 + hi] = static_cast<char>(machine >> 8);
  return header;
}

TEST(ObjectTargetTest, TargetsFromFlags) {
  ObjectTarget x86 =
      TargetOfCompilerFlags({"clang", "--target=x86_64-linux-gnu"});
  EXPECT_EQ(x86.machine, 62);
  EXPECT_EQ(x86.elf_class, 2);
  ObjectTarget arm64 =
      TargetOfCompilerFlags({"clang", "-target", "aarch64-linux-gnu"});
  EXPECT_EQ(arm64.machine, 183);
  EXPECT_EQ(arm64.byte_order, 1);
  ObjectTarget i386 =
      TargetOfCompilerFlags({"clang", "--target=x86_64-linux-gnu", "-m32"});
  EXPECT_EQ(i386.machine, 3);
  EXPECT_EQ(i386.elf_class, 1);
  EXPECT_EQ(
      TargetOfCompilerFlags({"clang", "--target", "riscv64-linux-gnu"}).machine,
      243);
  EXPECT_EQ(
      TargetOfCompilerFlags({"clang", "--target=armv7-linux-gnueabi"}).machine,
      40);
  EXPECT_EQ(
      TargetOfCompilerFlags({"clang", "--target=sparc64-linux-gnu"}).machine,
      0);
#if defined(__x86_64__)
  EXPECT_EQ(TargetOfCompilerFlags({"clang", "-O2"}).machine, 62);
#endif
}

TEST(ObjectTargetTest, OnlyRelocatableObjectsForTheTargetPass) {
  ObjectTarget x86 = TargetOfCompilerFlags({"--target=x86_64-linux-gnu"});
  ObjectTarget arm64 = TargetOfCompilerFlags({"--target=aarch64-linux-gnu"});
  EXPECT_TRUE(CheckRelocatableObject(Elf(2, 1, 1, 62), x86).ok());
  EXPECT_TRUE(CheckRelocatableObject(Elf(2, 1, 1, 183), arm64).ok());
  EXPECT_FALSE(CheckRelocatableObject("", x86).ok());
  EXPECT_FALSE(CheckRelocatableObject("not an object at all", x86).ok());
  EXPECT_FALSE(CheckRelocatableObject(Elf(2, 1, 2, 62), x86).ok());  // ET_EXEC
  EXPECT_FALSE(CheckRelocatableObject(Elf(2, 1, 3, 62), x86).ok());  // ET_DYN
  EXPECT_FALSE(CheckRelocatableObject(Elf(2, 1, 1, 183), x86).ok());
  EXPECT_FALSE(CheckRelocatableObject(Elf(2, 1, 1, 62), arm64).ok());
  EXPECT_FALSE(CheckRelocatableObject(Elf(1, 1, 1, 62), x86).ok());
  EXPECT_FALSE(CheckRelocatableObject(Elf(2, 2, 1, 183), arm64).ok());
  EXPECT_FALSE(
      CheckRelocatableObject(Elf(2, 1, 1, 62).substr(0, 40), x86).ok());
  absl::Status empty = CheckRelocatableObject("", x86);
  EXPECT_NE(empty.message().find("empty"), absl::string_view::npos);
  // An unknown architecture still needs ELF and ET_REL.
  ObjectTarget unknown = TargetOfCompilerFlags({"--target=sparc64-linux-gnu"});
  EXPECT_TRUE(CheckRelocatableObject(Elf(2, 2, 1, 43), unknown).ok());
  EXPECT_FALSE(CheckRelocatableObject(Elf(2, 2, 2, 43), unknown).ok());
}

}  // namespace
}  // namespace helperlink
