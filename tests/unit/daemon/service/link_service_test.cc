// Tests for daemon/service/link_service over an in-process gRPC channel,
// with fake workers behind the Worker interface, a real LMDB local cache
// and a real REAPI server (cache/reapi_server) as the remote: what Stats
// counts, and that ZeroStats resets all of it.
#include "daemon/service/link_service.h"

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cache/reapi_server.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/util/status_matchers.h"
#include "tests/util/temp_dir.h"

namespace helperlink {
namespace {

using testing::IsOk;

// Links nothing: answers every request with a fixed object after
// `delay`, the time a real engine would take.
class FakeWorker : public Worker {
 public:
  explicit FakeWorker(std::chrono::milliseconds delay) : delay_(delay) {}
  absl::StatusOr<LinkResult> Link(const LinkRequest& request) override {
    std::this_thread::sleep_for(delay_);
    LinkResult result;
    result.object = absl::StrCat("object of ", request.crate_name);
    result.report.set_crate(request.crate_name);
    result.report.set_mode(std::string(ModeName(request.mode)));
    return result;
  }
  bool alive() const override { return true; }
  int resident_helper_sets() const override { return 0; }
  int64_t helper_set_loads() const override { return 0; }
  int pid() const override { return 0; }

 private:
  std::chrono::milliseconds delay_;
};

class LinkServiceTest : public ::testing::Test {
 protected:
  // A service with one worker whose requests take `delay`.
  void Start(std::chrono::milliseconds delay, ServiceOptions options = {}) {
    WorkerPoolOptions pool_options;
    pool_options.workers = 1;
    pool_options.make_worker = [delay] {
      return std::make_unique<FakeWorker>(delay);
    };
    pool_ = std::make_unique<WorkerPool>(pool_options);
    service_ = std::make_unique<LinkService>(options, *pool_, helper_files_,
                                             log_, [] {});
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::HelperLink::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // A remote cache server, for requests that name one.
  void StartRemote() {
    ReapiServerOptions options;
    options.address = "127.0.0.1:0";
    options.cache_dir = temp_.Path("remote");
    auto remote = ReapiServer::Start(options);
    ASSERT_THAT(remote, IsOk());
    remote_ = std::move(*remote);
  }

  v1::LinkHeader Header(const std::string& crate) {
    v1::LinkHeader header;
    header.set_protocol_version(kProtocolVersion);
    header.set_crate_name(crate);
    header.set_crate_size(crate.size());
    header.add_cc_command("clang-22");
    header.set_cache_dir(temp_.Path("cache"));
    header.set_output_path(temp_.Path(crate + ".o"));
    if (remote_) {
      header.set_remote_url(absl::StrCat("grpc://127.0.0.1:", remote_->port()));
      header.set_remote_write(true);
    }
    return header;
  }

  // Sends `header` with the crate's bytes (its name); the object.
  absl::StatusOr<std::string> Link(const v1::LinkHeader& header) {
    grpc::ClientContext context;
    auto stream = stub_->Link(&context);
    v1::LinkRequest request;
    *request.mutable_header() = header;
    stream->Write(request);
    request.set_chunk(header.crate_name());
    stream->Write(request);
    stream->WritesDone();
    std::string object;
    v1::LinkResponse response;
    while (stream->Read(&response)) object += response.chunk();
    grpc::Status status = stream->Finish();
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
    return object;
  }

  v1::StatsReply Stats() {
    grpc::ClientContext context;
    v1::StatsReply reply;
    EXPECT_TRUE(stub_->Stats(&context, v1::StatsRequest(), &reply).ok());
    return reply;
  }
  v1::StatsReply ZeroStats() {
    grpc::ClientContext context;
    v1::StatsReply reply;
    EXPECT_TRUE(
        stub_->ZeroStats(&context, v1::ZeroStatsRequest(), &reply).ok());
    return reply;
  }

  testing::TempDir temp_{"service"};
  HelperFileCache helper_files_;
  Log log_{-1};  // no log file
  std::unique_ptr<ReapiServer> remote_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<LinkService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::HelperLink::Stub> stub_;
};

TEST_F(LinkServiceTest, ServesAnObjectAndCountsIt) {
  Start(std::chrono::milliseconds(0));
  auto object = Link(Header("a.bc"));
  ASSERT_THAT(object, IsOk());
  EXPECT_EQ(*object, "object of a.bc");
  v1::StatsReply stats = Stats();
  EXPECT_EQ(stats.requests(), 1u);
  EXPECT_EQ(stats.succeeded(), 1u);
  EXPECT_EQ(stats.fast(), 1u);
  EXPECT_EQ(stats.crate_bytes_in(), 4u);
  EXPECT_EQ(stats.object_bytes_out(), object->size());
}

// Every counter Stats shows starts again from zero after ZeroStats, the
// remote cache's and the dropped uploads included.
TEST_F(LinkServiceTest, ZeroStatsResetsEveryCounter) {
  StartRemote();
  ServiceOptions options;
  options.max_pending_uploads = 0;  // every upload is dropped
  Start(std::chrono::milliseconds(0), options);
  ASSERT_THAT(Link(Header("a.bc")), IsOk());
  ASSERT_THAT(Link(Header("a.bc")), IsOk());  // a local hit
  v1::StatsReply before = Stats();
  EXPECT_EQ(before.requests(), 2u);
  EXPECT_EQ(before.cache_hits(), 1u);
  EXPECT_EQ(before.remote_misses(), 1u);
  EXPECT_EQ(before.remote_uploads_dropped(), 1u);

  v1::StatsReply zeroed = ZeroStats();
  for (const v1::StatsReply& stats : {zeroed, Stats()}) {
    EXPECT_EQ(stats.requests(), 0u);
    EXPECT_EQ(stats.succeeded(), 0u);
    EXPECT_EQ(stats.fast(), 0u);
    EXPECT_EQ(stats.crate_bytes_in(), 0u);
    EXPECT_EQ(stats.object_bytes_out(), 0u);
    EXPECT_EQ(stats.cache_hits(), 0u);
    EXPECT_EQ(stats.link_seconds(), 0);
    EXPECT_EQ(stats.remote_hits(), 0u);
    EXPECT_EQ(stats.remote_misses(), 0u);
    EXPECT_EQ(stats.remote_errors(), 0u);
    EXPECT_EQ(stats.remote_corrupt(), 0u);
    EXPECT_EQ(stats.remote_uploads(), 0u);
    EXPECT_EQ(stats.remote_uploads_dropped(), 0u);
  }

  // And counts again from there.
  ASSERT_THAT(Link(Header("b.bc")), IsOk());
  v1::StatsReply after = Stats();
  EXPECT_EQ(after.requests(), 1u);
  EXPECT_EQ(after.remote_misses(), 1u);
  EXPECT_EQ(after.remote_uploads_dropped(), 1u);
}

// link_seconds is engine time: a request that waits for a free worker does
// not count its wait. The test holds the only worker for longer than the
// engine takes; the request's engine time stays well below that wait.
TEST_F(LinkServiceTest, LinkSecondsLeavesOutTheWaitForAWorker) {
  constexpr auto kEngine = std::chrono::milliseconds(20);
  constexpr auto kWait = std::chrono::milliseconds(600);
  Start(kEngine);
  v1::LinkHeader header = Header("a.bc");
  header.set_no_cache(true);
  std::thread request;
  {
    WorkerPool::Lease held = pool_->Acquire();
    request = std::thread([&] { EXPECT_THAT(Link(header), IsOk()); });
    std::this_thread::sleep_for(kWait);
  }
  request.join();
  double seconds = Stats().link_seconds();
  EXPECT_GE(seconds, std::chrono::duration<double>(kEngine).count());
  EXPECT_LT(seconds, std::chrono::duration<double>(kWait).count() / 2)
      << "the wait for a free worker was counted as engine time";
}

// The cache policy arrives as numbers the client parsed; the daemon
// checks them again: a request whose policy fails the check is served
// without the local cache, never with a cache of a nonsense size.
TEST_F(LinkServiceTest, CachePolicyTravelsAsCheckedNumbers) {
  Start(std::chrono::milliseconds(0));
  v1::LinkHeader small = Header("a.bc");
  small.mutable_cache_policy()->set_max_bytes(uint64_t{1} << 20);
  small.mutable_cache_policy()->set_evict_to(0.5);
  ASSERT_THAT(Link(small), IsOk());
  ASSERT_THAT(Link(small), IsOk());
  EXPECT_EQ(Stats().cache_hits(), 1u);

  for (double evict_to : {0.0, 1.5, std::nan("")}) {
    v1::LinkHeader bad = Header("b.bc");
    bad.mutable_cache_policy()->set_max_bytes(uint64_t{1} << 20);
    bad.mutable_cache_policy()->set_evict_to(evict_to);
    ASSERT_THAT(Link(bad), IsOk()) << evict_to;
  }
  v1::LinkHeader zero = Header("b.bc");
  zero.mutable_cache_policy()->set_max_bytes(0);
  zero.mutable_cache_policy()->set_evict_to(0.9);
  ASSERT_THAT(Link(zero), IsOk());
  ASSERT_THAT(Link(zero), IsOk());
  // None of the b.bc requests stored or found anything.
  EXPECT_EQ(Stats().cache_hits(), 1u);
}

}  // namespace
}  // namespace helperlink
