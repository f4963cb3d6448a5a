// Cache-first object serving; see serve_object.h.
#include "daemon/serve_object.h"

#include "absl/strings/str_cat.h"
#include "cache/sha256.h"

namespace helperlink {

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
    LocalCache* cache, absl::string_view why_no_cache, const KeyInputs& inputs,
    const std::string& output_path,
    absl::FunctionRef<absl::StatusOr<LinkResult>()> compute) {
  ServedObject served;
  std::string key = inputs.Key();
  std::string cache_problem;
  if (cache) {
    absl::StatusOr<std::optional<CachedObject>> found = cache->Lookup(key);
    if (!found.ok()) {
      cache_problem = std::string(found.status().message());
    } else if (found->has_value()) {
      CachedObject& entry = **found;
      uint64_t bytes = entry.object.size() + entry.report_json.size();
      auto record = cache->RecordHit(inputs, key, bytes, output_path);
      served.hit = true;
      served.object = std::move(entry.object);
      served.report_json =
          AddCacheToReport(entry.report_json, "hit", key,
                           record.ok() ? record->explanation : "");
      return served;
    }
  }

  absl::StatusOr<LinkResult> result = compute();
  if (!result.ok()) return result.status();
  served.object = std::move(result->object);
  std::string report = result->report.ToJson();
  if (!cache) {
    served.report_json =
        AddCacheToReport(report, "off", key, std::string(why_no_cache));
    return served;
  }
  if (!cache_problem.empty()) {
    served.report_json = AddCacheToReport(
        report, "off", key, absl::StrCat("cache unavailable: ", cache_problem));
    return served;
  }
  auto record =
      cache->StoreMiss(inputs, key, {served.object, report}, output_path);
  served.report_json = AddCacheToReport(
      report, "miss", key,
      record.ok() ? record->explanation
                  : absl::StrCat("not stored: ", record.status().message()));
  return served;
}

}  // namespace helperlink
