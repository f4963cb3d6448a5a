// The resident daemon's life cycle; see daemon.h.
#include "daemon/service/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpcpp/grpcpp.h"
#include "invocation/state_dir.h"

namespace helperlink {
namespace {

std::atomic<bool> g_signalled{false};

void OnSignal(int) { g_signalled = true; }

}  // namespace

absl::Status RunDaemon(const DaemonOptions& options) {
  absl::StatusOr<StatePaths> paths = StatePathsFor(options.state_dir);
  if (!paths.ok()) return paths.status();
  absl::Status prepared = PrepareStateDir(*paths);
  if (!prepared.ok()) return prepared;
  // Everything below is opened through the verified dirs' fds and never
  // through a symlink: a link planted in the state dir is replaced, not
  // followed.
  absl::StatusOr<UniqueFd> dir = OpenPrivateDir(paths->dir);
  if (!dir.ok()) return dir.status();
  absl::StatusOr<UniqueFd> socket_dir = OpenPrivateDir(paths->SocketDir());
  if (!socket_dir.ok()) return socket_dir.status();
  absl::StatusOr<FileLock> lock =
      FileLock::AcquireAt(dir->get(), "daemon.lock", FileLock::Wait::kNo);
  if (absl::IsUnavailable(lock.status())) {
    return absl::AlreadyExistsError(
        absl::StrCat("a daemon already serves ", paths->dir));
  }
  if (!lock.ok()) return lock.status();

  // Everything the daemon creates (socket, log) is for its owner only.
  ::umask(077);
  const std::string socket_name = paths->SocketName();
  // Left by a daemon that died (unlinkat never follows a link).
  ::unlinkat(socket_dir->get(), socket_name.c_str(), 0);
  absl::StatusOr<UniqueFd> log_fd =
      OpenFileInDir(dir->get(), "log", O_WRONLY | O_APPEND);
  Log log(log_fd.ok() ? log_fd->Release() : -1);

  std::mutex mutex;
  std::condition_variable wake;
  bool shutdown_requested = false;
  auto request_shutdown = [&] {
    std::lock_guard<std::mutex> guard(mutex);
    shutdown_requested = true;
    wake.notify_all();
  };

  WorkerPool pool(options.pool);
  HelperFileCache helper_files;
  ServiceOptions service_options = options.service;
  service_options.state_dir = paths->dir;
  service_options.idle_timeout_seconds = options.idle_timeout_seconds;
  LinkService service(service_options, pool, helper_files, log,
                      request_shutdown);

  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      "unix:" + PathThroughFd(socket_dir->get(), socket_name),
      grpc::InsecureServerCredentials());
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    return absl::UnavailableError(
        absl::StrCat(paths->socket, ": cannot listen"));
  }
  // In our verified dir, which no one else can write: no link to follow.
  ::fchmodat(socket_dir->get(), socket_name.c_str(), 0600, 0);
  log.Write(absl::StrFormat(
      "start pid %d workers %d idle-timeout %ds socket %s", ::getpid(),
      pool.workers(), options.idle_timeout_seconds, paths->socket));

  struct sigaction action = {};
  action.sa_handler = OnSignal;
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::string reason;
  {
    std::unique_lock<std::mutex> guard(mutex);
    while (true) {
      wake.wait_for(guard, std::chrono::milliseconds(200));
      if (shutdown_requested) {
        reason = "shutdown requested";
        break;
      }
      if (g_signalled) {
        reason = "signal";
        break;
      }
      if (options.idle_timeout_seconds > 0 && service.in_flight() == 0 &&
          service.IdleSeconds() >= options.idle_timeout_seconds) {
        reason = "idle timeout";
        break;
      }
    }
  }
  service.StopAccepting();
  // Requests in flight finish; new ones are refused and fall back.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(60));
  ::unlinkat(socket_dir->get(), socket_name.c_str(), 0);
  log.Write(absl::StrCat("stop: ", reason));
  return absl::OkStatus();
}

}  // namespace helperlink
