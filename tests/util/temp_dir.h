// A scratch directory for one test: made fresh under $TMPDIR (else /tmp)
// and removed, with everything in it, when the TempDir goes away.
//
//   class MyTest : public ::testing::Test {
//    protected:
//     TempDir temp_;
//     const std::string dir_ = temp_.path();
//   };
#ifndef HELPERLINK_TESTS_UTIL_TEMP_DIR_H_
#define HELPERLINK_TESTS_UTIL_TEMP_DIR_H_

#include <string>

#include "absl/strings/string_view.h"

namespace helperlink::testing {

class TempDir {
 public:
  // The directory is named helperlink-PREFIX-XXXXXX. A directory that cannot
  // be made ends the test binary with a line saying why.
  explicit TempDir(absl::string_view prefix = "test");
  // A directory that cannot be removed fails the current test.
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Absolute, without a trailing slash.
  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Path(absl::string_view name) const;

 private:
  std::string path_;
};

}  // namespace helperlink::testing

#endif  // HELPERLINK_TESTS_UTIL_TEMP_DIR_H_
