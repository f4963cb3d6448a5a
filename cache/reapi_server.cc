// The REAPI v2 cache server; see reapi_server.h.
#include "cache/reapi_server.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "cache/lmdb_store.h"
#include "cache/remote_cache.h"
#include "cache/sha256.h"
#include "google/bytestream/bytestream.grpc.pb.h"

namespace helperlink {
namespace {

constexpr size_t kChunkBytes = 1 << 20;
// Largest blob a ByteStream upload may announce: bounds server memory.
constexpr int64_t kMaxBlobBytes = int64_t{1} << 30;

// What a call does with the cache, which decides the token it needs.
enum class Access { kRead, kWrite };

std::string CasKey(const std::string& hash) { return "cas:" + hash; }
std::string AcKey(const std::string& hash) { return "ac:" + hash; }

bool ValidHash(const std::string& hash) {
  if (hash.size() != 64) return false;
  for (char c : hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

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

// Parses "[instance/]blobs/HASH/SIZE" or "[instance/]uploads/UUID/blobs/
// HASH/SIZE[/metadata]" into hash and size.
bool ParseResource(const std::string& name, bool upload, std::string* hash,
                   int64_t* size) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  for (size_t i = 0; i + 2 < parts.size(); ++i) {
    if (parts[i] != "blobs") continue;
    if (upload && (i < 2 || parts[i - 2] != "uploads")) continue;
    *hash = parts[i + 1];
    return ValidHash(*hash) && absl::SimpleAtoi(parts[i + 2], size) &&
           *size >= 0;
  }
  return false;
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
  Services(Store& store, const ReapiServerOptions& options,
           std::optional<std::map<std::string, bool>> tokens)
      : store_(store), options_(options), tokens_(std::move(tokens)) {}

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
    cache->set_max_batch_total_size_bytes(options_.max_batch_bytes);
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
    const std::string& hash = request->action_digest().hash();
    if (!ValidHash(hash)) return Error(grpc::INVALID_ARGUMENT, "bad digest");
    auto bytes = store_.Get(Table::kEntries, AcKey(hash));
    if (!bytes.ok())
      return Error(grpc::UNAVAILABLE, std::string(bytes.status().message()));
    if (!bytes->has_value() || !reply->ParseFromString(**bytes)) {
      return Error(grpc::NOT_FOUND, "no result for this action");
    }
    // Never hand out a result whose outputs are gone.
    for (const auto& file : reply->output_files()) {
      if (!HasBlob(file.digest())) {
        return Error(grpc::NOT_FOUND, "the result's outputs were evicted");
      }
    }
    Touch(AcKey(hash));
    return grpc::Status::OK;
  }

  grpc::Status UpdateActionResult(
      grpc::ServerContext* context,
      const reapi::UpdateActionResultRequest* request,
      reapi::ActionResult* reply) override {
    if (grpc::Status s = Authorize(context, Access::kWrite); !s.ok()) return s;
    const std::string& hash = request->action_digest().hash();
    if (!ValidHash(hash)) return Error(grpc::INVALID_ARGUMENT, "bad digest");
    for (const auto& file : request->action_result().output_files()) {
      if (!HasBlob(file.digest())) {
        return Error(grpc::FAILED_PRECONDITION,
                     absl::StrCat("output ", file.path(),
                                  " is not in the CAS; upload blobs first"));
      }
    }
    StoreUpdate update;
    update.put_entry.emplace(AcKey(hash),
                             request->action_result().SerializeAsString());
    absl::Status stored = store_.Apply(update);
    if (!stored.ok())
      return Error(grpc::UNAVAILABLE, std::string(stored.message()));
    *reply = request->action_result();
    return grpc::Status::OK;
  }

  grpc::Status FindMissingBlobs(
      grpc::ServerContext* context,
      const reapi::FindMissingBlobsRequest* request,
      reapi::FindMissingBlobsResponse* reply) override {
    if (grpc::Status s = Authorize(context, Access::kRead); !s.ok()) return s;
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
    int64_t total = 0;
    for (const auto& blob : request->requests()) total += blob.data().size();
    if (total > options_.max_batch_bytes) {
      return Error(grpc::INVALID_ARGUMENT,
                   "batch exceeds max_batch_total_size_bytes; use ByteStream");
    }
    for (const auto& blob : request->requests()) {
      auto* response = reply->add_responses();
      *response->mutable_digest() = blob.digest();
      absl::Status stored = PutBlob(blob.digest(), blob.data());
      response->mutable_status()->set_code(static_cast<int>(stored.code()));
      response->mutable_status()->set_message(std::string(stored.message()));
    }
    return grpc::Status::OK;
  }

  grpc::Status BatchReadBlobs(grpc::ServerContext* context,
                              const reapi::BatchReadBlobsRequest* request,
                              reapi::BatchReadBlobsResponse* reply) override {
    if (grpc::Status s = Authorize(context, Access::kRead); !s.ok()) return s;
    int64_t total = 0;
    for (const auto& digest : request->digests()) total += digest.size_bytes();
    if (total > options_.max_batch_bytes) {
      return Error(grpc::INVALID_ARGUMENT,
                   "batch exceeds max_batch_total_size_bytes; use ByteStream");
    }
    for (const reapi::Digest& digest : request->digests()) {
      auto* response = reply->add_responses();
      *response->mutable_digest() = digest;
      auto blob = GetBlob(digest);
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
    reapi::Digest digest;
    std::string hash;
    int64_t size = 0;
    if (!ParseResource(request->resource_name(), false, &hash, &size)) {
      return Error(grpc::INVALID_ARGUMENT, "bad resource name");
    }
    digest.set_hash(hash);
    digest.set_size_bytes(size);
    auto blob = GetBlob(digest);
    if (!blob) return Error(grpc::NOT_FOUND, "blob not found");
    int64_t offset = request->read_offset();
    if (offset < 0 || offset > static_cast<int64_t>(blob->size())) {
      return Error(grpc::OUT_OF_RANGE, "read_offset out of range");
    }
    int64_t end = static_cast<int64_t>(blob->size());
    if (request->read_limit() > 0)
      end = std::min(end, offset + request->read_limit());
    google::bytestream::ReadResponse chunk;
    for (int64_t at = offset; at < end; at += kChunkBytes) {
      chunk.set_data(
          blob->substr(at, std::min<int64_t>(kChunkBytes, end - at)));
      if (!writer->Write(chunk)) break;
    }
    return grpc::Status::OK;
  }

  grpc::Status Write(
      grpc::ServerContext* context,
      grpc::ServerReader<google::bytestream::WriteRequest>* reader,
      google::bytestream::WriteResponse* reply) override {
    if (grpc::Status s = Authorize(context, Access::kWrite); !s.ok()) return s;
    google::bytestream::WriteRequest chunk;
    std::string hash, data;
    int64_t size = -1;
    bool finished = false;
    while (reader->Read(&chunk)) {
      if (size < 0) {
        if (!ParseResource(chunk.resource_name(), true, &hash, &size)) {
          return Error(grpc::INVALID_ARGUMENT, "bad upload resource name");
        }
        if (size > kMaxBlobBytes) {
          return Error(grpc::RESOURCE_EXHAUSTED, "blob too large");
        }
        data.reserve(static_cast<size_t>(size));
      }
      if (chunk.write_offset() != static_cast<int64_t>(data.size())) {
        return Error(grpc::INVALID_ARGUMENT, "write_offset out of order");
      }
      data += chunk.data();
      if (static_cast<int64_t>(data.size()) > size) {
        return Error(grpc::INVALID_ARGUMENT,
                     "more data than the digest's size");
      }
      if (chunk.finish_write()) {
        finished = true;
        break;
      }
    }
    if (!finished) return Error(grpc::INVALID_ARGUMENT, "upload not finished");
    reapi::Digest digest;
    digest.set_hash(hash);
    digest.set_size_bytes(size);
    absl::Status stored = PutBlob(digest, data);
    if (!stored.ok()) {
      return Error(static_cast<grpc::StatusCode>(stored.code()),
                   std::string(stored.message()));
    }
    reply->set_committed_size(size);
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

  bool HasBlob(const reapi::Digest& digest) {
    if (digest.size_bytes() == 0) return true;  // the empty blob always exists
    auto bytes = store_.Get(Table::kEntries, CasKey(digest.hash()));
    return bytes.ok() && bytes->has_value() &&
           static_cast<int64_t>((*bytes)->size()) == digest.size_bytes();
  }

  std::optional<std::string> GetBlob(const reapi::Digest& digest) {
    if (digest.size_bytes() == 0) return std::string();
    auto bytes = store_.Get(Table::kEntries, CasKey(digest.hash()));
    if (!bytes.ok() || !bytes->has_value()) return std::nullopt;
    Touch(CasKey(digest.hash()));
    return std::move(**bytes);
  }

  absl::Status PutBlob(const reapi::Digest& digest, const std::string& data) {
    reapi::Digest actual = DigestOf(data);
    if (actual.hash() != digest.hash() ||
        actual.size_bytes() != digest.size_bytes()) {
      return absl::InvalidArgumentError("data does not match its digest");
    }
    if (data.empty()) return absl::OkStatus();
    StoreUpdate update;
    update.put_entry.emplace(CasKey(digest.hash()), data);
    update.stats.stores = 1;
    update.stats.bytes_written = data.size();
    return store_.Apply(update);
  }

  void Touch(const std::string& key) {
    StoreUpdate update;
    update.touch_entry = key;
    store_.Apply(update).IgnoreError();
  }

  Store& store_;
  ReapiServerOptions options_;
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
  server->services_ =
      std::make_unique<Services>(*server->store_, options, std::move(tokens));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.address, credentials, &server->port_);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.SetMaxSendMessageSize(64 << 20);
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
}

void ReapiServer::Wait() { server_->Wait(); }

void ReapiServer::Shutdown() {
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::seconds(10));
}

}  // namespace helperlink
