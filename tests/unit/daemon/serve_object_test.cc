// Tests for daemon/serve_object: the cache-first path over an in-memory
// local cache (MemoryStore) and a fake remote cache, with a compute step
// that counts its calls instead of running the engine.
#include "daemon/serve_object.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/key.h"
#include "cache/local_cache.h"
#include "cache/memory_store.h"
#include "cache/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/fake_remote_cache.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_object.h"
#include "tests/util/test_report.h"

namespace helperlink {
namespace {

using ::helperlink::testing::FakeRemoteCache;
using ::helperlink::testing::IsOk;
using ::helperlink::testing::RemoteWrite;
using ::helperlink::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

class ServeObjectTest : public ::testing::Test {
 protected:
  ServeObjectTest() {
    auto store = std::make_unique<MemoryStore>();
    store_ = store.get();
    local_ = std::make_unique<LocalCache>(std::move(store));
    request_.crate_name = "kernel";
    request_.crate_bitcode = crate_;
    request_.helpers.push_back(
        {"helpers.bc", std::make_shared<const std::string>("helper bytes")});
    request_.cc_command = {"clang", "--target=x86_64-linux-gnu", "-O2"};
    request_.mode = Mode::kFast;
    caches_.local = local_.get();
    caches_.schedule_upload = [this](std::function<void()> upload) {
      uploads_.push_back(std::move(upload));
    };
  }

  std::vector<std::string> HelperDigests() const {
    return {Sha256Hex(*request_.helpers[0].bytes)};
  }
  KeyInputs Inputs() const {
    bool used;
    return KeyInputsFor(request_, HelperDigests(), std::nullopt, &used);
  }
  std::string Key() const { return Inputs().Key(); }
  RemoteAction Action() const {
    return MakeRemoteAction(Inputs(), crate_.size(),
                            {request_.helpers[0].bytes->size()});
  }

  absl::StatusOr<ServedObject> Serve() {
    return ServeObject(
        caches_, request_, HelperDigests(), client_key_, "/build/kernel.o", 1.5,
        [this]() -> absl::StatusOr<LinkResult> {
          ++computed_;
          if (on_compute_) on_compute_();
          if (!compute_error_.ok()) return compute_error_;
          LinkResult result;
          result.object = computed_object_;
          result.report.set_crate(request_.crate_name);
          result.report.set_object_bytes(computed_object_.size());
          if (request_.save_merged == SaveMerged::kYes) {
            result.merged_bitcode = "merged module";
          }
          return result;
        });
  }

  const std::string crate_ = "crate bitcode bytes";
  const std::string computed_object_ = X86RelocatableObject("computed");
  MemoryStore* store_ = nullptr;  // owned by local_
  std::unique_ptr<LocalCache> local_;
  LinkRequest request_;
  CacheSetup caches_;
  std::vector<std::function<void()>> uploads_;
  int computed_ = 0;
  std::function<void()> on_compute_;
  absl::Status compute_error_;
  std::optional<ClientKey> client_key_;
};

// The key a client would send for `crate_digest` with this request's other
// inputs.
std::string ClaimedKey(const LinkRequest& request,
                       const std::vector<std::string>& helper_digests,
                       const std::string& crate_digest) {
  return MakeKeyInputs(request.mode, helper_digests, {"helpers.bc"},
                       request.cc_command, crate_digest)
      .Key();
}

TEST_F(ServeObjectTest, MissComputesOnceAndStoresLocally) {
  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(computed_, 1);
  EXPECT_FALSE(served->hit);
  EXPECT_FALSE(served->remote_hit);
  EXPECT_EQ(served->object, computed_object_);
  EXPECT_EQ(served->report.cache().result(), "miss");
  EXPECT_EQ(served->report.cache().key(), Key());
  EXPECT_EQ(served->report.crate(), "kernel");

  absl::StatusOr<std::optional<CachedObject>> stored = local_->Lookup(Key());
  ASSERT_THAT(stored, IsOk());
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->object, computed_object_);
  EXPECT_TRUE(uploads_.empty());  // no remote
}

TEST_F(ServeObjectTest, LocalHitDoesNotComputeOrAskTheRemote) {
  FakeRemoteCache remote(RemoteWrite::kYes);
  caches_.remote = &remote;
  ASSERT_THAT(Serve(), IsOk());
  ASSERT_EQ(computed_, 1);
  int lookups = remote.lookups();
  uploads_.clear();

  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(computed_, 1);
  EXPECT_TRUE(served->hit);
  EXPECT_FALSE(served->remote_hit);
  EXPECT_EQ(served->object, computed_object_);
  EXPECT_EQ(served->report.cache().result(), "hit");
  EXPECT_EQ(remote.lookups(), lookups);
  EXPECT_TRUE(uploads_.empty());
}

TEST_F(ServeObjectTest, RemoteHitIsCopiedIntoTheLocalCache) {
  FakeRemoteCache remote;
  caches_.remote = &remote;
  const std::string remote_object = X86RelocatableObject("from the remote");
  remote.Put(Action(), {remote_object, TestReport("kernel")});

  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(computed_, 0);
  EXPECT_TRUE(served->hit);
  EXPECT_TRUE(served->remote_hit);
  EXPECT_EQ(served->object, remote_object);
  EXPECT_EQ(served->report.cache().result(), "remote-hit");
  EXPECT_EQ(remote.stats().hits.load(), 1u);

  absl::StatusOr<std::optional<CachedObject>> stored = local_->Lookup(Key());
  ASSERT_THAT(stored, IsOk());
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->object, remote_object);

  // The next request is a local hit, even with the remote gone.
  remote.set_failure(absl::UnavailableError("remote cache: down"));
  served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_TRUE(served->hit);
  EXPECT_FALSE(served->remote_hit);
  EXPECT_EQ(served->object, remote_object);
  EXPECT_EQ(remote.lookups(), 1);
  EXPECT_EQ(computed_, 0);
}

TEST_F(ServeObjectTest, MissIsUploadedWhenTheRemoteIsWritable) {
  FakeRemoteCache remote(RemoteWrite::kYes);
  caches_.remote = &remote;
  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(computed_, 1);
  EXPECT_EQ(remote.lookups(), 1);
  EXPECT_EQ(served->report.cache().result(), "miss");
  // Scheduled, not run: the daemon's queue decides when.
  ASSERT_EQ(uploads_.size(), 1u);
  EXPECT_EQ(remote.upload_calls(), 0);
  uploads_[0]();
  std::optional<CachedObject> uploaded = remote.Stored(Action());
  ASSERT_TRUE(uploaded.has_value());
  EXPECT_EQ(uploaded->object, computed_object_);
  // What is uploaded is the engine's report, without this request's cache
  // section.
  EXPECT_EQ(uploaded->report.crate(), "kernel");
  EXPECT_FALSE(uploaded->report.has_cache());
}

TEST_F(ServeObjectTest, ReadOnlyRemoteGetsNoUpload) {
  FakeRemoteCache remote(RemoteWrite::kNo);
  caches_.remote = &remote;
  ASSERT_THAT(Serve(), IsOk());
  EXPECT_EQ(computed_, 1);
  EXPECT_TRUE(uploads_.empty());
  EXPECT_EQ(remote.upload_calls(), 0);
}

TEST_F(ServeObjectTest, RemoteFailureIsNotedAndNeverFailsTheRequest) {
  FakeRemoteCache remote(RemoteWrite::kYes);
  caches_.remote = &remote;
  remote.set_failure(absl::UnavailableError(
      "remote cache: GetActionResult: connection refused"));
  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(computed_, 1);
  EXPECT_FALSE(served->hit);
  EXPECT_EQ(served->object, computed_object_);
  EXPECT_THAT(served->report.cache().explain(),
              HasSubstr("connection refused"));
  EXPECT_EQ(remote.stats().errors.load(), 1u);
  // Stored locally all the same, and the upload is still tried (and
  // counted by the remote when it fails).
  absl::StatusOr<std::optional<CachedObject>> stored = local_->Lookup(Key());
  ASSERT_THAT(stored, IsOk());
  EXPECT_TRUE(stored->has_value());
  ASSERT_EQ(uploads_.size(), 1u);
  uploads_[0]();
  EXPECT_EQ(remote.stats().errors.load(), 2u);
}

TEST_F(ServeObjectTest, LocalLookupFailureIsNotedAndNeverFailsTheRequest) {
  store_->set_failing(true);
  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(computed_, 1);
  EXPECT_FALSE(served->hit);
  EXPECT_EQ(served->object, computed_object_);
  EXPECT_THAT(served->report.cache().explain(),
              HasSubstr("local cache unavailable"));
}

TEST_F(ServeObjectTest, LocalStoreFailureIsNotedAndNeverFailsTheRequest) {
  // The lookup works; the store breaks while the object is computed.
  on_compute_ = [this] { store_->set_failing(true); };
  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(computed_, 1);
  EXPECT_EQ(served->object, computed_object_);
  EXPECT_THAT(served->report.cache().explain(), HasSubstr("not stored"));
  store_->set_failing(false);
  absl::StatusOr<std::optional<CachedObject>> stored = local_->Lookup(Key());
  ASSERT_THAT(stored, IsOk());
  EXPECT_FALSE(stored->has_value());
}

TEST_F(ServeObjectTest, SaveMergedSkipsBothLookupsAndStillStores) {
  FakeRemoteCache remote;
  caches_.remote = &remote;
  ASSERT_THAT(Serve(), IsOk());  // now cached locally
  remote.Put(Action(),
             {X86RelocatableObject("from the remote"), TestReport("remote")});
  int lookups = remote.lookups();
  ASSERT_EQ(computed_, 1);

  request_.save_merged = SaveMerged::kYes;
  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(computed_, 2);
  EXPECT_FALSE(served->hit);
  EXPECT_FALSE(served->remote_hit);
  EXPECT_EQ(served->object, computed_object_);
  EXPECT_EQ(served->merged_bitcode, "merged module");
  EXPECT_EQ(remote.lookups(), lookups);
  EXPECT_THAT(served->report.cache().explain(), HasSubstr("lookup skipped"));
}

TEST_F(ServeObjectTest, NoLocalCacheSaysWhy) {
  caches_.local = nullptr;
  caches_.why_no_local = "cache bypassed (--no-cache)";
  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(computed_, 1);
  EXPECT_EQ(served->report.cache().result(), "off");
  EXPECT_THAT(served->report.cache().explain(), HasSubstr("--no-cache"));
  absl::StatusOr<std::optional<CachedObject>> stored = local_->Lookup(Key());
  ASSERT_THAT(stored, IsOk());
  EXPECT_FALSE(stored->has_value());
}

TEST_F(ServeObjectTest, ComputeErrorIsReturnedAndNothingIsStored) {
  FakeRemoteCache remote(RemoteWrite::kYes);
  caches_.remote = &remote;
  compute_error_ = absl::InvalidArgumentError("kernel.bc: not bitcode");
  EXPECT_THAT(Serve(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(computed_, 1);
  EXPECT_TRUE(uploads_.empty());
  absl::StatusOr<std::optional<CachedObject>> stored = local_->Lookup(Key());
  ASSERT_THAT(stored, IsOk());
  EXPECT_FALSE(stored->has_value());
}

TEST_F(ServeObjectTest, AgreeingClientKeyIsUsedWithoutHashingTheCrate) {
  // A digest that is not the crate's: the key served can only come from
  // the client's digest, never from hashing the crate here.
  const std::string digest(64, 'c');
  client_key_ = ClientKey{digest, ClaimedKey(request_, HelperDigests(), digest),
                          /*local_missed=*/false, /*lookup_ms=*/0.25};
  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(served->report.cache().key(), client_key_->key);
  EXPECT_NE(served->report.cache().key(), Key());
  EXPECT_GE(served->report.cache().ms(), 0.25);  // the client's time counts
}

TEST_F(ServeObjectTest, ClientThatMissedIsNotLookedUpAgain) {
  ASSERT_THAT(Serve(), IsOk());  // stores the object under Key()
  ASSERT_EQ(computed_, 1);
  int gets = store_->gets();
  client_key_ = ClientKey{Sha256Hex(crate_), Key(), /*local_missed=*/true, 0};
  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  // The client's lookup stands for this one: no read of the entry, and the
  // object is built (and stored again) as the client's miss said.
  EXPECT_EQ(computed_, 2);
  EXPECT_EQ(store_->gets(), gets);
  EXPECT_EQ(served->report.cache().result(), "miss");
}

TEST_F(ServeObjectTest, DisagreeingClientKeyIsIgnored) {
  ASSERT_THAT(Serve(), IsOk());
  // A client that saw other helpers: its key is not this request's.
  client_key_ = ClientKey{Sha256Hex(crate_), std::string(64, 'e'),
                          /*local_missed=*/true, 0};
  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(served->report.cache().key(), Key());
  EXPECT_TRUE(served->hit);  // looked up here, with the daemon's own key
  EXPECT_EQ(computed_, 1);
}

TEST_F(ServeObjectTest, WithoutAnyCacheNoKeyIsComputed) {
  caches_.local = nullptr;
  absl::StatusOr<ServedObject> served = Serve();
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(served->report.cache().result(), "off");
  EXPECT_EQ(served->report.cache().key(), "");
}

}  // namespace
}  // namespace helperlink
