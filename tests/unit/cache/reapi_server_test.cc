// The cache server's REAPI field checks, called through the generated stubs
// against a real server (cache/reapi_server) on 127.0.0.1: ByteStream read
// ranges, the empty digest, ActionResult digests, batch sizes by actual
// blob size, uploads, digest functions; and the remote cache client's
// refusal of results whose object is not a relocatable object.
#include "cache/reapi_server.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cache/reapi_limits.h"
#include "cache/reapi_validate.h"
#include "cache/remote_cache.h"
#include "gtest/gtest.h"
#include "tests/util/temp_dir.h"
#include "tests/util/test_object.h"
#include "tests/util/test_report.h"

namespace helperlink {
namespace {

using google::bytestream::ByteStream;
using grpc::StatusCode;

class ReapiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ReapiServerOptions options;
    options.address = "127.0.0.1:0";
    options.cache_dir = dir_ + "/server";
    options.limits.max_inflight_bytes = 8 << 20;
    options.limits.max_streams = 2;
    options.limits.stream_idle_timeout = absl::Milliseconds(300);
    auto server = ReapiServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    cas_ = reapi::ContentAddressableStorage::NewStub(channel_);
    ac_ = reapi::ActionCache::NewStub(channel_);
    bytestream_ = ByteStream::NewStub(channel_);
  }
  void TearDown() override { server_.reset(); }
  void Put(const std::string& blob) {
    reapi::BatchUpdateBlobsRequest request;
    auto* entry = request.add_requests();
    *entry->mutable_digest() = DigestOf(blob);
    entry->set_data(blob);
    reapi::BatchUpdateBlobsResponse reply;
    grpc::ClientContext context;
    ASSERT_TRUE(cas_->BatchUpdateBlobs(&context, request, &reply).ok());
    ASSERT_EQ(reply.responses(0).status().code(), 0);
  }
  // ByteStream Read; `data` gets what was returned.
  grpc::Status Read(const reapi::Digest& digest, int64_t offset, int64_t limit,
                    std::string* data) {
    grpc::ClientContext context;
    google::bytestream::ReadRequest request;
    request.set_resource_name(
        absl::StrCat("blobs/", digest.hash(), "/", digest.size_bytes()));
    request.set_read_offset(offset);
    request.set_read_limit(limit);
    auto reader = bytestream_->Read(&context, request);
    google::bytestream::ReadResponse chunk;
    data->clear();
    while (reader->Read(&chunk)) *data += chunk.data();
    return reader->Finish();
  }
  grpc::Status Update(const reapi::ActionResult& result) {
    reapi::UpdateActionResultRequest request;
    *request.mutable_action_digest() = DigestOf("action");
    *request.mutable_action_result() = result;
    reapi::ActionResult reply;
    grpc::ClientContext context;
    return ac_->UpdateActionResult(&context, request, &reply);
  }
  grpc::Status FindMissing(const std::vector<reapi::Digest>& digests,
                           reapi::FindMissingBlobsResponse* reply) {
    reapi::FindMissingBlobsRequest request;
    for (const auto& digest : digests) *request.add_blob_digests() = digest;
    grpc::ClientContext context;
    return cas_->FindMissingBlobs(&context, request, reply);
  }
  static reapi::Digest Digest(const std::string& hash, int64_t size) {
    reapi::Digest digest;
    digest.set_hash(hash);
    digest.set_size_bytes(size);
    return digest;
  }

  testing::TempDir temp_{"reapi"};
  const std::string dir_ = temp_.path();
  std::unique_ptr<ReapiServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<reapi::ContentAddressableStorage::Stub> cas_;
  std::unique_ptr<reapi::ActionCache::Stub> ac_;
  std::unique_ptr<ByteStream::Stub> bytestream_;
};

TEST_F(ReapiServerTest, ReadRangesFollowTheByteStreamSpec) {
  std::string blob = "0123456789abcdefghij";
  Put(blob);
  std::string data;
  EXPECT_EQ(Read(DigestOf(blob), 0, -1, &data).error_code(),
            StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Read(DigestOf(blob), -1, 0, &data).error_code(),
            StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(Read(DigestOf(blob), 21, 0, &data).error_code(),
            StatusCode::OUT_OF_RANGE);
  // offset + limit overflows int64: everything from the offset.
  ASSERT_TRUE(Read(DigestOf(blob), 10, INT64_MAX, &data).ok());
  EXPECT_EQ(data, "abcdefghij");
  ASSERT_TRUE(Read(DigestOf(blob), 3, 4, &data).ok());
  EXPECT_EQ(data, "3456");
  ASSERT_TRUE(Read(DigestOf(blob), 20, 0, &data).ok());
  EXPECT_EQ(data, "");
  ASSERT_TRUE(Read(DigestOf(blob), 0, 0, &data).ok());
  EXPECT_EQ(data, blob);
  // A declared size other than the blob's is another blob.
  EXPECT_EQ(Read(Digest(DigestOf(blob).hash(), 5), 0, 0, &data).error_code(),
            StatusCode::NOT_FOUND);
}

TEST_F(ReapiServerTest, TheEmptyDigestIsOnlyTheEmptyBlobsHash) {
  reapi::FindMissingBlobsResponse reply;
  ASSERT_TRUE(FindMissing({Digest(kEmptySha256, 0)}, &reply).ok());
  EXPECT_EQ(reply.missing_blob_digests_size(), 0);
  EXPECT_EQ(FindMissing({Digest(std::string(64, 'a'), 0)}, &reply).error_code(),
            StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FindMissing({Digest("abc", 3)}, &reply).error_code(),
            StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      FindMissing({Digest(std::string(64, 'a'), -1)}, &reply).error_code(),
      StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FindMissing({Digest(std::string(64, 'A'), 1)}, &reply).error_code(),
            StatusCode::INVALID_ARGUMENT);

  reapi::ActionResult result;
  auto* file = result.add_output_files();
  file->set_path("out.o");
  *file->mutable_digest() = Digest(std::string(64, 'a'), 0);
  EXPECT_EQ(Update(result).error_code(), StatusCode::INVALID_ARGUMENT);
  *file->mutable_digest() = Digest(kEmptySha256, 0);
  EXPECT_TRUE(Update(result).ok());

  std::string data;
  EXPECT_EQ(Read(Digest(std::string(64, 'b'), 0), 0, 0, &data).error_code(),
            StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Read(Digest(kEmptySha256, 0), 0, 0, &data).ok());
}

TEST_F(ReapiServerTest, StdoutAndStderrDigestsMustBeInTheCas) {
  Put("object");
  reapi::ActionResult result;
  auto* file = result.add_output_files();
  file->set_path("out.o");
  *file->mutable_digest() = DigestOf("object");
  *result.mutable_stdout_digest() = DigestOf("never uploaded stdout");
  EXPECT_EQ(Update(result).error_code(), StatusCode::FAILED_PRECONDITION);
  result.clear_stdout_digest();
  *result.mutable_stderr_digest() = DigestOf("never uploaded stderr");
  EXPECT_EQ(Update(result).error_code(), StatusCode::FAILED_PRECONDITION);
  Put("never uploaded stderr");
  EXPECT_TRUE(Update(result).ok());
  // An empty Digest message means no stdout.
  result.mutable_stdout_digest();
  EXPECT_TRUE(Update(result).ok());
  *result.mutable_stdout_digest() = Digest("nothex", 6);
  EXPECT_EQ(Update(result).error_code(), StatusCode::INVALID_ARGUMENT);
}

TEST_F(ReapiServerTest, BatchReadsCountActualSizes) {
  std::string blob(100000, 'z');
  Put(blob);
  reapi::Digest lie = DigestOf(blob);
  lie.set_size_bytes(1);
  reapi::BatchReadBlobsRequest request;
  for (int i = 0; i < 50; ++i) *request.add_digests() = lie;
  *request.add_digests() = DigestOf(blob);
  reapi::BatchReadBlobsResponse reply;
  grpc::ClientContext context;
  ASSERT_TRUE(cas_->BatchReadBlobs(&context, request, &reply).ok());
  ASSERT_EQ(reply.responses_size(), 51);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(reply.responses(i).status().code(), StatusCode::NOT_FOUND);
    EXPECT_EQ(reply.responses(i).data(), "");
  }
  EXPECT_EQ(reply.responses(50).data(), blob);

  reapi::BatchReadBlobsRequest huge;
  *huge.add_digests() = Digest(std::string(64, 'c'), INT64_MAX);
  *huge.add_digests() = Digest(std::string(64, 'd'), INT64_MAX);
  grpc::ClientContext huge_context;
  EXPECT_EQ(cas_->BatchReadBlobs(&huge_context, huge, &reply).error_code(),
            StatusCode::INVALID_ARGUMENT);
}

TEST_F(ReapiServerTest, DigestFunctionsOtherThanSha256AreRefused) {
  reapi::FindMissingBlobsRequest request;
  request.set_digest_function(reapi::DigestFunction::SHA256TREE);
  reapi::FindMissingBlobsResponse reply;
  grpc::ClientContext context;
  EXPECT_EQ(cas_->FindMissingBlobs(&context, request, &reply).error_code(),
            StatusCode::INVALID_ARGUMENT);
}

// A Write stream: sends `chunks`, then finishes (or stalls if `finish` is
// false and waits for the server).
grpc::Status WriteChunks(
    ByteStream::Stub& stub,
    const std::vector<google::bytestream::WriteRequest>& chunks,
    bool writes_done = true) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  google::bytestream::WriteResponse response;
  auto writer = stub.Write(&context, &response);
  for (const auto& chunk : chunks) {
    if (!writer->Write(chunk)) break;
  }
  if (writes_done) writer->WritesDone();
  return writer->Finish();
}

google::bytestream::WriteRequest Chunk(const std::string& name, int64_t offset,
                                       const std::string& data, bool finish) {
  google::bytestream::WriteRequest chunk;
  chunk.set_resource_name(name);
  chunk.set_write_offset(offset);
  chunk.set_data(data);
  chunk.set_finish_write(finish);
  return chunk;
}

TEST_F(ReapiServerTest, UploadsAreCheckedAndBudgeted) {
  std::string blob = "uploaded blob";
  reapi::Digest digest = DigestOf(blob);
  std::string name =
      absl::StrCat("uploads/u/blobs/", digest.hash(), "/", blob.size());
  // Resource name changed mid-stream.
  EXPECT_EQ(WriteChunks(*bytestream_,
                        {Chunk(name, 0, "upl", false),
                         Chunk(absl::StrCat("uploads/v/blobs/", digest.hash(),
                                            "/", blob.size()),
                               3, "oaded blob", true)})
                .error_code(),
            StatusCode::INVALID_ARGUMENT);
  // Out of order, and more than declared.
  EXPECT_EQ(
      WriteChunks(*bytestream_, {Chunk(name, 5, blob, true)}).error_code(),
      StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(WriteChunks(*bytestream_, {Chunk(name, 0, blob + "!", true)})
                .error_code(),
            StatusCode::INVALID_ARGUMENT);
  // Larger than the 8 MiB in-flight budget.
  EXPECT_EQ(WriteChunks(*bytestream_,
                        {Chunk(absl::StrCat("uploads/u/blobs/",
                                            std::string(64, 'e'), "/", 9 << 20),
                               0, "x", false)})
                .error_code(),
            StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_TRUE(WriteChunks(*bytestream_, {Chunk(name, 0, blob, true)}).ok());
  // Already present: answered without the bytes.
  EXPECT_TRUE(WriteChunks(*bytestream_, {Chunk(name, 0, "", false)}).ok());
}

TEST_F(ReapiServerTest, StalledStreamsAreCappedAndClosedWhenIdle) {
  std::string name =
      absl::StrCat("uploads/u/blobs/", std::string(64, 'f'), "/", 1000);
  std::vector<grpc::StatusCode> codes(4);
  std::vector<std::thread> threads;
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      codes[i] = WriteChunks(*bytestream_, {Chunk(name, 0, "x", false)},
                             /*writes_done=*/false)
                     .error_code();
    });
  }
  for (auto& thread : threads) thread.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  int refused = 0, idle = 0;
  for (auto code : codes) {
    refused += code == StatusCode::RESOURCE_EXHAUSTED;
    idle +=
        code == StatusCode::DEADLINE_EXCEEDED || code == StatusCode::CANCELLED;
  }
  EXPECT_EQ(refused, 2);  // max_streams = 2
  EXPECT_EQ(idle, 2);
  EXPECT_LT(seconds, 3.0);  // 300 ms idle timeout, not the 10 s deadline
}

// A writer publishes results whose object is not an object, or whose
// report is not a report; a reader misses and counts them.
TEST_F(ReapiServerTest, ClientRejectsResultsThatAreNotObjects) {
  KeyInputs in = MakeKeyInputs(Mode::kFast, {std::string(64, 'a')}, {"h.bc"},
                               {"clang-22", "--target=x86_64-linux-gnu"},
                               std::string(64, 'c'));
  RemoteAction action = MakeRemoteAction(in, 1000, {2000});
  RemoteOptions options;
  options.url = absl::StrCat("grpc://127.0.0.1:", server_->port());
  auto reader = RemoteCache::Create(options);
  ASSERT_TRUE(reader.ok());
  // Publishes OBJECT and REPORT as the action's result, as any writer may.
  auto publish = [&](const std::string& object, const std::string& report) {
    Put(object.empty() ? "{}" : object);
    Put(report);
    reapi::UpdateActionResultRequest request;
    *request.mutable_action_digest() = action.action_digest;
    for (auto [path, blob] : {std::make_pair("out.o", object),
                              std::make_pair("report.pb", report)}) {
      auto* file = request.mutable_action_result()->add_output_files();
      file->set_path(path);
      *file->mutable_digest() = DigestOf(blob);
    }
    reapi::ActionResult stored;
    grpc::ClientContext context;
    EXPECT_TRUE(ac_->UpdateActionResult(&context, request, &stored).ok());
  };
  std::string aarch64 = X86RelocatableObject("arm");
  aarch64[18] = static_cast<char>(183);
  std::string executable = X86RelocatableObject("exe");
  executable[16] = 2;
  const std::string report = TestReport("r").SerializeAsString();
  for (const std::string& bad :
       {std::string(), std::string("not an object"), aarch64, executable}) {
    publish(bad, report);
    auto found = (*reader)->Lookup(action);
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_FALSE(found->has_value())
        << "accepted a " << bad.size() << "-byte non-object";
  }
  EXPECT_EQ((*reader)->stats().corrupt, 4u);
  EXPECT_EQ((*reader)->stats().hits, 0u);
  // A real object with a report that does not parse is refused too.
  publish(X86RelocatableObject("good"), "{}");
  auto refused = (*reader)->Lookup(action);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_FALSE(refused->has_value()) << "accepted a report that does not parse";
  EXPECT_EQ((*reader)->stats().corrupt, 5u);
  // A real x86_64 relocatable object with a report is a hit.
  publish(X86RelocatableObject("good"), report);
  auto found = (*reader)->Lookup(action);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->object, X86RelocatableObject("good"));
  EXPECT_EQ((*found)->report.crate(), "r");
}

TEST(ByteBudgetTest, LeasesAddUpAndAreReturned) {
  ByteBudget budget(100);
  std::optional<ByteBudget::Lease> a = budget.TryReserve(60);
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(budget.TryReserve(41).has_value());
  EXPECT_FALSE(budget.TryReserve(-1).has_value());
  EXPECT_FALSE(budget.TryReserve(INT64_MAX).has_value());
  std::optional<ByteBudget::Lease> b = budget.TryReserve(40);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(budget.in_use(), 100);
  a.reset();
  EXPECT_EQ(budget.in_use(), 40);
  ByteBudget::Lease moved = std::move(*b);
  b.reset();
  EXPECT_EQ(budget.in_use(), 40);
}

TEST(ReadRangeTest, OverflowSafe) {
  ReadRange range;
  ASSERT_TRUE(CheckReadRange(10, INT64_MAX, 20, &range).ok());
  EXPECT_EQ(range.begin, 10);
  EXPECT_EQ(range.end, 20);
  ASSERT_TRUE(CheckReadRange(INT64_MAX, 0, INT64_MAX, &range).ok());
  EXPECT_EQ(range.end, INT64_MAX);
  EXPECT_EQ(CheckReadRange(INT64_MIN, 0, 20, &range).error_code(),
            StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(CheckReadRange(0, INT64_MIN, 20, &range).error_code(),
            StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace helperlink
