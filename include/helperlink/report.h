// The per-object report: what the engine found, inlined and could not inline,
// and how long each phase took. Plain data with a JSON form, so the daemon,
// the client and the one-shot mode can all pass it along without LLVM.
#ifndef HELPERLINK_REPORT_H_
#define HELPERLINK_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

namespace helperlink {

// A helper call that survived into the object, with LLVM's reason.
struct NotInlined {
  std::string caller;
  std::string callee;
  std::string
      reason;     // LLVM's words, e.g. "recursive" or "conflicting attributes"
  int count = 1;  // identical (caller, callee, reason) triples are folded
};

// Attribute edits made by the fast-mode reconciliation policy
// (see daemon/engine/reconcile.h). Exact mode never edits attributes.
struct Reconciled {
  int null_pointer_is_valid = 0;  // callers that took on the helper's attribute
  int no_builtin = 0;       // functions whose no-builtin-* set was widened
  int target_features = 0;  // helpers rebased onto their caller's target
};

// Wall time per phase, in milliseconds.
struct PhaseTimes {
  double parse_ms = 0;     // crate bitcode → module (helpers are resident)
  double link_ms = 0;      // helpers copied in and internalized
  double inline_ms = 0;    // fast: reconciliation + inlining
  double optimize_ms = 0;  // fast: the post-inline stage (post_inline.h);
                           // exact: clang's optimization pipeline
  double codegen_ms = 0;   // machine code generation
  double total_ms = 0;
};

// Helper call-site counts. Both modes count one set: the helper call sites
// in the crate's own functions (not in helper bodies), that is the crate's
// calls to helpers plus the helper calls that inlining copies into crate
// functions (a helper that calls another helper, a crate function inlined
// into another). Every site ends in exactly one of three ways, so
//   found = inlined + remaining + removed.
//   inlined:   the helper's code replaced the call.
//   remaining: still a call in the module code generation receives (the
//              object's calls to helpers from crate code).
//   removed:   deleted by the optimizer without being inlined (dead code).
// Fast mode sees each site: its inliner counts found and inlined, and each
// site it leaves as a call is followed through the post-inline stage, so
// removed is measured and the equation is a check (found also counts the
// copies the stage makes of a call it keeps, e.g. by unrolling a loop). Exact
// mode runs clang's O2 pipeline unchanged: inlined is the number of its
// inliner's "inlined" remarks with a crate caller and a helper callee,
// remaining is counted after the pipeline, and the rest cannot be told apart
// from outside. Its found is the crate's calls before the pipeline plus the net
// number of sites the pipeline copied (inlining crate functions, loop
// unrolling), and removed the net number it deleted; at most one of the two
// nets is non-zero.
struct Report {
  std::string crate;          // the crate's name as given by the caller
  std::string mode;           // "fast" or "exact"
  int helpers_available = 0;  // helper definitions in the helper set
  int helpers_linked = 0;     // helper definitions copied into the crate
  int call_sites_found = 0;   // see above
  int call_sites_inlined = 0;
  int calls_remaining = 0;
  int calls_removed = 0;
  std::vector<NotInlined> not_inlined;
  Reconciled reconciled;
  PhaseTimes times;
  uint64_t object_bytes = 0;
  // Warnings for this request, one line each: what clang's driver warns
  // about for the C compiler command on bitcode input, as clang prints them
  // (e.g. "clang-22: warning: argument unused during compilation: '-I
  // include' [-Wunused-command-line-argument]"), then LLVM's warnings about
  // the inputs (e.g. a helpers file whose debug info LLVM could not read and
  // dropped). Printed on stderr by the client.
  std::vector<std::string> warnings;

  std::string ToJson() const;
};

}  // namespace helperlink

#endif  // HELPERLINK_REPORT_H_
