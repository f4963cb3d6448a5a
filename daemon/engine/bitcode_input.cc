// Bitcode checks and parsing; see bitcode_input.h.
#include "daemon/engine/bitcode_input.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "daemon/engine/diagnostics.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/AutoUpgrade.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

namespace helperlink::engine {
namespace {

llvm::MemoryBufferRef AsBufferRef(absl::string_view bytes,
                                  absl::string_view name) {
  return llvm::MemoryBufferRef(llvm::StringRef(bytes.data(), bytes.size()),
                               llvm::StringRef(name.data(), name.size()));
}

}  // namespace

absl::Status CheckBitcode(absl::string_view bytes, absl::string_view name) {
  if (bytes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": file is empty"));
  }
  const auto* begin = reinterpret_cast<const unsigned char*>(bytes.data());
  // isBitcode reads the four magic bytes without checking the length.
  if (bytes.size() < 4 || !llvm::isBitcode(begin, begin + bytes.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": not LLVM bitcode (bad magic number)"));
  }
  llvm::Expected<std::string> producer =
      llvm::getBitcodeProducerString(AsBufferRef(bytes, name));
  if (!producer) return ErrorToStatus(producer.takeError(), name);
  // Producers look like "LLVM22.1.8" or "LLVM22.1.2-rust-1.95.0-stable".
  absl::string_view text = *producer;
  if (text.rfind("LLVM", 0) != 0) {
    // Unknown producer: let the parser decide.
    return absl::OkStatus();
  }
  absl::string_view version = text.substr(4);
  int major = 0;
  if (!absl::SimpleAtoi(version.substr(0, version.find('.')), &major)) {
    return absl::OkStatus();
  }
  if (major != LLVM_VERSION_MAJOR) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: bitcode was produced by LLVM %d (\"%s\"), helperlink uses LLVM "
        "%d; rustc, clang and helperlink must share the LLVM major version",
        name, major, text, LLVM_VERSION_MAJOR));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<llvm::Module>> ParseBitcode(
    absl::string_view bytes, absl::string_view name,
    llvm::LLVMContext& context) {
  auto module = llvm::parseBitcodeFile(AsBufferRef(bytes, name), context);
  if (!module) return ErrorToStatus(module.takeError(), name);
  return std::move(*module);
}

absl::StatusOr<std::unique_ptr<llvm::Module>> ParseBitcodeLikeLlvmLink(
    absl::string_view bytes, absl::string_view name,
    llvm::LLVMContext& context) {
  auto module = llvm::getLazyBitcodeModule(AsBufferRef(bytes, name), context,
                                           /*ShouldLazyLoadMetadata=*/false);
  if (!module) return ErrorToStatus(module.takeError(), name);
  std::unique_ptr<llvm::Module> result = std::move(*module);
  if (llvm::Error error = result->materializeMetadata()) {
    return ErrorToStatus(std::move(error), name);
  }
  llvm::UpgradeDebugInfo(*result);
  return result;
}

absl::Status VerifyModule(const llvm::Module& module, absl::string_view name) {
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (!llvm::verifyModule(module, &os)) return absl::OkStatus();
  os.flush();
  std::string first = problems.substr(0, problems.find('\n'));
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": invalid IR: ", first));
}

}  // namespace helperlink::engine
