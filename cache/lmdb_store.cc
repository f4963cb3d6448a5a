// LMDB-backed cache store; see lmdb_store.h.
#include "cache/lmdb_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
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
int DeleteEntry(MDB_txn* txn, MDB_dbi entries, MDB_dbi atime, MDB_dbi meta,
                absl::string_view key) {
  MDB_val k = Val(key), v;
  int rc = mdb_get(txn, entries, &k, &v);
  if (rc == MDB_NOTFOUND) return 0;
  if (rc != 0) return rc;
  uint64_t size = v.mv_size;
  if ((rc = mdb_del(txn, entries, &k, nullptr)) != 0) return rc;
  rc = mdb_del(txn, atime, &k, nullptr);
  if (rc != 0 && rc != MDB_NOTFOUND) return rc;
  uint64_t bytes = GetU64(txn, meta, "bytes");
  return PutU64(txn, meta, "bytes", bytes > size ? bytes - size : 0);
}

}  // namespace

absl::Status LmdbStore::Error(absl::string_view what, int rc) const {
  return absl::UnavailableError(
      absl::StrCat(path_, ": ", what, ": ", mdb_strerror(rc)));
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
  absl::Status status = store->OpenEnvironment();
  if (absl::IsDataLoss(status)) {
    // Unreadable environment: keep it for inspection, start afresh.
    std::string broken =
        absl::StrCat(path, ".broken-", NowSeconds(), "-", ::getpid());
    if (::rename(path.c_str(), broken.c_str()) == 0 &&
        ::mkdir(path.c_str(), 0700) == 0) {
      status = store->OpenEnvironment();
    }
  }
  if (!status.ok()) return status;
  return store;
}

absl::Status LmdbStore::OpenEnvironment() {
  if (env_) {
    mdb_env_close(env_);
    env_ = nullptr;
  }
  int rc = mdb_env_create(&env_);
  if (rc != 0) return Error("mdb_env_create", rc);
  // Room for the limit plus a quarter (LMDB needs free pages to write).
  uint64_t map = policy_.map_bytes ? policy_.map_bytes
                                   : policy_.max_bytes + policy_.max_bytes / 4 +
                                         (uint64_t{64} << 20);
  map = (map + 4095) / 4096 * 4096;
  mdb_env_set_mapsize(env_, map);
  mdb_env_set_maxdbs(env_, 8);
  mdb_env_set_maxreaders(env_, 1024);
  rc = mdb_env_open(env_, path_.c_str(), MDB_NOSYNC | MDB_NOTLS | MDB_NORDAHEAD,
                    0600);
  if (rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_VERSION_MISMATCH) {
    mdb_env_close(env_);
    env_ = nullptr;
    return absl::DataLossError(
        absl::StrCat(path_, ": unreadable cache: ", mdb_strerror(rc)));
  }
  if (rc != 0) {
    mdb_env_close(env_);
    env_ = nullptr;
    return Error("cannot open cache", rc);
  }
  int dead = 0;
  mdb_reader_check(env_, &dead);  // slots of readers that were killed

  MDB_txn* txn;
  if ((rc = mdb_txn_begin(env_, nullptr, 0, &txn)) != 0) {
    return Error("cannot open cache", rc);
  }
  struct {
    const char* name;
    MDB_dbi* dbi;
  } tables[] = {{"entries", &entries_}, {"atime", &atime_},
                {"outputs", &outputs_}, {"files", &files_},
                {"stats", &stats_},     {"meta", &meta_}};
  for (auto& table : tables) {
    if ((rc = mdb_dbi_open(txn, table.name, MDB_CREATE, table.dbi)) != 0) {
      mdb_txn_abort(txn);
      return Error("cannot open table", rc);
    }
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return Error("cannot open cache", rc);
  return absl::OkStatus();
}

LmdbStore::~LmdbStore() {
  if (env_) mdb_env_close(env_);
}

MDB_dbi LmdbStore::TableDbi(Table table) const {
  switch (table) {
    case Table::kEntries:
      return entries_;
    case Table::kOutputs:
      return outputs_;
    case Table::kFiles:
      return files_;
  }
  return entries_;
}

absl::StatusOr<std::optional<std::string>> LmdbStore::Get(
    Table table, absl::string_view key) {
  MDB_txn* txn;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return Error("cannot read cache", rc);
  MDB_val k = Val(key), v;
  rc = mdb_get(txn, TableDbi(table), &k, &v);
  std::optional<std::string> out;
  if (rc == 0) out.emplace(static_cast<const char*>(v.mv_data), v.mv_size);
  mdb_txn_abort(txn);
  if (rc != 0 && rc != MDB_NOTFOUND) return Error("cannot read cache", rc);
  return out;
}

absl::StatusOr<std::optional<ValueSlice>> LmdbStore::GetSlice(
    Table table, absl::string_view key, uint64_t offset, uint64_t length) {
  MDB_txn* txn;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return Error("cannot read cache", rc);
  MDB_val k = Val(key), v;
  rc = mdb_get(txn, TableDbi(table), &k, &v);
  std::optional<ValueSlice> out;
  if (rc == 0) {
    out.emplace();
    out->size = v.mv_size;
    if (offset < v.mv_size) {
      out->bytes.assign(static_cast<const char*>(v.mv_data) + offset,
                        std::min<uint64_t>(length, v.mv_size - offset));
    }
  }
  mdb_txn_abort(txn);
  if (rc != 0 && rc != MDB_NOTFOUND) return Error("cannot read cache", rc);
  return out;
}

int LmdbStore::EvictInTxn(MDB_txn* txn, uint64_t target_bytes,
                          uint64_t* evicted) {
  uint64_t bytes = GetU64(txn, meta_, "bytes");
  if (bytes <= target_bytes) return 0;
  std::vector<std::pair<uint64_t, std::string>> by_age;
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(txn, atime_, &cursor);
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
    if (GetU64(txn, meta_, "bytes") <= target_bytes) break;
    if ((rc = DeleteEntry(txn, entries_, atime_, meta_, key)) != 0) return rc;
    ++*evicted;
  }
  return 0;
}

int LmdbStore::ApplyInTxn(MDB_txn* txn, const StoreUpdate& update,
                          uint64_t* evicted) {
  int rc;
  uint64_t now = NowSeconds();
  if (update.delete_entry) {
    rc = DeleteEntry(txn, entries_, atime_, meta_, *update.delete_entry);
    if (rc != 0) return rc;
  }
  CacheStats delta = update.stats;
  if (update.put_entry && update.put_entry->second.size() > policy_.max_bytes) {
    // Larger than the whole cache: storing it would evict everything and
    // still break the limit. Drop it; it is neither a store nor written.
    delta.stores = 0;
    delta.bytes_written = 0;
  } else if (update.put_entry) {
    const auto& [key, value] = *update.put_entry;
    if ((rc = DeleteEntry(txn, entries_, atime_, meta_, key)) != 0) return rc;
    uint64_t target =
        static_cast<uint64_t>(policy_.max_bytes * policy_.evict_to);
    if (GetU64(txn, meta_, "bytes") + value.size() > policy_.max_bytes) {
      uint64_t room = value.size() < target ? target - value.size() : 0;
      if ((rc = EvictInTxn(txn, room, evicted)) != 0) return rc;
    }
    MDB_val k = Val(key), v = Val(value);
    if ((rc = mdb_put(txn, entries_, &k, &v, 0)) != 0) return rc;
    if ((rc = PutU64(txn, atime_, key, now)) != 0) return rc;
    rc =
        PutU64(txn, meta_, "bytes", GetU64(txn, meta_, "bytes") + value.size());
    if (rc != 0) return rc;
  }
  if (update.touch_entry) {
    MDB_val k = Val(*update.touch_entry), v;
    if (mdb_get(txn, atime_, &k, &v) == 0 &&
        ReadU64(v) + kTouchIntervalSeconds < now) {
      if ((rc = PutU64(txn, atime_, *update.touch_entry, now)) != 0) return rc;
    }
  }
  for (const auto& [key, value] : update.put_outputs) {
    MDB_val k = Val(key), v = Val(value);
    if ((rc = mdb_put(txn, outputs_, &k, &v, 0)) != 0) return rc;
  }
  for (const auto& [key, value] : update.put_files) {
    MDB_val k = Val(key), v = Val(value);
    if ((rc = mdb_put(txn, files_, &k, &v, 0)) != 0) return rc;
  }
  delta.evictions += *evicted;
  for (int i = 0; i < 7; ++i) {
    uint64_t add = *StatField(delta, i);
    if (add == 0) continue;
    rc = PutU64(txn, stats_, kStatNames[i],
                GetU64(txn, stats_, kStatNames[i]) + add);
    if (rc != 0) return rc;
  }
  return 0;
}

absl::Status LmdbStore::Apply(const StoreUpdate& update) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    MDB_txn* txn;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc != 0) return Error("cannot write cache", rc);
    uint64_t evicted = 0;
    rc = ApplyInTxn(txn, update, &evicted);
    if (rc == 0)
      rc = mdb_txn_commit(txn);
    else
      mdb_txn_abort(txn);
    if (rc == 0) return absl::OkStatus();
    if (rc != MDB_MAP_FULL || !update.put_entry) {
      return Error("cannot write cache", rc);
    }
    // The map filled up before the size limit did (free pages held by
    // readers, fragmentation, a small map): make room by evicting half of
    // what is stored, in its own transaction, then try once more.
    if ((rc = mdb_txn_begin(env_, nullptr, 0, &txn)) != 0) {
      return Error("cannot write cache", rc);
    }
    evicted = 0;
    rc = EvictInTxn(txn, GetU64(txn, meta_, "bytes") / 2, &evicted);
    if (rc == 0) {
      rc = PutU64(txn, stats_, "evictions",
                  GetU64(txn, stats_, "evictions") + evicted);
    }
    if (rc == 0)
      rc = mdb_txn_commit(txn);
    else
      mdb_txn_abort(txn);
    if (rc != 0) return Error("cannot evict", rc);
  }
  // Still no room: drop this entry, keep the rest of the update.
  StoreUpdate rest = update;
  rest.put_entry.reset();
  rest.stats.stores = 0;
  rest.stats.bytes_written = 0;
  return Apply(rest);
}

absl::StatusOr<CacheStats> LmdbStore::ReadStats() {
  MDB_txn* txn;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return Error("cannot read cache", rc);
  CacheStats stats;
  for (int i = 0; i < 7; ++i)
    *StatField(stats, i) = GetU64(txn, stats_, kStatNames[i]);
  stats.bytes = GetU64(txn, meta_, "bytes");
  MDB_stat st;
  if (mdb_stat(txn, entries_, &st) == 0) stats.entries = st.ms_entries;
  stats.max_bytes = policy_.max_bytes;
  mdb_txn_abort(txn);
  return stats;
}

absl::Status LmdbStore::ZeroStats() {
  MDB_txn* txn;
  int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  if (rc != 0) return Error("cannot write cache", rc);
  rc = mdb_drop(txn, stats_, 0);
  if (rc == 0)
    rc = mdb_txn_commit(txn);
  else
    mdb_txn_abort(txn);
  if (rc != 0) return Error("cannot zero stats", rc);
  return absl::OkStatus();
}

}  // namespace helperlink
