// Tests for cache/lmdb_store on real LMDB in a temp dir: persistence,
// LRU eviction, a full map, several processes writing at once, and an
// unreadable environment replaced by a fresh one.
#include "cache/lmdb_store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "cache/local_cache.h"
#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"
#include "tests/util/test_report.h"

namespace helperlink {
namespace {

class LmdbStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<LmdbStore> OpenStore(CachePolicy policy = {}) {
    auto store = LmdbStore::Open(dir_, policy);
    EXPECT_TRUE(store.ok()) << store.status();
    return std::move(*store);
  }
  static absl::Status Put(Store& store, const std::string& key,
                          const std::string& value) {
    StoreUpdate update;
    update.put_entry.emplace(key, value);
    update.stats.stores = 1;
    return store.Apply(update);
  }
  testing::TempDir temp_{"lmdb"};
  const std::string dir_ = temp_.path();
};

TEST_F(LmdbStoreTest, PersistsAcrossOpens) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(Put(*store, "k1", "value one").ok());
    StoreUpdate update;
    update.put_outputs.emplace_back("out", "record");
    update.stats.hits = 2;
    ASSERT_TRUE(store->Apply(update).ok());
  }
  auto store = OpenStore();
  EXPECT_EQ(**store->Get(Table::kEntries, "k1"), "value one");
  EXPECT_EQ(**store->Get(Table::kOutputs, "out"), "record");
  EXPECT_FALSE(store->Get(Table::kEntries, "k2")->has_value());
  CacheStats stats = *store->ReadStats();
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.stores, 1u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(stats.bytes, 9u);
  ASSERT_TRUE(store->ZeroStats().ok());
  EXPECT_EQ(store->ReadStats()->hits, 0u);
  EXPECT_EQ(store->ReadStats()->entries, 1u);  // contents stay
}

TEST_F(LmdbStoreTest, EvictsOldestBeyondTheSizeLimit) {
  CachePolicy policy;
  policy.max_bytes = 10000;
  policy.evict_to = 0.5;
  auto store = OpenStore(policy);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(Put(*store, absl::StrCat("k", i), std::string(3000, 'x')).ok());
  }
  // 12000 > 10000: the oldest entries went until the new one fit in 5000.
  CacheStats stats = *store->ReadStats();
  EXPECT_LE(stats.bytes, 10000u);
  EXPECT_GE(stats.evictions, 1u);
  EXPECT_FALSE(store->Get(Table::kEntries, "k0")->has_value());
  EXPECT_TRUE(store->Get(Table::kEntries, "k3")->has_value());
}

TEST_F(LmdbStoreTest, AnEntryLargerThanTheLimitIsDroppedAndEvictsNothing) {
  CachePolicy policy;
  policy.max_bytes = 10000;
  auto store = OpenStore(policy);
  ASSERT_TRUE(Put(*store, "small", std::string(3000, 'x')).ok());
  ASSERT_TRUE(Put(*store, "huge", std::string(10001, 'x')).ok());
  CacheStats stats = *store->ReadStats();
  EXPECT_FALSE(store->Get(Table::kEntries, "huge")->has_value());
  EXPECT_TRUE(store->Get(Table::kEntries, "small")->has_value());
  EXPECT_EQ(stats.bytes, 3000u);
  EXPECT_EQ(stats.stores, 1u);
  EXPECT_EQ(stats.evictions, 0u);
}

TEST_F(LmdbStoreTest, AFullMapEvictsInsteadOfFailing) {
  CachePolicy policy;
  policy.max_bytes = uint64_t{1} << 30;  // the size limit never triggers
  policy.map_bytes = 2 << 20;            // but the map is tiny
  auto store = OpenStore(policy);
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(
        Put(*store, absl::StrCat("k", i), std::string(200000, 'y')).ok())
        << i;
  }
  CacheStats stats = *store->ReadStats();
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_TRUE(store->Get(Table::kEntries, "k39")->has_value());
}

TEST_F(LmdbStoreTest, SeveralProcessesWriteAtOnce) {
  const int kChildren = 4, kPuts = 50;
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto store = LmdbStore::Open(dir_, CachePolicy());
      if (!store.ok()) _exit(2);
      for (int i = 0; i < kPuts; ++i) {
        if (!Put(**store, absl::StrCat("c", c, "-", i),
                 std::string(1000 + i, static_cast<char>('a' + c)))
                 .ok()) {
          _exit(3);
        }
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto store = OpenStore();
  CacheStats stats = *store->ReadStats();
  EXPECT_EQ(stats.stores, static_cast<uint64_t>(kChildren * kPuts));
  EXPECT_EQ(stats.entries, static_cast<uint64_t>(kChildren * kPuts));
  EXPECT_EQ((**store->Get(Table::kEntries, "c3-49")).size(), 1049u);
}

TEST_F(LmdbStoreTest, UnreadableEnvironmentIsReplaced) {
  ASSERT_TRUE(Put(*OpenStore(), "k", "v").ok());
  {
    std::ofstream data(dir_ + "/cache.lmdb/data.mdb",
                       std::ios::binary | std::ios::trunc);
    data << std::string(16384, '\x5a');
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->Get(Table::kEntries, "k")->has_value());
  ASSERT_TRUE(Put(*store, "k", "v2").ok());
  EXPECT_EQ(**store->Get(Table::kEntries, "k"), "v2");
}

TEST_F(LmdbStoreTest, LocalCacheOverLmdbDetectsFlippedBytes) {
  auto cache = LocalCache::Open(dir_, CachePolicy());
  ASSERT_TRUE(cache.ok());
  KeyInputs in = MakeKeyInputs(Mode::kFast, {std::string(64, 'a')}, {"h"},
                               {"clang"}, std::string(64, 'b'));
  std::string object(5000, 'O');
  ASSERT_TRUE(
      (*cache)->StoreMiss(in, in.Key(), {object, TestReport("{}")}, "/o").ok());
  // Flip one byte of the stored object inside data.mdb.
  std::string path = dir_ + "/cache.lmdb/data.mdb";
  std::fstream data(path, std::ios::in | std::ios::out | std::ios::binary);
  std::string contents((std::istreambuf_iterator<char>(data)),
                       std::istreambuf_iterator<char>());
  size_t at = contents.find(std::string(100, 'O'));
  ASSERT_NE(at, std::string::npos);
  data.seekp(static_cast<std::streamoff>(at + 50));
  data.put('X');
  data.close();
  auto found = (*cache)->Lookup(in.Key());
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  EXPECT_EQ((*cache)->Stats()->corrupt, 1u);
}

}  // namespace
}  // namespace helperlink
