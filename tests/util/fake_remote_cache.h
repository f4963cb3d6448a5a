// An in-memory RemoteCache for unit tests: results keyed by the Action
// digest, the same counters as the REAPI client, call counts, and a switch
// that makes every call fail as an unreachable server would (to test that
// remote faults never fail a build). Link hl_remote to use it.
//
//   FakeRemoteCache remote(RemoteWrite::kYes);
//   remote.Put(MakeRemoteAction(inputs, crate_size, helper_sizes), entry);
//   caches.remote = &remote;
#ifndef HELPERLINK_TESTS_UTIL_FAKE_REMOTE_CACHE_H_
#define HELPERLINK_TESTS_UTIL_FAKE_REMOTE_CACHE_H_

#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "cache/remote_cache.h"

namespace helperlink::testing {

enum class RemoteWrite { kNo, kYes };

class FakeRemoteCache : public RemoteCache {
 public:
  explicit FakeRemoteCache(RemoteWrite write = RemoteWrite::kNo) {
    options_.url = "grpc://fake-remote:1";
    options_.write = write == RemoteWrite::kYes;
  }

  absl::StatusOr<std::optional<CachedObject>> Lookup(
      const RemoteAction& action) override ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    ++lookups_;
    if (!failure_.ok()) {
      ++stats_.errors;
      return failure_;
    }
    auto it = results_.find(KeyOf(action));
    if (it == results_.end()) {
      ++stats_.misses;
      return std::optional<CachedObject>();
    }
    ++stats_.hits;
    stats_.bytes_downloaded +=
        it->second.object.size() + it->second.report.ByteSizeLong();
    return std::optional<CachedObject>(it->second);
  }

  absl::Status Upload(const RemoteAction& action,
                      const CachedObject& entry) override
      ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    ++upload_calls_;
    if (!options_.write) {
      return absl::FailedPreconditionError("remote cache is read-only");
    }
    if (!failure_.ok()) {
      ++stats_.errors;
      return failure_;
    }
    results_[KeyOf(action)] = entry;
    ++stats_.uploads;
    stats_.bytes_uploaded += entry.object.size() + entry.report.ByteSizeLong();
    return absl::OkStatus();
  }

  const RemoteOptions& options() const override { return options_; }
  RemoteStats& stats() override { return stats_; }

  // Test hooks.
  void Put(const RemoteAction& action, CachedObject entry)
      ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    results_[KeyOf(action)] = std::move(entry);
  }
  std::optional<CachedObject> Stored(const RemoteAction& action)
      ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    auto it = results_.find(KeyOf(action));
    if (it == results_.end()) return std::nullopt;
    return it->second;
  }
  // Every later Lookup and Upload returns `failure` (OK: none fail).
  void set_failure(absl::Status failure) ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    failure_ = std::move(failure);
  }
  int lookups() ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    return lookups_;
  }
  int upload_calls() ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    return upload_calls_;
  }

 private:
  static std::string KeyOf(const RemoteAction& action) {
    return absl::StrCat(action.action_digest.hash(), "/",
                        action.action_digest.size_bytes());
  }

  RemoteOptions options_;  // set in the constructor, then only read
  RemoteStats stats_;      // atomics
  absl::Mutex mutex_;
  std::map<std::string, CachedObject> results_ ABSL_GUARDED_BY(mutex_);
  absl::Status failure_ ABSL_GUARDED_BY(mutex_);
  int lookups_ ABSL_GUARDED_BY(mutex_) = 0;
  int upload_calls_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace helperlink::testing

#endif  // HELPERLINK_TESTS_UTIL_FAKE_REMOTE_CACHE_H_
