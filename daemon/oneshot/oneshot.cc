// The one-shot pipeline; see oneshot.h.
#include "daemon/oneshot/oneshot.h"

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "cache/local_cache.h"
#include "cache/sha256.h"
#include "daemon/crash_report.h"
#include "daemon/serve_object.h"
#include "helperlink/millis.h"
#include "helperlink/status_macros.h"
#include "invocation/atomic_file.h"
#include "proto/report_json.h"

namespace helperlink {
namespace {

struct Inputs {
  LinkRequest request;
  std::string crate;
  std::vector<std::string> helper_digests;
};

absl::Status ReadInputs(const ObjectArgs& args, Inputs& in) {
  in.request.mode = args.mode;
  HL_ASSIGN_OR_RETURN(in.crate, ReadInputFile(args.crate, kMaxInputBytes));
  in.request.crate_name = args.crate;
  in.request.crate_bitcode = in.crate;
  for (const std::string& path : args.helpers) {
    HL_ASSIGN_OR_RETURN(std::string bytes, ReadInputFile(path, kMaxInputBytes));
    in.helper_digests.push_back(Sha256Hex(bytes));
    in.request.helpers.push_back(
        {path, std::make_shared<const std::string>(std::move(bytes))});
  }
  in.request.cc_command = args.cc_command;
  in.request.save_merged =
      args.save_merged.empty() ? SaveMerged::kNo : SaveMerged::kYes;
  return absl::OkStatus();
}

absl::StatusOr<ServedObject> Serve(const ObjectArgs& args,
                                   const OneshotOptions& options,
                                   Engine& engine) {
  Inputs in;
  SteadyClock::time_point start = SteadyClock::now();
  HL_RETURN_IF_ERROR(ReadInputs(args, in));
  double read_ms = MillisSince(start);
  std::unique_ptr<LocalCache> local;
  std::unique_ptr<RemoteCache> remote;
  CacheSetup caches;
  caches.why_no_local = "cache bypassed (--no-cache)";
  if (!args.no_cache) {
    // Opening maps the environment: a fault there is the cache's.
    CrashPhaseScope cache_phase(CrashPhase::kCache);
    auto opened =
        options.cache_dir.empty()
            ? absl::StatusOr<std::unique_ptr<LocalCache>>(
                  absl::NotFoundError(options.why_no_cache_dir))
            : OpenTrustedCache(options.cache_dir, options.cache_policy,
                               options.cache_sharing);
    if (opened.ok()) {
      local = std::move(*opened);
      caches.local = local.get();
    } else {
      caches.why_no_local =
          absl::StrCat("cache unavailable: ", opened.status().message());
    }
    if (options.remote) {
      auto made = RemoteCache::Create(*options.remote);
      if (made.ok()) {
        remote = std::move(*made);
        caches.remote = remote.get();
        // One object per process: upload before exiting.
        caches.schedule_upload = [](std::function<void()> upload) { upload(); };
      } else {
        caches.why_no_remote =
            absl::StrCat("remote cache unavailable: ", made.status().message());
      }
    }
  }
  return ServeObject(caches, in.request, std::move(in.helper_digests),
                     /*client_key=*/std::nullopt, AbsolutePath(args.output),
                     read_ms, [&] { return engine.Link(in.request); });
}

}  // namespace

absl::Status RunOneshot(const ObjectArgs& args, const OneshotOptions& options,
                        Engine& engine) {
  absl::StatusOr<ServedObject> served = Serve(args, options, engine);
  absl::Status status = served.status();
  if (status.ok() && !served->cache_notice.empty()) {
    std::fprintf(stderr, "helperlinkd: %s\n", served->cache_notice.c_str());
  }
  if (status.ok() && !args.report_path.empty()) {
    status =
        WriteFileAtomically(args.report_path, ReportToJson(served->report));
  }
  if (status.ok() && !args.save_merged.empty()) {
    status = WriteFileAtomically(args.save_merged, served->merged_bitcode);
  }
  if (status.ok()) status = WriteFileAtomically(args.output, served->object);
  if (status.ok()) PrintReportWarnings(served->report, stderr);
  if (!status.ok()) {
    // Compilers remove their output on failure; so do we, so that a stale
    // object from an earlier build is never mistaken for this one's.
    RemoveIfExists(args.output).IgnoreError();
    if (!args.report_path.empty()) {
      RemoveIfExists(args.report_path).IgnoreError();
    }
    if (!args.save_merged.empty()) {
      RemoveIfExists(args.save_merged).IgnoreError();
    }
  }
  return status;
}

}  // namespace helperlink
