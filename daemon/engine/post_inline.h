// Fast mode's post-inline optimization stage: a fixed function pipeline run
// only over the functions that received helper code, so that inlined
// helpers are optimized together with their Rust callers the way the Linux
// 7.1 recipe's O2 pipeline optimizes them (loop-invariant helper results
// hoisted, checks that inlining made constant folded, branches on cmpxchg
// flags threaded, small loops unrolled), without re-running O2 over code
// rustc already optimized. The pass list and the reason for each pass are
// in post_inline.cc.
//
// The list is part of what fast mode produces: changing it changes objects,
// so bump kFastPolicyVersion in cache/key.h with it.
#ifndef HELPERLINK_DAEMON_ENGINE_POST_INLINE_H_
#define HELPERLINK_DAEMON_ENGINE_POST_INLINE_H_

#include "llvm/ADT/ArrayRef.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

namespace helperlink::engine {

// The pass list, in `opt -passes=` syntax, for messages and documentation.
extern const char kPostInlinePipeline[];

// Runs the pipeline over each of `functions` (all in `module`), with the
// target's cost model (TargetIRAnalysis from `target`), then deletes the
// helper copies nothing calls any more (GlobalDCE).
void OptimizeInlined(llvm::Module& module,
                     llvm::ArrayRef<llvm::Function*> functions,
                     llvm::TargetMachine& target);

}  // namespace helperlink::engine

#endif  // HELPERLINK_DAEMON_ENGINE_POST_INLINE_H_
