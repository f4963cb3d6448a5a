// GoogleTest matchers for absl::Status and absl::StatusOr<T>:
//
//   EXPECT_THAT(store.Apply(update), IsOk());
//   EXPECT_THAT(Open(dir), StatusIs(absl::StatusCode::kNotFound));
//   EXPECT_THAT(Parse(text), StatusIs(absl::StatusCode::kInvalidArgument,
//                                     HasSubstr("truncated")));
//
// A mismatch prints the whole status, so a failing test says why.
#ifndef HELPERLINK_TESTS_UTIL_STATUS_MATCHERS_H_
#define HELPERLINK_TESTS_UTIL_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace helperlink::testing {

inline const absl::Status& StatusOf(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const absl::Status& status = StatusOf(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P(StatusIs, code,
          absl::StrCat(negation ? "is not" : "is", " a status with code ",
                       absl::StatusCodeToString(code))) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

MATCHER_P2(
    StatusIs, code, message_matcher,
    absl::StrCat(negation ? "is not" : "is", " a status with code ",
                 absl::StatusCodeToString(code), " and a message that ",
                 ::testing::DescribeMatcher<std::string>(message_matcher))) {
  const absl::Status& status = StatusOf(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::Matches(message_matcher)(std::string(status.message()));
}

}  // namespace helperlink::testing

#endif  // HELPERLINK_TESTS_UTIL_STATUS_MATCHERS_H_
