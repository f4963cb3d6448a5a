// Tests for cache/remote_cache against a real REAPI server
// (cache/reapi_server) on loopback: round trips through the batch calls and
// through ByteStream (a 5 MiB blob), misses, read-only clients, tokens, and
// a result whose blobs are gone; and, against a server that stalls its
// first GetCapabilities answer, that the stall holds up only that request.
#include "cache/remote_cache.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "cache/reapi_server.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"
#include "tests/util/test_object.h"
#include "tests/util/test_report.h"

namespace helperlink {
namespace {

class RemoteCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ + "/tokens") << "writer-token\nreader-token read-only\n";
  }
  void TearDown() override { server_.reset(); }
  void StartServer(bool tokens, int64_t max_batch = 4 << 20) {
    ReapiServerOptions options;
    options.address = "127.0.0.1:0";
    options.cache_dir = dir_ + "/server";
    options.limits.max_batch_bytes = max_batch;
    if (tokens) options.token_file = dir_ + "/tokens";
    auto server = ReapiServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  std::unique_ptr<RemoteCache> Client(bool write, std::string token = "") {
    RemoteOptions options;
    options.url = absl::StrCat("grpc://127.0.0.1:", server_->port());
    options.write = write;
    options.token = token;
    auto client = RemoteCache::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return std::move(*client);
  }
  static RemoteAction Action(char crate) {
    KeyInputs in = MakeKeyInputs(Mode::kFast, {std::string(64, 'a')}, {"h.bc"},
                                 {"clang-22", "-O2"}, std::string(64, crate));
    return MakeRemoteAction(in, 1000, {2000});
  }
  testing::TempDir temp_{"remote"};
  const std::string dir_ = temp_.path();
  std::unique_ptr<ReapiServer> server_;
};

TEST_F(RemoteCacheTest, ActionDigestCoversTheKeyInputs) {
  EXPECT_EQ(Action('c').action_digest.hash(), Action('c').action_digest.hash());
  EXPECT_NE(Action('c').action_digest.hash(), Action('d').action_digest.hash());
  EXPECT_EQ(Action('c').action_digest.hash().size(), 64u);
}

TEST_F(RemoteCacheTest, UploadThenLookupThroughBatches) {
  StartServer(false);
  auto writer = Client(true);
  auto reader = Client(false);
  EXPECT_FALSE(reader->Lookup(Action('c'))->has_value());
  ASSERT_TRUE(writer
                  ->Upload(Action('c'), {X86RelocatableObject("OBJECT"),
                                         TestReport("{\"r\": 1}")})
                  .ok());
  auto found = reader->Lookup(Action('c'));
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->object, X86RelocatableObject("OBJECT"));
  EXPECT_EQ((*found)->report.crate(), "{\"r\": 1}");
  EXPECT_EQ(reader->stats().hits, 1u);
  EXPECT_EQ(reader->stats().misses, 1u);
}

TEST_F(RemoteCacheTest, LargeBlobsGoThroughByteStream) {
  StartServer(false);
  std::string object(5 << 20, '\0');
  for (size_t i = 0; i < object.size(); ++i)
    object[i] = static_cast<char>(i * 7);
  object = X86RelocatableObject(object);
  auto writer = Client(true);
  ASSERT_TRUE(writer->Upload(Action('c'), {object, TestReport("{}")}).ok());
  auto found = Client(false)->Lookup(Action('c'));
  ASSERT_TRUE(found.ok() && found->has_value()) << found.status();
  EXPECT_EQ((*found)->object, object);
}

TEST_F(RemoteCacheTest, SmallBatchLimitForcesByteStream) {
  StartServer(false, /*max_batch=*/1024);
  std::string object = X86RelocatableObject(std::string(100000, 'b'));
  ASSERT_TRUE(
      Client(true)->Upload(Action('c'), {object, TestReport("{}")}).ok());
  auto found = Client(false)->Lookup(Action('c'));
  ASSERT_TRUE(found.ok() && found->has_value()) << found.status();
  EXPECT_EQ((*found)->object, object);
}

TEST_F(RemoteCacheTest, ReadOnlyClientsNeverWrite) {
  StartServer(false);
  auto reader = Client(false);
  absl::Status status = reader->Upload(
      Action('c'), {X86RelocatableObject("OBJ"), TestReport("{}")});
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_FALSE(Client(false)->Lookup(Action('c'))->has_value());
}

TEST_F(RemoteCacheTest, TokensAreChecked) {
  StartServer(true);
  // No token and a wrong token are refused, and counted as errors.
  auto anonymous = Client(false);
  EXPECT_FALSE(anonymous->Lookup(Action('c')).ok());
  auto wrong = Client(false, "not-a-token");
  auto looked = wrong->Lookup(Action('c'));
  EXPECT_FALSE(looked.ok());
  EXPECT_NE(looked.status().message().find("unknown token"), std::string::npos);
  EXPECT_EQ(wrong->stats().errors, 1u);
  // A read-only token may read but not write.
  auto reader = Client(true, "reader-token");
  absl::Status denied = reader->Upload(
      Action('c'), {X86RelocatableObject("OBJ"), TestReport("{}")});
  EXPECT_TRUE(absl::IsPermissionDenied(denied)) << denied;
  // The writer's token works both ways.
  ASSERT_TRUE(
      Client(true, "writer-token")
          ->Upload(Action('c'), {X86RelocatableObject("OBJ"), TestReport("{}")})
          .ok());
  auto found = Client(false, "reader-token")->Lookup(Action('c'));
  ASSERT_TRUE(found.ok() && found->has_value()) << found.status();
}

TEST_F(RemoteCacheTest, TokenFileGrammar) {
  auto tokens = ParseTokenFile("# comment\nabc\n\n def read-only \n");
  ASSERT_TRUE(tokens.ok());
  EXPECT_TRUE(tokens->at("abc"));
  EXPECT_FALSE(tokens->at("def"));
  EXPECT_FALSE(ParseTokenFile("abc write\n").ok());
}

TEST_F(RemoteCacheTest, ServerRefusesResultsWithoutTheirBlobs) {
  StartServer(false);
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                          grpc::InsecureChannelCredentials());
  auto stub = reapi::ActionCache::NewStub(channel);
  grpc::ClientContext context;
  reapi::UpdateActionResultRequest request;
  *request.mutable_action_digest() = Action('c').action_digest;
  auto* file = request.mutable_action_result()->add_output_files();
  file->set_path("out.o");
  *file->mutable_digest() = DigestOf("never uploaded");
  reapi::ActionResult reply;
  grpc::Status status = stub->UpdateActionResult(&context, request, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_FALSE(Client(false)->Lookup(Action('c'))->has_value());
}

TEST_F(RemoteCacheTest, ServerDownIsAnErrorNotAMiss) {
  StartServer(false);
  int port = server_->port();
  server_.reset();
  RemoteOptions options;
  options.url = absl::StrCat("grpc://127.0.0.1:", port);
  options.timeout = absl::Milliseconds(500);
  auto client = RemoteCache::Create(options);
  ASSERT_TRUE(client.ok());
  auto found = (*client)->Lookup(Action('c'));
  EXPECT_FALSE(found.ok());
  EXPECT_EQ((*client)->stats().errors, 1u);
}

// The services an Upload calls, with a GetCapabilities whose first call
// waits until released (the others answer at once). The server lacks no
// blob and accepts every result, so an Upload needs nothing more.
class StallingServer final : public reapi::Capabilities::Service,
                             public reapi::ContentAddressableStorage::Service,
                             public reapi::ActionCache::Service {
 public:
  grpc::Status GetCapabilities(grpc::ServerContext*,
                               const reapi::GetCapabilitiesRequest*,
                               reapi::ServerCapabilities* out) override {
    if (capability_calls.fetch_add(1) == 0) {
      first_asked.Notify();
      release.WaitForNotificationWithTimeout(absl::Seconds(120));
    }
    out->mutable_cache_capabilities()->set_max_batch_total_size_bytes(1 << 20);
    return grpc::Status::OK;
  }
  grpc::Status FindMissingBlobs(grpc::ServerContext*,
                                const reapi::FindMissingBlobsRequest*,
                                reapi::FindMissingBlobsResponse*) override {
    return grpc::Status::OK;  // nothing is missing
  }
  grpc::Status UpdateActionResult(grpc::ServerContext*,
                                  const reapi::UpdateActionResultRequest* in,
                                  reapi::ActionResult* out) override {
    *out = in->action_result();
    return grpc::Status::OK;
  }

  std::atomic<int> capability_calls{0};
  absl::Notification first_asked;
  absl::Notification release;
};

TEST(RemoteCacheCapabilitiesTest, ASlowAnswerHoldsUpOnlyItsOwnRequest) {
  StallingServer service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(static_cast<reapi::Capabilities::Service*>(&service));
  builder.RegisterService(
      static_cast<reapi::ContentAddressableStorage::Service*>(&service));
  builder.RegisterService(static_cast<reapi::ActionCache::Service*>(&service));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  RemoteOptions options;
  options.url = absl::StrCat("grpc://127.0.0.1:", port);
  options.write = true;
  // Longer than the wait below: the stalled call ends only when released.
  options.timeout = absl::Seconds(120);
  auto client = RemoteCache::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  RemoteCache& cache = **client;
  CachedObject entry{X86RelocatableObject("OBJECT"), TestReport("{}")};
  KeyInputs in = MakeKeyInputs(Mode::kFast, {std::string(64, 'a')}, {"h.bc"},
                               {"clang-22", "-O2"}, std::string(64, 'c'));
  RemoteAction action = MakeRemoteAction(in, 1000, {2000});

  absl::Status first, second;
  std::thread stalled([&] { first = cache.Upload(action, entry); });
  ASSERT_TRUE(
      service.first_asked.WaitForNotificationWithTimeout(absl::Seconds(60)));
  // While the first upload waits for its answer, a second one asks for
  // itself and completes.
  absl::Notification second_done;
  std::thread other([&] {
    second = cache.Upload(action, entry);
    second_done.Notify();
  });
  bool finished_while_stalled =
      second_done.WaitForNotificationWithTimeout(absl::Seconds(30));
  service.release.Notify();
  stalled.join();
  other.join();
  EXPECT_TRUE(finished_while_stalled)
      << "the second upload waited for the first one's GetCapabilities";
  EXPECT_TRUE(first.ok()) << first;
  EXPECT_TRUE(second.ok()) << second;
  EXPECT_EQ(service.capability_calls.load(), 2);
  // The answer is remembered: a later upload does not ask again.
  EXPECT_TRUE(cache.Upload(action, entry).ok());
  EXPECT_EQ(service.capability_calls.load(), 2);
  EXPECT_EQ(cache.stats().uploads, 3u);
  server->Shutdown();
}

TEST(RemoteUrlTest, SchemesAreChecked) {
  EXPECT_TRUE(CheckRemoteUrl("grpc://cache:9092").ok());
  EXPECT_TRUE(CheckRemoteUrl("grpcs://cache.example:443").ok());
  EXPECT_FALSE(CheckRemoteUrl("http://cache:8080").ok());
}

}  // namespace
}  // namespace helperlink
