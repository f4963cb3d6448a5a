// The fault guard; see fault_guard.h.
#include "cache/fault_guard.h"

#include <setjmp.h>
#include <signal.h>

#include <cstring>
#include <mutex>

#include "absl/strings/str_format.h"

namespace helperlink {
namespace {

struct Guard {
  sigjmp_buf jump;
  Guard* outer = nullptr;
  int signal = 0;
  const void* address = nullptr;
  char assertion[512] = "";
};

// Trivially constructed, so reading it in a signal handler is safe.
thread_local Guard* t_guard = nullptr;

constexpr int kSignals[] = {SIGBUS, SIGSEGV};
struct sigaction g_previous[2];
std::mutex g_install_mutex;

int SlotOf(int signal) { return signal == SIGBUS ? 0 : 1; }

void OnFault(int signal, siginfo_t* info, void* context) {
  Guard* guard = t_guard;
  if (guard) {
    guard->signal = signal;
    guard->address = info ? info->si_addr : nullptr;
    siglongjmp(guard->jump, 1);
  }
  // Not ours: behave as the handler we replaced.
  const struct sigaction& previous = g_previous[SlotOf(signal)];
  if (previous.sa_flags & SA_SIGINFO) {
    if (previous.sa_sigaction) {
      previous.sa_sigaction(signal, info, context);
      return;
    }
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(signal);
    return;
  }
  // Default action: die of this signal (re-raised once we return, or the
  // faulting instruction faults again).
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

// Installs OnFault for SIGBUS and SIGSEGV unless it is already the handler.
void EnsureInstalled() {
  struct sigaction current;
  bool ours = true;
  for (int signal : kSignals) {
    ::sigaction(signal, nullptr, &current);
    if (!(current.sa_flags & SA_SIGINFO) || current.sa_sigaction != OnFault) {
      ours = false;
    }
  }
  if (ours) return;
  std::lock_guard<std::mutex> lock(g_install_mutex);
  for (int signal : kSignals) {
    struct sigaction action = {};
    action.sa_sigaction = OnFault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    struct sigaction previous;
    ::sigaction(signal, nullptr, &previous);
    if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction == OnFault) {
      continue;
    }
    g_previous[SlotOf(signal)] = previous;
    ::sigaction(signal, &action, nullptr);
  }
}

}  // namespace

std::string Fault::Describe() const {
  if (signal == 0) return absl::StrFormat("LMDB assertion: %s", assertion);
  return absl::StrFormat("%s at %p", signal == SIGBUS ? "SIGBUS" : "SIGSEGV",
                         address);
}

bool RunGuardedCall(void (*fn)(void*), void* arg, Fault* fault) {
  EnsureInstalled();
  Guard guard;
  guard.outer = t_guard;
  if (sigsetjmp(guard.jump, 1) != 0) {
    t_guard = guard.outer;
    fault->signal = guard.signal;
    fault->address = guard.address;
    fault->assertion = guard.assertion;
    return true;
  }
  t_guard = &guard;
  try {
    fn(arg);
  } catch (...) {
    t_guard = guard.outer;
    throw;
  }
  t_guard = guard.outer;
  return false;
}

void OnLmdbAssert(MDB_env*, const char* message) {
  Guard* guard = t_guard;
  if (!guard) return;
  std::strncpy(guard->assertion, message ? message : "",
               sizeof guard->assertion - 1);
  guard->signal = 0;
  siglongjmp(guard->jump, 1);
}

}  // namespace helperlink
