// Tests for cache/cache_first: helper digests come from the digest memory
// while a file is unchanged, a hit is recorded for its output, a miss and
// a failing store are told apart, and the report's cache section is set.
#include "cache/cache_first.h"

#include "cache/memory_store.h"
#include "cache/sha256.h"
#include "gtest/gtest.h"
#include "invocation/atomic_file.h"
#include "tests/util/status_matchers.h"
#include "tests/util/temp_dir.h"
#include "tests/util/test_report.h"

namespace helperlink {
namespace {

using testing::IsOk;
using testing::StatusIs;

class CacheFirstTest : public ::testing::Test {
 protected:
  CacheFirstTest() {
    auto store = std::make_unique<MemoryStore>();
    store_ = store.get();
    cache_ = std::make_unique<LocalCache>(std::move(store));
  }
  MemoryStore* store_;
  std::unique_ptr<LocalCache> cache_;
  testing::TempDir temp_{"cache_first"};
};

TEST_F(CacheFirstTest, HelperDigestsAreRememberedUntilTheFileChanges) {
  std::string path = temp_.Path("helpers.bc");
  ASSERT_THAT(WriteFileAtomically(path, "one"), IsOk());
  auto first = HelperDigests(*cache_, {path});
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(*first, std::vector<std::string>{Sha256Hex("one")});
  auto identity = FileIdentity::Of(path);
  ASSERT_THAT(identity, IsOk());
  EXPECT_EQ(cache_->KnownDigest(*identity), Sha256Hex("one"));

  // Rebuilt in place: a new identity, hashed again.
  ASSERT_THAT(WriteFileAtomically(path, "two"), IsOk());
  auto second = HelperDigests(*cache_, {path});
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(*second, std::vector<std::string>{Sha256Hex("two")});

  EXPECT_THAT(HelperDigests(*cache_, {temp_.Path("gone.bc")}),
              StatusIs(absl::StatusCode::kNotFound,
                       temp_.Path("gone.bc: No such file or directory")));
}

TEST_F(CacheFirstTest, HitIsRecordedForItsOutput) {
  KeyInputs inputs =
      MakeKeyInputs(Mode::kFast, {std::string(64, 'a')}, {"h.bc"},
                    {"clang-22", "-O2"}, std::string(64, 'c'));
  std::string key = inputs.Key();
  auto miss = LookupLocalHit(*cache_, inputs, key, "/t/a.o");
  ASSERT_THAT(miss, IsOk());
  EXPECT_FALSE(miss->has_value());

  ASSERT_THAT(
      cache_->StoreMiss(inputs, key, {"OBJ", TestReport("{}")}, "/t/a.o"),
      IsOk());
  auto hit = LookupLocalHit(*cache_, inputs, key, "/t/b.o");
  ASSERT_THAT(hit, IsOk());
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ((*hit)->entry.object, "OBJ");
  EXPECT_EQ((*hit)->explanation, "");  // a plain hit
  auto record = cache_->LastOutput("/t/b.o");
  ASSERT_THAT(record, IsOk());
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->result, "hit");
  EXPECT_EQ((*record)->key, key);
}

TEST_F(CacheFirstTest, FailingStoreIsAnErrorNotAMiss) {
  KeyInputs inputs =
      MakeKeyInputs(Mode::kFast, {}, {}, {"clang-22"}, std::string(64, 'c'));
  store_->set_failing(true);
  EXPECT_FALSE(LookupLocalHit(*cache_, inputs, inputs.Key(), "/t/a.o").ok());
}

TEST(SetCacheOutcomeTest, FillsTheSection) {
  v1::Report report;
  SetCacheOutcome("remote-hit", "k", "why", 1.5, &report);
  EXPECT_EQ(report.cache().result(), "remote-hit");
  EXPECT_EQ(report.cache().key(), "k");
  EXPECT_EQ(report.cache().explain(), "why");
  EXPECT_EQ(report.cache().ms(), 1.5);
}

}  // namespace
}  // namespace helperlink
