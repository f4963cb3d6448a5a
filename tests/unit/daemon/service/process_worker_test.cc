// Tests for daemon/service/process_worker and worker_protocol: frames and
// reports survive the trip, and a worker process that dies is told apart by
// how it died: killed by a signal of its own (LLVM crashed on the input: the
// request's error) or by SIGKILL from outside (UNAVAILABLE, so the client
// falls back). The workers here are shell processes that die on their own;
// the real worker (helperlinkd --worker) is exercised by the integration
// tests (tests/integration/containment.sh).
#include "daemon/service/process_worker.h"

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "daemon/service/worker_protocol.h"
#include "gtest/gtest.h"

namespace helperlink {
namespace {

TEST(WorkerProtocolTest, FramesAndReportsRoundTrip) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  Report report;
  report.set_crate("kernel");
  report.set_mode("fast");
  report.mutable_call_sites()->set_found(7);
  report.mutable_call_sites()->set_inlined(6);
  v1::NotInlined& miss = *report.add_not_inlined();
  miss.set_caller("caller");
  miss.set_callee("rust_helper_x");
  miss.set_reason("recursive");
  miss.set_count(2);
  report.mutable_reconciled()->set_no_builtin(3);
  report.mutable_times_ms()->set_codegen(1.5);
  report.set_object_bytes(4096);
  report.add_warnings("h.bc: ignoring invalid debug info in h.bc");
  report.add_warnings("second");
  std::string object(3 << 20, 'x');  // larger than a socket buffer
  object[0] = '\x7f';
  object.back() = 'y';
  worker::v1::WorkerReply sent;
  sent.set_object_size(object.size());
  *sent.mutable_report() = report;

  std::thread writer([&] {
    EXPECT_TRUE(WriteFrame(fds[0], sent).ok());
    EXPECT_TRUE(WriteRaw(fds[0], object).ok());
    EXPECT_TRUE(WriteRaw(fds[0], "").ok());  // no merged module
  });
  worker::v1::WorkerReply got;
  ASSERT_TRUE(ReadFrame(fds[1], &got).ok());
  std::string got_object = "left over";
  ASSERT_TRUE(ReadRaw(fds[1], got.object_size(), &got_object).ok());
  std::string got_merged = "left over";
  ASSERT_TRUE(ReadRaw(fds[1], got.merged_size(), &got_merged).ok());
  writer.join();
  EXPECT_EQ(got_object, object);
  EXPECT_EQ(got_merged, "");
  EXPECT_EQ(got.report().SerializeAsString(), report.SerializeAsString());
  EXPECT_EQ(got.report().not_inlined(0).callee(), "rust_helper_x");

  ::close(fds[0]);
  EXPECT_TRUE(absl::IsOutOfRange(ReadFrame(fds[1], &got)));
  ::close(fds[1]);
}

TEST(WorkerProtocolTest, ShortAndOversizedFramesAreErrors) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  const unsigned char huge[8] = {0, 0, 0, 0, 0, 1, 0, 0};  // 2^40 bytes
  ASSERT_EQ(::write(fds[0], huge, 8), 8);
  worker::v1::WorkerReply got;
  EXPECT_TRUE(absl::IsDataLoss(ReadFrame(fds[1], &got)));
  const unsigned char ten[8] = {10, 0, 0, 0, 0, 0, 0, 0};
  ASSERT_EQ(::write(fds[0], ten, 8), 8);
  ASSERT_EQ(::write(fds[0], "abc", 3), 3);
  ::close(fds[0]);
  EXPECT_TRUE(absl::IsUnavailable(ReadFrame(fds[1], &got)));
  ::close(fds[1]);
}

TEST(WorkerProtocolTest, ShortAndOversizedRawPartsAreErrors) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  std::string bytes;
  // Refused before anything is read or allocated.
  absl::Status huge = ReadRaw(fds[1], uint64_t{1} << 40, &bytes);
  EXPECT_TRUE(absl::IsDataLoss(huge)) << huge;
  EXPECT_EQ(huge.message(),
            "worker frame announces 1099511627776 bytes, too many");
  ASSERT_TRUE(WriteRaw(fds[0], "abc").ok());
  ::close(fds[0]);
  EXPECT_TRUE(absl::IsUnavailable(ReadRaw(fds[1], 10, &bytes)));
  ::close(fds[1]);
}

LinkRequest Request() {
  LinkRequest request;
  request.crate_name = "crate.bc";
  request.crate_bitcode = "BC";
  request.helpers.push_back(
      {"helpers.bc", std::make_shared<const std::string>("helpers")});
  request.cc_command = {"clang-22", "-O2"};
  return request;
}

TEST(ProcessWorkerTest, AWorkerThatCrashesFailsItsRequestAsInputError) {
  // Reads the request, then dies of SIGSEGV as a crashing LLVM would.
  ProcessWorker worker(
      {"/bin/sh", "-c", "head -c 8 <&3 >/dev/null; kill -SEGV $$"});
  ASSERT_TRUE(worker.alive());
  EXPECT_GT(worker.pid(), 0);
  absl::StatusOr<LinkResult> result = worker.Link(Request());
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(result.status())) << result.status();
  EXPECT_NE(result.status().message().find("crate.bc: LLVM crashed"),
            std::string::npos)
      << result.status();
  EXPECT_NE(result.status().message().find("signal 11"), std::string::npos)
      << result.status();
  EXPECT_FALSE(worker.alive());
  EXPECT_EQ(worker.pid(), 0);
  EXPECT_TRUE(absl::IsUnavailable(worker.Link(Request()).status()));
}

TEST(ProcessWorkerTest, AWorkerKilledFromOutsideIsUnavailable) {
  ProcessWorker worker(
      {"/bin/sh", "-c", "head -c 8 <&3 >/dev/null; kill -KILL $$"});
  absl::StatusOr<LinkResult> result = worker.Link(Request());
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(absl::IsUnavailable(result.status())) << result.status();
  EXPECT_FALSE(worker.alive());
}

TEST(ProcessWorkerTest, AWorkerThatCannotStartIsUnavailable) {
  ProcessWorker worker({"/nonexistent/helperlinkd", "--worker"});
  EXPECT_FALSE(worker.alive());
  absl::StatusOr<LinkResult> result = worker.Link(Request());
  EXPECT_TRUE(absl::IsUnavailable(result.status())) << result.status();
  EXPECT_NE(result.status().message().find("/nonexistent/helperlinkd"),
            std::string::npos)
      << result.status();
}

}  // namespace
}  // namespace helperlink
