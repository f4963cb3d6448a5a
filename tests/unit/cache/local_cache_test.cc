// Tests for cache/local_cache on the in-memory store: hits, misses,
// corrupt entries, explanations, eviction and a failing store.
#include "cache/local_cache.h"

#include <cmath>

#include "cache/memory_store.h"
#include "gtest/gtest.h"
#include "tests/util/test_report.h"

namespace helperlink {
namespace {

KeyInputs Inputs(const std::string& flag, char crate = 'c') {
  return MakeKeyInputs(Mode::kFast, {std::string(64, 'a')}, {"h.bc"},
                       {"clang-22", flag}, std::string(64, crate));
}

class LocalCacheTest : public ::testing::Test {
 protected:
  LocalCacheTest() {
    auto store = std::make_unique<MemoryStore>(policy_);
    store_ = store.get();
    cache_ = std::make_unique<LocalCache>(std::move(store));
  }
  CachePolicy policy_;
  MemoryStore* store_;
  std::unique_ptr<LocalCache> cache_;
};

TEST_F(LocalCacheTest, MissThenHit) {
  KeyInputs in = Inputs("-O2");
  std::string key = in.Key();
  auto miss = cache_->Lookup(key);
  ASSERT_TRUE(miss.ok());
  EXPECT_FALSE(miss->has_value());
  auto stored = cache_->StoreMiss(in, key, {"OBJ", TestReport("{}")}, "/t/a.o");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->explanation, "first build of this output");
  auto hit = cache_->Lookup(key);
  ASSERT_TRUE(hit.ok() && hit->has_value());
  EXPECT_EQ((*hit)->object, "OBJ");
  ASSERT_TRUE(cache_->RecordHit(in, key, 5, "/t/a.o").ok());
  CacheStats stats = *cache_->Stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.stores, 1u);
  EXPECT_EQ(stats.entries, 1u);
}

TEST_F(LocalCacheTest, CorruptEntryIsDeletedCountedAndMissed) {
  KeyInputs in = Inputs("-O2");
  std::string key = in.Key();
  ASSERT_TRUE(
      cache_->StoreMiss(in, key, {"OBJ", TestReport("{}")}, "/t/a.o").ok());
  std::string bytes = EncodeEntry(key, {"OBJ", TestReport("{}")});
  bytes[bytes.size() - 3] ^= 1;
  store_->Corrupt(key, bytes);
  auto found = cache_->Lookup(key);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  CacheStats stats = *cache_->Stats();
  EXPECT_EQ(stats.corrupt, 1u);
  EXPECT_EQ(stats.entries, 0u);
}

TEST_F(LocalCacheTest, AnEntrySwappedOntoAnotherKeyIsACountedMiss) {
  KeyInputs a = Inputs("-O2");
  KeyInputs b = Inputs("-O3");
  ASSERT_TRUE(
      cache_->StoreMiss(a, a.Key(), {"OBJ A", TestReport("{}")}, "/t/a.o")
          .ok());
  ASSERT_TRUE(
      cache_->StoreMiss(b, b.Key(), {"OBJ B", TestReport("{}")}, "/t/b.o")
          .ok());
  // B's intact entry, stored under A's key (as someone with write access to
  // the cache could do).
  store_->Corrupt(a.Key(), EncodeEntry(b.Key(), {"OBJ B", TestReport("{}")}));
  auto found = cache_->Lookup(a.Key());
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  CacheStats stats = *cache_->Stats();
  EXPECT_EQ(stats.corrupt, 1u);
  EXPECT_EQ(stats.entries, 1u);
  auto other = cache_->Lookup(b.Key());
  ASSERT_TRUE(other.ok() && other->has_value());
  EXPECT_EQ((*other)->object, "OBJ B");
}

TEST_F(LocalCacheTest, ExplainsTheChangeSinceTheLastBuildOfAnOutput) {
  KeyInputs o2 = Inputs("-O2");
  KeyInputs o3 = Inputs("-O3");
  ASSERT_TRUE(
      cache_->StoreMiss(o2, o2.Key(), {"A", TestReport("{}")}, "/t/a.o").ok());
  auto record =
      cache_->StoreMiss(o3, o3.Key(), {"B", TestReport("{}")}, "/t/a.o");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->explanation, "flags changed: -O2 removed, -O3 added");
  auto last = cache_->LastOutput("/t/a.o");
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->result, "miss");
  EXPECT_EQ((*last)->key, o3.Key());
  // Going back to -O2 hits, and says it differs from the last build.
  auto hit = cache_->RecordHit(o2, o2.Key(), 1, "/t/a.o");
  ASSERT_TRUE(hit.ok());
  EXPECT_NE(hit->explanation.find("-O3 removed, -O2 added"), std::string::npos)
      << hit->explanation;
  EXPECT_FALSE(cache_->LastOutput("/t/never.o")->has_value());
}

TEST(LocalCacheEvictionTest, LeastRecentlyUsedGoesFirst) {
  CachePolicy policy;
  policy.max_bytes = 3000;
  auto store = std::make_unique<MemoryStore>(policy);
  LocalCache cache(std::move(store));
  std::vector<std::string> keys;
  for (char c : {'a', 'b', 'c'}) {
    KeyInputs in = Inputs("-O2", c);
    keys.push_back(in.Key());
    ASSERT_TRUE(cache
                    .StoreMiss(in, keys.back(),
                               {std::string(900, c), TestReport("")}, "/t/x.o")
                    .ok());
  }
  // Use 'a' so that 'b' is the oldest.
  ASSERT_TRUE(cache.RecordHit(Inputs("-O2", 'a'), keys[0], 1, "/t/x.o").ok());
  KeyInputs d = Inputs("-O2", 'd');
  ASSERT_TRUE(cache
                  .StoreMiss(d, d.Key(),
                             {std::string(900, 'd'), TestReport("")}, "/t/x.o")
                  .ok());
  EXPECT_TRUE(cache.Lookup(keys[0])->has_value());
  EXPECT_FALSE(cache.Lookup(keys[1])->has_value());
  EXPECT_TRUE(cache.Lookup(d.Key())->has_value());
  EXPECT_GE(cache.Stats()->evictions, 1u);
}

TEST_F(LocalCacheTest, FailingStoreGivesErrorsNotWrongAnswers) {
  store_->set_failing(true);
  EXPECT_FALSE(cache_->Lookup(Inputs("-O2").Key()).ok());
  EXPECT_FALSE(
      cache_->StoreMiss(Inputs("-O2"), "k", {"A", TestReport("{}")}, "/t/a.o")
          .ok());
}

TEST(CachePolicyTest, Parse) {
  EXPECT_EQ(ParseCachePolicy("")->max_bytes, uint64_t{5} << 30);
  EXPECT_EQ(ParseCachePolicy("max_size=500M")->max_bytes, uint64_t{500} << 20);
  auto both = ParseCachePolicy("max_size=2G:evict_to=0.5");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->max_bytes, uint64_t{2} << 30);
  EXPECT_DOUBLE_EQ(both->evict_to, 0.5);
  EXPECT_EQ(ParseCachePolicy("max_size=12345")->max_bytes, 12345u);
  EXPECT_FALSE(ParseCachePolicy("max_size=lots").ok());
  EXPECT_FALSE(ParseCachePolicy("evict_to=2").ok());
  EXPECT_EQ(ParseCachePolicy("size=1G").status().message(),
            "cache policy 'size=1G': unknown key 'size' (known: max_size, "
            "evict_to)");
  // 2^24 T overflows 64 bits: refused, not wrapped to a tiny limit.
  EXPECT_FALSE(ParseCachePolicy("max_size=16777216T").ok());
  EXPECT_EQ(ParseCachePolicy("max_size=16777215T")->max_bytes,
            uint64_t{16777215} << 40);
}

TEST(CachePolicyTest, Check) {
  EXPECT_TRUE(CheckCachePolicy(CachePolicy()).ok());
  CachePolicy policy;
  policy.max_bytes = 0;
  EXPECT_FALSE(CheckCachePolicy(policy).ok());
  for (double evict_to : {0.0, -0.5, 1.01, std::nan("")}) {
    policy = CachePolicy();
    policy.evict_to = evict_to;
    EXPECT_FALSE(CheckCachePolicy(policy).ok()) << evict_to;
  }
  policy.evict_to = 1;
  EXPECT_TRUE(CheckCachePolicy(policy).ok());
}

}  // namespace
}  // namespace helperlink
