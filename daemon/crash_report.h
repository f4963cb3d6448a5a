// One line on stderr when LLVM crashes on an input in this process, instead
// of libstdc++'s terminate message or a bare "Aborted": "PROGRAM: SUBJECT:
// LLVM crashed on this input (signal N)". Files registered with
// RemoveOnCrash (the one-shot's output and report) are removed, so a crash
// leaves no stale object behind. The process still dies of the same signal,
// so its parent sees the crash. Installed by helperlinkd's one-shot and
// worker mains; the subject is the crate being linked.
#ifndef HELPERLINK_DAEMON_CRASH_REPORT_H_
#define HELPERLINK_DAEMON_CRASH_REPORT_H_

#include <string>

namespace helperlink {

// Installs handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT, and a
// terminate handler that aborts silently (so an uncaught exception thrown
// inside LLVM reports through SIGABRT).
void InstallCrashReporter(const std::string& program);

// Names the input being worked on; not async-signal-safe, call between
// requests.
void SetCrashSubject(const std::string& subject);

// Removes `path` if the process crashes (at most two paths; more are
// ignored). Call before the work starts.
void RemoveOnCrash(const std::string& path);

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_CRASH_REPORT_H_
