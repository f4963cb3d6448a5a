// Tests for cache/object_target: targets from compiler flags, and the ELF
// relocatable object check, on built objects and on real clang-22 objects
// (whole, and cut off anywhere).
#include "cache/object_target.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/status_matchers.h"
#include "tests/util/temp_dir.h"
#include "tests/util/test_object.h"

namespace helperlink {
namespace {

std::string Elf(int elf_class, int byte_order, uint16_t type,
                uint16_t machine) {
  return ElfObject(elf_class, byte_order, type, machine, "code");
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

// Writes `value` (little-endian) over `size` bytes at `at`.
void Patch(std::string& object, size_t at, uint64_t value, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    object[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
}

constexpr auto kDataLoss = absl::StatusCode::kDataLoss;
using ::helperlink::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;

TEST(ObjectStructureTest, EveryClassAndByteOrderPasses) {
  ObjectTarget i386 = TargetOfCompilerFlags({"--target=i386-linux-gnu"});
  ObjectTarget s390x = TargetOfCompilerFlags({"--target=s390x-linux-gnu"});
  ObjectTarget ppc = TargetOfCompilerFlags({"--target=powerpc-linux-gnu"});
  EXPECT_TRUE(CheckRelocatableObject(ElfObject(1, 1, 1, 3, "x"), i386).ok());
  EXPECT_TRUE(CheckRelocatableObject(ElfObject(2, 2, 1, 22, "x"), s390x).ok());
  EXPECT_TRUE(CheckRelocatableObject(ElfObject(1, 2, 1, 20, "x"), ppc).ok());
  EXPECT_TRUE(CheckRelocatableObject(X86RelocatableObject(""), {}).ok());
}

// The x86_64 object X86RelocatableObject("code") builds: the header, 4
// bytes of .text at 64, .shstrtab (17 bytes) at 68, 3 section headers at 88.
TEST(ObjectStructureTest, HeadersThatPointOutsideTheObjectAreRefused) {
  const std::string good = X86RelocatableObject("code");
  ASSERT_EQ(good.size(), 88u + 3 * 64);
  ASSERT_TRUE(CheckRelocatableObject(good, {}).ok());
  const std::string prefix = "not an object for this target: ";
  std::string object = good;
  Patch(object, 0x28, 0, 8);  // e_shoff
  EXPECT_THAT(
      CheckRelocatableObject(object, {}),
      StatusIs(kDataLoss, Eq(prefix + "it has no section header table")));
  object = good;
  Patch(object, 0x3a, 40, 2);  // e_shentsize
  EXPECT_THAT(CheckRelocatableObject(object, {}),
              StatusIs(kDataLoss, Eq(prefix + "e_shentsize is 40, want 64")));
  object = good;
  Patch(object, 0x28, 1000, 8);
  EXPECT_THAT(
      CheckRelocatableObject(object, {}),
      StatusIs(kDataLoss, Eq(prefix + "the section header table at offset 1000 "
                                      "is past the end of the 280-byte file "
                                      "(truncated?)")));
  object = good;
  Patch(object, 0x3c, 4, 2);  // e_shnum
  EXPECT_THAT(
      CheckRelocatableObject(object, {}),
      StatusIs(kDataLoss, Eq(prefix + "the section header table (4 entries at "
                                      "offset 88) runs past the end of the "
                                      "280-byte file (truncated?)")));
  object = good;
  Patch(object, 0x3e, 3, 2);  // e_shstrndx
  EXPECT_THAT(
      CheckRelocatableObject(object, {}),
      StatusIs(kDataLoss, Eq(prefix + "e_shstrndx 3 is not one of its 3 "
                                      "sections")));
  object = good;
  Patch(object, 0x3e, 1, 2);  // .text
  EXPECT_THAT(CheckRelocatableObject(object, {}),
              StatusIs(kDataLoss, Eq(prefix + "section 1 (e_shstrndx) is not "
                                              "a string table")));
  object = good;
  Patch(object, 88 + 64 + 32, 1000, 8);  // .text's sh_size
  EXPECT_THAT(CheckRelocatableObject(object, {}),
              StatusIs(kDataLoss,
                       Eq(prefix + "section 1 (1000 bytes at offset 64) runs "
                                   "past the end of the 280-byte file "
                                   "(truncated?)")));
  // An offset so large that offset + size wraps around is outside too.
  Patch(object, 88 + 64 + 24, ~uint64_t{0} - 10, 8);
  Patch(object, 88 + 64 + 32, 100, 8);
  EXPECT_THAT(CheckRelocatableObject(object, {}), StatusIs(kDataLoss));
  // SHT_NOBITS (.bss) occupies no bytes of the file.
  Patch(object, 88 + 64 + 4, 8, 4);
  EXPECT_TRUE(CheckRelocatableObject(object, {}).ok());
  // Extended numbering: e_shnum 0, the count in section 0's sh_size.
  object = good;
  Patch(object, 0x3c, 0, 2);
  Patch(object, 88 + 32, 3, 8);
  EXPECT_TRUE(CheckRelocatableObject(object, {}).ok());
  Patch(object, 88 + 32, 5, 8);
  EXPECT_THAT(CheckRelocatableObject(object, {}),
              StatusIs(kDataLoss, HasSubstr("(5 entries at offset 88)")));
}

// Real objects from clang-22: the fixtures' helpers (x86_64 with a section
// per function, and i386) and a small file for big-endian s390x. Whole, each
// passes; cut off anywhere, each is refused.
class ClangObjectTest : public ::testing::Test {
 protected:
  std::string Compile(const std::string& source, const std::string& flags) {
    std::string out = temp_.Path(absl::StrCat("object", ++objects_, ".o"));
    std::string command = absl::StrCat("clang-22 -O2 -w -c ", flags, " '",
                                       source, "' -o '", out, "'");
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    std::ifstream in(out, std::ios::binary);
    EXPECT_TRUE(in.good()) << out;
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  }
  testing::TempDir temp_{"objects"};
  int objects_ = 0;
};

TEST_F(ClangObjectTest, WholeObjectsPassCutOffOnesAreRefused) {
  const std::string helpers = HL_FIXTURE_DIR "/helpers/helpers.c";
  std::string small = temp_.Path("small.c");
  std::ofstream(small) << "int counter;\n"
                          "static const char name[] = \"helper\";\n"
                          "int add(int a, int b) { return a + b; }\n"
                          "const char *who(void) { return name; }\n";
  struct Case {
    std::string source;
    std::vector<std::string> flags;
  };
  for (const Case& c :
       {Case{helpers, {"--target=x86_64-linux-gnu", "-ffunction-sections"}},
        Case{helpers, {"--target=x86_64-linux-gnu", "-m32"}},
        Case{small, {"--target=s390x-linux-gnu"}}}) {
    std::string flags = absl::StrJoin(c.flags, " ");
    std::string object = Compile(c.source, flags);
    ASSERT_GT(object.size(), 64u) << flags;
    ObjectTarget target = TargetOfCompilerFlags(c.flags);
    EXPECT_TRUE(CheckRelocatableObject(object, target).ok())
        << flags << ": " << CheckRelocatableObject(object, target);
    // Every cut from the end of the ELF header on: all refused, as
    // DATA_LOSS naming the size the object was cut to.
    size_t step = std::max<size_t>(1, object.size() / 97);
    for (size_t size = object.size() - 1; size >= 64; size -= step) {
      absl::Status status =
          CheckRelocatableObject(object.substr(0, size), target);
      EXPECT_THAT(status, StatusIs(kDataLoss, HasSubstr(absl::StrCat(
                                                  "past the end of the ", size,
                                                  "-byte file (truncated?)"))))
          << flags << " cut to " << size;
      if (size < 64 + step) break;
    }
  }
}

}  // namespace
}  // namespace helperlink
