// Worker processes and their supervision; see process_worker.h.
#include "daemon/service/process_worker.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "daemon/crash_report.h"
#include "daemon/service/worker_protocol.h"
#include "proto/wire_mode.h"

extern char** environ;

namespace helperlink {
namespace {

// The fd on which a worker finds its end of the socketpair.
constexpr int kWorkerFd = 3;

std::string DescribeEnd(int status) {
  if (WIFSIGNALED(status)) {
    int signal = WTERMSIG(status);
    const char* name = ::strsignal(signal);
    return absl::StrCat("signal ", signal, ", ", name ? name : "unknown");
  }
  if (WIFEXITED(status)) return absl::StrCat("exit ", WEXITSTATUS(status));
  return "unknown end";
}

}  // namespace

ProcessWorker::ProcessWorker(const std::vector<std::string>& command) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    spawn_status_ = absl::UnavailableError(
        absl::StrCat("cannot make a worker socket: ", std::strerror(errno)));
    return;
  }
  // dup2 onto fd 3 clears close-on-exec, unless the fd is already 3.
  if (fds[1] == kWorkerFd) {
    int moved = ::fcntl(fds[1], F_DUPFD_CLOEXEC, kWorkerFd + 1);
    ::close(fds[1]);
    fds[1] = moved;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], kWorkerFd);
  std::vector<char*> argv;
  for (const std::string& arg : command) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid = -1;
  int error = command.empty() ? EINVAL
                              : ::posix_spawn(&pid, argv[0], &actions, nullptr,
                                              argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (error != 0) {
    ::close(fds[0]);
    spawn_status_ = absl::UnavailableError(
        absl::StrCat("cannot start a worker process (",
                     command.empty() ? "no command" : command[0],
                     "): ", std::strerror(error)));
    return;
  }
  pid_ = pid;
  fd_ = fds[0];
  alive_ = true;
}

ProcessWorker::~ProcessWorker() {
  if (fd_ >= 0) ::close(fd_);
  if (pid_ > 0) {
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

int ProcessWorker::Reap() {
  alive_ = false;
  ::close(fd_);
  fd_ = -1;
  int status = 0;
  pid_t pid = pid_.exchange(-1);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

absl::StatusOr<LinkResult> ProcessWorker::Link(const LinkRequest& request) {
  if (!alive_) {
    return spawn_status_.ok() ? absl::UnavailableError("worker is gone")
                              : spawn_status_;
  }
  worker::v1::WorkerRequest message;
  message.set_crate_name(request.crate_name);
  message.set_crate_size(request.crate_bitcode.size());
  for (const HelperInput& helper : request.helpers) {
    worker::v1::WorkerRequest::Helper* out = message.add_helpers();
    out->set_name(helper.name);
    auto it = sent_.find(helper.name);
    if (it != sent_.end() && it->second == helper.bytes) {
      out->set_cached(true);
    } else {
      out->set_bytes(*helper.bytes);
    }
  }
  for (const std::string& arg : request.cc_command) {
    message.add_cc_command(arg);
  }
  message.set_mode(ModeToWire(request.mode));
  message.set_save_merged(request.save_merged == SaveMerged::kYes);

  // The crate, the object and the merged module cross raw, after their
  // frames: from the request's buffer to the worker's, and from the
  // worker's to the result's.
  absl::Status sent = WriteFrame(fd_, message);
  if (sent.ok()) sent = WriteRaw(fd_, request.crate_bitcode);
  worker::v1::WorkerReply reply;
  LinkResult result;
  absl::Status received = sent.ok() ? ReadFrame(fd_, &reply) : sent;
  if (received.ok()) {
    received = ReadRaw(fd_, reply.object_size(), &result.object);
  }
  if (received.ok()) {
    received = ReadRaw(fd_, reply.merged_size(), &result.merged_bitcode);
  }
  if (!received.ok()) {
    int status = Reap();
    std::string end = DescribeEnd(status);
    bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    if (!sent.ok() || killed) {
      // Not the input's fault: the client links it in its own process.
      return absl::UnavailableError(absl::StrCat("the worker linking ",
                                                 request.crate_name,
                                                 " was stopped (", end, ")"));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        request.crate_name,
        ": LLVM crashed on this input (the helperlinkd worker linking it "
        "ended with ",
        end, "); other requests were not affected"));
  }
  for (const HelperInput& helper : request.helpers) {
    sent_[helper.name] = helper.bytes;
  }
  resident_ = reply.resident_helper_sets();
  loads_ = reply.helper_set_loads();
  if (reply.code() != 0) {
    return absl::Status(static_cast<absl::StatusCode>(reply.code()),
                        reply.message());
  }
  result.report = std::move(*reply.mutable_report());
  return result;
}

absl::Status ServeWorker(int fd, EngineOptions options) {
  ::signal(SIGPIPE, SIG_IGN);
  Engine engine(options);
  std::map<std::string, std::shared_ptr<const std::string>> helpers;
  while (true) {
    worker::v1::WorkerRequest message;
    absl::Status read = ReadFrame(fd, &message);
    if (absl::IsOutOfRange(read)) return absl::OkStatus();  // daemon is done
    if (!read.ok()) return read;
    std::string crate;
    read = ReadRaw(fd, message.crate_size(), &crate);
    if (!read.ok()) return read;

    worker::v1::WorkerReply reply;
    LinkRequest request;
    request.crate_name = message.crate_name();
    SetCrashSubject(request.crate_name);
    request.crate_bitcode = crate;
    request.cc_command.assign(message.cc_command().begin(),
                              message.cc_command().end());
    request.mode = ModeFromWire(message.mode());
    request.save_merged =
        message.save_merged() ? SaveMerged::kYes : SaveMerged::kNo;
    absl::Status status = absl::OkStatus();
    for (worker::v1::WorkerRequest::Helper& helper :
         *message.mutable_helpers()) {
      if (!helper.cached()) {
        helpers[helper.name()] = std::make_shared<const std::string>(
            std::move(*helper.mutable_bytes()));
      }
      auto it = helpers.find(helper.name());
      if (it == helpers.end()) {
        status = absl::InternalError(
            absl::StrCat(helper.name(), ": worker was never sent this file"));
        break;
      }
      request.helpers.push_back({helper.name(), it->second});
    }
    LinkResult result;
    if (status.ok()) {
      absl::StatusOr<LinkResult> linked = engine.Link(request);
      if (linked.ok()) {
        result = std::move(*linked);
        reply.set_object_size(result.object.size());
        reply.set_merged_size(result.merged_bitcode.size());
        *reply.mutable_report() = std::move(result.report);
      } else {
        status = linked.status();
      }
    }
    reply.set_code(static_cast<int>(status.code()));
    reply.set_message(std::string(status.message()));
    reply.set_resident_helper_sets(engine.resident_helper_sets());
    reply.set_helper_set_loads(engine.helper_set_loads());
    absl::Status written = WriteFrame(fd, reply);
    if (written.ok()) written = WriteRaw(fd, result.object);
    if (written.ok()) written = WriteRaw(fd, result.merged_bitcode);
    if (!written.ok()) return written;
  }
}

}  // namespace helperlink
