// Shared pieces of the store seam: counters and the policy string.
#include "cache/store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace helperlink {

void CacheStats::Add(const CacheStats& d) {
  hits += d.hits;
  misses += d.misses;
  bytes_read += d.bytes_read;
  bytes_written += d.bytes_written;
  stores += d.stores;
  evictions += d.evictions;
  corrupt += d.corrupt;
}

absl::StatusOr<std::optional<ValueSlice>> Store::GetSlice(Table table,
                                                          absl::string_view key,
                                                          uint64_t offset,
                                                          uint64_t length) {
  absl::StatusOr<std::optional<std::string>> value = Get(table, key);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<ValueSlice>();
  ValueSlice slice;
  slice.size = (*value)->size();
  if (offset < slice.size) {
    slice.bytes = (*value)->substr(offset, length);
  }
  return std::optional<ValueSlice>(std::move(slice));
}

absl::StatusOr<CachePolicy> ParseCachePolicy(absl::string_view text) {
  CachePolicy policy;
  if (text.empty()) return policy;
  for (absl::string_view item : absl::StrSplit(text, ':')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(item, '=');
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("cache policy '", text, "': ", why));
    };
    if (kv.first == "max_size") {
      std::string number = kv.second;
      uint64_t scale = 1;
      if (!number.empty()) {
        switch (number.back()) {
          case 'k':
          case 'K':
            scale = uint64_t{1} << 10;
            break;
          case 'm':
          case 'M':
            scale = uint64_t{1} << 20;
            break;
          case 'g':
          case 'G':
            scale = uint64_t{1} << 30;
            break;
          case 't':
          case 'T':
            scale = uint64_t{1} << 40;
            break;
          default:
            scale = 0;
        }
        if (scale)
          number.pop_back();
        else
          scale = 1;
      }
      uint64_t value;
      if (!absl::SimpleAtoi(number, &value) || value == 0 ||
          value > UINT64_MAX / scale) {
        return bad("max_size needs a positive size like 5G or 500M");
      }
      policy.max_bytes = value * scale;
    } else if (kv.first == "evict_to") {
      double value;
      if (!absl::SimpleAtod(kv.second, &value) || value <= 0 || value > 1) {
        return bad("evict_to needs a fraction in (0, 1]");
      }
      policy.evict_to = value;
    } else {
      return bad(absl::StrCat("unknown key '", kv.first,
                              "' (known: max_size, evict_to)"));
    }
  }
  return policy;
}

absl::Status CheckCachePolicy(const CachePolicy& policy) {
  if (policy.max_bytes == 0) {
    return absl::InvalidArgumentError(
        "cache policy: max_size must be positive");
  }
  // Written so that NaN fails too.
  if (!(policy.evict_to > 0 && policy.evict_to <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cache policy: evict_to ", policy.evict_to, " is not in (0, 1]"));
  }
  return absl::OkStatus();
}

}  // namespace helperlink
