// Daemon discovery, start-up and calls; see daemon_client.h.
#include "client/daemon_client.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cache/object_target.h"
#include "grpcpp/create_channel_posix.h"
#include "grpcpp/grpcpp.h"
#include "invocation/atomic_file.h"
#include "proto/protocol.h"
#include "proto/wire_mode.h"

namespace helperlink {
namespace {

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

// Connects to the daemon socket of `paths` and checks, before anything is
// sent, that every dir on the way is private to us and that the process on
// the other end of this very connection (SO_PEERCRED) runs as us. The
// socket is reached through the verified dir's fd, so no path component is
// walked again after the check. UNAVAILABLE when nothing listens;
// PERMISSION_DENIED naming the problem otherwise.
absl::StatusOr<UniqueFd> ConnectToOwnDaemon(const StatePaths& paths) {
  absl::Status dirs = CheckStateDirs(paths);
  if (absl::IsNotFound(dirs)) {
    return absl::UnavailableError(
        absl::StrCat("no daemon is running for ", paths.dir));
  }
  if (!dirs.ok()) return dirs;
  absl::StatusOr<UniqueFd> dir = OpenPrivateDir(paths.SocketDir());
  if (!dir.ok()) return dir.status();
  std::string path = PathThroughFd(dir->get(), paths.SocketName());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot create a socket: ", std::strerror(errno)));
  }
  sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address),
                sizeof(address)) != 0) {
    return absl::UnavailableError(
        absl::StrCat("no daemon is running for ", paths.dir));
  }
  ucred peer = {};
  socklen_t size = sizeof(peer);
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        paths.socket,
        ": cannot identify the process listening: ", std::strerror(errno)));
  }
  if (peer.uid != ::geteuid()) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "%s: the process listening there runs as uid %d, not as us (uid %d)",
        paths.socket, peer.uid, ::geteuid()));
  }
  return fd;
}

// A channel over the connection `fd` (taken over), already checked.
std::unique_ptr<v1::HelperLink::StubInterface> MakeStub(UniqueFd fd) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMaxMessageBytes);
  arguments.SetMaxSendMessageSize(kMaxMessageBytes);
  auto channel = grpc::CreateCustomInsecureChannelFromFd(
      "helperlinkd", fd.Release(), arguments);
  return v1::HelperLink::NewStub(channel);
}

// Starts `helperlinkd --daemon` detached from this process (its own session,
// reparented away from us), with its stdout and stderr appended to the log.
absl::Status SpawnDaemon(const ClientOptions& options, int log) {
  std::vector<std::string> args = {
      options.helperlinkd, "--daemon",
      "--state-dir",       options.paths.dir,
      "--idle-timeout",    std::to_string(options.idle_timeout_seconds)};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t child = ::fork();
  if (child < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot fork: ", std::strerror(errno)));
  }
  if (child == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    // Keep nothing of the caller's: a daemon holding make's jobserver pipe
    // or a test harness's output pipe would keep them open for its lifetime.
    for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return absl::OkStatus();
}

// Bytes that arrive in chunks: each chunk's buffer is taken out of its
// message, not copied, and the chunks are joined once at the end into one
// buffer of the final size (a one-chunk object is not copied at all).
class ChunkedBytes {
 public:
  void Take(std::string* chunk) {
    size_ += chunk->size();
    chunks_.push_back(std::move(*chunk));
  }
  std::string Join() && {
    if (chunks_.size() == 1) return std::move(chunks_[0]);
    std::string bytes;
    bytes.reserve(size_);
    for (const std::string& chunk : chunks_) bytes += chunk;
    return bytes;
  }

 private:
  std::vector<std::string> chunks_;
  size_t size_ = 0;
};

}  // namespace

bool IsInputError(const absl::Status& status) {
  return absl::IsInvalidArgument(status) || absl::IsNotFound(status);
}

absl::StatusOr<std::unique_ptr<DaemonClient>> DaemonClient::Connect(
    const ClientOptions& options) {
  absl::StatusOr<UniqueFd> fd = ConnectToOwnDaemon(options.paths);
  if (!fd.ok()) return fd.status();
  return std::make_unique<DaemonClient>(options, MakeStub(std::move(*fd)));
}

absl::StatusOr<std::unique_ptr<DaemonClient>> DaemonClient::ConnectOrStart(
    const ClientOptions& options) {
  absl::StatusOr<UniqueFd> fd = ConnectToOwnDaemon(options.paths);
  if (fd.ok() || !absl::IsUnavailable(fd.status())) {
    if (!fd.ok()) return fd.status();
    return std::make_unique<DaemonClient>(options, MakeStub(std::move(*fd)));
  }
  absl::Status prepared = PrepareStateDir(options.paths);
  if (!prepared.ok()) return prepared;
  absl::StatusOr<UniqueFd> dir = OpenPrivateDir(options.paths.dir);
  if (!dir.ok()) return dir.status();
  // One starter at a time; the others wait here and then find it running.
  absl::StatusOr<FileLock> lock =
      FileLock::AcquireAt(dir->get(), "start.lock", FileLock::Wait::kYes);
  if (!lock.ok()) return lock.status();
  fd = ConnectToOwnDaemon(options.paths);
  if (!fd.ok() && !absl::IsUnavailable(fd.status())) return fd.status();
  if (!fd.ok()) {
    absl::StatusOr<UniqueFd> log =
        OpenFileInDir(dir->get(), "log", O_WRONLY | O_APPEND);
    if (!log.ok()) return log.status();
    absl::Status spawned = SpawnDaemon(options, log->get());
    if (!spawned.ok()) return spawned;
    absl::Time deadline = absl::Now() + options.start_timeout;
    while (true) {
      fd = ConnectToOwnDaemon(options.paths);
      if (fd.ok()) break;
      if (!absl::IsUnavailable(fd.status())) return fd.status();
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(
            absl::StrCat("the daemon did not start within ",
                         absl::FormatDuration(options.start_timeout), " (see ",
                         options.paths.log, ")"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return std::make_unique<DaemonClient>(options, MakeStub(std::move(*fd)));
}

absl::StatusOr<DaemonClient::LinkOutcome> DaemonClient::Link(
    const ObjectArgs& args, absl::string_view crate,
    const v1::ClientKey* client_key) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoSeconds(options_.link_timeout));
  auto stream = stub_->Link(&context);

  v1::LinkRequest request;
  v1::LinkHeader* header = request.mutable_header();
  header->set_protocol_version(kProtocolVersion);
  header->set_crate_name(args.crate);
  header->set_crate_size(crate.size());
  header->set_mode(ModeToWire(args.mode));
  header->set_no_cache(args.no_cache);
  header->set_save_merged(!args.save_merged.empty());
  header->set_cache_dir(options_.cache_dir);
  header->mutable_cache_policy()->set_max_bytes(
      options_.cache_policy.max_bytes);
  header->mutable_cache_policy()->set_evict_to(options_.cache_policy.evict_to);
  header->set_cache_sharing(options_.cache_sharing == CacheSharing::kGroup
                                ? v1::CACHE_GROUP
                                : v1::CACHE_PRIVATE);
  header->set_output_path(AbsolutePath(args.output));
  if (!options_.remote.url.empty()) {
    header->set_remote_url(options_.remote.url);
    header->set_remote_instance(options_.remote.instance);
    header->set_remote_token_file(
        options_.remote.token_file.empty()
            ? ""
            : AbsolutePath(options_.remote.token_file));
    header->set_remote_ca_file(options_.remote.ca_file.empty()
                                   ? ""
                                   : AbsolutePath(options_.remote.ca_file));
    header->set_remote_write(options_.remote.write);
    header->set_remote_timeout_ms(options_.remote.timeout_ms);
  }
  for (const std::string& helper : args.helpers) {
    header->add_helpers()->set_path(helper);
  }
  for (const std::string& arg : args.cc_command) header->add_cc_command(arg);
  if (client_key != nullptr) *header->mutable_client_key() = *client_key;
  bool sent = stream->Write(request);
  // One message, re-used: each chunk is copied once, from the crate into
  // the message's buffer (kept between chunks), which Write serializes.
  for (size_t offset = 0; sent && offset < crate.size();
       offset += kChunkBytes) {
    absl::string_view chunk = crate.substr(offset, kChunkBytes);
    request.mutable_chunk()->assign(chunk.data(), chunk.size());
    sent = stream->Write(request);
  }
  if (sent) stream->WritesDone();

  LinkOutcome outcome;
  ChunkedBytes object_chunks, merged_chunks;
  v1::LinkResponse response;
  bool have_report = false;
  // The first way the reply broke the protocol (see helperlink.proto);
  // the rest of the stream is still read so Finish() reports the status.
  std::string malformed;
  while (stream->Read(&response)) {
    if (!malformed.empty()) continue;
    if (have_report) {
      malformed = "a message after the report";
    } else if (response.has_chunk()) {
      object_chunks.Take(response.mutable_chunk());
    } else if (response.has_merged_chunk()) {
      merged_chunks.Take(response.mutable_merged_chunk());
    } else if (response.has_report()) {
      outcome.report = std::move(*response.mutable_report());
      have_report = true;
    } else {
      malformed = "a message with no part set";
    }
  }
  absl::Status status = FromGrpc(stream->Finish());
  if (!status.ok()) return status;
  if (!malformed.empty()) {
    return absl::UnavailableError(absl::StrCat(
        "the daemon's reply for ", args.crate, " is malformed: ", malformed));
  }
  if (!have_report) {
    return absl::UnavailableError("the daemon closed the stream early");
  }
  outcome.object = std::move(object_chunks).Join();
  outcome.merged_bitcode = std::move(merged_chunks).Join();
  if (!args.save_merged.empty() && outcome.merged_bitcode.empty()) {
    // A daemon older than --save-merged ignores the request for it.
    return absl::UnavailableError("the daemon sent no merged module");
  }
  // An empty or cut-off object is never written as the output. The target
  // is not checked here: the daemon compiled for the flags it was sent.
  absl::Status object = CheckRelocatableObject(outcome.object, ObjectTarget{});
  if (!object.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "the daemon's object for ", args.crate, " is bad: ", object.message()));
  }
  return outcome;
}

absl::StatusOr<v1::StatusReply> DaemonClient::Status() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::StatusReply reply;
  absl::Status status =
      FromGrpc(stub_->Status(&context, v1::StatusRequest(), &reply));
  if (!status.ok()) return status;
  return reply;
}

absl::StatusOr<v1::StatsReply> DaemonClient::Stats() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::StatsReply reply;
  absl::Status status =
      FromGrpc(stub_->Stats(&context, v1::StatsRequest(), &reply));
  if (!status.ok()) return status;
  return reply;
}

absl::StatusOr<v1::StatsReply> DaemonClient::ZeroStats() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::StatsReply reply;
  absl::Status status =
      FromGrpc(stub_->ZeroStats(&context, v1::ZeroStatsRequest(), &reply));
  if (!status.ok()) return status;
  return reply;
}

absl::Status DaemonClient::Shutdown() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::ShutdownReply reply;
  return FromGrpc(stub_->Shutdown(&context, v1::ShutdownRequest(), &reply));
}

}  // namespace helperlink
