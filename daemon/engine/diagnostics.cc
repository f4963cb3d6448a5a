// LLVM diagnostics → absl::Status, and inliner remarks → report entries.
#include "daemon/engine/diagnostics.h"

#include "absl/strings/str_cat.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/Support/raw_ostream.h"

namespace helperlink::engine {
namespace {

// Keeps only the first line: errors in this project are one line.
std::string FirstLine(std::string text) {
  size_t nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  return text;
}

class Handler : public llvm::DiagnosticHandler {
 public:
  explicit Handler(DiagnosticLog& log) : log_(log) {}

  bool handleDiagnostics(const llvm::DiagnosticInfo& info) override {
    switch (info.getKind()) {
      case llvm::DK_OptimizationRemark:
      case llvm::DK_OptimizationRemarkMissed:
        RecordRemark(llvm::cast<llvm::DiagnosticInfoOptimizationBase>(info));
        return true;
      default:
        break;
    }
    bool error = info.getSeverity() == llvm::DS_Error;
    if (error ||
        (info.getSeverity() == llvm::DS_Warning && log_.collect_warnings)) {
      std::string text;
      llvm::raw_string_ostream os(text);
      llvm::DiagnosticPrinterRawOStream printer(os);
      info.print(printer);
      os.flush();
      (error ? log_.errors : log_.warnings).push_back(FirstLine(text));
    }
    // Other warnings, notes and remarks are dropped: the request's outcome
    // is its Status and its report.
    return true;
  }

  bool isPassedOptRemarkEnabled(llvm::StringRef pass) const override {
    return log_.collect_inline_remarks && pass == "inline";
  }
  bool isMissedOptRemarkEnabled(llvm::StringRef pass) const override {
    return log_.collect_inline_remarks && pass == "inline";
  }
  bool isAnalysisRemarkEnabled(llvm::StringRef) const override { return false; }
  // The cheap check optimization passes make before building any remark.
  bool isAnyRemarkEnabled() const override {
    return log_.collect_inline_remarks;
  }

 private:
  void RecordRemark(const llvm::DiagnosticInfoOptimizationBase& remark) {
    if (!log_.collect_inline_remarks || remark.getPassName() != "inline") {
      return;
    }
    InlineRemark entry;
    entry.inlined = remark.getKind() == llvm::DK_OptimizationRemark;
    for (const auto& arg : remark.getArgs()) {
      if (arg.Key == "Callee") entry.callee = arg.Val;
      if (arg.Key == "Caller") entry.caller = arg.Val;
      if (arg.Key == "Reason") entry.reason = arg.Val;
    }
    if (!entry.inlined && entry.reason.empty()) {
      entry.reason = remark.getMsg();
    }
    log_.inline_remarks.push_back(std::move(entry));
  }

  DiagnosticLog& log_;
};

}  // namespace

absl::Status ErrorToStatus(llvm::Error error, absl::string_view name) {
  std::string message = llvm::toString(std::move(error));
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": ", FirstLine(message)));
}

ScopedDiagnostics::ScopedDiagnostics(llvm::LLVMContext& context,
                                     DiagnosticLog& log)
    : context_(context), previous_(context.getDiagnosticHandler()) {
  context_.setDiagnosticHandler(std::make_unique<Handler>(log));
}

ScopedDiagnostics::~ScopedDiagnostics() {
  context_.setDiagnosticHandler(std::move(previous_));
}

absl::Status FirstError(const DiagnosticLog& log, absl::string_view name) {
  if (log.errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", log.errors[0]));
}

}  // namespace helperlink::engine
