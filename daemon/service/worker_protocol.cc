// Frames and report conversion for the worker protocol; see
// worker_protocol.h.
#include "daemon/service/worker_protocol.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace helperlink {
namespace {

absl::Status WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(
          absl::StrCat("worker socket: ", std::strerror(errno)));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// Reads exactly `size` bytes; *got says how many arrived before an end.
absl::Status ReadAll(int fd, char* data, size_t size, size_t* got) {
  *got = 0;
  while (*got < size) {
    ssize_t n = ::read(fd, data + *got, size - *got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::UnavailableError(
          absl::StrCat("worker socket: ", std::strerror(errno)));
    }
    if (n == 0) return absl::UnavailableError("worker socket closed");
    *got += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFrame(int fd, const google::protobuf::MessageLite& message) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    return absl::InternalError("worker message does not serialize");
  }
  unsigned char header[8];
  uint64_t size = bytes.size();
  for (int i = 0; i < 8; ++i)
    header[i] = static_cast<unsigned char>(size >> (8 * i));
  absl::Status status =
      WriteAll(fd, reinterpret_cast<const char*>(header), sizeof header);
  if (!status.ok()) return status;
  return WriteAll(fd, bytes.data(), bytes.size());
}

absl::Status ReadFrame(int fd, google::protobuf::MessageLite* message) {
  unsigned char header[8];
  size_t got = 0;
  absl::Status status =
      ReadAll(fd, reinterpret_cast<char*>(header), sizeof header, &got);
  if (!status.ok()) {
    if (got == 0 && absl::IsUnavailable(status)) {
      return absl::OutOfRangeError("worker socket closed");
    }
    return status;
  }
  uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size |= uint64_t{header[i]} << (8 * i);
  if (size > kMaxWorkerFrameBytes) {
    return absl::DataLossError(
        absl::StrCat("worker frame of ", size, " bytes is too large"));
  }
  std::string bytes(size, '\0');
  status = ReadAll(fd, bytes.data(), bytes.size(), &got);
  if (!status.ok()) return status;
  if (!message->ParseFromString(bytes)) {
    return absl::DataLossError("worker frame does not parse");
  }
  return absl::OkStatus();
}

void ReportToProto(const Report& report, worker::v1::Report* out) {
  out->set_crate(report.crate);
  out->set_mode(report.mode);
  out->set_helpers_available(report.helpers_available);
  out->set_helpers_linked(report.helpers_linked);
  out->set_call_sites_found(report.call_sites_found);
  out->set_call_sites_inlined(report.call_sites_inlined);
  out->set_calls_remaining(report.calls_remaining);
  out->set_calls_removed(report.calls_removed);
  for (const NotInlined& miss : report.not_inlined) {
    worker::v1::NotInlined* entry = out->add_not_inlined();
    entry->set_caller(miss.caller);
    entry->set_callee(miss.callee);
    entry->set_reason(miss.reason);
    entry->set_count(miss.count);
  }
  out->set_reconciled_null_pointer_is_valid(
      report.reconciled.null_pointer_is_valid);
  out->set_reconciled_no_builtin(report.reconciled.no_builtin);
  out->set_reconciled_target_features(report.reconciled.target_features);
  out->set_parse_ms(report.times.parse_ms);
  out->set_link_ms(report.times.link_ms);
  out->set_inline_ms(report.times.inline_ms);
  out->set_optimize_ms(report.times.optimize_ms);
  out->set_codegen_ms(report.times.codegen_ms);
  out->set_total_ms(report.times.total_ms);
  out->set_object_bytes(report.object_bytes);
  for (const std::string& warning : report.warnings) out->add_warnings(warning);
}

Report ReportFromProto(const worker::v1::Report& in) {
  Report report;
  report.crate = in.crate();
  report.mode = in.mode();
  report.helpers_available = in.helpers_available();
  report.helpers_linked = in.helpers_linked();
  report.call_sites_found = in.call_sites_found();
  report.call_sites_inlined = in.call_sites_inlined();
  report.calls_remaining = in.calls_remaining();
  report.calls_removed = in.calls_removed();
  for (const worker::v1::NotInlined& entry : in.not_inlined()) {
    report.not_inlined.push_back(
        {entry.caller(), entry.callee(), entry.reason(), entry.count()});
  }
  report.reconciled.null_pointer_is_valid =
      in.reconciled_null_pointer_is_valid();
  report.reconciled.no_builtin = in.reconciled_no_builtin();
  report.reconciled.target_features = in.reconciled_target_features();
  report.times.parse_ms = in.parse_ms();
  report.times.link_ms = in.link_ms();
  report.times.inline_ms = in.inline_ms();
  report.times.optimize_ms = in.optimize_ms();
  report.times.codegen_ms = in.codegen_ms();
  report.times.total_ms = in.total_ms();
  report.object_bytes = in.object_bytes();
  report.warnings.assign(in.warnings().begin(), in.warnings().end());
  return report;
}

}  // namespace helperlink
