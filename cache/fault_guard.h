// Containment for code that reads memory it cannot trust: LMDB maps the
// cache file, so a truncated or overwritten page shows up as SIGBUS or
// SIGSEGV on first touch, or trips an LMDB assertion (abort), instead of
// as an error code. RunGuarded(fn) runs fn with a guard armed on this
// thread; such a fault (or an assertion reported through OnLmdbAssert)
// unwinds back to RunGuarded with siglongjmp and is returned as a Fault.
//
// What it guarantees: a SIGBUS/SIGSEGV raised by the guarded thread while
// fn runs, and an LMDB assertion reported there, never kill the process.
// Faults on other threads, or outside a guard, go to the handler that was
// installed before (helperlinkd's crash reporter, or the default action),
// exactly as if the guard did not exist. The handlers are installed on the
// first RunGuarded and re-installed (chaining to the newcomer) if someone
// replaced them since.
//
// What fn must respect: the unwind skips destructors, so fn holds no locks
// and owns nothing that must be released; memory it allocated before the
// fault is leaked. Guards nest; an exception leaving fn disarms its guard.
#ifndef HELPERLINK_CACHE_FAULT_GUARD_H_
#define HELPERLINK_CACHE_FAULT_GUARD_H_

#include <lmdb.h>

#include <optional>
#include <string>
#include <utility>

namespace helperlink {

struct Fault {
  int signal = 0;                 // SIGBUS, SIGSEGV, or 0 for an assertion
  const void* address = nullptr;  // faulting address (signals only)
  std::string assertion;          // LMDB's assertion message
  // "SIGBUS at 0x7f...", "LMDB assertion: ...".
  std::string Describe() const;
};

// Runs fn(arg) under a guard; true if it faulted (and fills *fault).
bool RunGuardedCall(void (*fn)(void*), void* arg, Fault* fault);

template <typename F>
std::optional<Fault> RunGuarded(F&& fn) {
  Fault fault;
  auto thunk = [](void* p) {
    (*static_cast<std::remove_reference_t<F>*>(p))();
  };
  if (RunGuardedCall(thunk, &fn, &fault)) return fault;
  return std::nullopt;
}

// For mdb_env_set_assert: unwinds to the guard armed on this thread; with
// none armed, returns and LMDB aborts as it would without it.
void OnLmdbAssert(MDB_env* env, const char* message);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_FAULT_GUARD_H_
