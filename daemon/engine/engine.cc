// The link engine's request pipeline. Engine::Impl::Link reads as the table
// of contents: check the request, find the compiler setup and the resident
// helper set, then parse, link, inline, optimize and generate code.
#include "helperlink/engine.h"

#include <chrono>
#include <list>
#include <map>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/engine/bitcode_input.h"
#include "daemon/engine/clang_flags.h"
#include "daemon/engine/codegen.h"
#include "daemon/engine/diagnostics.h"
#include "daemon/engine/fast_inliner.h"
#include "daemon/engine/helper_set.h"
#include "daemon/engine/link.h"
#include "daemon/engine/post_inline.h"
#include "helperlink/millis.h"
#include "helperlink/status_macros.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/xxhash.h"

namespace helperlink {

namespace {

using Clock = std::chrono::steady_clock;

void InitializeTargetsOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    llvm::InitializeAllAsmParsers();
  });
}

// Key of a resident helper set: the helper bytes and the mode (which decides
// the normalization). Flags do not change a parsed helper set.
std::string HelperSetKey(const std::vector<HelperInput>& helpers, Mode mode) {
  std::string key(ModeName(mode));
  for (const HelperInput& helper : helpers) {
    const std::string& bytes = *helper.bytes;
    llvm::XXH128_hash_t hash = llvm::xxh3_128bits(llvm::ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    absl::StrAppend(&key, "|", bytes.size(), ":", hash.high64, ":", hash.low64);
  }
  return key;
}

int CountLinkedHelpers(const llvm::Module& module,
                       const engine::HelperSet& helpers) {
  int count = 0;
  for (const llvm::Function& function : module) {
    if (!function.isDeclaration() && helpers.Defines(function.getName())) {
      ++count;
    }
  }
  return count;
}

// Exact mode's inlining outcome, read from LLVM's inliner remarks: the
// helper calls inlined into crate functions, and the reasons for the helper
// calls still in them. `call_sites.remaining` is already counted.
void SummarizeRemarks(const engine::DiagnosticLog& log,
                      const llvm::Module& module,
                      const engine::HelperSet& helpers,
                      const llvm::StringSet<>& crate_functions,
                      Report& report) {
  v1::CallSites& sites = *report.mutable_call_sites();
  std::set<std::pair<std::string, std::string>> remaining;
  for (const llvm::Function& function : module) {
    if (!crate_functions.contains(function.getName())) continue;
    for (const llvm::Instruction& inst : llvm::instructions(function)) {
      const auto* call = llvm::dyn_cast<llvm::CallBase>(&inst);
      const llvm::Function* callee = call ? call->getCalledFunction() : nullptr;
      if (callee && helpers.Defines(callee->getName())) {
        remaining.insert({function.getName().str(), callee->getName().str()});
      }
    }
  }
  std::map<std::tuple<std::string, std::string, std::string>, int> missed;
  for (const engine::InlineRemark& remark : log.inline_remarks) {
    // Helpers inlined into helpers (O2 works bottom-up) are not crate call
    // sites; the helper's code reaches the crate when its caller is inlined.
    if (!helpers.Defines(remark.callee) ||
        !crate_functions.contains(remark.caller)) {
      continue;
    }
    if (remark.inlined) {
      sites.set_inlined(sites.inlined() + 1);
    } else if (remaining.count({remark.caller, remark.callee})) {
      ++missed[{remark.caller, remark.callee, remark.reason}];
    }
  }
  for (const auto& [key, count] : missed) {
    const auto& [caller, callee, reason] = key;
    v1::NotInlined& entry = *report.add_not_inlined();
    entry.set_caller(caller);
    entry.set_callee(callee);
    entry.set_reason(reason);
    entry.set_count(count);
  }
  // The pipeline's copies and deletions of calls it did not inline, net
  // (proto/report.proto).
  int net = sites.inlined() + sites.remaining() - sites.found();
  if (net > 0) sites.set_found(sites.found() + net);
  if (net < 0) sites.set_removed(-net);
}

std::string BitcodeOf(const llvm::Module& module) {
  std::string bytes;
  llvm::raw_string_ostream stream(bytes);
  llvm::WriteBitcodeToFile(module, stream);
  stream.flush();
  return bytes;
}

}  // namespace

class Engine::Impl {
 public:
  explicit Impl(EngineOptions options) : options_(options) {
    InitializeTargetsOnce();
  }

  absl::StatusOr<LinkResult> Link(const LinkRequest& request) {
    Clock::time_point start = Clock::now();
    HL_RETURN_IF_ERROR(CheckRequest(request));
    HL_ASSIGN_OR_RETURN(const engine::ClangSetup* setup,
                        SetupFor(request.cc_command));
    HL_ASSIGN_OR_RETURN(engine::HelperSet * helpers,
                        HelpersFor(request.helpers, request.mode));

    LinkResult result;
    Report& report = result.report;
    // Every section is present in every report, zero when nothing happened
    // (exact mode never reconciles).
    report.mutable_call_sites();
    report.mutable_reconciled();
    report.mutable_times_ms();
    report.set_crate(request.crate_name);
    report.set_mode(std::string(ModeName(request.mode)));
    report.set_helpers_available(helpers->num_definitions());
    for (const std::string& warning : setup->driver_warnings) {
      report.add_warnings(warning);
    }
    for (const std::string& warning : helpers->warnings()) {
      report.add_warnings(warning);
    }

    engine::DiagnosticLog log;
    log.collect_inline_remarks = request.mode == Mode::kExact;
    engine::ScopedDiagnostics diagnostics(context_, log);
    absl::StatusOr<std::string> object =
        request.mode == Mode::kExact
            ? LinkExact(request, *setup, *helpers, log, result)
            : LinkFast(request, *setup, *helpers, log, result);
    if (!object.ok()) return object.status();
    result.object = std::move(*object);
    report.set_object_bytes(static_cast<uint32_t>(result.object.size()));
    report.mutable_times_ms()->set_total(MillisSince(start));
    return result;
  }

  int resident_helper_sets() const {
    return static_cast<int>(helper_sets_.size());
  }
  int64_t helper_set_loads() const { return helper_set_loads_; }

 private:
  static absl::Status CheckRequest(const LinkRequest& request) {
    if (request.crate_name.empty()) {
      return absl::InvalidArgumentError("crate name is empty");
    }
    return engine::CheckBitcode(request.crate_bitcode, request.crate_name);
  }

  // The clang setup for these flags, built once per distinct command.
  absl::StatusOr<const engine::ClangSetup*> SetupFor(
      const std::vector<std::string>& cc_command) {
    std::string key = absl::StrJoin(cc_command, std::string(1, '\0'));
    auto it = setups_.find(key);
    if (it != setups_.end()) return &it->second;
    HL_ASSIGN_OR_RETURN(engine::ClangSetup setup,
                        engine::BuildClangSetup(cc_command));
    HL_RETURN_IF_ERROR(ApplyMllvm(setup.mllvm_args));
    HL_RETURN_IF_ERROR(CheckTimeReport(setup));
    return &setups_.emplace(key, std::move(setup)).first->second;
  }

  absl::Status ApplyMllvm(const std::vector<std::string>& args) {
    if (args.empty()) return absl::OkStatus();
    if (options_.mllvm == MllvmPolicy::kReject) {
      return absl::InvalidArgumentError(
          absl::StrCat("compiler flags: -mllvm ", args[0],
                       " sets a process-wide LLVM option; run this object with "
                       "--no-daemon, or drop the option"));
    }
    if (mllvm_applied_) {
      if (*mllvm_applied_ == args) return absl::OkStatus();
      return absl::InvalidArgumentError(
          "compiler flags: -mllvm options differ from the ones this process "
          "already applied");
    }
    std::vector<const char*> argv = {"helperlink"};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    std::string errors;
    llvm::raw_string_ostream os(errors);
    if (!llvm::cl::ParseCommandLineOptions(static_cast<int>(argv.size()),
                                           argv.data(), "", &os)) {
      os.flush();
      return absl::InvalidArgumentError(absl::StrCat(
          "compiler flags: -mllvm: ", errors.substr(0, errors.find('\n'))));
    }
    mllvm_applied_ = args;
    return absl::OkStatus();
  }

  // -ftime-report turns on LLVM's process-wide pass timers, whose report
  // goes to this process's stderr: only a process serving one object (the
  // one-shot) can give it to the user.
  absl::Status CheckTimeReport(const engine::ClangSetup& setup) const {
    if (!setup.invocation->getCodeGenOpts().TimePasses ||
        options_.mllvm == MllvmPolicy::kApplyOnce) {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        "compiler flags: -ftime-report times LLVM's passes process-wide; run "
        "this object with --no-daemon, or drop the option");
  }

  // The resident helper set for these files and mode; parsed at most once
  // while it stays among the most recently used.
  absl::StatusOr<engine::HelperSet*> HelpersFor(
      const std::vector<HelperInput>& inputs, Mode mode) {
    std::string key = HelperSetKey(inputs, mode);
    for (auto it = helper_sets_.begin(); it != helper_sets_.end(); ++it) {
      if (it->first == key) {
        helper_sets_.splice(helper_sets_.begin(), helper_sets_, it);
        return helper_sets_.front().second.get();
      }
    }
    absl::StatusOr<std::unique_ptr<engine::HelperSet>> loaded =
        engine::HelperSet::Load(inputs, mode, context_);
    if (!loaded.ok()) return loaded.status();
    ++helper_set_loads_;
    helper_sets_.emplace_front(key, std::move(*loaded));
    while (static_cast<int>(helper_sets_.size()) >
           std::max(1, options_.max_helper_sets)) {
      helper_sets_.pop_back();
    }
    return helper_sets_.front().second.get();
  }

  absl::StatusOr<llvm::TargetMachine*> TargetFor(
      const engine::ClangSetup& setup) {
    auto it = machines_.find(&setup);
    if (it != machines_.end()) return it->second.get();
    HL_ASSIGN_OR_RETURN(std::unique_ptr<llvm::TargetMachine> machine,
                        engine::CreateTargetMachine(setup));
    return machines_.emplace(&setup, std::move(machine)).first->second.get();
  }

  // Fast: parse, link what is referenced, reconcile and inline, optimize
  // what received helper code, codegen.
  absl::StatusOr<std::string> LinkFast(const LinkRequest& request,
                                       const engine::ClangSetup& setup,
                                       const engine::HelperSet& helpers,
                                       engine::DiagnosticLog& log,
                                       LinkResult& result) {
    Report& report = result.report;
    v1::PhaseTimes& times = *report.mutable_times_ms();
    v1::CallSites& sites = *report.mutable_call_sites();
    const std::string& name = request.crate_name;
    Clock::time_point phase = Clock::now();
    HL_ASSIGN_OR_RETURN(
        std::unique_ptr<llvm::Module> crate,
        engine::ParseBitcode(request.crate_bitcode, name, context_));
    HL_RETURN_IF_ERROR(engine::VerifyModule(*crate, name));
    HL_RETURN_IF_ERROR(engine::CheckSameArch(*crate, name, helpers));
    HL_ASSIGN_OR_RETURN(llvm::TargetMachine * target, TargetFor(setup));
    HL_RETURN_IF_ERROR(engine::CheckCpus(*crate, name, *target));
    times.set_parse(MillisSince(phase));

    phase = Clock::now();
    llvm::StringSet<> crate_functions = engine::CrateFunctions(*crate);
    absl::StatusOr<int> linked = engine::LinkNeeded(*crate, name, helpers);
    HL_RETURN_IF_ERROR(engine::FirstError(log, name));
    if (!linked.ok()) return linked.status();
    report.set_helpers_linked(*linked);
    times.set_link(MillisSince(phase));

    phase = Clock::now();
    HL_ASSIGN_OR_RETURN(engine::InlineOutcome inlined,
                        engine::InlineHelpers(*crate, helpers, crate_functions,
                                              *target, report));
    times.set_inline_(MillisSince(phase));

    phase = Clock::now();
    engine::OptimizeInlined(*crate, inlined.touched, *target);
    HL_RETURN_IF_ERROR(engine::FirstError(log, name));
    times.set_optimize(MillisSince(phase));
    sites.set_remaining(
        engine::CountHelperCalls(*crate, helpers, crate_functions));
    sites.set_removed(inlined.CountDeleted());
    // Calls the stage copied (a loop unrolled around a call it could not
    // inline) are sites too: what remains beyond the surviving originals.
    int surviving =
        static_cast<int>(inlined.not_inlined.size()) - sites.removed();
    if (sites.remaining() > surviving) {
      sites.set_found(sites.found() + sites.remaining() - surviving);
    }
    if (request.save_merged == SaveMerged::kYes) {
      result.merged_bitcode = BitcodeOf(*crate);
    }

    phase = Clock::now();
    absl::StatusOr<std::string> object =
        engine::RunBackend(*crate, setup, engine::BackendStage::kCodegen);
    HL_RETURN_IF_ERROR(engine::FirstError(log, name));
    times.set_codegen(MillisSince(phase));
    return object;
  }

  // Exact: llvm-link's steps, then clang's optimization and codegen.
  absl::StatusOr<std::string> LinkExact(const LinkRequest& request,
                                        const engine::ClangSetup& setup,
                                        const engine::HelperSet& helpers,
                                        engine::DiagnosticLog& log,
                                        LinkResult& result) {
    Report& report = result.report;
    v1::PhaseTimes& times = *report.mutable_times_ms();
    v1::CallSites& sites = *report.mutable_call_sites();
    const std::string& name = request.crate_name;
    Clock::time_point phase = Clock::now();
    HL_ASSIGN_OR_RETURN(std::unique_ptr<llvm::Module> crate,
                        engine::ParseBitcodeLikeLlvmLink(request.crate_bitcode,
                                                         name, context_));
    // Before linking: the lazily read crate's definitions are known, and
    // none of them is materialized by this.
    llvm::StringSet<> crate_functions = engine::CrateFunctions(*crate);
    HL_RETURN_IF_ERROR(engine::CheckSameArch(*crate, name, helpers));
    HL_ASSIGN_OR_RETURN(llvm::TargetMachine * target, TargetFor(setup));
    HL_RETURN_IF_ERROR(engine::CheckCpus(*crate, name, *target));
    times.set_parse(MillisSince(phase));

    phase = Clock::now();
    absl::StatusOr<std::unique_ptr<llvm::Module>> merged =
        engine::LinkLikeLlvmLink(std::move(crate), name, helpers);
    HL_RETURN_IF_ERROR(engine::FirstError(log, name));
    if (!merged.ok()) return merged.status();
    // Bitcode (-flto) comes from one clang backend run, on the module as
    // clang reads it back: its pre-link pipeline and writer belong together.
    bool bitcode = engine::OutputFor(setup) == engine::OutputKind::kBitcode;
    if (bitcode) {
      merged = engine::ReadBackLikeTheRecipe(**merged, name);
      if (!merged.ok()) return merged.status();
    }
    llvm::Module& module = **merged;
    HL_RETURN_IF_ERROR(engine::VerifyModule(module, name));
    report.set_helpers_linked(CountLinkedHelpers(module, helpers));
    sites.set_found(engine::CountHelperCalls(module, helpers, crate_functions));
    times.set_link(MillisSince(phase));

    phase = Clock::now();
    absl::StatusOr<std::string> optimized =
        engine::RunBackend(module, setup,
                           bitcode ? engine::BackendStage::kOptimizeAndCodegen
                                   : engine::BackendStage::kOptimize);
    HL_RETURN_IF_ERROR(engine::FirstError(log, name));
    if (!optimized.ok()) return optimized.status();
    times.set_optimize(MillisSince(phase));
    sites.set_remaining(
        engine::CountHelperCalls(module, helpers, crate_functions));
    SummarizeRemarks(log, module, helpers, crate_functions, report);
    if (request.save_merged == SaveMerged::kYes) {
      result.merged_bitcode = BitcodeOf(module);
    }
    if (bitcode) return optimized;

    phase = Clock::now();
    log.collect_inline_remarks = false;
    absl::StatusOr<std::string> object =
        engine::RunBackend(module, setup, engine::BackendStage::kCodegen);
    HL_RETURN_IF_ERROR(engine::FirstError(log, name));
    times.set_codegen(MillisSince(phase));
    return object;
  }

  EngineOptions options_;
  // Declared before the helper sets so that it outlives every module in it.
  llvm::LLVMContext context_;
  std::list<std::pair<std::string, std::unique_ptr<engine::HelperSet>>>
      helper_sets_;
  std::map<std::string, engine::ClangSetup> setups_;
  std::map<const engine::ClangSetup*, std::unique_ptr<llvm::TargetMachine>>
      machines_;
  std::optional<std::vector<std::string>> mllvm_applied_;
  int64_t helper_set_loads_ = 0;
};

Engine::Engine(EngineOptions options)
    : impl_(std::make_unique<Impl>(options)) {}
Engine::~Engine() = default;

absl::StatusOr<LinkResult> Engine::Link(const LinkRequest& request) {
  return impl_->Link(request);
}

int Engine::resident_helper_sets() const {
  return impl_->resident_helper_sets();
}

int64_t Engine::helper_set_loads() const { return impl_->helper_set_loads(); }

}  // namespace helperlink
