// The process's LMDB environments, guarded; see lmdb_env.h.
#include "cache/lmdb_env.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cache/fault_guard.h"

namespace helperlink {
namespace {

constexpr unsigned kMaxReaders = 1024;
// What LMDB 0.9 sizes lock.mdb to for kMaxReaders: 64-byte reader slots
// after a 128-byte header (LMDB derives its reader count from the size of
// an existing file, so a different size would still be consistent).
constexpr off_t kLockBytes = (kMaxReaders - 1) * 64 + 192;

// LMDB's on-disk meta page (lmdb 0.9, 64-bit): a 16-byte page header, then
// magic, version, address, map size, two 48-byte database records (the
// first one's leading u32 is the page size), last page, transaction id.
constexpr uint32_t kMetaMagic = 0xBEEFC0DE;
constexpr uint32_t kDataVersion = 1;
constexpr size_t kPageHeader = 16, kMetaBytes = 136;
constexpr uint64_t kNoRoot = ~uint64_t{0};

struct Meta {
  uint32_t magic = 0, version = 0, page_size = 0;
  uint64_t roots[2] = {0, 0};
  uint64_t last_page = 0, txnid = 0;
};

Meta ParseMeta(const unsigned char* m) {
  Meta meta;
  std::memcpy(&meta.magic, m + 0, 4);
  std::memcpy(&meta.version, m + 4, 4);
  std::memcpy(&meta.page_size, m + 24, 4);
  std::memcpy(&meta.roots[0], m + 64, 8);
  std::memcpy(&meta.roots[1], m + 112, 8);
  std::memcpy(&meta.last_page, m + 120, 8);
  std::memcpy(&meta.txnid, m + 128, 8);
  return meta;
}

absl::Status Damaged(const std::string& file, const std::string& what) {
  return absl::DataLossError(absl::StrCat(file, ": ", what));
}

// LMDB's codes for a page or file that is not what it should be. EINVAL
// and MDB_BAD_VALSIZE count too: the store only passes valid arguments, so
// LMDB rejecting them means it read a bad table record or page; and
// ENOMEM: the store's transactions are small, so LMDB asking for more
// memory than there is means it read a garbage size.
bool IsDamage(int rc) {
  return rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID ||
         rc == MDB_VERSION_MISMATCH || rc == MDB_CURSOR_FULL ||
         rc == MDB_PAGE_FULL || rc == MDB_INCOMPATIBLE || rc == MDB_BAD_TXN ||
         rc == MDB_BAD_VALSIZE || rc == MDB_BAD_DBI || rc == EINVAL ||
         rc == ENOMEM;
}

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// An exclusive flock on a dir, held for its lifetime (none if the dir
// cannot be opened: the operations it serializes then fail on their own).
class DirLock {
 public:
  explicit DirLock(const std::string& dir)
      : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ >= 0) {
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_;
};

// Makes sure every block of lock.mdb exists before LMDB maps it: created
// here at full size, or the holes of an existing one filled in.
absl::Status PrepareLockFile(const std::string& file) {
  int fd = ::open(file.c_str(),
                  O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  bool created = fd >= 0;
  if (!created) {
    if (errno != EEXIST) {
      return absl::UnavailableError(
          absl::StrCat(file, ": cannot create: ", std::strerror(errno)));
    }
    fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      return absl::UnavailableError(
          absl::StrCat(file, ": cannot open: ", std::strerror(errno)));
    }
  }
  struct stat st;
  int rc = ::fstat(fd, &st);
  if (rc == 0) {
    rc = created ? ::fallocate(fd, 0, 0, kLockBytes)
                 : ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, st.st_size);
  }
  int error = rc == 0 ? 0 : errno;
  ::close(fd);
  // Without fallocate (some network filesystems) LMDB's own sizing stands.
  if (error == 0 || error == EOPNOTSUPP || error == ENOSYS) {
    return absl::OkStatus();
  }
  if (created) ::unlink(file.c_str());
  return absl::UnavailableError(
      absl::StrFormat("%s: cannot allocate %d bytes: %s", file,
                      created ? kLockBytes : st.st_size, std::strerror(error)));
}

std::mutex g_registry_mutex;
std::map<std::pair<dev_t, ino_t>, std::weak_ptr<LmdbEnv>>& Registry() {
  static auto* registry =
      new std::map<std::pair<dev_t, ino_t>, std::weak_ptr<LmdbEnv>>();
  return *registry;
}

}  // namespace

absl::Status CheckLmdbFiles(const std::string& path) {
  std::string lock_file = path + "/lock.mdb";
  struct stat st;
  if (::lstat(lock_file.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) return Damaged(lock_file, "not a regular file");
    if (st.st_size == 0) return Damaged(lock_file, "empty");
  }
  std::string data_file = path + "/data.mdb";
  int fd = ::open(data_file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return absl::OkStatus();  // a new environment
    if (errno == ELOOP) return Damaged(data_file, "a symbolic link");
    return absl::UnavailableError(
        absl::StrCat(data_file, ": cannot open: ", std::strerror(errno)));
  }
  absl::Status status = absl::OkStatus();
  unsigned char page[2][kPageHeader + kMetaBytes];
  Meta meta[2];
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    status = Damaged(data_file, "not a regular file");
  } else if (st.st_size == 0) {
    status = Damaged(data_file, "empty");
  } else if (::pread(fd, page[0], sizeof page[0], 0) !=
             static_cast<ssize_t>(sizeof page[0])) {
    status = Damaged(data_file, absl::StrFormat("%d bytes, shorter than a "
                                                "meta page (truncated)",
                                                st.st_size));
  } else {
    meta[0] = ParseMeta(page[0] + kPageHeader);
    uint32_t psize = meta[0].page_size;
    if (meta[0].magic != kMetaMagic || meta[0].version != kDataVersion ||
        psize < 512 || psize > 65536 || (psize & (psize - 1)) != 0) {
      status = Damaged(data_file, "meta page 0 is not an LMDB meta page");
    } else if (::pread(fd, page[1], sizeof page[1], psize) !=
               static_cast<ssize_t>(sizeof page[1])) {
      status =
          Damaged(data_file, absl::StrFormat("%d bytes, meta page 1 is missing "
                                             "(truncated)",
                                             st.st_size));
    } else {
      meta[1] = ParseMeta(page[1] + kPageHeader);
      if (meta[1].magic != kMetaMagic || meta[1].version != kDataVersion) {
        status = Damaged(data_file, "meta page 1 is not an LMDB meta page");
      } else {
        const Meta& newest = meta[1].txnid > meta[0].txnid ? meta[1] : meta[0];
        uint64_t pages = newest.last_page + 1;
        if (pages == 0 || pages > (uint64_t{1} << 40) ||
            static_cast<uint64_t>(st.st_size) < pages * psize) {
          status = Damaged(
              data_file,
              absl::StrFormat("%d bytes, but transaction %d needs %d pages "
                              "of %d (truncated)",
                              st.st_size, newest.txnid, pages, psize));
        }
        for (uint64_t root : newest.roots) {
          if (status.ok() && root != kNoRoot && root > newest.last_page) {
            status = Damaged(data_file,
                             absl::StrFormat("a root page (%d) lies past the "
                                             "last page (%d)",
                                             root, newest.last_page));
          }
        }
      }
    }
  }
  ::close(fd);
  return status;
}

absl::StatusOr<std::shared_ptr<LmdbEnv>> LmdbEnv::Acquire(
    const std::string& path, uint64_t map_bytes, dev_t* device, ino_t* inode) {
  // Serializes creating an environment with moving one aside, between
  // processes: nobody sees a half-made environment and calls it damaged.
  DirLock dir_lock(Parent(path));
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    return absl::UnavailableError(
        absl::StrCat(path, ": ", std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::UnavailableError(absl::StrCat(path, ": not a directory"));
  }
  *device = st.st_dev;
  *inode = st.st_ino;
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  std::weak_ptr<LmdbEnv>& slot = Registry()[{st.st_dev, st.st_ino}];
  std::shared_ptr<LmdbEnv> env = slot.lock();
  if (env && !env->unusable() && env->pid_ == ::getpid()) {
    env->GrowMap(map_bytes);
    return env;
  }
  env.reset(new LmdbEnv(path, st.st_dev, st.st_ino));
  absl::Status opened = env->Open(map_bytes);
  if (!opened.ok()) return opened;
  slot = env;
  return env;
}

absl::Status LmdbEnv::Open(uint64_t map_bytes) {
  absl::Status checked = CheckLmdbFiles(path_);
  if (!checked.ok())
    return absl::IsDataLoss(checked) ? Poison(std::string(checked.message()))
                                     : checked;
  std::string data_file = path_ + "/data.mdb", lock_file = path_ + "/lock.mdb";
  bool fresh = ::access(data_file.c_str(), F_OK) != 0 && errno == ENOENT;
  // A new environment that could not be made is removed again, so that
  // the next attempt starts from nothing rather than from half a file.
  auto unmake = [&](absl::Status status) {
    if (fresh) {
      ::unlink(data_file.c_str());
      ::unlink(lock_file.c_str());
    }
    return status;
  };
  absl::Status prepared = PrepareLockFile(lock_file);
  if (!prepared.ok()) return unmake(prepared);
  int rc = mdb_env_create(&env_);
  if (rc != 0) {
    env_ = nullptr;
    return absl::UnavailableError(
        absl::StrCat(path_, ": mdb_env_create: ", mdb_strerror(rc)));
  }
  map_bytes_ = (map_bytes + 4095) / 4096 * 4096;
  mdb_env_set_mapsize(env_, map_bytes_);
  mdb_env_set_maxdbs(env_, 8);
  mdb_env_set_maxreaders(env_, kMaxReaders);
  mdb_env_set_assert(env_, OnLmdbAssert);
  std::optional<Fault> fault = RunGuarded([&] {
    rc = mdb_env_open(env_, path_.c_str(),
                      MDB_NOSYNC | MDB_NOTLS | MDB_NORDAHEAD, 0600);
    if (rc == 0) {
      int dead = 0;
      mdb_reader_check(env_, &dead);  // slots of readers that were killed
    }
  });
  if (fault) return Poison(absl::StrCat("opening: ", fault->Describe()));
  if (IsDamage(rc)) return Poison(mdb_strerror(rc));
  if (rc != 0) {
    return unmake(absl::UnavailableError(
        absl::StrCat(path_, ": cannot open cache: ", mdb_strerror(rc))));
  }
  if (RunGuarded([&] { ReadMapLayout(); })) {
    return Poison("reading the map layout");
  }
  struct {
    const char* name;
    MDB_dbi* dbi;
  } tables[] = {{"entries", &tables_.entries}, {"atime", &tables_.atime},
                {"outputs", &tables_.outputs}, {"files", &tables_.files},
                {"stats", &tables_.stats},     {"meta", &tables_.meta}};
  // Creating a missing table writes to LMDB's main table, whose leaf LMDB
  // copies by the bounds in its header: check that leaf and the free list
  // the write will read, in a read transaction, before writing.
  absl::StatusOr<int> leaves = InTxn(TxnKind::kRead, [&](MDB_txn* txn) {
    // Opening the main table (no name) gives it its key order; LMDB sets
    // none before, and a cursor on it would call a null comparison.
    MDB_dbi main_table;
    int opened = mdb_dbi_open(txn, nullptr, 0, &main_table);
    if (opened != 0) return opened;
    for (auto& table : tables) {
      int rc = CheckLeafFor(txn, main_table, table.name);
      if (rc != 0) return rc;
    }
    return CheckFreeList(txn);
  });
  if (!leaves.ok())
    return absl::IsDataLoss(leaves.status()) ? leaves.status()
                                             : unmake(leaves.status());
  if (*leaves != 0) {
    return IsDamage(*leaves)
               ? Poison(mdb_strerror(*leaves))
               : unmake(absl::UnavailableError(absl::StrCat(
                     path_, ": cannot check tables: ", mdb_strerror(*leaves))));
  }
  absl::StatusOr<int> made = InTxn(TxnKind::kWrite, [&](MDB_txn* txn) {
    for (auto& table : tables) {
      int rc = mdb_dbi_open(txn, table.name, MDB_CREATE, table.dbi);
      if (rc != 0) return rc;
    }
    return 0;
  });
  if (!made.ok())
    return absl::IsDataLoss(made.status()) ? made.status()
                                           : unmake(made.status());
  if (*made != 0) {
    return unmake(absl::UnavailableError(
        absl::StrCat(path_, ": cannot open tables: ", mdb_strerror(*made))));
  }
  return absl::OkStatus();
}

LmdbEnv::~LmdbEnv() {
  if (!env_) return;
  MDB_env* env = env_;
  // Guarded even when healthy: the file may have been damaged since.
  // After a fault its state is unknown: leak it (a map and three fds).
  // After MDB_PANIC a fresh handle on the same files may be open in this
  // process, whose locks closing this one would drop: leak it too.
  if (poisoned_ || fatal_) return;
  RunGuarded([env] { mdb_env_close(env); });  // a fault leaks the rest
}

absl::Status LmdbEnv::Poison(const std::string& what) {
  std::lock_guard<std::mutex> lock(damage_mutex_);
  if (!poisoned_) damage_ = what;
  poisoned_ = true;
  return absl::DataLossError(absl::StrCat(path_, ": damaged cache: ", damage_));
}

void LmdbEnv::ReadMapLayout() {
  MDB_envinfo info;
  if (mdb_env_info(env_, &info) == 0) map_size_ = info.me_mapsize;
  MDB_stat st;
  if (mdb_env_stat(env_, &st) == 0 && st.ms_psize >= 512) {
    page_size_ = st.ms_psize;
  }
}

int LmdbEnv::CheckValue(const MDB_val& value) const {
  uintptr_t at = reinterpret_cast<uintptr_t>(value.mv_data);
  if (value.mv_size > map_size_) return MDB_CORRUPTED;
  // The map starts on a page boundary. Inline in a leaf page, the data
  // follows a node header and its key: never right after a page header,
  // where data on overflow pages starts.
  if (at % page_size_ != kPageHeader) return 0;
  const unsigned char* header =
      reinterpret_cast<const unsigned char*>(at - kPageHeader);
  uint64_t pgno;
  uint16_t flags;
  uint32_t pages;
  std::memcpy(&pgno, header, 8);
  std::memcpy(&flags, header + 10, 2);
  std::memcpy(&pages, header + 12, 4);
  constexpr uint16_t kOverflowPage = 0x04;  // LMDB's P_OVERFLOW
  if (pgno >= map_size_ / page_size_ || !(flags & kOverflowPage) ||
      pages != (value.mv_size + kPageHeader + page_size_ - 1) / page_size_) {
    return MDB_CORRUPTED;
  }
  return 0;
}

int LmdbEnv::CheckLeafOf(const MDB_val& key) const {
  uintptr_t at = reinterpret_cast<uintptr_t>(key.mv_data);
  const unsigned char* page =
      reinterpret_cast<const unsigned char*>(at - at % page_size_);
  uint16_t flags, lower, upper;
  std::memcpy(&flags, page + 10, 2);
  std::memcpy(&lower, page + 12, 2);
  std::memcpy(&upper, page + 14, 2);
  constexpr uint16_t kLeaf = 0x02, kOther = 0x01 | 0x04 | 0x08 | 0x20 | 0x40;
  if (!(flags & kLeaf) || (flags & kOther) || lower < kPageHeader ||
      lower > upper || upper > page_size_ || (lower - kPageHeader) % 2 != 0) {
    return MDB_CORRUPTED;
  }
  constexpr size_t kNodeHeader = 8;
  constexpr uint16_t kBigData = 0x01;
  for (size_t slot = kPageHeader; slot < lower; slot += 2) {
    uint16_t node;
    std::memcpy(&node, page + slot, 2);
    if (node < upper || node + kNodeHeader > page_size_) return MDB_CORRUPTED;
    uint16_t lo, hi, node_flags, key_size;
    std::memcpy(&lo, page + node, 2);
    std::memcpy(&hi, page + node + 2, 2);
    std::memcpy(&node_flags, page + node + 4, 2);
    std::memcpy(&key_size, page + node + 6, 2);
    uint64_t data = (node_flags & kBigData) ? 8 : (uint64_t{hi} << 16 | lo);
    if (node + kNodeHeader + key_size + data > page_size_) {
      return MDB_CORRUPTED;
    }
  }
  return 0;
}

int LmdbEnv::CheckLeafFor(MDB_txn* txn, MDB_dbi dbi,
                          absl::string_view key) const {
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(txn, dbi, &cursor);
  if (rc != 0) return rc;
  MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
  rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  if (rc == MDB_NOTFOUND) rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST);
  mdb_cursor_close(cursor);
  if (rc == MDB_NOTFOUND) return 0;  // an empty table: nothing to copy
  if (rc != 0) return rc;
  return CheckLeafOf(k);
}

int LmdbEnv::CheckFreeList(MDB_txn* txn) const {
  constexpr MDB_dbi kFreeList = 0;  // LMDB's FREE_DBI
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(txn, kFreeList, &cursor);
  if (rc != 0) return rc;
  uint64_t map_pages = map_size_ / page_size_;
  MDB_val k, v;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    if ((rc = CheckLeafOf(k)) != 0 || (rc = CheckValue(v)) != 0) break;
    if (k.mv_size != sizeof(uint64_t) || v.mv_size < sizeof(uint64_t) ||
        v.mv_size % sizeof(uint64_t) != 0) {
      rc = MDB_CORRUPTED;
      break;
    }
    const unsigned char* ids = static_cast<const unsigned char*>(v.mv_data);
    uint64_t count;
    std::memcpy(&count, ids, sizeof count);
    if (count != v.mv_size / sizeof(uint64_t) - 1) {
      rc = MDB_CORRUPTED;
      break;
    }
    for (uint64_t i = 1; i <= count && rc == 0; ++i) {
      uint64_t page;
      std::memcpy(&page, ids + i * sizeof page, sizeof page);
      if (page < 2 || page >= map_pages) rc = MDB_CORRUPTED;
    }
    if (rc != 0) break;
  }
  mdb_cursor_close(cursor);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

std::string LmdbEnv::Damage() {
  std::lock_guard<std::mutex> lock(damage_mutex_);
  return absl::StrCat(path_, ": damaged cache: ", damage_);
}

void LmdbEnv::GrowMap(uint64_t map_bytes) {
  map_bytes = (map_bytes + 4095) / 4096 * 4096;
  std::unique_lock<std::shared_mutex> lock(map_mutex_);
  if (map_bytes <= map_bytes_ || poisoned_) return;
  int rc = 0;
  if (RunGuarded([&] {
        rc = mdb_env_set_mapsize(env_, map_bytes);
        ReadMapLayout();
      })) {
    Poison("changing the map size").IgnoreError();
    return;
  }
  if (rc == 0) map_bytes_ = map_bytes;
}

absl::Status LmdbEnv::AdoptMapSize() {
  std::unique_lock<std::shared_mutex> lock(map_mutex_);
  int rc = 0;
  // Another process grew the map past ours: take its size, or ours if
  // that is larger.
  std::optional<Fault> fault = RunGuarded([&] {
    rc = mdb_env_set_mapsize(env_, 0);
    MDB_envinfo info;
    if (rc == 0 && mdb_env_info(env_, &info) == 0 &&
        info.me_mapsize < map_bytes_) {
      rc = mdb_env_set_mapsize(env_, map_bytes_);
    }
    ReadMapLayout();
  });
  if (fault) return Poison(absl::StrCat("resizing: ", fault->Describe()));
  // The meta page names a map this process cannot have: it is damaged.
  if (rc != 0) return Poison(absl::StrCat("map size: ", mdb_strerror(rc)));
  return absl::OkStatus();
}

absl::StatusOr<int> LmdbEnv::InTxn(TxnKind kind,
                                   absl::FunctionRef<int(MDB_txn*)> body) {
  for (int attempt = 0;; ++attempt) {
    std::shared_lock<std::shared_mutex> lock(map_mutex_);
    if (poisoned_) return Poison("");
    if (fatal_) {
      return absl::UnavailableError(
          absl::StrCat(path_, ": cache handle failed earlier (MDB_PANIC)"));
    }
    MDB_txn* txn = nullptr;
    int rc = 0;
    std::optional<Fault> fault = RunGuarded([&] {
      rc = mdb_txn_begin(env_, nullptr, kind == TxnKind::kRead ? MDB_RDONLY : 0,
                         &txn);
      if (rc != 0) {
        txn = nullptr;
        return;
      }
      rc = body(txn);
      if (kind == TxnKind::kWrite && rc == 0) {
        rc = mdb_txn_commit(txn);
      } else {
        mdb_txn_abort(txn);
      }
      txn = nullptr;
    });
    if (fault) {
      // The interrupted transaction is leaked, not aborted: aborting it
      // frees what LMDB was half-way through building (a double free).
      return Poison(fault->Describe());
    }
    if (rc == MDB_MAP_RESIZED) {
      // Grown by another process; resized twice in a row means the meta
      // page's size is not one LMDB can map.
      if (attempt > 0) return Poison("the map size keeps changing");
      lock.unlock();
      absl::Status adopted = AdoptMapSize();
      if (!adopted.ok()) return adopted;
      continue;
    }
    if (IsDamage(rc)) return Poison(mdb_strerror(rc));
    if (rc == MDB_PANIC) {
      fatal_ = true;
      return absl::UnavailableError(
          absl::StrCat(path_, ": cache handle failed: ", mdb_strerror(rc)));
    }
    return rc;
  }
}

absl::StatusOr<std::string> LmdbEnv::MoveAside(const std::string& path,
                                               dev_t device, ino_t inode) {
  DirLock dir_lock(Parent(path));
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || st.st_dev != device ||
      st.st_ino != inode) {
    return std::string();  // already moved (by another process or store)
  }
  uint64_t now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::string aside = absl::StrCat(path, ".damaged-", now, "-", ::getpid());
  if (::rename(path.c_str(), aside.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat(
        path, ": cannot move the damaged cache aside: ", std::strerror(errno)));
  }
  // A failure here shows when the fresh environment is acquired.
  (void)::mkdir(path.c_str(), 0700);
  return aside;
}

}  // namespace helperlink
