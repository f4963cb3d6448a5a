// The daemon's gRPC service; see link_service.h.
#include "daemon/service/link_service.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "daemon/serve_object.h"
#include "helperlink/millis.h"
#include "invocation/atomic_file.h"
#include "proto/wire_mode.h"

namespace helperlink {
namespace {

using Clock = std::chrono::steady_clock;

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl and gRPC share the canonical code numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

// The request's policy, as the client parsed it; unset = the default.
// CacheFor checks it.
CachePolicy PolicyOf(const v1::LinkHeader& header) {
  CachePolicy policy;
  if (header.has_cache_policy()) {
    policy.max_bytes = header.cache_policy().max_bytes();
    policy.evict_to = header.cache_policy().evict_to();
  }
  return policy;
}

// The client's key, if it sent a well-formed one; one that is not is
// ignored (the crate is then hashed here, as for a client that sent none).
std::optional<ClientKey> ClientKeyOf(const v1::LinkHeader& header) {
  if (!header.has_client_key()) return std::nullopt;
  const v1::ClientKey& sent = header.client_key();
  auto is_digest = [](const std::string& hex) {
    return hex.size() == 64 &&
           hex.find_first_not_of("0123456789abcdef") == std::string::npos;
  };
  if (!is_digest(sent.crate_sha256()) || !is_digest(sent.key())) {
    return std::nullopt;
  }
  return ClientKey{
      sent.crate_sha256(), sent.key(), sent.local_missed(),
      sent.lookup_ms() > 0 && sent.lookup_ms() < 3.6e6 ? sent.lookup_ms() : 0};
}

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

// Adds a process's resident and peak resident memory from
// /proc/PID/status, in bytes.
void AddMemory(const std::string& pid, uint64_t* rss, uint64_t* peak) {
  std::ifstream status("/proc/" + pid + "/status");
  std::string key;
  uint64_t value;
  std::string unit;
  while (status >> key) {
    if (key == "VmRSS:" && status >> value >> unit) *rss += value * 1024;
    if (key == "VmHWM:" && status >> value >> unit) *peak += value * 1024;
  }
}

}  // namespace

LinkService::LinkService(ServiceOptions options, WorkerPool& pool,
                         HelperFileCache& helper_files, Log& log,
                         std::function<void()> request_shutdown)
    : options_(std::move(options)),
      pool_(pool),
      helper_files_(helper_files),
      log_(log),
      request_shutdown_(std::move(request_shutdown)),
      started_(Clock::now()),
      uploads_(options_.max_pending_uploads) {
  Touch();
}

void LinkService::Touch() {
  last_activity_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          Clock::now().time_since_epoch())
                          .count();
}

double LinkService::IdleSeconds() const {
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    Clock::now().time_since_epoch())
                    .count();
  return (now - last_activity_ns_) / 1e9;
}

grpc::Status LinkService::Link(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::LinkResponse, v1::LinkRequest>* stream) {
  ++in_flight_;
  Touch();
  ++counters_.requests;
  Clock::time_point start = Clock::now();
  std::string summary;
  grpc::Status status = stopping_ ? grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                                 "the daemon is shutting down")
                                  : Serve(stream, &summary);
  if (status.ok()) {
    ++counters_.succeeded;
  } else {
    ++counters_.failed;
  }
  double ms = MillisSince(start);
  log_.Write(absl::StrFormat(
      "link %s %.1fms %s", summary, ms,
      status.ok() ? "ok" : absl::StrCat("error: ", status.error_message())));
  Touch();
  --in_flight_;
  return status;
}

grpc::Status LinkService::Serve(
    grpc::ServerReaderWriter<v1::LinkResponse, v1::LinkRequest>* stream,
    std::string* summary) {
  v1::LinkRequest message;
  if (!stream->Read(&message) || !message.has_header()) {
    return Invalid("request did not start with a header");
  }
  const v1::LinkHeader header = message.header();
  const Mode mode = ModeFromWire(header.mode());
  *summary = absl::StrCat(header.crate_name(), " ", ModeName(mode));
  if (header.protocol_version() != kProtocolVersion) {
    return grpc::Status(
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrFormat("client speaks protocol %d, daemon %d; stop the "
                        "daemon with `helperlink --stop`",
                        header.protocol_version(), kProtocolVersion));
  }
  if (header.crate_size() > options_.max_crate_bytes) {
    return grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrFormat("%s: %d bytes exceeds the daemon's limit of %d",
                        header.crate_name(), header.crate_size(),
                        options_.max_crate_bytes));
  }

  Clock::time_point receive_start = Clock::now();
  // One buffer: the first chunk's is taken over and grown once to the
  // announced size, the others are appended to it.
  std::string crate;
  while (stream->Read(&message)) {
    if (!message.has_chunk()) return Invalid("header sent twice");
    if (crate.size() + message.chunk().size() > header.crate_size()) {
      return Invalid(absl::StrCat(header.crate_name(),
                                  ": more bytes than the header announced"));
    }
    if (crate.empty()) {
      crate = std::move(*message.mutable_chunk());
      crate.reserve(header.crate_size());
    } else {
      crate += message.chunk();
    }
  }
  if (crate.size() != header.crate_size()) {
    return Invalid(absl::StrFormat("%s: stream ended after %d of %d bytes",
                                   header.crate_name(), crate.size(),
                                   header.crate_size()));
  }
  counters_.crate_bytes_in += crate.size();
  double receive_ms = MillisSince(receive_start);

  LinkRequest request;
  request.crate_name = header.crate_name();
  request.crate_bitcode = crate;
  request.mode = mode;
  request.cc_command.assign(header.cc_command().begin(),
                            header.cc_command().end());
  request.save_merged =
      header.save_merged() ? SaveMerged::kYes : SaveMerged::kNo;
  std::vector<std::string> helper_digests;
  for (const v1::HelperFile& file : header.helpers()) {
    absl::StatusOr<HelperFile> helper = helper_files_.Get(file.path());
    if (!helper.ok()) return ToGrpc(helper.status());
    request.helpers.push_back(std::move(helper->input));
    helper_digests.push_back(std::move(helper->digest));
  }

  CacheSetup caches;
  caches.why_no_local = "cache bypassed (--no-cache)";
  if (!header.no_cache()) {
    absl::StatusOr<LocalCache*> opened = CacheFor(
        header.cache_dir(),
        header.cache_sharing() == v1::CACHE_GROUP ? CacheSharing::kGroup
                                                  : CacheSharing::kPrivate,
        PolicyOf(header));
    if (opened.ok()) {
      caches.local = *opened;
    } else {
      caches.why_no_local =
          absl::StrCat("cache unavailable: ", opened.status().message());
    }
    if (!header.remote_url().empty()) {
      absl::StatusOr<RemoteCache*> remote = RemoteFor(header);
      if (remote.ok()) {
        caches.remote = *remote;
        caches.schedule_upload = [this](std::function<void()> upload) {
          uploads_.Schedule(std::move(upload));
        };
      } else {
        caches.why_no_remote = absl::StrCat("remote cache unavailable: ",
                                            remote.status().message());
      }
    }
  }
  absl::StatusOr<ServedObject> served = ServeObject(
      caches, request, std::move(helper_digests), ClientKeyOf(header),
      header.output_path(), receive_ms, [&]() -> absl::StatusOr<LinkResult> {
        WorkerPool::Lease lease = pool_.Acquire();
        // Engine time only: the wait for a free worker is not counted.
        Clock::time_point start = Clock::now();
        absl::StatusOr<LinkResult> result = lease.worker().Link(request);
        counters_.link_micros +=
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                                  start)
                .count();
        return result;
      });
  if (!served.ok()) return ToGrpc(served.status());
  if (!served->cache_notice.empty()) log_.Write(served->cache_notice);
  if (served->hit) ++counters_.cache_hits;
  if (served->crate_hashed) ++counters_.crates_hashed;
  ++(request.mode == Mode::kExact ? counters_.exact : counters_.fast);
  *summary += served->remote_hit ? " remote-hit"
              : served->hit      ? " hit"
              : caches.local     ? " miss"
                                 : " uncached";

  const std::string& object = served->object;
  v1::LinkResponse response;
  const std::string& merged = served->merged_bitcode;
  // One message, re-used: each chunk is copied once, into the message's
  // buffer, which Write serializes. An object of one chunk is moved in.
  auto send = [&](absl::string_view bytes, std::string* part) {
    for (size_t offset = 0; offset < bytes.size(); offset += kChunkBytes) {
      absl::string_view chunk = bytes.substr(offset, kChunkBytes);
      part->assign(chunk.data(), chunk.size());
      if (!stream->Write(response)) return false;
    }
    return true;
  };
  if (!send(merged, response.mutable_merged_chunk())) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  }
  const size_t object_bytes = object.size();
  bool sent;
  if (object_bytes > 0 && object_bytes <= kChunkBytes) {
    response.set_chunk(std::move(served->object));
    sent = stream->Write(response);
  } else {
    sent = send(object, response.mutable_chunk());
  }
  if (!sent) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  }
  *response.mutable_report() = std::move(served->report);
  if (!stream->Write(response)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  }
  counters_.object_bytes_out += object_bytes;
  return grpc::Status::OK;
}

absl::StatusOr<LocalCache*> LinkService::CacheFor(const std::string& dir,
                                                  CacheSharing sharing,
                                                  const CachePolicy& policy) {
  if (dir.empty() || dir[0] != '/') {
    return absl::InvalidArgumentError("no absolute cache dir in the request");
  }
  // Checked on every request, not only on the first: a dir that became
  // someone else's since is no longer used.
  absl::Status trusted = PrepareCacheDir(dir, sharing);
  if (!trusted.ok()) return trusted;
  absl::Status checked = CheckCachePolicy(policy);
  if (!checked.ok()) return checked;
  absl::MutexLock lock(&caches_mutex_);
  // %a: every policy that differs gets its own key.
  std::string key =
      absl::StrFormat("%s\n%d\n%a", dir, policy.max_bytes, policy.evict_to);
  auto it = caches_.find(key);
  if (it != caches_.end()) return it->second.get();
  absl::StatusOr<std::unique_ptr<LocalCache>> cache =
      LocalCache::Open(dir, policy);
  if (!cache.ok()) return cache.status();
  return caches_.emplace(key, std::move(*cache)).first->second.get();
}

absl::StatusOr<RemoteCache*> LinkService::RemoteFor(
    const v1::LinkHeader& header) {
  std::string key = absl::StrCat(
      header.remote_url(), "\n", header.remote_instance(), "\n",
      header.remote_token_file(), "\n", header.remote_ca_file(), "\n",
      header.remote_write(), "\n", header.remote_timeout_ms());
  absl::MutexLock lock(&caches_mutex_);
  auto it = remotes_.find(key);
  if (it != remotes_.end()) return it->second.get();
  RemoteSettings settings;
  settings.url = header.remote_url();
  settings.instance = header.remote_instance();
  settings.token_file = header.remote_token_file();
  settings.ca_file = header.remote_ca_file();
  settings.write = header.remote_write();
  settings.timeout_ms = header.remote_timeout_ms();
  absl::StatusOr<RemoteOptions> options = ToRemoteOptions(settings);
  if (!options.ok()) return options.status();
  absl::StatusOr<std::unique_ptr<RemoteCache>> remote =
      RemoteCache::Create(std::move(*options));
  if (!remote.ok()) return remote.status();
  return remotes_.emplace(key, std::move(*remote)).first->second.get();
}

grpc::Status LinkService::Status(grpc::ServerContext*, const v1::StatusRequest*,
                                 v1::StatusReply* reply) {
  reply->set_protocol_version(kProtocolVersion);
  reply->set_version(HELPERLINK_VERSION);
  reply->set_pid(::getpid());
  reply->set_state_dir(options_.state_dir);
  reply->set_uptime_seconds(
      std::chrono::duration<double>(Clock::now() - started_).count());
  reply->set_workers(pool_.workers());
  reply->set_in_flight(in_flight_);
  reply->set_idle_timeout_seconds(options_.idle_timeout_seconds);
  return grpc::Status::OK;
}

void LinkService::FillStats(v1::StatsReply* reply) {
  WorkerPool::Counters pool = pool_.counters();
  absl::MutexLock lock(&zero_mutex_);
  reply->set_requests(counters_.requests);
  reply->set_succeeded(counters_.succeeded);
  reply->set_failed(counters_.failed);
  reply->set_fast(counters_.fast);
  reply->set_exact(counters_.exact);
  reply->set_crate_bytes_in(counters_.crate_bytes_in);
  reply->set_object_bytes_out(counters_.object_bytes_out);
  reply->set_helper_set_loads(pool.helper_set_loads - zero_loads_);
  reply->set_helper_file_reads(helper_files_.reads() - zero_reads_);
  reply->set_engine_recycles(pool.recycles - zero_recycles_);
  reply->set_worker_crashes(pool.crashes - zero_crashes_);
  reply->set_resident_helper_sets(pool.resident_helper_sets);
  // The daemon and its live workers; the peak is the sum of their peaks.
  uint64_t rss = 0, peak = 0;
  AddMemory("self", &rss, &peak);
  for (int pid : pool_.worker_pids()) {
    AddMemory(std::to_string(pid), &rss, &peak);
  }
  reply->set_rss_bytes(rss);
  reply->set_peak_rss_bytes(peak);
  reply->set_link_seconds(counters_.link_micros / 1e6);
  reply->set_cache_hits(counters_.cache_hits);
  reply->set_crates_hashed(counters_.crates_hashed);
  RemoteTotals remote = SumRemotes();
  reply->set_remote_hits(remote.hits - zero_remote_.hits);
  reply->set_remote_misses(remote.misses - zero_remote_.misses);
  reply->set_remote_errors(remote.errors - zero_remote_.errors);
  reply->set_remote_corrupt(remote.corrupt - zero_remote_.corrupt);
  reply->set_remote_uploads(remote.uploads - zero_remote_.uploads);
  reply->set_remote_uploads_dropped(remote.uploads_dropped -
                                    zero_remote_.uploads_dropped);
}

LinkService::RemoteTotals LinkService::SumRemotes() {
  // Remotes are only ever added, so the sums only grow.
  absl::MutexLock lock(&caches_mutex_);
  RemoteTotals totals;
  for (const auto& [key, remote] : remotes_) {
    RemoteStats& r = remote->stats();
    totals.hits += r.hits;
    totals.misses += r.misses;
    totals.errors += r.errors;
    totals.corrupt += r.corrupt;
    totals.uploads += r.uploads;
  }
  totals.uploads_dropped = uploads_.dropped();
  return totals;
}

grpc::Status LinkService::Stats(grpc::ServerContext*, const v1::StatsRequest*,
                                v1::StatsReply* reply) {
  FillStats(reply);
  return grpc::Status::OK;
}

grpc::Status LinkService::ZeroStats(grpc::ServerContext*,
                                    const v1::ZeroStatsRequest*,
                                    v1::StatsReply* reply) {
  {
    WorkerPool::Counters pool = pool_.counters();
    absl::MutexLock lock(&zero_mutex_);
    for (auto* counter :
         {&counters_.requests, &counters_.succeeded, &counters_.failed,
          &counters_.fast, &counters_.exact, &counters_.crate_bytes_in,
          &counters_.object_bytes_out, &counters_.cache_hits,
          &counters_.crates_hashed}) {
      *counter = 0;
    }
    counters_.link_micros = 0;
    zero_loads_ = pool.helper_set_loads;
    zero_reads_ = helper_files_.reads();
    zero_recycles_ = pool.recycles;
    zero_crashes_ = pool.crashes;
    zero_remote_ = SumRemotes();
  }
  log_.Write("stats zeroed");
  FillStats(reply);
  return grpc::Status::OK;
}

grpc::Status LinkService::Shutdown(grpc::ServerContext*,
                                   const v1::ShutdownRequest*,
                                   v1::ShutdownReply*) {
  log_.Write("shutdown requested");
  StopAccepting();
  request_shutdown_();
  return grpc::Status::OK;
}

}  // namespace helperlink
