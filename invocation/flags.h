// A small table-driven command-line parser: every flag of helperlink's
// programs (the per-object command line and each helperlinkd mode) is one
// row of a FlagTable, so every program answers the same way to an unknown
// flag, a missing value or a bad one.
//
//   --name VALUE, --name=VALUE   a flag with a value (FlagArity::kValue)
//   -x VALUE, -xVALUE            a one-letter flag with a value
//   --name                       a flag without one (FlagArity::kNone)
//   --                           ends the flags when the table takes a tail
//
// An argument that starts with '-' (other than "-") and names no flag is
// an unknown flag; anything else goes to the table's positional handler.
// Errors are one line naming the flag and the cause.
#ifndef HELPERLINK_INVOCATION_FLAGS_H_
#define HELPERLINK_INVOCATION_FLAGS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace helperlink {

enum class FlagArity { kNone, kValue };

struct FlagSpec {
  std::string name;  // "--jobs" or "-o"
  FlagArity arity = FlagArity::kValue;
  // What the value must be, for "NAME needs WHAT" when it is missing
  // (default "a value").
  std::string needs;
  // Stores the value ("" for kNone); an error is returned as it is.
  std::function<absl::Status(const std::string& value)> set;
};

struct FlagTable {
  std::vector<FlagSpec> flags;
  // Receives each argument that is not a flag; null: such an argument is
  // reported like an unknown flag.
  std::function<absl::Status(const std::string& arg)> positional;
  // Receives what follows "--" (possibly nothing), once, when the table
  // takes a tail and "--" is given; null: "--" is an unknown flag.
  std::function<void(std::vector<std::string> tail)> tail;
  // How an argument naming no flag is reported: "UNKNOWN 'ARG'".
  std::string unknown = "unknown option";
};

// Runs `table` over `args` (without the program name or mode), in order.
absl::Status ParseFlags(const FlagTable& table,
                        const std::vector<std::string>& args);

// Value parsers for flag setters; false when `text` is not a value of the
// kind (nothing is stored then).
// A decimal integer in [min, max].
bool ParseIntInRange(absl::string_view text, int64_t min, int64_t max,
                     int64_t* out);
// A positive byte count, optionally with a K, M or G suffix (powers of 2).
bool ParseByteSize(absl::string_view text, int64_t* out);
// A positive number of seconds, at most 10^6 (fractions allowed).
bool ParsePositiveSeconds(absl::string_view text, absl::Duration* out);

// Setters for the common cases: a bad value gives "NAME needs NEEDS".
// `parse` stores the value and says whether it was one.
FlagSpec ParsedFlag(std::string name, std::string needs,
                    std::function<bool(const std::string& value)> parse);
FlagSpec StringFlag(std::string name, std::string needs, std::string* out);
FlagSpec IntFlag(std::string name, std::string needs, int64_t min, int64_t max,
                 int* out);
FlagSpec ByteSizeFlag(std::string name, std::string needs, int64_t* out);
FlagSpec SecondsFlag(std::string name, std::string needs, absl::Duration* out);
// A flag without a value that sets *out to true.
FlagSpec SwitchFlag(std::string name, bool* out);

}  // namespace helperlink

#endif  // HELPERLINK_INVOCATION_FLAGS_H_
