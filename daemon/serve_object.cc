// Cache-first object serving; see serve_object.h.
#include "daemon/serve_object.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "cache/cache_first.h"
#include "cache/sha256.h"
#include "daemon/crash_report.h"
#include "helperlink/millis.h"

namespace helperlink {
namespace {

// Wall time spent in the caches by one request, summed over its steps.
class CacheClock {
 public:
  void Start() { start_ = SteadyClock::now(); }
  void Stop() { total_ += MillisSince(start_); }
  double ms() const { return total_; }

 private:
  SteadyClock::time_point start_;
  double total_ = 0;
};

RemoteAction ActionFor(const LinkRequest& request, const KeyInputs& inputs) {
  std::vector<uint64_t> helper_sizes;
  for (const HelperInput& helper : request.helpers) {
    helper_sizes.push_back(helper.bytes->size());
  }
  return MakeRemoteAction(inputs, request.crate_bitcode.size(), helper_sizes);
}

}  // namespace

ObjectKey KeyFor(const LinkRequest& request,
                 std::vector<std::string> helper_digests,
                 const std::optional<ClientKey>& client_key) {
  std::vector<std::string> paths;
  for (const HelperInput& helper : request.helpers)
    paths.push_back(helper.name);
  ObjectKey result;
  if (client_key) {
    result.inputs = MakeKeyInputs(request.mode, helper_digests, paths,
                                  request.cc_command, client_key->crate_digest);
    result.key = result.inputs.Key();
    // A key that differs means the client saw other inputs (a helpers file
    // rebuilt in between) or is another build of helperlink: its digest
    // is not used.
    if (result.key == client_key->key) {
      result.crate_digest = CrateDigest::kFromClient;
      return result;
    }
  }
  result.inputs =
      MakeKeyInputs(request.mode, std::move(helper_digests), std::move(paths),
                    request.cc_command, Sha256Hex(request.crate_bitcode));
  result.key = result.inputs.Key();
  result.crate_digest = CrateDigest::kHashedHere;
  return result;
}

absl::StatusOr<ServedObject> ServeObject(
    const CacheSetup& caches, const LinkRequest& request,
    std::vector<std::string> helper_digests,
    const std::optional<ClientKey>& client_key, const std::string& output_path,
    double receive_ms,
    absl::FunctionRef<absl::StatusOr<LinkResult>()> compute) {
  ServedObject served;
  CacheClock cache_clock;
  // With no cache at all there is no key to compute.
  const bool cached = caches.local || caches.remote;
  ObjectKey object_key;
  if (cached) {
    cache_clock.Start();
    object_key = KeyFor(request, std::move(helper_digests), client_key);
    cache_clock.Stop();
    served.crate_hashed = object_key.crate_digest == CrateDigest::kHashedHere;
  }
  const KeyInputs& inputs = object_key.inputs;
  const std::string& key = object_key.key;
  const bool client_key_used =
      cached && object_key.crate_digest == CrateDigest::kFromClient;
  // The client's lookup was of this very key in this cache.
  const bool client_looked_up = client_key_used && client_key->local_missed;
  const double client_ms = client_key_used ? client_key->lookup_ms : 0;
  // The report as served: the stored or computed one, with this serving's
  // cache outcome, notice and receive time.
  auto finish = [&](Report report, const char* result,
                    const std::string& explanation) {
    if (caches.local) served.cache_notice = caches.local->TakeNotice();
    SetCacheOutcome(result, key, explanation, client_ms + cache_clock.ms(),
                    &report);
    report.set_cache_notice(served.cache_notice);
    report.set_receive_ms(receive_ms);
    served.report = std::move(report);
  };
  LocalCache* local = caches.local;
  // A fault from here on is the cache's (LMDB maps its file), except in
  // compute() below.
  CrashPhaseScope cache_phase(CrashPhase::kCache);
  std::string notes = local ? "" : caches.why_no_local;
  if (!caches.why_no_remote.empty()) {
    notes = notes.empty() ? caches.why_no_remote
                          : absl::StrCat(notes, "; ", caches.why_no_remote);
  }
  auto note = [&notes](const std::string& text) {
    notes = notes.empty() ? text : absl::StrCat(notes, "; ", text);
  };

  // With --save-merged the object must be computed: no lookups.
  const bool lookup = request.save_merged == SaveMerged::kNo;
  if (!lookup && (local || caches.remote)) {
    note("lookup skipped (--save-merged needs the merged module)");
  }

  // 1. The local cache, unless the client just looked this key up there.
  if (local && lookup && !client_looked_up) {
    cache_clock.Start();
    absl::StatusOr<std::optional<LocalHit>> found =
        LookupLocalHit(*local, inputs, key, output_path);
    if (!found.ok()) {
      note(absl::StrCat("local cache unavailable: ", found.status().message()));
      local = nullptr;
    } else if (found->has_value()) {
      LocalHit& hit = **found;
      cache_clock.Stop();
      served.hit = true;
      served.object = std::move(hit.entry.object);
      finish(std::move(hit.entry.report), "hit", hit.explanation);
      return served;
    }
    cache_clock.Stop();
  }

  // 2. The remote cache; a hit fills the local cache.
  std::optional<RemoteAction> action;
  if (caches.remote && lookup) {
    cache_clock.Start();
    action = ActionFor(request, inputs);
    auto found = caches.remote->Lookup(*action);
    if (!found.ok()) {
      note(std::string(found.status().message()));
    } else if (found->has_value()) {
      CachedObject& entry = **found;
      std::string explanation;
      if (local) {
        auto record = local->StoreMiss(inputs, key, entry, output_path);
        if (record.ok()) explanation = record->explanation;
      }
      cache_clock.Stop();
      served.hit = served.remote_hit = true;
      served.object = std::move(entry.object);
      finish(std::move(entry.report), "remote-hit", explanation);
      return served;
    }
    cache_clock.Stop();
  }

  // 3. Compute, store, upload.
  absl::StatusOr<LinkResult> result = [&] {
    CrashPhaseScope link_phase(CrashPhase::kLink);
    return compute();
  }();
  if (!result.ok()) return result.status();
  served.merged_bitcode = std::move(result->merged_bitcode);
  // Moved in, stored, and moved on to the response: not copied (only an
  // upload, which outlives this call, gets its own copy).
  CachedObject computed{std::move(result->object), std::move(result->report)};
  std::string explanation;
  cache_clock.Start();
  if (local) {
    auto record = local->StoreMiss(inputs, key, computed, output_path);
    if (record.ok()) {
      explanation = record->explanation;
    } else {
      note(absl::StrCat("not stored: ", record.status().message()));
    }
  }
  if (caches.remote && caches.remote->options().write &&
      caches.schedule_upload) {
    RemoteCache* remote = caches.remote;
    auto entry = std::make_shared<CachedObject>(computed);
    RemoteAction upload_action = action ? *action : ActionFor(request, inputs);
    caches.schedule_upload([remote, entry, upload_action] {
      remote->Upload(upload_action, *entry).IgnoreError();  // counted inside
    });
  }
  cache_clock.Stop();
  if (!notes.empty()) {
    explanation =
        explanation.empty() ? notes : absl::StrCat(explanation, "; ", notes);
  }
  served.object = std::move(computed.object);
  finish(std::move(computed.report), local ? "miss" : "off", explanation);
  return served;
}

}  // namespace helperlink
