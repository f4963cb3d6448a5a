// The thin client's admin commands, parsed with invocation/flags:
//   helperlink --status | --stats [--json] | --zero-stats [--json] | --stop
//   helperlink --explain OUT.o
// The first argument names the command; what may follow depends on it.
// Errors are one line (INVALID_ARGUMENT) naming the command and the
// argument; the main prints them as "helperlink: ..." and exits 1.
#ifndef HELPERLINK_CLIENT_ADMIN_ARGS_H_
#define HELPERLINK_CLIENT_ADMIN_ARGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace helperlink {

enum class AdminVerb {
  kStatus,     // the daemon's state
  kStats,      // the daemon's and the local cache's counters
  kZeroStats,  // the same, then zeroes them
  kStop,       // stops the daemon (nothing running is not an error)
  kExplain,    // why the last build of an output missed the cache
};

enum class AdminFormat { kText, kJson };

struct AdminCommand {
  AdminVerb verb = AdminVerb::kStatus;
  // --json; only --stats and --zero-stats take it.
  AdminFormat format = AdminFormat::kText;
  // --explain's OUT.o; "" for the other commands.
  std::string output;
};

// Whether `args` (without the program name) starts with an admin command,
// so that the main parses it with ParseAdminCommand rather than as an
// object's command line.
bool IsAdminCommand(const std::vector<std::string>& args);

// Parses `args` (without the program name; args[0] is the command).
absl::StatusOr<AdminCommand> ParseAdminCommand(
    const std::vector<std::string>& args);

// The usage lines of the admin commands.
std::string AdminUsage();

}  // namespace helperlink

#endif  // HELPERLINK_CLIENT_ADMIN_ARGS_H_
