// reapi_poison: a malicious cache writer for the integration tests. Given
// the arguments of one object build, it computes that build's REAPI action
// exactly as helperlink does and publishes, with a writer's token, an
// ActionResult whose object is not a relocatable object for the target:
//   reapi_poison PORT TOKEN_FILE KIND REFERENCE.o -- OBJECT_ARGS...
//   KIND = empty | junk | aarch64 | exec | truncated
// REFERENCE.o is a good object for the build: aarch64 and exec are it with
// e_machine or e_type changed, truncated is its first half.
// Connects to 127.0.0.1 only. Prints the action digest.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cache/key.h"
#include "cache/remote_cache.h"
#include "cache/sha256.h"
#include "grpcpp/grpcpp.h"
#include "invocation/cli_args.h"
#include "report.pb.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "reapi_poison: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace helperlink;
  if (argc < 7 || std::string(argv[5]) != "--") {
    return Fail(
        "usage: reapi_poison PORT TOKEN_FILE KIND REFERENCE.o -- "
        "OBJECT_ARGS...");
  }
  std::string port = argv[1], kind = argv[3];
  std::string token(absl::StripAsciiWhitespace(ReadFile(argv[2])));
  std::string reference = ReadFile(argv[4]);
  if (reference.size() < 64) {
    return Fail(absl::StrCat(argv[4], ": not a reference object"));
  }
  std::vector<std::string> object_args(argv + 6, argv + argc);
  auto args = ParseObjectArgs(object_args);
  if (!args.ok()) return Fail(std::string(args.status().message()));

  std::string crate = ReadFile(args->crate);
  std::vector<std::string> digests;
  std::vector<uint64_t> sizes;
  for (const std::string& path : args->helpers) {
    std::string bytes = ReadFile(path);
    digests.push_back(Sha256Hex(bytes));
    sizes.push_back(bytes.size());
  }
  KeyInputs inputs = MakeKeyInputs(args->mode, digests, args->helpers,
                                   args->cc_command, Sha256Hex(crate));
  RemoteAction action = MakeRemoteAction(inputs, crate.size(), sizes);

  std::string object;
  if (kind == "empty") {
    object = "";
  } else if (kind == "junk") {
    object = "#!/bin/sh\necho this is not an object\n";
  } else if (kind == "aarch64") {
    object = reference;
    object[18] = static_cast<char>(183);  // EM_AARCH64 (x86_64 is 62)
  } else if (kind == "exec") {
    object = reference;
    object[16] = 2;  // ET_EXEC
  } else if (kind == "truncated") {
    object = reference.substr(0, reference.size() / 2);
  } else {
    return Fail("KIND is empty, junk, aarch64, exec or truncated");
  }
  // A well-formed report, so that only the object is what the client must
  // refuse.
  v1::Report poisoned;
  poisoned.set_crate("poisoned");
  std::string report = poisoned.SerializeAsString();

  auto channel = grpc::CreateChannel("127.0.0.1:" + port,
                                     grpc::InsecureChannelCredentials());
  auto cas = reapi::ContentAddressableStorage::NewStub(channel);
  auto ac = reapi::ActionCache::NewStub(channel);
  auto prepare = [&](grpc::ClientContext& context) {
    context.AddMetadata("authorization", "Bearer " + token);
  };
  reapi::BatchUpdateBlobsRequest upload;
  for (const std::string* blob : {&object, &report}) {
    if (blob->empty()) continue;  // the empty blob always exists
    auto* entry = upload.add_requests();
    *entry->mutable_digest() = DigestOf(*blob);
    entry->set_data(*blob);
  }
  reapi::BatchUpdateBlobsResponse uploaded;
  grpc::ClientContext upload_context;
  prepare(upload_context);
  grpc::Status status =
      cas->BatchUpdateBlobs(&upload_context, upload, &uploaded);
  if (!status.ok()) return Fail("BatchUpdateBlobs: " + status.error_message());

  reapi::UpdateActionResultRequest request;
  *request.mutable_action_digest() = action.action_digest;
  for (auto [path, blob] : {std::make_pair("out.o", &object),
                            std::make_pair("report.pb", &report)}) {
    auto* file = request.mutable_action_result()->add_output_files();
    file->set_path(path);
    *file->mutable_digest() = DigestOf(*blob);
  }
  reapi::ActionResult stored;
  grpc::ClientContext context;
  prepare(context);
  status = ac->UpdateActionResult(&context, request, &stored);
  if (!status.ok())
    return Fail("UpdateActionResult: " + status.error_message());
  std::printf("%s\n", action.action_digest.hash().c_str());
  return 0;
}
