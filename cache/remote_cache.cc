// REAPI v2 remote cache client; the mapping of objects to Actions is in
// remote_cache.h.
#include "cache/remote_cache.h"

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "cache/sha256.h"
#include "grpcpp/grpcpp.h"

namespace helperlink {
namespace {

constexpr int64_t kDefaultMaxBatchBytes = 4 << 20;
constexpr size_t kChunkBytes = 1 << 20;
constexpr char kObjectPath[] = "out.o";
constexpr char kReportPath[] = "report.pb";  // serialized helperlink.v1.Report

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(
      static_cast<absl::StatusCode>(status.error_code()),
      absl::StrCat("remote cache: ", what, ": ", status.error_message()));
}

std::string Deterministic(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

std::string Uuid4() {
  std::random_device random;
  std::mt19937_64 generator((static_cast<uint64_t>(random()) << 32) ^ random());
  uint64_t hi = generator(), lo = generator();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32,
                         (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                         lo & 0xffffffffffffULL);
}

std::string ResourcePrefix(const std::string& instance) {
  return instance.empty() ? "" : instance + "/";
}

// The REAPI v2 client: one channel, the four services' stubs, and the
// server's batch limit once it has named one.
class ReapiRemoteCache final : public RemoteCache {
 public:
  explicit ReapiRemoteCache(RemoteOptions options)
      : options_(std::move(options)) {}
  // Opens the channel; INVALID_ARGUMENT if the CA file cannot be read.
  absl::Status Connect();

  absl::StatusOr<std::optional<CachedObject>> Lookup(
      const RemoteAction& action) override;
  absl::Status Upload(const RemoteAction& action,
                      const CachedObject& entry) override;
  const RemoteOptions& options() const override { return options_; }
  RemoteStats& stats() override { return stats_; }

 private:
  void Prepare(grpc::ClientContext& context, absl::Duration timeout) const;
  int64_t MaxBatchBytes() ABSL_LOCKS_EXCLUDED(mutex_);
  absl::StatusOr<std::optional<std::string>> ReadBlob(
      const reapi::Digest& digest);
  absl::Status WriteBlobs(const std::vector<std::string>& blobs);

  const RemoteOptions options_;
  // Set once by Connect(), before the cache is shared; the stubs are
  // thread-safe.
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<reapi::ActionCache::Stub> action_cache_;
  std::unique_ptr<reapi::ContentAddressableStorage::Stub> cas_;
  std::unique_ptr<reapi::Capabilities::Stub> capabilities_;
  std::unique_ptr<google::bytestream::ByteStream::Stub> bytestream_;
  // Guards only the remembered limit, never held across a call.
  absl::Mutex mutex_;
  int64_t max_batch_bytes_ ABSL_GUARDED_BY(mutex_) = -1;  // -1: not asked yet
  RemoteStats stats_;                                     // atomics
};

}  // namespace

absl::Status CheckRemoteUrl(const std::string& url) {
  if (absl::StartsWith(url, "grpc://") || absl::StartsWith(url, "grpcs://")) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("remote cache URL '", url,
                   "': use grpc://HOST:PORT or grpcs://HOST:PORT"));
}

RemoteSettings ReadRemoteSettings(
    const std::function<const char*(const char*)>& getenv) {
  auto get = [&](const char* name) {
    const char* value = getenv(name);
    return std::string(value ? value : "");
  };
  RemoteSettings settings;
  settings.url = get("HELPERLINK_REMOTE");
  settings.instance = get("HELPERLINK_REMOTE_INSTANCE");
  settings.token_file = get("HELPERLINK_REMOTE_TOKEN_FILE");
  settings.ca_file = get("HELPERLINK_REMOTE_CA_FILE");
  settings.write = get("HELPERLINK_REMOTE_WRITE") == "1";
  double seconds = 0;
  if (absl::SimpleAtod(get("HELPERLINK_REMOTE_TIMEOUT"), &seconds) &&
      seconds > 0) {
    settings.timeout_ms = static_cast<uint32_t>(seconds * 1000);
  }
  return settings;
}

absl::StatusOr<RemoteOptions> ToRemoteOptions(const RemoteSettings& settings) {
  absl::Status url = CheckRemoteUrl(settings.url);
  if (!url.ok()) return url;
  RemoteOptions options;
  options.url = settings.url;
  options.instance_name = settings.instance;
  options.ca_file = settings.ca_file;
  options.write = settings.write;
  if (settings.timeout_ms > 0) {
    options.timeout = absl::Milliseconds(settings.timeout_ms);
  }
  if (!settings.token_file.empty()) {
    std::ifstream file(settings.token_file);
    if (!file) {
      return absl::InvalidArgumentError(absl::StrCat(
          settings.token_file, ": cannot read the remote cache token file"));
    }
    std::stringstream text;
    text << file.rdbuf();
    options.token = std::string(absl::StripAsciiWhitespace(text.str()));
  }
  return options;
}

reapi::Digest DigestOf(absl::string_view blob) {
  reapi::Digest digest;
  digest.set_hash(Sha256Hex(blob));
  digest.set_size_bytes(static_cast<int64_t>(blob.size()));
  return digest;
}

RemoteAction MakeRemoteAction(const KeyInputs& inputs, uint64_t crate_size,
                              const std::vector<uint64_t>& helper_sizes) {
  reapi::Command command;
  for (const std::string& arg :
       {std::string("helperlink"), std::string("--mode"),
        std::string(ModeName(inputs.mode)), std::string("--policy"),
        inputs.policy, std::string("--tool"), inputs.tool,
        std::string("--llvm"), inputs.llvm, std::string("--")}) {
    command.add_arguments(arg);
  }
  for (const std::string& flag : inputs.flags) command.add_arguments(flag);
  for (const char* path : {kObjectPath, kReportPath}) {
    command.add_output_files(path);
    command.add_output_paths(path);
  }

  reapi::Directory root;
  reapi::FileNode* crate = root.add_files();
  crate->set_name("crate.bc");
  crate->mutable_digest()->set_hash(inputs.crate_digest);
  crate->mutable_digest()->set_size_bytes(static_cast<int64_t>(crate_size));
  for (size_t i = 0; i < inputs.helper_digests.size(); ++i) {
    reapi::FileNode* helper = root.add_files();
    helper->set_name(absl::StrCat("helpers-", i, ".bc"));
    helper->mutable_digest()->set_hash(inputs.helper_digests[i]);
    helper->mutable_digest()->set_size_bytes(
        i < helper_sizes.size() ? static_cast<int64_t>(helper_sizes[i]) : 0);
  }

  reapi::Action action;
  *action.mutable_command_digest() = DigestOf(Deterministic(command));
  *action.mutable_input_root_digest() = DigestOf(Deterministic(root));
  action.set_salt(absl::StrCat("helperlink-cache-", kCacheFormatVersion));
  return RemoteAction{DigestOf(Deterministic(action)),
                      TargetOfCompilerFlags(inputs.flags)};
}

absl::StatusOr<std::unique_ptr<RemoteCache>> RemoteCache::Create(
    RemoteOptions options) {
  absl::Status url = CheckRemoteUrl(options.url);
  if (!url.ok()) return url;
  auto cache = std::make_unique<ReapiRemoteCache>(std::move(options));
  absl::Status connected = cache->Connect();
  if (!connected.ok()) return connected;
  return std::unique_ptr<RemoteCache>(std::move(cache));
}

absl::Status ReapiRemoteCache::Connect() {
  const RemoteOptions& o = options_;
  bool tls = absl::StartsWith(o.url, "grpcs://");
  std::string target = o.url.substr(tls ? 8 : 7);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (tls) {
    grpc::SslCredentialsOptions ssl;
    if (!o.ca_file.empty()) {
      std::ifstream file(o.ca_file);
      if (!file) {
        return absl::InvalidArgumentError(
            absl::StrCat(o.ca_file, ": cannot read the CA file"));
      }
      std::stringstream pem;
      pem << file.rdbuf();
      ssl.pem_root_certs = pem.str();
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(64 << 20);
  arguments.SetMaxSendMessageSize(64 << 20);
  channel_ = grpc::CreateCustomChannel(target, credentials, arguments);
  action_cache_ = reapi::ActionCache::NewStub(channel_);
  cas_ = reapi::ContentAddressableStorage::NewStub(channel_);
  capabilities_ = reapi::Capabilities::NewStub(channel_);
  bytestream_ = google::bytestream::ByteStream::NewStub(channel_);
  return absl::OkStatus();
}

void ReapiRemoteCache::Prepare(grpc::ClientContext& context,
                               absl::Duration timeout) const {
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(timeout));
  if (!options_.token.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.token);
  }
}

int64_t ReapiRemoteCache::MaxBatchBytes() {
  {
    absl::MutexLock lock(&mutex_);
    if (max_batch_bytes_ >= 0) return max_batch_bytes_;
  }
  // Asked without the lock, so that one slow answer holds up only the
  // request that asked: callers that get here together each ask, and store
  // the same answer.
  grpc::ClientContext context;
  Prepare(context, options_.timeout);
  reapi::GetCapabilitiesRequest request;
  request.set_instance_name(options_.instance_name);
  reapi::ServerCapabilities capabilities;
  grpc::Status status =
      capabilities_->GetCapabilities(&context, request, &capabilities);
  int64_t limit = kDefaultMaxBatchBytes;
  if (status.ok()) {
    int64_t named =
        capabilities.cache_capabilities().max_batch_total_size_bytes();
    // 0 means "no limit", but gRPC messages still have one.
    if (named > 0) limit = std::min(named, kDefaultMaxBatchBytes);
    absl::MutexLock lock(&mutex_);
    max_batch_bytes_ = limit;  // remembered only when the server answered
  }
  return limit;
}

absl::StatusOr<std::optional<std::string>> ReapiRemoteCache::ReadBlob(
    const reapi::Digest& digest) {
  if (digest.size_bytes() == 0) return std::optional<std::string>("");
  std::string data;
  if (digest.size_bytes() <= MaxBatchBytes()) {
    grpc::ClientContext context;
    Prepare(context, options_.timeout);
    reapi::BatchReadBlobsRequest request;
    request.set_instance_name(options_.instance_name);
    request.set_digest_function(reapi::DigestFunction::SHA256);
    *request.add_digests() = digest;
    reapi::BatchReadBlobsResponse response;
    absl::Status status = FromGrpc(
        cas_->BatchReadBlobs(&context, request, &response), "BatchReadBlobs");
    if (!status.ok()) return status;
    if (response.responses_size() != 1) {
      return absl::DataLossError("remote cache: BatchReadBlobs: bad response");
    }
    const auto& blob = response.responses(0);
    if (blob.status().code() == grpc::StatusCode::NOT_FOUND) {
      return std::optional<std::string>();
    }
    if (blob.status().code() != 0) {
      return absl::UnavailableError(absl::StrCat(
          "remote cache: BatchReadBlobs: ", blob.status().message()));
    }
    data = blob.data();
  } else {
    grpc::ClientContext context;
    Prepare(context,
            options_.timeout + absl::Seconds(digest.size_bytes() >> 20));
    google::bytestream::ReadRequest request;
    request.set_resource_name(
        absl::StrCat(ResourcePrefix(options_.instance_name), "blobs/",
                     digest.hash(), "/", digest.size_bytes()));
    auto reader = bytestream_->Read(&context, request);
    google::bytestream::ReadResponse chunk;
    while (reader->Read(&chunk)) {
      data += chunk.data();
      if (static_cast<int64_t>(data.size()) > digest.size_bytes()) break;
    }
    grpc::Status status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      return std::optional<std::string>();
    }
    absl::Status converted = FromGrpc(status, "ByteStream.Read");
    if (!converted.ok() &&
        static_cast<int64_t>(data.size()) <= digest.size_bytes()) {
      return converted;
    }
  }
  stats_.bytes_downloaded += data.size();
  return std::optional<std::string>(std::move(data));
}

absl::StatusOr<std::optional<CachedObject>> ReapiRemoteCache::Lookup(
    const RemoteAction& action) {
  grpc::ClientContext context;
  Prepare(context, options_.timeout);
  reapi::GetActionResultRequest request;
  request.set_instance_name(options_.instance_name);
  *request.mutable_action_digest() = action.action_digest;
  request.set_digest_function(reapi::DigestFunction::SHA256);
  reapi::ActionResult result;
  grpc::Status status =
      action_cache_->GetActionResult(&context, request, &result);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
    ++stats_.misses;
    return std::optional<CachedObject>();
  }
  if (!status.ok()) {
    ++stats_.errors;
    return FromGrpc(status, "GetActionResult");
  }
  const reapi::Digest* object_digest = nullptr;
  const reapi::Digest* report_digest = nullptr;
  for (const reapi::OutputFile& file : result.output_files()) {
    if (file.path() == kObjectPath) object_digest = &file.digest();
    if (file.path() == kReportPath) report_digest = &file.digest();
  }
  auto miss_corrupt = [&] {
    ++stats_.corrupt;
    ++stats_.misses;
    return std::optional<CachedObject>();
  };
  if (!object_digest || !report_digest) return miss_corrupt();
  CachedObject entry;
  std::string report;
  for (auto [digest, out] : {std::make_pair(object_digest, &entry.object),
                             std::make_pair(report_digest, &report)}) {
    absl::StatusOr<std::optional<std::string>> blob = ReadBlob(*digest);
    if (!blob.ok()) {
      ++stats_.errors;
      return blob.status();
    }
    // A result whose blob is gone, or whose bytes do not hash to their
    // digest, is a miss: never a wrong object.
    if (!blob->has_value()) return miss_corrupt();
    reapi::Digest actual = DigestOf(**blob);
    if (actual.hash() != digest->hash() ||
        actual.size_bytes() != digest->size_bytes()) {
      return miss_corrupt();
    }
    *out = std::move(**blob);
  }
  // Whatever the writer claimed, only a relocatable object for this target
  // is ever handed out as one.
  if (!CheckRelocatableObject(entry.object, action.target).ok() ||
      !entry.report.ParseFromString(report)) {
    return miss_corrupt();
  }
  ++stats_.hits;
  return std::optional<CachedObject>(std::move(entry));
}

absl::Status ReapiRemoteCache::WriteBlobs(
    const std::vector<std::string>& blobs) {
  // Which blobs does the server lack?
  grpc::ClientContext find_context;
  Prepare(find_context, options_.upload_timeout);
  reapi::FindMissingBlobsRequest find;
  find.set_instance_name(options_.instance_name);
  find.set_digest_function(reapi::DigestFunction::SHA256);
  for (const std::string& blob : blobs)
    *find.add_blob_digests() = DigestOf(blob);
  reapi::FindMissingBlobsResponse missing;
  absl::Status status =
      FromGrpc(cas_->FindMissingBlobs(&find_context, find, &missing),
               "FindMissingBlobs");
  if (!status.ok()) return status;

  int64_t limit = MaxBatchBytes();
  reapi::BatchUpdateBlobsRequest batch;
  batch.set_instance_name(options_.instance_name);
  batch.set_digest_function(reapi::DigestFunction::SHA256);
  int64_t batch_bytes = 0;
  for (const reapi::Digest& want : missing.missing_blob_digests()) {
    const std::string* blob = nullptr;
    for (const std::string& candidate : blobs) {
      if (static_cast<int64_t>(candidate.size()) == want.size_bytes() &&
          Sha256Hex(candidate) == want.hash()) {
        blob = &candidate;
      }
    }
    if (!blob) continue;
    if (batch_bytes + want.size_bytes() <= limit) {
      auto* request = batch.add_requests();
      *request->mutable_digest() = want;
      request->set_data(*blob);
      batch_bytes += want.size_bytes();
      continue;
    }
    grpc::ClientContext context;
    Prepare(context, options_.upload_timeout);
    google::bytestream::WriteResponse response;
    auto writer = bytestream_->Write(&context, &response);
    std::string resource =
        absl::StrCat(ResourcePrefix(options_.instance_name), "uploads/",
                     Uuid4(), "/blobs/", want.hash(), "/", want.size_bytes());
    bool sent = true;
    for (size_t offset = 0; sent && offset < blob->size();
         offset += kChunkBytes) {
      google::bytestream::WriteRequest chunk;
      if (offset == 0) chunk.set_resource_name(resource);
      chunk.set_write_offset(static_cast<int64_t>(offset));
      chunk.set_data(blob->substr(offset, kChunkBytes));
      chunk.set_finish_write(offset + kChunkBytes >= blob->size());
      sent = writer->Write(chunk);
    }
    writer->WritesDone();
    status = FromGrpc(writer->Finish(), "ByteStream.Write");
    if (!status.ok()) return status;
    stats_.bytes_uploaded += blob->size();
  }
  if (batch.requests_size() > 0) {
    grpc::ClientContext context;
    Prepare(context, options_.upload_timeout);
    reapi::BatchUpdateBlobsResponse response;
    status = FromGrpc(cas_->BatchUpdateBlobs(&context, batch, &response),
                      "BatchUpdateBlobs");
    if (!status.ok()) return status;
    for (const auto& blob : response.responses()) {
      if (blob.status().code() != 0) {
        return absl::UnavailableError(absl::StrCat(
            "remote cache: BatchUpdateBlobs: ", blob.status().message()));
      }
    }
    stats_.bytes_uploaded += batch_bytes;
  }
  return absl::OkStatus();
}

absl::Status ReapiRemoteCache::Upload(const RemoteAction& action,
                                      const CachedObject& entry) {
  if (!options_.write) {
    return absl::FailedPreconditionError(
        "remote cache is read-only (set HELPERLINK_REMOTE_WRITE=1 to upload)");
  }
  const std::string report = entry.report.SerializeAsString();
  absl::Status status = WriteBlobs({entry.object, report});
  if (status.ok()) {
    grpc::ClientContext context;
    Prepare(context, options_.upload_timeout);
    reapi::UpdateActionResultRequest request;
    request.set_instance_name(options_.instance_name);
    request.set_digest_function(reapi::DigestFunction::SHA256);
    *request.mutable_action_digest() = action.action_digest;
    reapi::ActionResult* result = request.mutable_action_result();
    result->set_exit_code(0);
    for (auto [path, blob] : {std::make_pair(kObjectPath, &entry.object),
                              std::make_pair(kReportPath, &report)}) {
      reapi::OutputFile* file = result->add_output_files();
      file->set_path(path);
      *file->mutable_digest() = DigestOf(*blob);
    }
    reapi::ActionResult stored;
    status =
        FromGrpc(action_cache_->UpdateActionResult(&context, request, &stored),
                 "UpdateActionResult");
  }
  if (status.ok()) {
    ++stats_.uploads;
  } else {
    ++stats_.errors;
  }
  return status;
}

}  // namespace helperlink
