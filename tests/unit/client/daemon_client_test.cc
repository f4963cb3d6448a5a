// Tests for client/daemon_client: DaemonClient against a fake HelperLink
// service in an in-process gRPC server, so every reply the daemon could
// send (and some it never should) can be scripted.
#include "client/daemon_client.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/util/test_object.h"
#include "proto/protocol.h"
#include "tests/util/status_matchers.h"

namespace helperlink {
namespace {

using ::helperlink::testing::IsOk;
using ::helperlink::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr size_t kChunk = 1 << 20;  // the protocol's chunk size

v1::LinkResponse ObjectChunk(const std::string& bytes) {
  v1::LinkResponse response;
  response.set_chunk(bytes);
  return response;
}
v1::LinkResponse MergedChunk(const std::string& bytes) {
  v1::LinkResponse response;
  response.set_merged_chunk(bytes);
  return response;
}
v1::LinkResponse Report(const std::string& crate) {
  v1::LinkResponse response;
  response.mutable_report()->set_crate(crate);
  return response;
}

// The daemon's side, scripted: Link records what arrived and answers with
// `replies` then `finish`; the admin calls answer with their replies.
class FakeDaemon final : public v1::HelperLink::Service {
 public:
  grpc::Status Link(grpc::ServerContext*,
                    grpc::ServerReaderWriter<v1::LinkResponse, v1::LinkRequest>*
                        stream) override ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    v1::LinkRequest request;
    while (stream->Read(&request)) {
      if (request.has_header()) {
        ++headers_;
        header_ = request.header();
      } else {
        chunk_sizes_.push_back(request.chunk().size());
        crate_ += request.chunk();
      }
    }
    for (const v1::LinkResponse& reply : replies_) stream->Write(reply);
    return finish_;
  }
  grpc::Status Status(grpc::ServerContext*, const v1::StatusRequest*,
                      v1::StatusReply* reply) override
      ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    *reply = status_reply_;
    return admin_status_;
  }
  grpc::Status Stats(grpc::ServerContext*, const v1::StatsRequest*,
                     v1::StatsReply* reply) override
      ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    ++stats_calls_;
    *reply = stats_reply_;
    return admin_status_;
  }
  grpc::Status ZeroStats(grpc::ServerContext*, const v1::ZeroStatsRequest*,
                         v1::StatsReply* reply) override
      ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    ++zero_calls_;
    *reply = stats_reply_;
    stats_reply_ = v1::StatsReply();
    return admin_status_;
  }
  grpc::Status Shutdown(grpc::ServerContext*, const v1::ShutdownRequest*,
                        v1::ShutdownReply*) override
      ABSL_LOCKS_EXCLUDED(mutex_) {
    absl::MutexLock lock(&mutex_);
    ++shutdown_calls_;
    return admin_status_;
  }

  absl::Mutex mutex_;
  // The script.
  std::vector<v1::LinkResponse> replies_ ABSL_GUARDED_BY(mutex_);
  grpc::Status finish_ ABSL_GUARDED_BY(mutex_);
  v1::StatusReply status_reply_ ABSL_GUARDED_BY(mutex_);
  v1::StatsReply stats_reply_ ABSL_GUARDED_BY(mutex_);
  grpc::Status admin_status_ ABSL_GUARDED_BY(mutex_);
  // What arrived.
  int headers_ ABSL_GUARDED_BY(mutex_) = 0;
  v1::LinkHeader header_ ABSL_GUARDED_BY(mutex_);
  std::string crate_ ABSL_GUARDED_BY(mutex_);
  std::vector<size_t> chunk_sizes_ ABSL_GUARDED_BY(mutex_);
  int stats_calls_ ABSL_GUARDED_BY(mutex_) = 0;
  int zero_calls_ ABSL_GUARDED_BY(mutex_) = 0;
  int shutdown_calls_ ABSL_GUARDED_BY(mutex_) = 0;
};

class DaemonClientTest : public ::testing::Test {
 protected:
  DaemonClientTest() {
    grpc::ServerBuilder builder;
    builder.RegisterService(&daemon_);
    builder.SetMaxReceiveMessageSize(8 << 20);
    server_ = builder.BuildAndStart();
    options_.cache_dir = "/home/me/.cache/helperlink";
    options_.cache_policy.max_bytes = uint64_t{3} << 30;
    options_.cache_policy.evict_to = 0.75;
    options_.cache_sharing = CacheSharing::kGroup;
    options_.remote.url = "grpc://cache.example:9092";
    options_.remote.instance = "ci";
    options_.remote.token_file = "/etc/helperlink/token";
    options_.remote.write = true;
    options_.remote.timeout_ms = 2500;
    args_.crate = "kernel.bc";
    args_.output = "/build/rust/kernel.o";
    args_.mode = Mode::kExact;
    args_.helpers = {"/build/rust/helpers/helpers.bc"};
    args_.cc_command = {"clang", "--target=x86_64-linux-gnu", "-O2"};
  }
  ~DaemonClientTest() override { server_->Shutdown(); }

  std::unique_ptr<DaemonClient> Client() {
    grpc::ChannelArguments arguments;
    arguments.SetMaxReceiveMessageSize(8 << 20);
    return std::make_unique<DaemonClient>(
        options_,
        v1::HelperLink::NewStub(server_->InProcessChannel(arguments)));
  }
  void Script(std::vector<v1::LinkResponse> replies,
              grpc::Status finish = grpc::Status::OK) {
    absl::MutexLock lock(&daemon_.mutex_);
    daemon_.replies_ = std::move(replies);
    daemon_.finish_ = finish;
  }

  FakeDaemon daemon_;
  std::unique_ptr<grpc::Server> server_;
  ClientOptions options_;
  ObjectArgs args_;
};

// 2.5 MiB of bytes that differ from chunk to chunk, so a reordered or
// dropped chunk shows.
std::string Crate() {
  std::string crate(kChunk * 5 / 2, '\0');
  for (size_t i = 0; i < crate.size(); ++i) {
    crate[i] = static_cast<char>((i * 131 + i / kChunk) & 0xff);
  }
  return crate;
}

TEST_F(DaemonClientTest, LinkStreamsTheCrateInChunksAndReassemblesTheReply) {
  const std::string object = X86RelocatableObject(std::string(kChunk + 100, 'o'));
  Script({ObjectChunk(object.substr(0, kChunk)),
          ObjectChunk(object.substr(kChunk)), Report("kernel")});
  const std::string crate = Crate();
  absl::StatusOr<DaemonClient::LinkOutcome> outcome =
      Client()->Link(args_, crate);
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(outcome->object, object);
  EXPECT_EQ(outcome->report.crate(), "kernel");
  EXPECT_TRUE(outcome->merged_bitcode.empty());

  absl::MutexLock lock(&daemon_.mutex_);
  EXPECT_EQ(daemon_.headers_, 1);
  EXPECT_EQ(daemon_.crate_, crate);
  EXPECT_THAT(daemon_.chunk_sizes_, ElementsAre(kChunk, kChunk, kChunk / 2));
  const v1::LinkHeader& header = daemon_.header_;
  EXPECT_EQ(header.protocol_version(), kProtocolVersion);
  EXPECT_EQ(header.crate_name(), "kernel.bc");
  EXPECT_EQ(header.crate_size(), crate.size());
  EXPECT_EQ(header.mode(), v1::MODE_EXACT);
  EXPECT_FALSE(header.no_cache());
  EXPECT_FALSE(header.save_merged());
  EXPECT_EQ(header.cache_dir(), "/home/me/.cache/helperlink");
  EXPECT_EQ(header.cache_policy().max_bytes(), uint64_t{3} << 30);
  EXPECT_EQ(header.cache_policy().evict_to(), 0.75);
  EXPECT_EQ(header.cache_sharing(), v1::CACHE_GROUP);
  EXPECT_EQ(header.output_path(), "/build/rust/kernel.o");
  ASSERT_EQ(header.helpers_size(), 1);
  EXPECT_EQ(header.helpers(0).path(), "/build/rust/helpers/helpers.bc");
  EXPECT_THAT(header.cc_command(),
              ElementsAre("clang", "--target=x86_64-linux-gnu", "-O2"));
  EXPECT_EQ(header.remote_url(), "grpc://cache.example:9092");
  EXPECT_EQ(header.remote_instance(), "ci");
  EXPECT_EQ(header.remote_token_file(), "/etc/helperlink/token");
  EXPECT_TRUE(header.remote_write());
  EXPECT_EQ(header.remote_timeout_ms(), 2500u);
}

TEST_F(DaemonClientTest, NoRemoteSendsNoRemoteSettings) {
  options_.remote = RemoteSettings();
  args_.mode = Mode::kFast;
  args_.no_cache = true;
  Script({ObjectChunk(X86RelocatableObject("x")), Report("x.bc")});
  ASSERT_THAT(Client()->Link(args_, "small crate"), IsOk());
  absl::MutexLock lock(&daemon_.mutex_);
  EXPECT_EQ(daemon_.header_.mode(), v1::MODE_FAST);
  EXPECT_TRUE(daemon_.header_.no_cache());
  EXPECT_EQ(daemon_.header_.remote_url(), "");
  EXPECT_EQ(daemon_.header_.remote_token_file(), "");
  EXPECT_EQ(daemon_.crate_, "small crate");
}

TEST_F(DaemonClientTest, SaveMergedReassemblesTheMergedModule) {
  args_.save_merged = "/build/rust/kernel.merged.bc";
  Script({MergedChunk("BC\xc0\xde part one, "), MergedChunk("part two"),
          ObjectChunk(X86RelocatableObject("x")), Report("x.bc")});
  absl::StatusOr<DaemonClient::LinkOutcome> outcome =
      Client()->Link(args_, "crate");
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(outcome->merged_bitcode, "BC\xc0\xde part one, part two");
  EXPECT_EQ(outcome->object, X86RelocatableObject("x"));
  absl::MutexLock lock(&daemon_.mutex_);
  EXPECT_TRUE(daemon_.header_.save_merged());
}

TEST_F(DaemonClientTest, SaveMergedWithoutAModuleIsAnError) {
  args_.save_merged = "/build/rust/kernel.merged.bc";
  Script({ObjectChunk(X86RelocatableObject("x")), Report("x.bc")});
  EXPECT_THAT(
      Client()->Link(args_, "crate"),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("no merged module")));
}

TEST_F(DaemonClientTest, DaemonErrorsMapToTheirStatusAndInputErrors) {
  struct Case {
    grpc::StatusCode code;
    absl::StatusCode want;
    bool input_error;
  };
  for (const Case& c : {
           Case{grpc::StatusCode::INVALID_ARGUMENT,
                absl::StatusCode::kInvalidArgument, true},
           Case{grpc::StatusCode::NOT_FOUND, absl::StatusCode::kNotFound, true},
           Case{grpc::StatusCode::FAILED_PRECONDITION,
                absl::StatusCode::kFailedPrecondition, false},
           Case{grpc::StatusCode::RESOURCE_EXHAUSTED,
                absl::StatusCode::kResourceExhausted, false},
           Case{grpc::StatusCode::UNAVAILABLE, absl::StatusCode::kUnavailable,
                false},
           Case{grpc::StatusCode::INTERNAL, absl::StatusCode::kInternal, false},
       }) {
    SCOPED_TRACE(absl::StatusCodeToString(c.want));
    // Some object bytes before the error: they must not come back.
    Script({ObjectChunk(X86RelocatableObject("part"))},
           grpc::Status(c.code, "kernel.bc: the daemon's one-line reason"));
    absl::StatusOr<DaemonClient::LinkOutcome> outcome =
        Client()->Link(args_, "crate");
    EXPECT_THAT(outcome, StatusIs(c.want, HasSubstr("one-line reason")));
    EXPECT_EQ(IsInputError(outcome.status()), c.input_error);
  }
}

TEST_F(DaemonClientTest, ReplyWithoutReportIsAnError) {
  Script({ObjectChunk(X86RelocatableObject("all of it"))});
  absl::StatusOr<DaemonClient::LinkOutcome> outcome =
      Client()->Link(args_, "crate");
  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kUnavailable,
                                HasSubstr("closed the stream early")));
  EXPECT_FALSE(IsInputError(outcome.status()));
}

TEST_F(DaemonClientTest, EmptyOrCutOffObjectIsAnError) {
  for (const std::string& object :
       {std::string(), X86RelocatableObject("").substr(0, 20), std::string("not an ELF")}) {
    SCOPED_TRACE(object.size());
    std::vector<v1::LinkResponse> replies;
    if (!object.empty()) replies.push_back(ObjectChunk(object));
    replies.push_back(Report("x.bc"));
    Script(replies);
    absl::StatusOr<DaemonClient::LinkOutcome> outcome =
        Client()->Link(args_, "crate");
    EXPECT_THAT(
        outcome,
        StatusIs(absl::StatusCode::kUnavailable,
                 HasSubstr("the daemon's object for kernel.bc is bad")));
    EXPECT_FALSE(IsInputError(outcome.status()));
  }
}

TEST_F(DaemonClientTest, MalformedStreamIsAnError) {
  // A message with no part set, then a message after the report.
  for (const std::vector<v1::LinkResponse>& replies :
       {std::vector<v1::LinkResponse>{ObjectChunk(X86RelocatableObject("x")),
                                      v1::LinkResponse(), Report("x.bc")},
        std::vector<v1::LinkResponse>{ObjectChunk(X86RelocatableObject("x")), Report("x.bc"),
                                      ObjectChunk("more")}}) {
    Script(replies);
    absl::StatusOr<DaemonClient::LinkOutcome> outcome =
        Client()->Link(args_, "crate");
    EXPECT_THAT(outcome,
                StatusIs(absl::StatusCode::kUnavailable,
                         HasSubstr("the daemon's reply for kernel.bc is "
                                   "malformed")));
  }
}

TEST_F(DaemonClientTest, AdminCallsPassThrough) {
  {
    absl::MutexLock lock(&daemon_.mutex_);
    daemon_.status_reply_.set_protocol_version(1);
    daemon_.status_reply_.set_pid(4242);
    daemon_.status_reply_.set_state_dir("/build/.helperlink");
    daemon_.status_reply_.set_workers(3);
    daemon_.stats_reply_.set_requests(17);
    daemon_.stats_reply_.set_remote_hits(5);
  }
  std::unique_ptr<DaemonClient> client = Client();
  absl::StatusOr<v1::StatusReply> status = client->Status();
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->pid(), 4242);
  EXPECT_EQ(status->state_dir(), "/build/.helperlink");
  EXPECT_EQ(status->workers(), 3u);

  absl::StatusOr<v1::StatsReply> stats = client->Stats();
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->requests(), 17u);
  EXPECT_EQ(stats->remote_hits(), 5u);

  // ZeroStats answers with the counters it reset.
  stats = client->ZeroStats();
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->requests(), 17u);
  stats = client->Stats();
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->requests(), 0u);

  EXPECT_THAT(client->Shutdown(), IsOk());
  absl::MutexLock lock(&daemon_.mutex_);
  EXPECT_EQ(daemon_.stats_calls_, 2);
  EXPECT_EQ(daemon_.zero_calls_, 1);
  EXPECT_EQ(daemon_.shutdown_calls_, 1);
}

TEST_F(DaemonClientTest, AdminCallErrorsPassThrough) {
  {
    absl::MutexLock lock(&daemon_.mutex_);
    daemon_.admin_status_ =
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");
  }
  std::unique_ptr<DaemonClient> client = Client();
  EXPECT_THAT(client->Status(), StatusIs(absl::StatusCode::kUnavailable,
                                         HasSubstr("shutting down")));
  EXPECT_THAT(client->Stats(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(client->ZeroStats(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(client->Shutdown(), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace helperlink
