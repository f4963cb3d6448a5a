// The cache on disk: one LMDB environment in the cache dir (data.mdb and
// lock.mdb), shared safely by any number of daemons and clients at once
// (LMDB's own locking: one writer at a time, readers never blocked).
//
// Durability: the environment is opened with MDB_NOSYNC. A power loss can
// lose the last writes; it cannot produce a wrong object, because every
// entry is checksummed (entry.h) and a bad one is deleted and missed. An
// environment LMDB cannot open (corrupt, or from another LMDB version) is
// moved aside to DIR/cache.lmdb.broken-<time> and a fresh one started.
// The map is sized to the size limit plus headroom; if it fills anyway,
// entries are evicted and the store retried once, and if that fails the new
// entry is dropped: a full cache never fails a build.
#ifndef HELPERLINK_CACHE_LMDB_STORE_H_
#define HELPERLINK_CACHE_LMDB_STORE_H_

#include <lmdb.h>

#include <memory>
#include <string>

#include "cache/store.h"

namespace helperlink {

class LmdbStore : public Store {
 public:
  // Opens (creating if needed, mode 0700) DIR/cache.lmdb.
  static absl::StatusOr<std::unique_ptr<LmdbStore>> Open(
      const std::string& dir, const CachePolicy& policy);
  ~LmdbStore() override;

  absl::StatusOr<std::optional<std::string>> Get(
      Table table, absl::string_view key) override;
  absl::StatusOr<std::optional<ValueSlice>> GetSlice(Table table,
                                                     absl::string_view key,
                                                     uint64_t offset,
                                                     uint64_t length) override;
  absl::Status Apply(const StoreUpdate& update) override;
  absl::StatusOr<CacheStats> ReadStats() override;
  absl::Status ZeroStats() override;

 private:
  LmdbStore(std::string path, CachePolicy policy)
      : path_(std::move(path)), policy_(policy) {}
  absl::Status OpenEnvironment();
  int ApplyInTxn(MDB_txn* txn, const StoreUpdate& update, uint64_t* evicted);
  int EvictInTxn(MDB_txn* txn, uint64_t target_bytes, uint64_t* evicted);
  MDB_dbi TableDbi(Table table) const;
  absl::Status Error(absl::string_view what, int rc) const;

  std::string path_;
  CachePolicy policy_;
  MDB_env* env_ = nullptr;
  MDB_dbi entries_ = 0, atime_ = 0, outputs_ = 0, files_ = 0, stats_ = 0,
          meta_ = 0;
};

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_LMDB_STORE_H_
