// Adapters between LLVM's error reporting and absl::Status, and the
// diagnostic handler every request runs under. Without our own handler an
// LLVM backend error (bad inline asm, say) would call exit(1) and take the
// whole daemon with it; with it, the error becomes this request's Status.
#ifndef HELPERLINK_DAEMON_ENGINE_DIAGNOSTICS_H_
#define HELPERLINK_DAEMON_ENGINE_DIAGNOSTICS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "llvm/IR/DiagnosticHandler.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/Error.h"

namespace helperlink::engine {

// "NAME: message" as an InvalidArgument status; consumes the error.
absl::Status ErrorToStatus(llvm::Error error, absl::string_view name);

// One optimization remark from LLVM's inliner.
struct InlineRemark {
  bool inlined = false;
  std::string caller;
  std::string callee;
  std::string reason;  // for missed remarks: LLVM's reason text
};

// Collects errors, warnings when asked, and the inliner's remarks for one
// request or one helper-set load.
struct DiagnosticLog {
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  std::vector<InlineRemark> inline_remarks;
  bool collect_warnings = false;
  bool collect_inline_remarks = false;
};

// Installs a handler on `context` for the lifetime of this object and
// restores the previous one afterwards.
class ScopedDiagnostics {
 public:
  ScopedDiagnostics(llvm::LLVMContext& context, DiagnosticLog& log);
  ~ScopedDiagnostics();
  ScopedDiagnostics(const ScopedDiagnostics&) = delete;
  ScopedDiagnostics& operator=(const ScopedDiagnostics&) = delete;

 private:
  llvm::LLVMContext& context_;
  std::unique_ptr<llvm::DiagnosticHandler> previous_;
};

// The first error recorded in `log` as a Status naming `name`, or OK.
absl::Status FirstError(const DiagnosticLog& log, absl::string_view name);

}  // namespace helperlink::engine

#endif  // HELPERLINK_DAEMON_ENGINE_DIAGNOSTICS_H_
