// Early-return helpers for absl::Status and absl::StatusOr, used across the
// project so error paths read as one line each.
#ifndef HELPERLINK_STATUS_MACROS_H_
#define HELPERLINK_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define HL_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status hl_status_ = (expr);      \
    if (!hl_status_.ok()) return hl_status_; \
  } while (0)

#define HL_CONCAT_INNER_(a, b) a##b
#define HL_CONCAT_(a, b) HL_CONCAT_INNER_(a, b)

#define HL_ASSIGN_OR_RETURN(lhs, expr) \
  HL_ASSIGN_OR_RETURN_IMPL_(HL_CONCAT_(hl_statusor_, __LINE__), lhs, expr)

#define HL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // HELPERLINK_STATUS_MACROS_H_
