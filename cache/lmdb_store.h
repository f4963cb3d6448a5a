// The cache on disk: one LMDB environment in the cache dir (data.mdb and
// lock.mdb), shared safely by any number of daemons and clients at once
// (LMDB's own locking: one writer at a time, readers never blocked). In one
// process, every store naming the same dir shares one environment
// (lmdb_env.h), whatever its policy; the map is the largest any of them
// asked for, and a map grown by another process is taken up.
//
// Durability: the environment is opened with MDB_NOSYNC. A power loss can
// lose the last writes; it cannot produce a wrong object, because every
// entry is checksummed (entry.h) and a bad one is deleted and missed.
//
// Damage never crashes: every LMDB call runs under the fault guard, values
// are copied out while still guarded (and checked by the caller against
// their checksum), and any damage (files LMDB cannot open, a truncated or
// overwritten page faulting or tripping an assertion, LMDB reporting a bad
// page) is DATA_LOSS from the call that met it. Recover() (or the next
// call) then moves the environment aside to
// DIR/cache.lmdb.damaged-<time>-<pid>, once however many processes found
// it, and starts a fresh one; TakeNotice() says so in one line. A store
// whose environment another process moved aside takes up the fresh one
// silently.
//
// The map is sized to the size limit plus headroom; if it fills anyway,
// entries are evicted and the store retried once, and if that fails the new
// entry is dropped: a full cache never fails a build.
#ifndef HELPERLINK_CACHE_LMDB_STORE_H_
#define HELPERLINK_CACHE_LMDB_STORE_H_

#include <memory>
#include <mutex>
#include <string>

#include "cache/lmdb_env.h"
#include "cache/store.h"

namespace helperlink {

class LmdbStore : public Store {
 public:
  // Opens (creating if needed, mode 0700) DIR/cache.lmdb; an environment
  // found damaged on opening is moved aside and replaced at once.
  static absl::StatusOr<std::unique_ptr<LmdbStore>> Open(
      const std::string& dir, const CachePolicy& policy);

  absl::StatusOr<std::optional<std::string>> Get(
      Table table, absl::string_view key) override;
  absl::StatusOr<std::optional<ValueSlice>> GetSlice(Table table,
                                                     absl::string_view key,
                                                     uint64_t offset,
                                                     uint64_t length) override;
  absl::Status Apply(const StoreUpdate& update) override;
  absl::StatusOr<CacheStats> ReadStats() override;
  absl::Status ZeroStats() override;
  absl::Status Recover() override;
  std::string TakeNotice() override;

  // The environment this store uses now (tests: sharing, recovery).
  absl::StatusOr<std::shared_ptr<LmdbEnv>> Env();

 private:
  LmdbStore(std::string path, CachePolicy policy)
      : path_(std::move(path)), policy_(policy) {}
  uint64_t MapBytes() const;
  absl::Status AcquireLocked();
  absl::Status RecoverLocked();
  void NoteMovedLocked(const std::string& damage, const std::string& aside);
  absl::Status Error(absl::string_view what, int rc) const;

  const std::string path_;
  const CachePolicy policy_;
  std::mutex mutex_;
  std::shared_ptr<LmdbEnv> env_;  // guarded by mutex_
  std::string notice_;            // guarded by mutex_
};

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_LMDB_STORE_H_
