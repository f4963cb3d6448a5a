// Tests for invocation/compiler_probe: reading `--version` output, the refusal
// line, the probe cache file, and the whole check on real compilers
// (clang-22, clang-14 and gcc as installed by scripts/install-deps), and
// the search path the mains give it.
#include "invocation/compiler_probe.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "invocation/atomic_file.h"
#include "tests/util/temp_dir.h"

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

// Where the installed compilers are, whatever the test's own PATH says.
constexpr char kSystemPath[] = "/usr/bin:/bin";

class CheckCompilerTest : public ::testing::Test {
 protected:
  // CheckCompiler on the installed compilers, answers kept in `cache_dir`.
  absl::Status Check(const std::string& command, const std::string& cache_dir) {
    return CheckCompiler(command, {kSystemPath, cache_dir});
  }
  // A script named `name` in DIR/`subdir` whose --version prints
  // `version_line` and appends a line to DIR/ran.
  std::string FakeCompiler(const std::string& subdir, const std::string& name,
                           const std::string& version_line) {
    std::string bin = absl::StrCat(dir_, "/", subdir);
    ::mkdir(bin.c_str(), 0700);
    std::string path = absl::StrCat(bin, "/", name);
    std::ofstream(path) << "#!/bin/sh\necho '" << version_line
                        << "'\necho \"$0\" >>'" << dir_ << "/ran'\n";
    ::chmod(path.c_str(), 0700);
    return bin;
  }
  testing::TempDir temp_{"probe"};
  const std::string dir_ = temp_.path();
};

TEST_F(CheckCompilerTest, RealCompilers) {
  EXPECT_TRUE(Check("clang-22", dir_).ok());
  EXPECT_TRUE(Check("/usr/bin/clang-22", dir_).ok());
  absl::Status clang14 = Check("clang-14", dir_);
  EXPECT_EQ(clang14.message(),
            "CC is clang 14: helperlink links with LLVM 22 and can stand in "
            "only for clang-22");
  absl::Status gcc = Check("gcc", dir_);
  EXPECT_EQ(gcc.message(),
            "CC is gcc 12: helperlink links with LLVM 22 and can stand in "
            "only for clang-22");
  absl::Status missing = Check("no-such-cc", dir_);
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
  EXPECT_TRUE(Check("clang-22", dir_ + "/a/b/c").ok());
  EXPECT_TRUE(Check("clang-22", "").ok());
  EXPECT_FALSE(Check("gcc", "").ok());
}

// The command is looked up in the search path it is given, never in the
// process's PATH (the mains read PATH into their options).
TEST_F(CheckCompilerTest, LooksUpTheGivenSearchPathOnly) {
  std::string good = FakeCompiler("good", "clang", "clang version 22.1.0");
  std::string old = FakeCompiler("old", "clang", "clang version 14.0.6");
  std::string ran = dir_ + "/ran";
  // The process's PATH names the clang-14 fake first; the search path the
  // clang-22 one.
  const char* saved = std::getenv("PATH");
  std::string saved_path = saved ? saved : "";
  ASSERT_EQ(::setenv("PATH", absl::StrCat(old, ":", good).c_str(), 1), 0);
  absl::Status found = CheckCompiler("clang", {"/nonexistent:" + good, ""});
  absl::Status refused = CheckCompiler("clang", {old, ""});
  absl::Status missing = CheckCompiler("clang", {"/nonexistent", ""});
  if (saved) {
    ::setenv("PATH", saved_path.c_str(), 1);
  } else {
    ::unsetenv("PATH");
  }
  EXPECT_TRUE(found.ok()) << found;
  EXPECT_EQ(refused.message(),
            "CC is clang 14: helperlink links with LLVM 22 and can stand in "
            "only for clang-22");
  EXPECT_EQ(missing.message(),
            "CC 'clang' is not found in PATH: helperlink links with LLVM 22 "
            "and can stand in only for clang-22");
  auto probes = ReadFileToString(ran);
  ASSERT_TRUE(probes.ok()) << probes.status();
  EXPECT_EQ(*probes, absl::StrCat(good, "/clang\n", old, "/clang\n"));
  // Unset PATH in a main: the default search path finds the installed one.
  CompilerProbeOptions defaults;
  EXPECT_EQ(defaults.search_path, "/usr/bin:/bin");
  EXPECT_TRUE(CheckCompiler("clang-22", defaults).ok());
}

}  // namespace
}  // namespace helperlink
