// The fast mode's attribute policy: what may change so that a helper compiled
// by clang with kernel flags can be inlined into a Rust function, and why
// each change keeps the program's meaning. Applied per (caller, helper) pair
// right before that helper's call site is inlined. Exact mode never edits
// attributes.
//
// 1. `null_pointer_is_valid` (from -fno-delete-null-pointer-checks). LLVM
//    refuses to inline such a helper into a caller without it ("nullptr
//    definitions incompatible"). The caller takes the attribute on. The
//    attribute only forbids the optimizer from assuming that null is never
//    dereferenced, so the helper's code keeps its C semantics and the Rust
//    code in that caller is optimized more conservatively, never differently
//    in meaning.
// 2. `no-builtin-*` (from -fno-builtin-wcslen and friends). LLVM requires
//    caller and callee to agree ("conflicting attributes" via
//    TargetLibraryInfo). Both take the union. The attributes only stop the
//    optimizer from treating calls as known library functions; adding one
//    never changes what a program does.
// 3. `target-cpu`/`target-features`/`tune-cpu`. clang writes
//    "+cmov,+cx8,+fxsr,..." and rustc writes its own set; LLVM wants the
//    callee's features to be a subset of the caller's. A helper whose body is
//    feature-neutral (HelperSet::IsFeatureNeutral: no target intrinsics, no
//    vector values, no asm naming vector registers) means the same on any
//    feature set, so it takes its caller's target attributes. The code then
//    generated for it is the caller's, which is what inlining produces
//    anyway. Helpers that are not feature-neutral keep theirs, and LLVM
//    decides.
//
// Nothing else is touched: sanitizer, denormal-mode, strictfp, return-thunk
// and branch-protection mismatches are real incompatibilities and are
// reported with LLVM's reason. `noinline`, recursion and variadic helpers are
// reported, never forced.
#ifndef HELPERLINK_DAEMON_ENGINE_RECONCILE_H_
#define HELPERLINK_DAEMON_ENGINE_RECONCILE_H_

#include "helperlink/report.h"
#include "llvm/IR/Function.h"

namespace helperlink::engine {

enum class FeatureNeutral { kNo, kYes };

// Applies the policy above to `caller` and `helper`, counting the changes.
void ReconcileForInlining(llvm::Function& caller, llvm::Function& helper,
                          FeatureNeutral neutral, v1::Reconciled& counts);

}  // namespace helperlink::engine

#endif  // HELPERLINK_DAEMON_ENGINE_RECONCILE_H_
