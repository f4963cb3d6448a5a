// The REAPI v2 cache server; see reapi_server.h.
#include "cache/reapi_server.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "cache/lmdb_store.h"
#include "cache/reapi_validate.h"
#include "cache/remote_cache.h"
#include "cache/sha256.h"
#include "google/bytestream/bytestream.grpc.pb.h"

namespace helperlink {
namespace {

// ByteStream reads send, and hold, one chunk at a time.
constexpr int64_t kChunkBytes = 1 << 20;
// Largest blob a ByteStream upload may announce (and at most the in-flight
// budget).
constexpr int64_t kMaxBlobBytes = int64_t{1} << 30;

// What a call does with the cache, which decides the token it needs.
enum class Access { kRead, kWrite };

std::string CasKey(const std::string& hash) { return "cas:" + hash; }
std::string AcKey(const std::string& hash) { return "ac:" + hash; }

grpc::Status Error(grpc::StatusCode code, const std::string& message) {
  return grpc::Status(code, message);
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Sum of the digests' sizes, saturating at INT64_MAX (sizes are checked
// not negative first).
int64_t TotalSize(
    const google::protobuf::RepeatedPtrField<reapi::Digest>& digests) {
  int64_t total = 0;
  for (const reapi::Digest& digest : digests) {
    if (digest.size_bytes() > INT64_MAX - total) return INT64_MAX;
    total += digest.size_bytes();
  }
  return total;
}

}  // namespace

absl::StatusOr<std::map<std::string, bool>> ParseTokenFile(
    const std::string& text) {
  std::map<std::string, bool> tokens;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> words =
        absl::StrSplit(line, ' ', absl::SkipWhitespace());
    if (words.size() == 1) {
      tokens[words[0]] = true;
    } else if (words.size() == 2 && words[1] == "read-only") {
      tokens[words[0]] = false;
    } else {
      return absl::InvalidArgumentError(
          "token file: each line is TOKEN or TOKEN read-only");
    }
  }
  return tokens;
}

class ReapiServer::Services : public reapi::ActionCache::Service,
                              public reapi::ContentAddressableStorage::Service,
                              public reapi::Capabilities::Service,
                              public google::bytestream::ByteStream::Service {
 public:
  Services(Store& store, StreamRegistry& streams,
           const ReapiServerOptions& options,
           std::optional<std::map<std::string, bool>> tokens)
      : store_(store),
        streams_(streams),
        options_(options),
        limits_(options.limits),
        budget_(options.limits.max_inflight_bytes),
        tokens_(std::move(tokens)) {}

  grpc::Status GetCapabilities(grpc::ServerContext* context,
                               const reapi::GetCapabilitiesRequest*,
                               reapi::ServerCapabilities* reply) override {
    bool may_write = false;
    if (grpc::Status s = Authorize(context, Access::kRead, &may_write); !s.ok())
      return s;
    auto* cache = reply->mutable_cache_capabilities();
    cache->add_digest_functions(reapi::DigestFunction::SHA256);
    cache->mutable_action_cache_update_capabilities()->set_update_enabled(
        may_write);
    cache->set_max_batch_total_size_bytes(limits_.max_batch_bytes);
    cache->set_symlink_absolute_path_strategy(
        reapi::SymlinkAbsolutePathStrategy::DISALLOWED);
    for (auto* version : {reply->mutable_low_api_version(),
                          reply->mutable_high_api_version()}) {
      version->set_major(2);
    }
    return grpc::Status::OK;
  }

  grpc::Status GetActionResult(grpc::ServerContext* context,
                               const reapi::GetActionResultRequest* request,
                               reapi::ActionResult* reply) override {
    if (grpc::Status s = Authorize(context, Access::kRead); !s.ok()) return s;
    if (grpc::Status s = CheckDigestFunction(request->digest_function());
        !s.ok())
      return s;
    const reapi::Digest& action = request->action_digest();
    if (grpc::Status s = CheckDigest(action, "action_digest"); !s.ok())
      return s;
    auto bytes = store_.Get(Table::kEntries, AcKey(action.hash()));
    if (!bytes.ok())
      return Error(grpc::UNAVAILABLE, std::string(bytes.status().message()));
    if (!bytes->has_value() || !reply->ParseFromString(**bytes)) {
      return Error(grpc::NOT_FOUND, "no result for this action");
    }
    // Never hand out a result whose blobs are gone.
    for (const reapi::Digest* digest : ReferencedDigests(*reply)) {
      if (!CheckDigest(*digest, "").ok() || !HasBlob(*digest)) {
        return Error(grpc::NOT_FOUND, "the result's blobs were evicted");
      }
    }
    Touch(AcKey(action.hash()));
    return grpc::Status::OK;
  }

  grpc::Status UpdateActionResult(
      grpc::ServerContext* context,
      const reapi::UpdateActionResultRequest* request,
      reapi::ActionResult* reply) override {
    if (grpc::Status s = Authorize(context, Access::kWrite); !s.ok()) return s;
    if (grpc::Status s = CheckDigestFunction(request->digest_function());
        !s.ok())
      return s;
    const reapi::Digest& action = request->action_digest();
    if (grpc::Status s = CheckDigest(action, "action_digest"); !s.ok())
      return s;
    const reapi::ActionResult& result = request->action_result();
    std::vector<const reapi::Digest*> digests = ReferencedDigests(result);
    for (const reapi::Digest* digest : digests) {
      if (grpc::Status s = CheckDigest(*digest, "action_result"); !s.ok())
        return s;
    }
    for (const reapi::Digest* digest : digests) {
      if (!HasBlob(*digest)) {
        return Error(
            grpc::FAILED_PRECONDITION,
            absl::StrCat("blob ", digest->hash(), "/", digest->size_bytes(),
                         " of the result is not in the CAS; "
                         "upload blobs first"));
      }
    }
    StoreUpdate update;
    update.put_entry.emplace(AcKey(action.hash()), result.SerializeAsString());
    absl::Status stored = store_.Apply(update);
    if (!stored.ok())
      return Error(grpc::UNAVAILABLE, std::string(stored.message()));
    *reply = result;
    return grpc::Status::OK;
  }

  grpc::Status FindMissingBlobs(
      grpc::ServerContext* context,
      const reapi::FindMissingBlobsRequest* request,
      reapi::FindMissingBlobsResponse* reply) override {
    if (grpc::Status s = Authorize(context, Access::kRead); !s.ok()) return s;
    if (grpc::Status s = CheckDigestFunction(request->digest_function());
        !s.ok())
      return s;
    for (const reapi::Digest& digest : request->blob_digests()) {
      if (grpc::Status s = CheckDigest(digest, "blob_digests"); !s.ok())
        return s;
    }
    for (const reapi::Digest& digest : request->blob_digests()) {
      if (!HasBlob(digest)) *reply->add_missing_blob_digests() = digest;
    }
    return grpc::Status::OK;
  }

  grpc::Status BatchUpdateBlobs(
      grpc::ServerContext* context,
      const reapi::BatchUpdateBlobsRequest* request,
      reapi::BatchUpdateBlobsResponse* reply) override {
    if (grpc::Status s = Authorize(context, Access::kWrite); !s.ok()) return s;
    if (grpc::Status s = CheckDigestFunction(request->digest_function());
        !s.ok())
      return s;
    int64_t total = 0;
    for (const auto& blob : request->requests()) total += blob.data().size();
    if (total > limits_.max_batch_bytes) {
      return Error(grpc::INVALID_ARGUMENT,
                   "batch exceeds max_batch_total_size_bytes; use ByteStream");
    }
    // The blobs are copied into the store's transaction.
    std::optional<ByteBudget::Lease> lease = budget_.TryReserve(total);
    if (!lease) return OverBudget(total);
    for (const auto& blob : request->requests()) {
      auto* response = reply->add_responses();
      *response->mutable_digest() = blob.digest();
      grpc::Status valid = CheckDigest(blob.digest(), "digest");
      absl::Status stored =
          valid.ok() ? PutBlob(blob.digest(), blob.data())
                     : absl::InvalidArgumentError(valid.error_message());
      response->mutable_status()->set_code(static_cast<int>(stored.code()));
      response->mutable_status()->set_message(std::string(stored.message()));
    }
    return grpc::Status::OK;
  }

  grpc::Status BatchReadBlobs(grpc::ServerContext* context,
                              const reapi::BatchReadBlobsRequest* request,
                              reapi::BatchReadBlobsResponse* reply) override {
    if (grpc::Status s = Authorize(context, Access::kRead); !s.ok()) return s;
    if (grpc::Status s = CheckDigestFunction(request->digest_function());
        !s.ok())
      return s;
    for (const reapi::Digest& digest : request->digests()) {
      if (grpc::Status s = CheckDigest(digest, "digests"); !s.ok()) return s;
    }
    // Blobs are served only at their declared sizes, so the reply holds at
    // most the declared total.
    int64_t total = TotalSize(request->digests());
    if (total > limits_.max_batch_bytes) {
      return Error(grpc::INVALID_ARGUMENT,
                   "batch exceeds max_batch_total_size_bytes; use ByteStream");
    }
    std::optional<ByteBudget::Lease> lease = budget_.TryReserve(total);
    if (!lease) return OverBudget(total);
    for (const reapi::Digest& digest : request->digests()) {
      auto* response = reply->add_responses();
      *response->mutable_digest() = digest;
      std::optional<std::string> blob = GetBlob(digest);
      if (!blob) {
        response->mutable_status()->set_code(grpc::NOT_FOUND);
        response->mutable_status()->set_message("blob not found");
      } else {
        response->set_data(std::move(*blob));
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status Read(
      grpc::ServerContext* context,
      const google::bytestream::ReadRequest* request,
      grpc::ServerWriter<google::bytestream::ReadResponse>* writer) override {
    if (grpc::Status s = Authorize(context, Access::kRead); !s.ok()) return s;
    std::unique_ptr<StreamRegistry::Ticket> ticket = streams_.Enter(context);
    if (!ticket) return TooManyStreams();
    reapi::Digest digest;
    if (grpc::Status s = ParseResourceName(request->resource_name(),
                                           ResourceKind::kRead, &digest);
        !s.ok())
      return s;
    // Checked against the declared size before the blob is looked up.
    ReadRange range;
    if (grpc::Status s =
            CheckReadRange(request->read_offset(), request->read_limit(),
                           digest.size_bytes(), &range);
        !s.ok())
      return s;
    if (digest.size_bytes() == 0) return grpc::Status::OK;
    if (!HasBlob(digest)) return Error(grpc::NOT_FOUND, "blob not found");
    Touch(CasKey(digest.hash()));
    google::bytestream::ReadResponse chunk;
    for (int64_t at = range.begin; at < range.end; at += kChunkBytes) {
      int64_t length = std::min(kChunkBytes, range.end - at);
      auto slice = store_.GetSlice(Table::kEntries, CasKey(digest.hash()),
                                   static_cast<uint64_t>(at),
                                   static_cast<uint64_t>(length));
      if (!slice.ok()) {
        return Error(grpc::UNAVAILABLE, std::string(slice.status().message()));
      }
      if (!slice->has_value() ||
          static_cast<int64_t>((*slice)->size) != digest.size_bytes() ||
          static_cast<int64_t>((*slice)->bytes.size()) != length) {
        return Error(grpc::NOT_FOUND, "blob evicted while being read");
      }
      *chunk.mutable_data() = std::move((*slice)->bytes);
      if (!writer->Write(chunk)) break;
      ticket->Touch();
    }
    if (ticket->timed_out()) return IdleTimeout();
    return grpc::Status::OK;
  }

  grpc::Status Write(
      grpc::ServerContext* context,
      grpc::ServerReader<google::bytestream::WriteRequest>* reader,
      google::bytestream::WriteResponse* reply) override {
    if (grpc::Status s = Authorize(context, Access::kWrite); !s.ok()) return s;
    std::unique_ptr<StreamRegistry::Ticket> ticket = streams_.Enter(context);
    if (!ticket) return TooManyStreams();
    google::bytestream::WriteRequest chunk;
    std::string resource, data;
    reapi::Digest digest;
    std::optional<ByteBudget::Lease> lease;
    bool started = false, finished = false;
    while (!finished && reader->Read(&chunk)) {
      ticket->Touch();
      if (!started) {
        started = true;
        resource = chunk.resource_name();
        if (grpc::Status s =
                ParseResourceName(resource, ResourceKind::kUpload, &digest);
            !s.ok())
          return s;
        int64_t size = digest.size_bytes();
        if (size > std::min(kMaxBlobBytes, budget_.limit())) {
          return Error(
              grpc::RESOURCE_EXHAUSTED,
              absl::StrCat("blob of ", size,
                           " bytes is larger than this server takes (",
                           std::min(kMaxBlobBytes, budget_.limit()), ")"));
        }
        // A blob already present needs no bytes: the spec lets the server
        // answer at once with the full size.
        if (HasBlob(digest)) {
          reply->set_committed_size(size);
          return grpc::Status::OK;
        }
        lease = budget_.TryReserve(size);
        if (!lease) return OverBudget(size);
        data.reserve(static_cast<size_t>(size));
      } else if (!chunk.resource_name().empty() &&
                 chunk.resource_name() != resource) {
        return Error(grpc::INVALID_ARGUMENT,
                     "resource_name changed within one upload");
      }
      if (chunk.write_offset() != static_cast<int64_t>(data.size())) {
        return Error(grpc::INVALID_ARGUMENT,
                     absl::StrCat("write_offset ", chunk.write_offset(),
                                  ", expected ", data.size()));
      }
      if (static_cast<int64_t>(chunk.data().size()) >
          digest.size_bytes() - static_cast<int64_t>(data.size())) {
        return Error(grpc::INVALID_ARGUMENT,
                     "more data than the digest's size");
      }
      data += chunk.data();
      finished = chunk.finish_write();
    }
    if (ticket->timed_out()) return IdleTimeout();
    if (!finished) return Error(grpc::INVALID_ARGUMENT, "upload not finished");
    absl::Status stored = PutBlob(digest, std::move(data));
    if (!stored.ok()) {
      return Error(static_cast<grpc::StatusCode>(stored.code()),
                   std::string(stored.message()));
    }
    reply->set_committed_size(digest.size_bytes());
    return grpc::Status::OK;
  }

 private:
  // Bearer-token check for a call that needs `access`; `may_write` (if
  // given) learns the token's rights.
  grpc::Status Authorize(grpc::ServerContext* context, Access access,
                         bool* may_write = nullptr) {
    if (!tokens_) {
      if (may_write) *may_write = true;
      return grpc::Status::OK;
    }
    auto header = context->client_metadata().find("authorization");
    if (header == context->client_metadata().end()) {
      return Error(grpc::UNAUTHENTICATED, "a bearer token is required");
    }
    std::string value(header->second.data(), header->second.size());
    if (!absl::StartsWith(value, "Bearer ")) {
      return Error(grpc::UNAUTHENTICATED, "a bearer token is required");
    }
    auto token = tokens_->find(value.substr(7));
    if (token == tokens_->end()) {
      return Error(grpc::UNAUTHENTICATED, "unknown token");
    }
    if (may_write) *may_write = token->second;
    if (access == Access::kWrite && !token->second) {
      return Error(grpc::PERMISSION_DENIED, "this token may only read");
    }
    return grpc::Status::OK;
  }

  grpc::Status OverBudget(int64_t bytes) {
    return Error(grpc::RESOURCE_EXHAUSTED,
                 absl::StrCat("the server holds ", budget_.in_use(), " of its ",
                              budget_.limit(), " in-flight bytes; ", bytes,
                              " more do not fit now, retry later"));
  }
  grpc::Status TooManyStreams() {
    return Error(grpc::RESOURCE_EXHAUSTED,
                 absl::StrCat("the server has its ", streams_.max_streams(),
                              " ByteStream calls open; retry later"));
  }
  grpc::Status IdleTimeout() {
    return Error(grpc::DEADLINE_EXCEEDED,
                 absl::StrCat("no data for ",
                              absl::FormatDuration(streams_.idle_timeout()),
                              "; the stream was closed"));
  }

  // `digest` has been checked. The empty blob always exists; any other is
  // present only at exactly its declared size.
  bool HasBlob(const reapi::Digest& digest) {
    if (digest.size_bytes() == 0) return true;
    auto slice = store_.GetSlice(Table::kEntries, CasKey(digest.hash()), 0, 0);
    return slice.ok() && slice->has_value() &&
           static_cast<int64_t>((*slice)->size) == digest.size_bytes();
  }

  // The blob at its declared size, never bigger: sized before it is copied.
  std::optional<std::string> GetBlob(const reapi::Digest& digest) {
    if (digest.size_bytes() == 0) return std::string();
    if (!HasBlob(digest)) return std::nullopt;
    auto bytes = store_.Get(Table::kEntries, CasKey(digest.hash()));
    if (!bytes.ok() || !bytes->has_value() ||
        static_cast<int64_t>((*bytes)->size()) != digest.size_bytes()) {
      return std::nullopt;
    }
    Touch(CasKey(digest.hash()));
    return std::move(**bytes);
  }

  absl::Status PutBlob(const reapi::Digest& digest, std::string data) {
    reapi::Digest actual = DigestOf(data);
    if (actual.hash() != digest.hash() ||
        actual.size_bytes() != digest.size_bytes()) {
      return absl::InvalidArgumentError("data does not match its digest");
    }
    if (data.empty()) return absl::OkStatus();
    StoreUpdate update;
    update.stats.stores = 1;
    update.stats.bytes_written = data.size();
    update.put_entry.emplace(CasKey(digest.hash()), std::move(data));
    return store_.Apply(update);
  }

  void Touch(const std::string& key) {
    StoreUpdate update;
    update.touch_entry = key;
    store_.Apply(update).IgnoreError();
  }

  Store& store_;
  StreamRegistry& streams_;
  ReapiServerOptions options_;
  const ReapiServerLimits limits_;
  ByteBudget budget_;
  std::optional<std::map<std::string, bool>> tokens_;
};

absl::StatusOr<std::unique_ptr<ReapiServer>> ReapiServer::Start(
    const ReapiServerOptions& options) {
  std::unique_ptr<ReapiServer> server(new ReapiServer());
  auto store = LmdbStore::Open(options.cache_dir, options.policy);
  if (!store.ok()) return store.status();
  server->store_ = std::move(*store);

  std::optional<std::map<std::string, bool>> tokens;
  if (!options.token_file.empty()) {
    auto text = ReadWholeFile(options.token_file);
    if (!text.ok()) return text.status();
    auto parsed = ParseTokenFile(*text);
    if (!parsed.ok()) return parsed.status();
    if (parsed->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(options.token_file, ": no tokens"));
    }
    tokens = std::move(*parsed);
  }
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (!options.tls_cert_file.empty()) {
    auto cert = ReadWholeFile(options.tls_cert_file);
    if (!cert.ok()) return cert.status();
    auto key = ReadWholeFile(options.tls_key_file);
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  } else {
    credentials = grpc::InsecureServerCredentials();
  }
  const ReapiServerLimits& limits = options.limits;
  if (limits.max_batch_bytes <= 0 || limits.max_inflight_bytes <= 0 ||
      limits.max_streams <= 0 ||
      limits.stream_idle_timeout <= absl::ZeroDuration() ||
      limits.connection_idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("cache server limits must be positive");
  }
  server->streams_ = std::make_unique<StreamRegistry>(
      limits.max_streams, limits.stream_idle_timeout);
  server->services_ = std::make_unique<Services>(
      *server->store_, *server->streams_, options, std::move(tokens));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.address, credentials, &server->port_);
  // Threads: a call beyond the quota is answered RESOURCE_EXHAUSTED by
  // gRPC itself. Messages: a full batch and its framing, either way.
  grpc::ResourceQuota quota("helperlink-cache-server");
  quota.SetMaxThreads(limits.ThreadQuota());
  builder.SetResourceQuota(quota);
  int message_bytes =
      static_cast<int>(std::min<int64_t>(limits.MaxMessageBytes(), INT32_MAX));
  builder.SetMaxReceiveMessageSize(message_bytes);
  builder.SetMaxSendMessageSize(message_bytes);
  auto millis = [](absl::Duration d) {
    return static_cast<int>(
        std::min<int64_t>(absl::ToInt64Milliseconds(d), INT32_MAX));
  };
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             millis(limits.connection_idle_timeout));
  // Dead peers are found by keepalive pings, so their calls end.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  builder.RegisterService(
      static_cast<reapi::ActionCache::Service*>(server->services_.get()));
  builder.RegisterService(
      static_cast<reapi::ContentAddressableStorage::Service*>(
          server->services_.get()));
  builder.RegisterService(
      static_cast<reapi::Capabilities::Service*>(server->services_.get()));
  builder.RegisterService(static_cast<google::bytestream::ByteStream::Service*>(
      server->services_.get()));
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat(options.address, ": cannot listen"));
  }
  return server;
}

ReapiServer::~ReapiServer() {
  if (server_) server_->Shutdown();
  server_.reset();
  services_.reset();
  streams_.reset();
}

void ReapiServer::Wait() { server_->Wait(); }

void ReapiServer::Shutdown() {
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::seconds(10));
}

}  // namespace helperlink
