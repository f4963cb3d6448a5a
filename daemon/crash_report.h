// One line on stderr when LLVM crashes on an input in this process, instead
// of libstdc++'s terminate message or a bare "Aborted": "PROGRAM: SUBJECT:
// LLVM crashed on this input (signal N, NAME)". A fault while the local
// cache is being read or written (inside a CrashPhaseScope of kCache) is
// reported as "PROGRAM: cache fault in the local cache (signal N, NAME)"
// instead, since the input is not to blame. Files registered with
// RemoveOnCrash (the one-shot's output and report) are removed, so a crash
// leaves no stale object behind. The worker then dies of the same signal,
// so the daemon sees the crash; the one-shot exits 1, like any failed
// build. Installed by helperlinkd's one-shot and worker mains; the subject
// is the crate being linked.
#ifndef HELPERLINK_DAEMON_CRASH_REPORT_H_
#define HELPERLINK_DAEMON_CRASH_REPORT_H_

#include <string>

namespace helperlink {

// What the process does after the line: die of the same signal (a worker,
// whose parent reads the signal) or exit with status 1 (the one-shot).
enum class CrashExit { kResignal, kExitOne };

// Installs handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT, and a
// terminate handler that aborts silently (so an uncaught exception thrown
// inside LLVM reports through SIGABRT).
void InstallCrashReporter(const std::string& program, CrashExit exit);

// Where this process is working, for the crash line.
enum class CrashPhase { kLink, kCache };

// Marks the code in its scope as working on the cache (nests; restores the
// previous phase on exit).
class CrashPhaseScope {
 public:
  explicit CrashPhaseScope(CrashPhase phase);
  ~CrashPhaseScope();
  CrashPhaseScope(const CrashPhaseScope&) = delete;
  CrashPhaseScope& operator=(const CrashPhaseScope&) = delete;

 private:
  CrashPhase previous_;
};

// Names the input being worked on; not async-signal-safe, call between
// requests.
void SetCrashSubject(const std::string& subject);

// Removes `path` if the process crashes (at most two paths; more are
// ignored). Call before the work starts.
void RemoveOnCrash(const std::string& path);

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_CRASH_REPORT_H_
