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
  report.crate = "kernel";
  report.mode = "fast";
  report.call_sites_found = 7;
  report.call_sites_inlined = 6;
  report.not_inlined.push_back({"caller", "rust_helper_x", "recursive", 2});
  report.reconciled.no_builtin = 3;
  report.times.codegen_ms = 1.5;
  report.object_bytes = 4096;
  report.warnings = {"h.bc: ignoring invalid debug info in h.bc", "second"};
  worker::v1::WorkerReply sent;
  sent.set_object(std::string(3 << 20, 'x'));  // larger than a socket buffer
  ReportToProto(report, sent.mutable_report());

  std::thread writer([&] { EXPECT_TRUE(WriteFrame(fds[0], sent).ok()); });
  worker::v1::WorkerReply got;
  ASSERT_TRUE(ReadFrame(fds[1], &got).ok());
  writer.join();
  EXPECT_EQ(got.object(), sent.object());
  Report back = ReportFromProto(got.report());
  EXPECT_EQ(back.ToJson(), report.ToJson());

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
