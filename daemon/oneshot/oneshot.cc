// The one-shot pipeline; see oneshot.h.
#include "daemon/oneshot/oneshot.h"

#include <memory>

#include "client/atomic_file.h"
#include "helperlink/status_macros.h"

namespace helperlink {
namespace {

absl::StatusOr<LinkResult> LinkFromFiles(const ObjectArgs& args,
                                         Engine& engine) {
  LinkRequest request;
  HL_ASSIGN_OR_RETURN(request.mode, ParseMode(args.mode));
  HL_ASSIGN_OR_RETURN(std::string crate, ReadFileToString(args.crate));
  request.crate_name = args.crate;
  request.crate_bitcode = crate;
  for (const std::string& path : args.helpers) {
    HL_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
    request.helpers.push_back(
        {path, std::make_shared<const std::string>(std::move(bytes))});
  }
  request.cc_command = args.cc_command;
  return engine.Link(request);
}

}  // namespace

absl::Status RunOneshot(const ObjectArgs& args, Engine& engine) {
  absl::StatusOr<LinkResult> result = LinkFromFiles(args, engine);
  absl::Status status = result.status();
  if (status.ok() && !args.report_path.empty()) {
    status = WriteFileAtomically(args.report_path, result->report.ToJson());
  }
  if (status.ok()) status = WriteFileAtomically(args.output, result->object);
  if (!status.ok()) {
    // Compilers remove their output on failure; so do we, so that a stale
    // object from an earlier build is never mistaken for this one's.
    RemoveIfExists(args.output).IgnoreError();
    if (!args.report_path.empty()) {
      RemoveIfExists(args.report_path).IgnoreError();
    }
  }
  return status;
}

}  // namespace helperlink
