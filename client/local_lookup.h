// The client's own lookup of the local cache, made before it asks the
// daemon: the cache-first step of cache/cache_first.h, run in this process.
// A hit is answered here, without the daemon. A miss leaves the key and the
// crate's digest, which travel with the request (proto ClientKey) so that
// the daemon neither hashes the crate nor looks the key up a second time.
#ifndef HELPERLINK_CLIENT_LOCAL_LOOKUP_H_
#define HELPERLINK_CLIENT_LOCAL_LOOKUP_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "client/client_options.h"
#include "helperlink.pb.h"
#include "invocation/cli_args.h"
#include "report.pb.h"

namespace helperlink {

struct LocalLookup {
  // A hit: the object and its report, with the cache section filled.
  struct Hit {
    std::string object;
    v1::Report report;
  };
  std::optional<Hit> hit;
  // Without a hit: what to send with the request, if the key was computed.
  std::optional<v1::ClientKey> client_key;
  // Damaged local storage was moved aside on the way: the one line to log
  // and report; "" normally.
  std::string notice;
};

// Looks the object of `args` up in `options.cache_dir`, which the caller
// has checked is trusted (PrepareCacheDir). `args.helpers` are absolute;
// `crate` is the crate bitcode, read in `read_ms`. A cache that cannot
// answer (not openable, a helpers file unreadable) gives neither a hit nor
// a key: the daemon then decides, and reports what is wrong.
LocalLookup LookUpLocally(const ClientOptions& options, const ObjectArgs& args,
                          absl::string_view crate, double read_ms);

}  // namespace helperlink

#endif  // HELPERLINK_CLIENT_LOCAL_LOOKUP_H_
