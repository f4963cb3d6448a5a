// Tests for client/compiler_probe: reading `--version` output, the refusal
// line, the probe cache file, and the whole check on real compilers
// (clang-22, clang-14 and gcc as installed by scripts/install-deps).
#include "invocation/compiler_probe.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "invocation/atomic_file.h"

namespace helperlink {
namespace {

TEST(ParseCompilerVersion, Clang) {
  CompilerFacts f = ParseCompilerVersion(
      "Debian clang version 22.1.8 (1~deb12u1)\nTarget: x86_64-pc-linux-gnu\n");
  EXPECT_EQ(f.kind, CompilerKind::kClang);
  EXPECT_EQ(f.major, 22);
  EXPECT_EQ(f.version_line, "Debian clang version 22.1.8 (1~deb12u1)");
  f = ParseCompilerVersion("clang version 14.0.6\n");
  EXPECT_EQ(f.kind, CompilerKind::kClang);
  EXPECT_EQ(f.major, 14);
}

TEST(ParseCompilerVersion, Gcc) {
  CompilerFacts f = ParseCompilerVersion(
      "gcc (Debian 12.2.0-14+deb12u1) 12.2.0\n"
      "Copyright (C) 2022 Free Software Foundation, Inc.\n");
  EXPECT_EQ(f.kind, CompilerKind::kGcc);
  EXPECT_EQ(f.major, 12);
}

TEST(ParseCompilerVersion, Other) {
  CompilerFacts f = ParseCompilerVersion("mycc 1.0\n");
  EXPECT_EQ(f.kind, CompilerKind::kOther);
  EXPECT_EQ(f.version_line, "mycc 1.0");
  EXPECT_EQ(ParseCompilerVersion("").kind, CompilerKind::kOther);
}

TEST(CheckCompilerFacts, OnlyTheEnginesClang) {
  int major = EngineLlvmMajor();
  EXPECT_EQ(major, 22);  // CMakeLists.txt requires LLVM 22
  EXPECT_TRUE(CheckCompilerFacts({CompilerKind::kClang, major, "x"}).ok());
  absl::Status gcc = CheckCompilerFacts({CompilerKind::kGcc, 12, "gcc"});
  EXPECT_TRUE(absl::IsFailedPrecondition(gcc));
  EXPECT_EQ(gcc.message(),
            "CC is gcc 12: helperlink links with LLVM 22 and can stand in "
            "only for clang-22");
  EXPECT_EQ(CheckCompilerFacts({CompilerKind::kClang, 14, "x"}).message(),
            "CC is clang 14: helperlink links with LLVM 22 and can stand in "
            "only for clang-22");
  EXPECT_EQ(CheckCompilerFacts({CompilerKind::kOther, 0, "mycc 1.0"}).message(),
            "CC is not clang (its --version says 'mycc 1.0'): helperlink "
            "links with LLVM 22 and can stand in only for clang-22");
}

TEST(ProbeCache, RoundTripAndVersioning) {
  ProbeRecord a{{"/usr/bin/clang-22", "/usr/lib/llvm-22/bin/clang", 1234, 5678},
                {CompilerKind::kClang, 22, "Debian clang version 22.1.8"}};
  ProbeRecord b{{"/usr/bin/gcc", "/usr/bin/x86_64-linux-gnu-gcc-12", 9, 10},
                {CompilerKind::kGcc, 12, "gcc (Debian) 12.2.0"}};
  std::string text = EncodeProbeCache({a, b});
  std::vector<ProbeRecord> back = DecodeProbeCache(text);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].identity.invoked, a.identity.invoked);
  EXPECT_EQ(back[0].identity.real, a.identity.real);
  EXPECT_EQ(back[0].identity.size, 1234);
  EXPECT_EQ(back[0].identity.mtime_ns, 5678);
  EXPECT_EQ(back[0].facts.kind, CompilerKind::kClang);
  EXPECT_EQ(back[1].facts.major, 12);
  // Another format version, or garbage lines, read as nothing.
  std::string other = text;
  other.replace(other.find(" 1\n"), 3, " 2\n");
  EXPECT_TRUE(DecodeProbeCache(other).empty());
  EXPECT_EQ(DecodeProbeCache(text + "junk\tline\n").size(), 2u);
  EXPECT_TRUE(DecodeProbeCache("").empty());
}

TEST(IdentifyCompiler, ResolvesPathAndSymlinks) {
  auto id = IdentifyCompiler("clang-22", "/nonexistent:/usr/bin");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->invoked, "/usr/bin/clang-22");
  EXPECT_NE(id->real, id->invoked);  // Debian's clang-22 is a symlink
  EXPECT_GT(id->size, 0);
  auto missing = IdentifyCompiler("no-such-cc", "/usr/bin");
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_EQ(missing.status().message(), "CC 'no-such-cc' is not found in PATH");
}

class CheckCompilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/helperlink-probe-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::string command = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  std::string dir_;
};

TEST_F(CheckCompilerTest, RealCompilers) {
  EXPECT_TRUE(CheckCompiler("clang-22", dir_).ok());
  EXPECT_TRUE(CheckCompiler("/usr/bin/clang-22", dir_).ok());
  absl::Status clang14 = CheckCompiler("clang-14", dir_);
  EXPECT_EQ(clang14.message(),
            "CC is clang 14: helperlink links with LLVM 22 and can stand in "
            "only for clang-22");
  absl::Status gcc = CheckCompiler("gcc", dir_);
  EXPECT_EQ(gcc.message(),
            "CC is gcc 12: helperlink links with LLVM 22 and can stand in "
            "only for clang-22");
  absl::Status missing = CheckCompiler("no-such-cc", dir_);
  EXPECT_TRUE(absl::IsFailedPrecondition(missing));
  EXPECT_EQ(missing.message(),
            "CC 'no-such-cc' is not found in PATH: helperlink links with LLVM "
            "22 and can stand in only for clang-22");
  auto text = ReadFileToString(dir_ + "/compilers");
  ASSERT_TRUE(text.ok()) << text.status();
  // clang-22 and /usr/bin/clang-22 are one identity.
  EXPECT_EQ(DecodeProbeCache(*text).size(), 3u);
}

TEST_F(CheckCompilerTest, UnwritableOrMissingCacheDirStillChecks) {
  EXPECT_TRUE(CheckCompiler("clang-22", dir_ + "/a/b/c").ok());
  EXPECT_TRUE(CheckCompiler("clang-22", "").ok());
  EXPECT_FALSE(CheckCompiler("gcc", "").ok());
}

}  // namespace
}  // namespace helperlink
