// LMDB-backed cache store; see lmdb_store.h.
#include "cache/lmdb_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace helperlink {
namespace {

// Last-access times are refreshed at most this often per entry, so that a
// burst of hits does not turn into a burst of writes.
constexpr uint64_t kTouchIntervalSeconds = 60;

const char* const kStatNames[] = {"hits",          "misses", "bytes_read",
                                  "bytes_written", "stores", "evictions",
                                  "corrupt"};

uint64_t* StatField(CacheStats& stats, int i) {
  uint64_t* fields[] = {&stats.hits,          &stats.misses, &stats.bytes_read,
                        &stats.bytes_written, &stats.stores, &stats.evictions,
                        &stats.corrupt};
  return fields[i];
}

uint64_t NowSeconds() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

MDB_val Val(absl::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string U64Bytes(uint64_t v) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &v, 8);
  return out;
}

uint64_t ReadU64(const MDB_val& v) {
  uint64_t out = 0;
  if (v.mv_size == 8) std::memcpy(&out, v.mv_data, 8);
  return out;
}

// Reads a u64 under `key` in `dbi`; 0 when absent.
uint64_t GetU64(MDB_txn* txn, MDB_dbi dbi, absl::string_view key) {
  MDB_val k = Val(key), v;
  return mdb_get(txn, dbi, &k, &v) == 0 ? ReadU64(v) : 0;
}

int PutU64(MDB_txn* txn, MDB_dbi dbi, absl::string_view key, uint64_t value) {
  std::string bytes = U64Bytes(value);
  MDB_val k = Val(key), v = Val(bytes);
  return mdb_put(txn, dbi, &k, &v, 0);
}

// Removes an entry and its access time, keeping the byte count right.
// The old value's pages are checked first: LMDB frees them by the count
// in their header.
int DeleteEntry(MDB_txn* txn, const LmdbEnv& env, absl::string_view key) {
  const LmdbTables& t = env.tables();
  MDB_val k = Val(key), v;
  int rc = mdb_get(txn, t.entries, &k, &v);
  if (rc == MDB_NOTFOUND) return 0;
  if (rc != 0) return rc;
  if ((rc = env.CheckValue(v)) != 0) return rc;
  uint64_t size = v.mv_size;
  if ((rc = mdb_del(txn, t.entries, &k, nullptr)) != 0) return rc;
  rc = mdb_del(txn, t.atime, &k, nullptr);
  if (rc != 0 && rc != MDB_NOTFOUND) return rc;
  uint64_t bytes = GetU64(txn, t.meta, "bytes");
  return PutU64(txn, t.meta, "bytes", bytes > size ? bytes - size : 0);
}

// mdb_put, after checking the value it replaces (see DeleteEntry).
int Replace(MDB_txn* txn, const LmdbEnv& env, MDB_dbi dbi,
            absl::string_view key, absl::string_view value) {
  MDB_val k = Val(key), old;
  int rc = mdb_get(txn, dbi, &k, &old);
  if (rc == 0) rc = env.CheckValue(old);
  if (rc != 0 && rc != MDB_NOTFOUND) return rc;
  MDB_val v = Val(value);
  return mdb_put(txn, dbi, &k, &v, 0);
}

MDB_dbi TableDbi(const LmdbTables& t, Table table) {
  switch (table) {
    case Table::kEntries:
      return t.entries;
    case Table::kOutputs:
      return t.outputs;
    case Table::kFiles:
      return t.files;
  }
  return t.entries;
}

int EvictInTxn(MDB_txn* txn, const LmdbEnv& env, uint64_t target_bytes,
               uint64_t* evicted) {
  const LmdbTables& t = env.tables();
  uint64_t bytes = GetU64(txn, t.meta, "bytes");
  if (bytes <= target_bytes) return 0;
  std::vector<std::pair<uint64_t, std::string>> by_age;
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(txn, t.atime, &cursor);
  if (rc != 0) return rc;
  MDB_val k, v;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    by_age.emplace_back(ReadU64(v),
                        std::string(static_cast<char*>(k.mv_data), k.mv_size));
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_NOTFOUND) return rc;
  std::sort(by_age.begin(), by_age.end());
  for (const auto& [age, key] : by_age) {
    if (GetU64(txn, t.meta, "bytes") <= target_bytes) break;
    if ((rc = DeleteEntry(txn, env, key)) != 0) return rc;
    ++*evicted;
  }
  return 0;
}

// Checks the leaf pages `update` will write to (see CheckLeafFor),
// before anything is changed.
int CheckLeaves(MDB_txn* txn, const LmdbEnv& env, const StoreUpdate& update) {
  const LmdbTables& t = env.tables();
  std::vector<std::pair<MDB_dbi, absl::string_view>> keys = {
      {t.meta, "bytes"}, {t.stats, kStatNames[0]}, {t.stats, kStatNames[6]}};
  for (const auto* key :
       {update.delete_entry ? &*update.delete_entry : nullptr,
        update.touch_entry ? &*update.touch_entry : nullptr,
        update.put_entry ? &update.put_entry->first : nullptr}) {
    if (!key) continue;
    keys.emplace_back(t.entries, *key);
    keys.emplace_back(t.atime, *key);
  }
  for (const auto& [key, value] : update.put_outputs)
    keys.emplace_back(t.outputs, key);
  for (const auto& [key, value] : update.put_files)
    keys.emplace_back(t.files, key);
  // The main table, where LMDB records the tables' roots on commit.
  keys.emplace_back(1, "atime");
  for (const auto& [dbi, key] : keys) {
    int rc = env.CheckLeafFor(txn, dbi, key);
    if (rc != 0) return rc;
  }
  return 0;
}

int ApplyInTxn(MDB_txn* txn, const LmdbEnv& env, const CachePolicy& policy,
               const StoreUpdate& update) {
  const LmdbTables& t = env.tables();
  int checked = CheckLeaves(txn, env, update);
  if (checked != 0) return checked;
  int rc;
  uint64_t now = NowSeconds(), evicted = 0;
  if (update.delete_entry) {
    rc = DeleteEntry(txn, env, *update.delete_entry);
    if (rc != 0) return rc;
  }
  CacheStats delta = update.stats;
  if (update.put_entry && update.put_entry->second.size() > policy.max_bytes) {
    // Larger than the whole cache: storing it would evict everything and
    // still break the limit. Drop it; it is neither a store nor written.
    delta.stores = 0;
    delta.bytes_written = 0;
  } else if (update.put_entry) {
    const auto& [key, value] = *update.put_entry;
    if ((rc = DeleteEntry(txn, env, key)) != 0) return rc;
    uint64_t target = static_cast<uint64_t>(policy.max_bytes * policy.evict_to);
    if (GetU64(txn, t.meta, "bytes") + value.size() > policy.max_bytes) {
      uint64_t room = value.size() < target ? target - value.size() : 0;
      if ((rc = EvictInTxn(txn, env, room, &evicted)) != 0) return rc;
    }
    MDB_val k = Val(key), v = Val(value);
    if ((rc = mdb_put(txn, t.entries, &k, &v, 0)) != 0) return rc;
    if ((rc = PutU64(txn, t.atime, key, now)) != 0) return rc;
    rc = PutU64(txn, t.meta, "bytes",
                GetU64(txn, t.meta, "bytes") + value.size());
    if (rc != 0) return rc;
  }
  if (update.touch_entry) {
    MDB_val k = Val(*update.touch_entry), v;
    if (mdb_get(txn, t.atime, &k, &v) == 0 &&
        ReadU64(v) + kTouchIntervalSeconds < now) {
      if ((rc = PutU64(txn, t.atime, *update.touch_entry, now)) != 0) {
        return rc;
      }
    }
  }
  for (const auto& [key, value] : update.put_outputs) {
    if ((rc = Replace(txn, env, t.outputs, key, value)) != 0) return rc;
  }
  for (const auto& [key, value] : update.put_files) {
    if ((rc = Replace(txn, env, t.files, key, value)) != 0) return rc;
  }
  delta.evictions += evicted;
  for (int i = 0; i < 7; ++i) {
    uint64_t add = *StatField(delta, i);
    if (add == 0) continue;
    rc = PutU64(txn, t.stats, kStatNames[i],
                GetU64(txn, t.stats, kStatNames[i]) + add);
    if (rc != 0) return rc;
  }
  return 0;
}

}  // namespace

absl::Status LmdbStore::Error(absl::string_view what, int rc) const {
  return absl::UnavailableError(
      absl::StrCat(path_, ": ", what, ": ", mdb_strerror(rc)));
}

uint64_t LmdbStore::MapBytes() const {
  // Room for the limit plus a quarter (LMDB needs free pages to write).
  return policy_.map_bytes
             ? policy_.map_bytes
             : policy_.max_bytes + policy_.max_bytes / 4 + (uint64_t{64} << 20);
}

absl::StatusOr<std::unique_ptr<LmdbStore>> LmdbStore::Open(
    const std::string& dir, const CachePolicy& policy) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(
        absl::StrCat(dir, ": cannot create cache dir: ", std::strerror(errno)));
  }
  std::string path = dir + "/cache.lmdb";
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
  }
  std::unique_ptr<LmdbStore> store(new LmdbStore(path, policy));
  std::lock_guard<std::mutex> lock(store->mutex_);
  absl::Status status = store->AcquireLocked();
  if (!status.ok()) return status;
  return store;
}

void LmdbStore::NoteMovedLocked(const std::string& damage,
                                const std::string& aside) {
  std::string line = absl::StrCat(damage, "; moved aside to ", aside,
                                  ", a fresh cache was started");
  notice_ = notice_.empty() ? line : absl::StrCat(notice_, "; ", line);
}

absl::Status LmdbStore::AcquireLocked() {
  env_.reset();
  dev_t device = 0;
  ino_t inode = 0;
  auto env = LmdbEnv::Acquire(path_, MapBytes(), &device, &inode);
  if (!env.ok() && absl::IsDataLoss(env.status())) {
    // Damaged before we could use it: keep it for inspection, start afresh.
    absl::StatusOr<std::string> aside =
        LmdbEnv::MoveAside(path_, device, inode);
    if (!aside.ok()) return aside.status();
    if (!aside->empty()) {
      NoteMovedLocked(std::string(env.status().message()), *aside);
    }
    env = LmdbEnv::Acquire(path_, MapBytes(), &device, &inode);
  }
  if (!env.ok()) return env.status();
  env_ = std::move(*env);
  return absl::OkStatus();
}

absl::Status LmdbStore::RecoverLocked() {
  if (env_ && env_->poisoned()) {
    absl::StatusOr<std::string> aside =
        LmdbEnv::MoveAside(path_, env_->device(), env_->inode());
    if (!aside.ok()) return aside.status();
    if (!aside->empty()) {
      NoteMovedLocked(env_->Damage(), *aside);
    }
  }
  return AcquireLocked();
}

absl::Status LmdbStore::Recover() {
  std::lock_guard<std::mutex> lock(mutex_);
  return RecoverLocked();
}

std::string LmdbStore::TakeNotice() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(notice_, std::string());
}

absl::StatusOr<std::shared_ptr<LmdbEnv>> LmdbStore::Env() {
  std::lock_guard<std::mutex> lock(mutex_);
  absl::Status status = absl::OkStatus();
  struct stat st;
  bool current = env_ && ::lstat(path_.c_str(), &st) == 0 &&
                 st.st_dev == env_->device() && st.st_ino == env_->inode();
  if (current && !env_->unusable()) return env_;
  if (current && env_->poisoned()) {
    status = RecoverLocked();
  } else {
    // Never opened, moved aside by another process, or a failed handle:
    // take up what is there now.
    status = AcquireLocked();
  }
  if (!status.ok()) return status;
  return env_;
}

absl::StatusOr<std::optional<std::string>> LmdbStore::Get(
    Table table, absl::string_view key) {
  auto env = Env();
  if (!env.ok()) return env.status();
  const LmdbEnv& e = **env;
  MDB_dbi dbi = TableDbi(e.tables(), table);
  // Nothing larger is ever stored; a larger size is a damaged page.
  uint64_t limit = policy_.max_bytes;
  std::string value;
  absl::StatusOr<int> rc = (*env)->InTxn(TxnKind::kRead, [&](MDB_txn* txn) {
    MDB_val k = Val(key), v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc != 0) return rc;
    if (v.mv_size > limit) return MDB_CORRUPTED;
    // Copied while guarded: the page may fault half-way.
    value.resize(v.mv_size);
    std::memcpy(value.data(), v.mv_data, v.mv_size);
    return 0;
  });
  if (!rc.ok()) return rc.status();
  if (*rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (*rc != 0) return Error("cannot read cache", *rc);
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<std::optional<ValueSlice>> LmdbStore::GetSlice(
    Table table, absl::string_view key, uint64_t offset, uint64_t length) {
  auto env = Env();
  if (!env.ok()) return env.status();
  MDB_dbi dbi = TableDbi((*env)->tables(), table);
  // Nothing larger is ever stored; a larger size is a damaged page.
  uint64_t limit = policy_.max_bytes;
  ValueSlice slice;
  absl::StatusOr<int> rc = (*env)->InTxn(TxnKind::kRead, [&](MDB_txn* txn) {
    MDB_val k = Val(key), v;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc != 0) return rc;
    if (v.mv_size > limit) return MDB_CORRUPTED;
    slice.size = v.mv_size;
    // Copied while guarded: the page may fault half-way.
    if (offset < v.mv_size) {
      uint64_t n = std::min<uint64_t>(length, v.mv_size - offset);
      slice.bytes.resize(n);
      std::memcpy(slice.bytes.data(),
                  static_cast<const char*>(v.mv_data) + offset, n);
    }
    return 0;
  });
  if (!rc.ok()) return rc.status();
  if (*rc == MDB_NOTFOUND) return std::optional<ValueSlice>();
  if (*rc != 0) return Error("cannot read cache", *rc);
  return std::optional<ValueSlice>(std::move(slice));
}

absl::Status LmdbStore::Apply(const StoreUpdate& update) {
  auto env = Env();
  if (!env.ok()) return env.status();
  LmdbEnv& e = **env;
  const LmdbTables& t = e.tables();
  // LMDB allows no cursor on its free list in a write transaction; the
  // committed free list, which the write will read, is checked first.
  absl::StatusOr<int> free_list = e.InTxn(
      TxnKind::kRead, [&](MDB_txn* txn) { return e.CheckFreeList(txn); });
  if (!free_list.ok()) return free_list.status();
  if (*free_list != 0) return Error("cannot write cache", *free_list);
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<int> rc = e.InTxn(TxnKind::kWrite, [&](MDB_txn* txn) {
      return ApplyInTxn(txn, e, policy_, update);
    });
    if (!rc.ok()) return rc.status();
    if (*rc == 0) return absl::OkStatus();
    if (*rc != MDB_MAP_FULL || !update.put_entry) {
      return Error("cannot write cache", *rc);
    }
    // The map filled up before the size limit did (free pages held by
    // readers, fragmentation, a small map): make room by evicting half of
    // what is stored, in its own transaction, then try once more.
    rc = e.InTxn(TxnKind::kWrite, [&](MDB_txn* txn) {
      uint64_t evicted = 0;
      int rc = EvictInTxn(txn, e, GetU64(txn, t.meta, "bytes") / 2, &evicted);
      if (rc != 0) return rc;
      return PutU64(txn, t.stats, "evictions",
                    GetU64(txn, t.stats, "evictions") + evicted);
    });
    if (!rc.ok()) return rc.status();
    if (*rc != 0) return Error("cannot evict", *rc);
  }
  // Still no room: drop this entry, keep the rest of the update.
  StoreUpdate rest = update;
  rest.put_entry.reset();
  rest.stats.stores = 0;
  rest.stats.bytes_written = 0;
  return Apply(rest);
}

absl::StatusOr<CacheStats> LmdbStore::ReadStats() {
  auto env = Env();
  if (!env.ok()) return env.status();
  const LmdbTables& t = (*env)->tables();
  CacheStats stats;
  absl::StatusOr<int> rc = (*env)->InTxn(TxnKind::kRead, [&](MDB_txn* txn) {
    for (int i = 0; i < 7; ++i)
      *StatField(stats, i) = GetU64(txn, t.stats, kStatNames[i]);
    stats.bytes = GetU64(txn, t.meta, "bytes");
    MDB_stat st;
    if (mdb_stat(txn, t.entries, &st) == 0) stats.entries = st.ms_entries;
    return 0;
  });
  if (!rc.ok()) return rc.status();
  stats.max_bytes = policy_.max_bytes;
  return stats;
}

absl::Status LmdbStore::ZeroStats() {
  auto env = Env();
  if (!env.ok()) return env.status();
  MDB_dbi stats = (*env)->tables().stats;
  absl::StatusOr<int> rc = (*env)->InTxn(
      TxnKind::kWrite, [&](MDB_txn* txn) { return mdb_drop(txn, stats, 0); });
  if (!rc.ok()) return rc.status();
  if (*rc != 0) return Error("cannot zero stats", *rc);
  return absl::OkStatus();
}

}  // namespace helperlink
