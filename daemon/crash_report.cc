// Crash reporting for helperlinkd's processes; see crash_report.h.
#include "daemon/crash_report.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>

namespace helperlink {
namespace {

char g_program[256] = "helperlinkd";
CrashExit g_exit = CrashExit::kResignal;
// Per thread: a cache fault in one thread is not another thread's link.
thread_local CrashPhase g_phase = CrashPhase::kLink;
char g_subject[1024] = "";
char g_remove[2][4096] = {"", ""};

void Append(char* line, size_t* used, size_t size, const char* text) {
  while (*text && *used + 1 < size) line[(*used)++] = *text++;
}

// strsignal is not async-signal-safe; these are the signals handled.
const char* SignalName(int signal) {
  switch (signal) {
    case SIGSEGV:
      return "Segmentation fault";
    case SIGBUS:
      return "Bus error";
    case SIGILL:
      return "Illegal instruction";
    case SIGFPE:
      return "Floating point exception";
    case SIGABRT:
      return "Aborted";
    default:
      return "unexpected signal";
  }
}

void OnCrash(int signal) {
  // Only async-signal-safe calls from here on.
  char line[1400];
  size_t used = 0;
  Append(line, &used, sizeof line, g_program);
  Append(line, &used, sizeof line, ": ");
  if (g_phase == CrashPhase::kCache) {
    Append(line, &used, sizeof line, "cache fault in the local cache (signal ");
  } else {
    if (g_subject[0]) {
      Append(line, &used, sizeof line, g_subject);
      Append(line, &used, sizeof line, ": ");
    }
    Append(line, &used, sizeof line, "LLVM crashed on this input (signal ");
  }
  char digits[4] = {0};
  int value = signal % 1000, n = 0;
  char reversed[4];
  do {
    reversed[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value);
  for (int i = 0; i < n; ++i) digits[i] = reversed[n - 1 - i];
  Append(line, &used, sizeof line, digits);
  Append(line, &used, sizeof line, ", ");
  Append(line, &used, sizeof line, SignalName(signal));
  Append(line, &used, sizeof line, ")\n");
  ssize_t ignored = ::write(2, line, used);
  (void)ignored;
  for (const char* path : g_remove) {
    if (path[0]) ::unlink(path);
  }
  if (g_exit == CrashExit::kExitOne) ::_exit(1);
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

void Copy(char* to, size_t size, const std::string& from) {
  size_t n = from.size() < size - 1 ? from.size() : size - 1;
  std::memcpy(to, from.data(), n);
  to[n] = '\0';
}

}  // namespace

void InstallCrashReporter(const std::string& program, CrashExit exit) {
  Copy(g_program, sizeof g_program, program);
  g_exit = exit;
  std::set_terminate([] { std::abort(); });
  struct sigaction action = {};
  action.sa_handler = OnCrash;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) {
    ::sigaction(signal, &action, nullptr);
  }
}

CrashPhaseScope::CrashPhaseScope(CrashPhase phase) : previous_(g_phase) {
  g_phase = phase;
}

CrashPhaseScope::~CrashPhaseScope() { g_phase = previous_; }

void SetCrashSubject(const std::string& subject) {
  Copy(g_subject, sizeof g_subject, subject);
}

void RemoveOnCrash(const std::string& path) {
  // A device or fifo named as the output (-o /dev/null) is never removed.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 &&
      (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
    return;
  }
  for (char* slot : g_remove) {
    if (!slot[0]) {
      Copy(slot, sizeof g_remove[0], path);
      return;
    }
  }
}

}  // namespace helperlink
