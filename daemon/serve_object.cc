// Cache-first object serving; see serve_object.h.
#include "daemon/serve_object.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "cache/sha256.h"

namespace helperlink {
namespace {

RemoteAction ActionFor(const LinkRequest& request, const KeyInputs& inputs) {
  std::vector<uint64_t> helper_sizes;
  for (const HelperInput& helper : request.helpers) {
    helper_sizes.push_back(helper.bytes->size());
  }
  return MakeRemoteAction(inputs, request.crate_bitcode.size(), helper_sizes);
}

}  // namespace

KeyInputs KeyInputsFor(const LinkRequest& request,
                       std::vector<std::string> helper_digests) {
  std::vector<std::string> paths;
  for (const HelperInput& helper : request.helpers)
    paths.push_back(helper.name);
  return MakeKeyInputs(std::string(ModeName(request.mode)),
                       std::move(helper_digests), std::move(paths),
                       request.cc_command, Sha256Hex(request.crate_bitcode));
}

absl::StatusOr<ServedObject> ServeObject(
    const CacheSetup& caches, const LinkRequest& request,
    const KeyInputs& inputs, const std::string& output_path,
    absl::FunctionRef<absl::StatusOr<LinkResult>()> compute) {
  ServedObject served;
  std::string key = inputs.Key();
  LocalCache* local = caches.local;
  std::string notes = local ? "" : caches.why_no_local;
  if (!caches.why_no_remote.empty()) {
    notes = notes.empty() ? caches.why_no_remote
                          : absl::StrCat(notes, "; ", caches.why_no_remote);
  }
  auto note = [&notes](const std::string& text) {
    notes = notes.empty() ? text : absl::StrCat(notes, "; ", text);
  };

  // 1. The local cache.
  if (local) {
    absl::StatusOr<std::optional<CachedObject>> found = local->Lookup(key);
    if (!found.ok()) {
      note(absl::StrCat("local cache unavailable: ", found.status().message()));
      local = nullptr;
    } else if (found->has_value()) {
      CachedObject& entry = **found;
      uint64_t bytes = entry.object.size() + entry.report_json.size();
      auto record = local->RecordHit(inputs, key, bytes, output_path);
      served.hit = true;
      served.object = std::move(entry.object);
      served.report_json =
          AddCacheToReport(entry.report_json, "hit", key,
                           record.ok() ? record->explanation : "");
      return served;
    }
  }

  // 2. The remote cache; a hit fills the local cache.
  std::optional<RemoteAction> action;
  if (caches.remote) {
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
      served.hit = served.remote_hit = true;
      served.object = std::move(entry.object);
      served.report_json =
          AddCacheToReport(entry.report_json, "remote-hit", key, explanation);
      return served;
    }
  }

  // 3. Compute, store, upload.
  absl::StatusOr<LinkResult> result = compute();
  if (!result.ok()) return result.status();
  served.object = std::move(result->object);
  std::string report = result->report.ToJson();
  std::string explanation;
  if (local) {
    auto record =
        local->StoreMiss(inputs, key, {served.object, report}, output_path);
    if (record.ok()) {
      explanation = record->explanation;
    } else {
      note(absl::StrCat("not stored: ", record.status().message()));
    }
  }
  if (caches.remote && caches.remote->options().write &&
      caches.schedule_upload) {
    RemoteCache* remote = caches.remote;
    auto entry =
        std::make_shared<CachedObject>(CachedObject{served.object, report});
    RemoteAction upload_action = *action;
    caches.schedule_upload([remote, entry, upload_action] {
      remote->Upload(upload_action, *entry).IgnoreError();  // counted inside
    });
  }
  if (!notes.empty()) {
    explanation =
        explanation.empty() ? notes : absl::StrCat(explanation, "; ", notes);
  }
  served.report_json =
      AddCacheToReport(report, local ? "miss" : "off", key, explanation);
  return served;
}

}  // namespace helperlink
