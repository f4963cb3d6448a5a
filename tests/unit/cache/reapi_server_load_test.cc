// The cache server under hostile load: a real `helperlinkd --serve-cache`
// process on 127.0.0.1 with small limits, driven through the generated REAPI
// stubs. Each test records the server's peak RSS (VmHWM) and thread count
// from /proc, prints them, and checks them against the configured budget
// plus a fixed baseline allowance (kSlackBytes, kSlackThreads) for gRPC's
// own buffers and threads:
//   - amplification: one BatchReadBlobs naming a 4 MiB blob 250 times with
//     declared size 1;
//   - big uploads: six unfinished Write streams of 512 MiB, and six of
//     100 MiB sharing a 256 MiB in-flight budget;
//   - stalled streams: 2,000 Write streams that never send a byte.
// HELPERLINK_TEST_SERVER names another server binary to load (taking the
// same flags, e.g. through a wrapper), to compare builds.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cache/remote_cache.h"
#include "cache/sha256.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace helperlink {
namespace {

constexpr int64_t kMiB = 1 << 20;
// What the server may use beyond its configured budget: its baseline after
// start is measured; this covers gRPC's transport buffers and allocator
// slack.
constexpr int64_t kSlackBytes = 64 * kMiB;
constexpr int kSlackThreads = 8;
// The limits every test server runs with.
constexpr int64_t kBudgetBytes = 256 * kMiB;
constexpr int kMaxStreams = 8;
constexpr int kThreadQuota = kMaxStreams + 16;  // ReapiServerLimits
constexpr double kIdleSeconds = 1.0;

int64_t StatusField(pid_t pid, const std::string& name) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(name + ":", 0) == 0) {
      int64_t value = std::atoll(line.c_str() + name.size() + 1);
      return absl::EndsWith(line, "kB") ? value * 1024 : value;
    }
  }
  return -1;
}

// A running `helperlinkd --serve-cache`, stopped when destroyed.
class ServerProcess {
 public:
  ServerProcess() {
    char pattern[] = "/tmp/helperlink-load-XXXXXX";
    if (!mkdtemp(pattern)) std::abort();
    dir_ = pattern;
    std::string out = dir_ + "/server.out";
    pid_ = fork();
    if (pid_ == 0) {
      if (!freopen(out.c_str(), "w", stdout)) _exit(127);
      dup2(fileno(stdout), 2);
      std::string budget = std::to_string(kBudgetBytes);
      std::string streams = std::to_string(kMaxStreams);
      std::string idle = std::to_string(kIdleSeconds);
      std::string cache = dir_ + "/cache";
      const char* binary = std::getenv("HELPERLINK_TEST_SERVER");
      if (!binary || !*binary) binary = HELPERLINKD;
      execl(binary, binary, "--serve-cache", "127.0.0.1:0", "--cache-dir",
            cache.c_str(), "--max-inflight-bytes", budget.c_str(),
            "--max-streams", streams.c_str(), "--stream-idle-timeout",
            idle.c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      std::ifstream text(out);
      std::string word;
      while (text >> word) {
        if (word == "port" && text >> port_) break;
      }
    }
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool alive() const { return kill(pid_, 0) == 0; }
  std::shared_ptr<grpc::Channel> Channel(int separate = 0) const {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 * kMiB);
    args.SetMaxSendMessageSize(64 * kMiB);
    // A channel of its own (its own connection) per `separate` value.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("helperlink.test.channel", separate);
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port_),
                                     grpc::InsecureChannelCredentials(), args);
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Samples the server's thread count until stopped; VmHWM is the kernel's.
class Sampler {
 public:
  explicit Sampler(pid_t pid) : pid_(pid) {
    thread_ = std::thread([this] {
      while (!stop_) {
        peak_threads_ =
            std::max<int64_t>(peak_threads_, StatusField(pid_, "Threads"));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~Sampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t peak_threads() const { return peak_threads_; }

 private:
  pid_t pid_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> peak_threads_{0};
  std::thread thread_;
};

class ServerLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GT(server_.port(), 0) << "helperlinkd --serve-cache did not start";
    // The baseline: a started server that has answered a call.
    reapi::GetCapabilitiesRequest request;
    reapi::ServerCapabilities reply;
    grpc::ClientContext context;
    ASSERT_TRUE(reapi::Capabilities::NewStub(server_.Channel())
                    ->GetCapabilities(&context, request, &reply)
                    .ok());
    base_rss_ = StatusField(server_.pid(), "VmRSS");
    base_threads_ = StatusField(server_.pid(), "Threads");
  }
  // Prints the peaks and checks them against the budget.
  void CheckPeaks(const std::string& load, int64_t peak_threads,
                  int64_t memory_budget) {
    int64_t hwm = StatusField(server_.pid(), "VmHWM");
    std::printf(
        "%s: server peak RSS %.1f MiB (baseline %.1f MiB, allowed %.1f MiB), "
        "peak threads %lld (baseline %lld, allowed %lld)\n",
        load.c_str(), hwm / 1048576.0, base_rss_ / 1048576.0,
        (base_rss_ + memory_budget + kSlackBytes) / 1048576.0,
        static_cast<long long>(peak_threads),
        static_cast<long long>(base_threads_),
        static_cast<long long>(base_threads_ + kThreadQuota + kSlackThreads));
    EXPECT_LE(hwm, base_rss_ + memory_budget + kSlackBytes) << load;
    EXPECT_LE(peak_threads, base_threads_ + kThreadQuota + kSlackThreads)
        << load;
    EXPECT_TRUE(server_.alive()) << load;
  }
  // Uploads `blob` through ByteStream.
  grpc::Status Upload(const std::string& blob) {
    auto stub = google::bytestream::ByteStream::NewStub(server_.Channel());
    grpc::ClientContext context;
    google::bytestream::WriteResponse response;
    auto writer = stub->Write(&context, &response);
    reapi::Digest digest = DigestOf(blob);
    for (size_t at = 0; at < blob.size(); at += kMiB) {
      google::bytestream::WriteRequest chunk;
      if (at == 0) {
        chunk.set_resource_name(
            absl::StrCat("uploads/u1/blobs/", digest.hash(), "/", blob.size()));
      }
      chunk.set_write_offset(static_cast<int64_t>(at));
      chunk.set_data(blob.substr(at, kMiB));
      chunk.set_finish_write(at + kMiB >= blob.size());
      if (!writer->Write(chunk)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }
  // Opens `count` Write streams declaring `declared` bytes each; each sends
  // up to `send` bytes in 1 MiB chunks and then stalls, never finishing.
  // Returns their final status codes.
  std::vector<grpc::StatusCode> StalledUploads(int count, int64_t declared,
                                               int64_t send) {
    std::vector<grpc::StatusCode> codes(count);
    std::vector<std::thread> threads;
    const std::string chunk_bytes(kMiB, 'x');
    for (int i = 0; i < count; ++i) {
      threads.emplace_back([&, i] {
        auto stub =
            google::bytestream::ByteStream::NewStub(server_.Channel(i + 1));
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(30));
        google::bytestream::WriteResponse response;
        auto writer = stub->Write(&context, &response);
        std::string hash = Sha256Hex(absl::StrCat("never sent ", i));
        for (int64_t at = 0; at < send; at += kMiB) {
          google::bytestream::WriteRequest chunk;
          if (at == 0) {
            chunk.set_resource_name(
                absl::StrCat("uploads/u", i, "/blobs/", hash, "/", declared));
          }
          chunk.set_write_offset(at);
          chunk.set_data(chunk_bytes);
          if (!writer->Write(chunk)) break;
        }
        // Stalled: no more data, no finish_write, no WritesDone.
        codes[i] = writer->Finish().error_code();
      });
    }
    for (std::thread& thread : threads) thread.join();
    return codes;
  }

  ServerProcess server_;
  int64_t base_rss_ = 0, base_threads_ = 0;
};

TEST_F(ServerLoadTest, BatchReadAmplificationIsBoundedByActualSizes) {
  std::string blob(4 * kMiB - 4096, 'a');
  for (size_t i = 0; i < blob.size(); i += 4096) blob[i] = char(i >> 12);
  ASSERT_TRUE(Upload(blob).ok());
  Sampler sampler(server_.pid());
  auto cas = reapi::ContentAddressableStorage::NewStub(server_.Channel());
  reapi::Digest lie = DigestOf(blob);
  lie.set_size_bytes(1);
  for (int call = 0; call < 3; ++call) {
    reapi::BatchReadBlobsRequest request;
    for (int i = 0; i < 250; ++i) *request.add_digests() = lie;
    reapi::BatchReadBlobsResponse reply;
    grpc::ClientContext context;
    grpc::Status status = cas->BatchReadBlobs(&context, request, &reply);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) continue;  // the peaks are still checked below
    EXPECT_EQ(reply.responses_size(), 250);
    for (const auto& response : reply.responses()) {
      EXPECT_EQ(response.status().code(), grpc::StatusCode::NOT_FOUND);
      EXPECT_TRUE(response.data().empty());
    }
  }
  // Declared truthfully, 250 copies are over the batch limit.
  reapi::BatchReadBlobsRequest request;
  for (int i = 0; i < 250; ++i) *request.add_digests() = DigestOf(blob);
  reapi::BatchReadBlobsResponse reply;
  grpc::ClientContext context;
  EXPECT_EQ(cas->BatchReadBlobs(&context, request, &reply).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  sampler.Stop();
  // The blob itself: read into the server once per call, at most.
  CheckPeaks("amplification", sampler.peak_threads(), 4 * 4 * kMiB);
}

TEST_F(ServerLoadTest, BigUploadsStayWithinTheInFlightBudget) {
  Sampler sampler(server_.pid());
  // Six unfinished 512 MiB uploads: each larger than the whole budget.
  auto started = std::chrono::steady_clock::now();
  std::vector<grpc::StatusCode> codes =
      StalledUploads(6, 512 * kMiB, 96 * kMiB);
  for (grpc::StatusCode code : codes) {
    EXPECT_EQ(code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  // Six of 100 MiB that each send 64 MiB and stall: two fit in the budget
  // and are closed by the idle timeout; the others are refused.
  codes = StalledUploads(6, 100 * kMiB, 64 * kMiB);
  int refused = 0, timed_out = 0;
  for (grpc::StatusCode code : codes) {
    refused += code == grpc::StatusCode::RESOURCE_EXHAUSTED;
    timed_out += code == grpc::StatusCode::DEADLINE_EXCEEDED ||
                 code == grpc::StatusCode::CANCELLED;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  std::printf("big uploads: %d refused, %d closed idle, %.1f s\n", refused,
              timed_out, seconds);
  EXPECT_GE(refused, 4);
  EXPECT_EQ(refused + timed_out, 6);
  EXPECT_LT(seconds, 25.0);
  sampler.Stop();
  CheckPeaks("big uploads", sampler.peak_threads(), kBudgetBytes);
  // The server still takes an upload that fits.
  EXPECT_TRUE(Upload(std::string(3 * kMiB, 'u')).ok());
}

TEST_F(ServerLoadTest, StalledStreamsAreCappedAndClosed) {
  constexpr int kStreams = 2000, kChannels = 20;
  Sampler sampler(server_.pid());
  auto started = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<google::bytestream::ByteStream::Stub>> stubs;
  for (int i = 0; i < kChannels; ++i) {
    channels.push_back(server_.Channel(i + 1));
    stubs.push_back(google::bytestream::ByteStream::NewStub(channels.back()));
  }
  struct Stream {
    grpc::ClientContext context;
    google::bytestream::WriteResponse response;
    std::unique_ptr<grpc::ClientWriter<google::bytestream::WriteRequest>>
        writer;
  };
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < kStreams; ++i) {
    auto stream = std::make_unique<Stream>();
    stream->context.set_deadline(std::chrono::system_clock::now() +
                                 std::chrono::seconds(60));
    stream->writer =
        stubs[i % kChannels]->Write(&stream->context, &stream->response);
    streams.push_back(std::move(stream));
  }
  // Never a byte; the server closes what it took after the idle timeout.
  std::this_thread::sleep_for(
      std::chrono::milliseconds(static_cast<int>(kIdleSeconds * 2500)));
  int refused = 0, closed_idle = 0, other = 0;
  for (auto& stream : streams) {
    grpc::StatusCode code = stream->writer->Finish().error_code();
    if (code == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
    } else if (code == grpc::StatusCode::DEADLINE_EXCEEDED ||
               code == grpc::StatusCode::CANCELLED) {
      ++closed_idle;
    } else {
      ++other;
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  std::printf("stalled streams: %d refused, %d closed idle, %d other, %.1f s\n",
              refused, closed_idle, other, seconds);
  EXPECT_EQ(other, 0);
  EXPECT_GE(refused, kStreams - kThreadQuota);
  EXPECT_LT(seconds, 30.0);
  sampler.Stop();
  CheckPeaks("stalled streams", sampler.peak_threads(), 0);
  // Back to its baseline of threads, and serving.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_LE(StatusField(server_.pid(), "Threads"),
            base_threads_ + kSlackThreads);
  EXPECT_TRUE(Upload("still serving").ok());
}

}  // namespace
}  // namespace helperlink
