// Serving one object through the local cache, shared by the daemon and the
// one-shot: look the key up; on a hit return the stored object; on a miss
// compute it, store it and say why it missed. A cache that fails is reported
// in the object's report and otherwise ignored: it never fails a build.
#ifndef HELPERLINK_DAEMON_SERVE_OBJECT_H_
#define HELPERLINK_DAEMON_SERVE_OBJECT_H_

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "cache/key.h"
#include "cache/local_cache.h"
#include "helperlink/engine.h"

namespace helperlink {

struct ServedObject {
  std::string object;
  std::string report_json;  // with its "cache" section
  bool hit = false;
};

// Key inputs of `request` (hashes the crate; helper digests come from the
// caller, who has them cached).
KeyInputs KeyInputsFor(const LinkRequest& request,
                       std::vector<std::string> helper_digests);

// `cache` may be null: then `compute` always runs and the report says
// "off", with `why_no_cache` ("--no-cache", or the error that kept the cache
// from opening). `output_path` is absolute; it keys --explain.
absl::StatusOr<ServedObject> ServeObject(
    LocalCache* cache, absl::string_view why_no_cache, const KeyInputs& inputs,
    const std::string& output_path,
    absl::FunctionRef<absl::StatusOr<LinkResult>()> compute);

}  // namespace helperlink

#endif  // HELPERLINK_DAEMON_SERVE_OBJECT_H_
