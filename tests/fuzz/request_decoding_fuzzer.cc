// libFuzzer target over what the daemon and the caches decode from outside:
// a daemon request message, the worker protocol's messages, the per-object
// command line, cache entries, key and output records, the cache policy and
// token file grammars, and REAPI messages. None may crash, hang or accept
// what it should refuse.
#include <cstdint>
#include <string>
#include <vector>

#include "build/bazel/remote/execution/v2/remote_execution.pb.h"
#include "cache/entry.h"
#include "cache/key.h"
#include "cache/local_cache.h"
#include "cache/reapi_server.h"
#include "cache/store.h"
#include "helperlink.pb.h"
#include "invocation/cli_args.h"
#include "worker.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);

  helperlink::v1::LinkRequest request;
  if (request.ParseFromString(bytes) && request.has_header()) {
    (void)helperlink::NormalizeFlags({request.header().cc_command().begin(),
                                      request.header().cc_command().end()});
    helperlink::CachePolicy policy;
    policy.max_bytes = request.header().cache_policy().max_bytes();
    policy.evict_to = request.header().cache_policy().evict_to();
    (void)helperlink::CheckCachePolicy(policy);
  }

  helperlink::worker::v1::WorkerRequest worker_request;
  (void)worker_request.ParseFromString(bytes);
  helperlink::worker::v1::WorkerReply worker_reply;
  (void)worker_reply.ParseFromString(bytes);

  std::vector<std::string> args;
  size_t start = 0;
  for (size_t i = 0; i <= bytes.size(); ++i) {
    if (i == bytes.size() || bytes[i] == '\0') {
      args.push_back(bytes.substr(start, i - start));
      start = i + 1;
    }
  }
  (void)helperlink::ParseObjectArgs(args);

  auto entry = helperlink::DecodeEntry("key", bytes);
  if (entry.ok()) {
    // Whatever decodes must encode back to the same bytes.
    if (helperlink::EncodeEntry("key", *entry) != bytes) __builtin_trap();
  }
  (void)helperlink::KeyInputs::Parse(bytes);
  (void)helperlink::OutputRecord::Parse(bytes);
  (void)helperlink::ParseCachePolicy(bytes);
  (void)helperlink::ParseTokenFile(bytes);

  build::bazel::remote::execution::v2::ActionResult result;
  (void)result.ParseFromString(bytes);
  return 0;
}
