// Fast mode's post-inline optimization stage; see post_inline.h.
#include "daemon/engine/post_inline.h"

#include "absl/strings/str_cat.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/Error.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/IPO/GlobalDCE.h"

namespace helperlink::engine {

// The function pipeline, in order, with the reason for each pass. The order
// matters: branches are threaded and invariant code hoisted before
// SimplifyCFG merges the small diamonds inlining leaves into selects, after
// which neither is possible any more.
//
// No vectorizer: kernel code is compiled without SSE (-mgeneral-regs-only,
// -mno-sse...), so there are no vector registers to vectorize into, and in
// userspace crates rustc has already vectorized its own loops. The helpers
// are scalar code with atomics and inline asm.
const char kPostInlinePipeline[] =
    // Inlining hands the caller's stack slots to the helper as pointer
    // arguments (out-parameters, `&self`); make them SSA values first so
    // that every later pass sees values instead of memory.
    "sroa<modify-cfg>,"
    // Cheap local redundancy removal: the helper reloads what the caller
    // just stored or loaded, and repeats casts and address arithmetic.
    "early-cse,"
    // Branch on values known along an edge, while the branches still exist:
    // the flag cmpxchg returns and the IS_ERR/error-path tests of a value
    // the caller already checked. Once SimplifyCFG has turned these
    // diamonds into selects the flag has to be materialized.
    "jump-threading,"
    // Remove the blocks and branches inlining leaves (the split at the call,
    // the helper's return block).
    "simplifycfg,"
    // Fold what is constant now that helper and caller are one function:
    // IS_ERR on a pointer known valid, masks of known bits, comparisons of
    // a helper's result with the caller's constant; drops the dead loads.
    "instcombine<no-verify-fixpoint>,"
    // Thread again over the conditions InstCombine has just made known.
    "jump-threading,"
    // Hoist loop-invariant helper results (kmalloc_size_roundup of a fixed
    // size) and loop-invariant field loads out of the loops that call the
    // helpers. LICM needs loop-simplify form, LCSSA and MemorySSA, which the
    // loop adaptor (loop-mssa) provides.
    "loop-mssa(licm<allowspeculation>),"
    // Merge what threading and hoisting left behind.
    "simplifycfg,"
    // Hoist what the merged blocks made invariant (code SimplifyCFG moved
    // into the loop header from conditional blocks).
    "loop-mssa(licm<allowspeculation>),"
    // Loads redundant across blocks (a field read before the loop and
    // again after a helper's atomic that does not alias it), and partial
    // redundancies EarlyCSE cannot see.
    "gvn,"
    // Fold what GVN's forwarding exposed, then tidy the CFG once more.
    "instcombine<no-verify-fixpoint>,"
    "simplifycfg,"
    // Unroll small loops (READ_ONCE polling, fixed-count atomic loops) as
    // O2's optimization pipeline does, with the target's unrolling
    // preferences from TargetIRAnalysis.
    "loop-unroll<O2>,"
    // Fold across the unrolled copies, as O2 does right after unrolling:
    // the copies' induction arithmetic (`(i + 1) & 7` where i is a multiple
    // of 4 becomes `(i & 4) | 1`), then the blocks unrolling leaves (LCSSA
    // phis of the remainder loop).
    "sroa,"
    "instcombine<no-verify-fixpoint>,"
    "simplifycfg";

void OptimizeInlined(llvm::Module& module,
                     llvm::ArrayRef<llvm::Function*> functions,
                     llvm::TargetMachine& target) {
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager function_analyses;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager module_analyses;
  // With the target machine, PassBuilder registers TargetIRAnalysis with
  // the target's cost model (unrolling preferences, legal types).
  llvm::PassBuilder builder(&target);
  llvm::TargetLibraryInfoImpl library_info(
      llvm::Triple(module.getTargetTriple()));
  function_analyses.registerPass(
      [&] { return llvm::TargetLibraryAnalysis(library_info); });
  builder.registerModuleAnalyses(module_analyses);
  builder.registerCGSCCAnalyses(cgscc);
  builder.registerFunctionAnalyses(function_analyses);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, function_analyses, cgscc,
                               module_analyses);

  llvm::FunctionPassManager passes;
  // A constant pipeline: the unit tests parse and run it, so a failure here
  // is a programming error, not bad input.
  if (llvm::Error error =
          builder.parsePassPipeline(passes, kPostInlinePipeline)) {
    llvm::report_fatal_error(llvm::Twine("post-inline pipeline: ") +
                             llvm::toString(std::move(error)));
  }
  for (llvm::Function* function : functions) {
    if (function->isDeclaration() || function->hasOptNone()) continue;
    passes.run(*function, function_analyses);
  }
  // Helper copies whose every call was inlined are now dead.
  llvm::ModulePassManager module_passes;
  module_passes.addPass(llvm::GlobalDCEPass());
  module_passes.run(module, module_analyses);
}

}  // namespace helperlink::engine
