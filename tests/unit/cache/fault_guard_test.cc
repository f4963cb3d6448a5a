// Tests for cache/fault_guard: SIGSEGV, SIGBUS (a mapped page past the end
// of its file) and LMDB assertions inside a guard come back as a Fault,
// repeatedly; outside a guard, or on another thread, a fault still kills
// the process through whatever handler was installed before.
#include "cache/fault_guard.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "gtest/gtest.h"

namespace helperlink {
namespace {

// A store to a page mapped without access: a real SIGSEGV, and not
// undefined behaviour that UBSan would stop first (as a null store is).
void TouchNull() {
  static volatile int* const page = static_cast<volatile int*>(
      mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  *page = 1;
}

// How a fault outside a guard ends the process: the default action, or,
// in the sanitizer build, the sanitizer's own SIGSEGV handler (installed
// before ours, so ours chains to it), which reports and aborts.
::testing::KilledBySignal UnguardedFaultDeath() {
#if defined(__SANITIZE_ADDRESS__)
  return ::testing::KilledBySignal(SIGABRT);
#else
  return ::testing::KilledBySignal(SIGSEGV);
#endif
}

TEST(FaultGuardTest, NoFaultRunsTheFunction) {
  int ran = 0;
  EXPECT_FALSE(RunGuarded([&] { ran = 7; }).has_value());
  EXPECT_EQ(ran, 7);
}

TEST(FaultGuardTest, SegvBecomesAFaultEveryTime) {
  for (int i = 0; i < 1000; ++i) {
    std::optional<Fault> fault = RunGuarded([] { TouchNull(); });
    ASSERT_TRUE(fault.has_value()) << i;
    EXPECT_EQ(fault->signal, SIGSEGV);
  }
  // The signal mask was restored each time: a later fault is caught too.
  EXPECT_TRUE(RunGuarded([] { TouchNull(); }).has_value());
}

TEST(FaultGuardTest, PageBeyondTheEndOfItsFileIsSigbus) {
  char path[] = "/tmp/helperlink-guard-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 4096), 0);
  void* map = mmap(nullptr, 8192, PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  volatile const char* second = static_cast<const char*>(map) + 4096;
  char seen = 0;
  std::optional<Fault> fault = RunGuarded([&] { seen = *second; });
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->signal, SIGBUS);
  EXPECT_EQ(fault->address, const_cast<const char*>(second));
  EXPECT_NE(fault->Describe().find("SIGBUS"), std::string::npos);
  EXPECT_EQ(seen, 0);
  munmap(map, 8192);
  close(fd);
  unlink(path);
}

TEST(FaultGuardTest, LmdbAssertionBecomesAFault) {
  std::optional<Fault> fault =
      RunGuarded([] { OnLmdbAssert(nullptr, "mp->mp_pgno == pgno"); });
  ASSERT_TRUE(fault.has_value());
  EXPECT_EQ(fault->signal, 0);
  EXPECT_EQ(fault->Describe(), "LMDB assertion: mp->mp_pgno == pgno");
}

TEST(FaultGuardTest, NestedGuardsUnwindToTheInnermost) {
  bool outer_continued = false;
  std::optional<Fault> outer = RunGuarded([&] {
    std::optional<Fault> inner = RunGuarded([] { TouchNull(); });
    outer_continued = inner.has_value();
  });
  EXPECT_FALSE(outer.has_value());
  EXPECT_TRUE(outer_continued);
}

TEST(FaultGuardTest, ExceptionDisarmsTheGuard) {
  EXPECT_THROW(RunGuarded([] { throw 1; }), int);
  EXPECT_EXIT(TouchNull(), UnguardedFaultDeath(), "");
}

void PreviousHandler(int) { _exit(42); }

TEST(FaultGuardDeathTest, FaultOutsideAGuardReachesThePreviousHandler) {
  EXPECT_EXIT(
      {
        signal(SIGSEGV, PreviousHandler);
        RunGuarded([] {});  // installs the guard's handlers over it
        TouchNull();
      },
      ::testing::ExitedWithCode(42), "");
}

TEST(FaultGuardDeathTest, FaultOutsideAGuardStillKills) {
  EXPECT_EXIT(
      {
        RunGuarded([] {});
        TouchNull();
      },
      UnguardedFaultDeath(), "");
}

TEST(FaultGuardDeathTest, GuardOnOneThreadDoesNotCoverAnother) {
  EXPECT_EXIT(
      {
        RunGuarded([] {
          std::thread other([] { TouchNull(); });
          other.join();
        });
        _exit(0);
      },
      UnguardedFaultDeath(), "");
}

TEST(FaultGuardDeathTest, ReplacedHandlersAreReinstalledAndChained) {
  EXPECT_EXIT(
      {
        RunGuarded([] {});
        signal(SIGSEGV, PreviousHandler);  // someone installs theirs later
        if (!RunGuarded([] { TouchNull(); })) _exit(3);  // still guarded
        TouchNull();  // and theirs still runs outside a guard
      },
      ::testing::ExitedWithCode(42), "");
}

}  // namespace
}  // namespace helperlink
