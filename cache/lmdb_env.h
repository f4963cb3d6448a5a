// One LMDB environment (a cache.lmdb dir) as this process uses it: opened
// once per process per (device, inode) of the dir, however many stores
// name it (LMDB forbids opening one environment twice in a process:
// closing either drops the other's locks), with every LMDB call run under
// the fault guard (fault_guard.h).
//
// Damage is reported as DATA_LOSS, never as a crash:
//   - before LMDB maps anything, the files are checked: an empty data.mdb
//     or lock.mdb, a meta page that is not LMDB's, or a data.mdb shorter
//     than its newest meta page says (truncated) are damage;
//   - during use, SIGBUS/SIGSEGV and LMDB assertions inside a call, and
//     the codes LMDB returns for a bad page (MDB_CORRUPTED,
//     MDB_PAGE_NOTFOUND, ...) are damage.
// After a fault the environment is poisoned: nothing in this process calls
// into it again. The interrupted transaction and the environment are
// leaked, not aborted or closed (LMDB's state is half-updated; aborting
// it was seen to double-free). A leaked write transaction keeps LMDB's
// writer lock of that environment until this process exits; by then the
// dir has been moved aside, so only a process that still has the old
// environment open and writes to it waits. The caller moves the dir aside
// (MoveAside) and acquires a fresh one.
//
// A full filesystem is not damage: lock.mdb is allocated with
// posix_fallocate before LMDB maps it (LMDB's own ftruncate leaves a hole
// that faults on first touch when no block is left), data.mdb is written
// with pwrite (an error, not a fault), and an environment whose creation
// failed is removed again, so a full disk means "no cache", not a pile of
// damaged dirs.
#ifndef HELPERLINK_CACHE_LMDB_ENV_H_
#define HELPERLINK_CACHE_LMDB_ENV_H_

#include <lmdb.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helperlink {

struct LmdbTables {
  MDB_dbi entries = 0, atime = 0, outputs = 0, files = 0, stats = 0, meta = 0;
};

enum class TxnKind { kRead, kWrite };

class LmdbEnv {
 public:
  // The process's environment in the existing dir `path`, opened (created
  // if new) with a map of at least `map_bytes`. DATA_LOSS when it is
  // damaged (then *device and *inode name the dir found damaged, for
  // MoveAside); UNAVAILABLE when it cannot be opened for another reason
  // (no space, permissions).
  static absl::StatusOr<std::shared_ptr<LmdbEnv>> Acquire(
      const std::string& path, uint64_t map_bytes, dev_t* device, ino_t* inode);
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  // Runs body(txn) in a fresh transaction under the fault guard; a write
  // transaction is committed when body returns 0, anything else is
  // aborted. Returns the LMDB code of body or commit (0, MDB_NOTFOUND,
  // MDB_MAP_FULL, ...), DATA_LOSS on damage (the environment is then
  // poisoned) or UNAVAILABLE. body must follow fault_guard.h's rules: no
  // locks, nothing that must be destroyed.
  absl::StatusOr<int> InTxn(TxnKind kind,
                            absl::FunctionRef<int(MDB_txn*)> body);

  // Inside InTxn's body: MDB_CORRUPTED unless `value` (from mdb_get) fits
  // the map and, when it is on overflow pages, their header says so and
  // gives their count. LMDB trusts that count when it frees the pages:
  // a garbage one has it free billions of pages.
  int CheckValue(const MDB_val& value) const;
  // Inside a write transaction's body, before it changes anything:
  // MDB_CORRUPTED unless the leaf page where `key` is (or would go) in
  // `dbi` is a well-formed leaf. LMDB copies a page it writes to by the
  // bounds in its header, so a garbage one would overrun the heap
  // before anything faults.
  int CheckLeafFor(MDB_txn* txn, MDB_dbi dbi, absl::string_view key) const;
  // The same for the page holding `key`, as LMDB returned it from a page
  // still in the map (not one the transaction has already changed).
  int CheckLeafOf(const MDB_val& key) const;
  // Inside a read transaction's body, before a write: MDB_CORRUPTED
  // unless every record of LMDB's free list (table 0: a
  // transaction id, then a count and that many page numbers) sits on a
  // well-formed leaf, has the size its count says and names pages inside
  // the map. A write reads the free list to reuse pages and rewrites it on
  // commit, trusting both the count and the leaf's bounds.
  int CheckFreeList(MDB_txn* txn) const;

  const LmdbTables& tables() const { return tables_; }
  const std::string& path() const { return path_; }
  dev_t device() const { return device_; }
  ino_t inode() const { return inode_; }
  // Damaged (or its handle unusable): acquire it again.
  bool unusable() const { return poisoned_ || fatal_; }
  bool poisoned() const { return poisoned_; }
  // "PATH: damaged cache: WHAT" once poisoned.
  std::string Damage();

  // Renames the dir `path` to `path.damaged-<time>-<pid>` and creates an
  // empty one, if `path` is still the dir (device, inode); serialized
  // between processes by a lock on the parent dir, so a dir is moved aside
  // once however many processes found it damaged. Returns where it went,
  // or "" when someone else had already moved it.
  static absl::StatusOr<std::string> MoveAside(const std::string& path,
                                               dev_t device, ino_t inode);

 private:
  LmdbEnv(std::string path, dev_t device, ino_t inode)
      : path_(std::move(path)),
        device_(device),
        inode_(inode),
        pid_(::getpid()) {}
  absl::Status Open(uint64_t map_bytes);
  absl::Status Poison(const std::string& what);
  void GrowMap(uint64_t map_bytes);
  absl::Status AdoptMapSize();
  void ReadMapLayout();  // with map_mutex_ held alone, or while opening

  std::string path_;
  dev_t device_;
  ino_t inode_;
  pid_t pid_;  // an environment is not used across fork()
  MDB_env* env_ = nullptr;
  LmdbTables tables_;
  uint64_t map_bytes_ = 0;
  // The map's size and LMDB's page size.
  uint64_t map_size_ = 0, page_size_ = 4096;
  // Transactions hold it shared; changing the map size needs it alone.
  std::shared_mutex map_mutex_;
  std::atomic<bool> poisoned_{false};  // damaged: never touched again
  std::atomic<bool> fatal_{false};     // MDB_PANIC: reopen
  std::mutex damage_mutex_;
  std::string damage_;  // what was found, for the DATA_LOSS message
};

// Checks the files of the environment in `path` before LMDB maps them;
// DATA_LOSS naming the file and what is wrong. Absent files are fine (a
// new environment).
absl::Status CheckLmdbFiles(const std::string& path);

}  // namespace helperlink

#endif  // HELPERLINK_CACHE_LMDB_ENV_H_
