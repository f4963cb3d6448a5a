// The compiler check; see compiler_probe.h.
#include "invocation/compiler_probe.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "helperlink/millis.h"
#include "invocation/atomic_file.h"

extern char** environ;

namespace helperlink {
namespace {

constexpr char kCacheHeader[] = "helperlink compiler probes 1";
constexpr size_t kMaxRecords = 64;
constexpr int kProbeTimeoutMs = 10000;

const char* KindName(CompilerKind kind) {
  switch (kind) {
    case CompilerKind::kClang:
      return "clang";
    case CompilerKind::kGcc:
      return "gcc";
    case CompilerKind::kOther:
      break;
  }
  return "other";
}

std::optional<CompilerKind> KindFromName(absl::string_view name) {
  if (name == "clang") return CompilerKind::kClang;
  if (name == "gcc") return CompilerKind::kGcc;
  if (name == "other") return CompilerKind::kOther;
  return std::nullopt;
}

// The leading decimal number of `text` ("22.1.8" -> 22), 0 if none.
int LeadingNumber(absl::string_view text) {
  int value = 0;
  size_t i = 0;
  for (; i < text.size() && i < 6 && std::isdigit(uint8_t(text[i])); ++i) {
    value = value * 10 + (text[i] - '0');
  }
  return i == 0 ? 0 : value;
}

std::string Tail(const std::string& text) {
  return std::string(absl::StripAsciiWhitespace(text));
}

// Runs `path --version` (LC_ALL=C, no stdin, stderr dropped) and returns
// its standard output; NOT_FOUND when it cannot be run or fails.
absl::StatusOr<std::string> RunVersion(const std::string& path) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, "LC_ALL=", 7) != 0) env_strings.push_back(*e);
  }
  env_strings.push_back("LC_ALL=C");
  std::vector<char*> env;
  for (std::string& s : env_strings) env.push_back(s.data());
  env.push_back(nullptr);
  std::string arg0 = path, arg1 = "--version";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  int spawned =
      ::posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    return absl::NotFoundError(
        absl::StrCat(path, " cannot be run (", std::strerror(spawned), ")"));
  }
  std::string output;
  SteadyClock::time_point start = SteadyClock::now();
  bool timed_out = false;
  while (output.size() < (1 << 16)) {
    int left = kProbeTimeoutMs - static_cast<int>(MillisSince(start));
    if (left <= 0) {
      timed_out = true;
      break;
    }
    struct pollfd pfd = {pipe_fds[0], POLLIN, 0};
    int ready = ::poll(&pfd, 1, left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    char buffer[4096];
    ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return absl::NotFoundError(
        absl::StrCat(path, " --version did not answer in 10 s"));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::NotFoundError(absl::StrCat(path, " --version failed"));
  }
  return output;
}

std::string Refusal(const std::string& what) {
  int major = EngineLlvmMajor();
  return absl::StrCat(what, ": helperlink links with LLVM ", major,
                      " and can stand in only for clang-", major);
}

std::string CacheFile(const std::string& cache_dir) {
  return absl::StrCat(cache_dir, "/compilers");
}

bool SameIdentity(const CompilerIdentity& a, const CompilerIdentity& b) {
  return a.invoked == b.invoked && a.real == b.real && a.size == b.size &&
         a.mtime_ns == b.mtime_ns;
}

}  // namespace

int EngineLlvmMajor() { return HELPERLINK_LLVM_MAJOR; }

CompilerFacts ParseCompilerVersion(const std::string& output) {
  CompilerFacts facts;
  std::string first = Tail(output.substr(0, output.find('\n')));
  facts.version_line = first.substr(0, 120);
  size_t at = first.find("clang version ");
  if (at != std::string::npos) {
    facts.kind = CompilerKind::kClang;
    facts.major = LeadingNumber(
        absl::string_view(first).substr(at + std::strlen("clang version ")));
    return facts;
  }
  // GCC: "gcc (Debian 12.2.0-14) 12.2.0", then the FSF's copyright.
  if (output.find("Free Software Foundation") != std::string::npos) {
    facts.kind = CompilerKind::kGcc;
    size_t space = first.rfind(' ');
    facts.major = LeadingNumber(
        space == std::string::npos ? first : first.substr(space + 1));
  }
  return facts;
}

absl::StatusOr<CompilerIdentity> IdentifyCompiler(const std::string& command,
                                                  const std::string& path_env) {
  CompilerIdentity id;
  if (command.find('/') != std::string::npos) {
    id.invoked = AbsolutePath(command);
  } else {
    for (absl::string_view dir : absl::StrSplit(path_env, ':')) {
      std::string candidate =
          absl::StrCat(dir.empty() ? "." : dir, "/", command);
      struct stat st;
      if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
          ::access(candidate.c_str(), X_OK) == 0) {
        id.invoked = AbsolutePath(candidate);
        break;
      }
    }
    if (id.invoked.empty()) {
      return absl::NotFoundError(
          absl::StrCat("CC '", command, "' is not found in PATH"));
    }
  }
  char real[PATH_MAX];
  struct stat st;
  errno = 0;
  if (!::realpath(id.invoked.c_str(), real) || ::stat(real, &st) != 0 ||
      !S_ISREG(st.st_mode) || ::access(real, X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(
        "CC '", command, "' cannot be run (", id.invoked, ": ",
        errno ? std::strerror(errno) : "not an executable file", ")"));
  }
  id.real = real;
  id.size = st.st_size;
  id.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  return id;
}

std::string EncodeProbeCache(const std::vector<ProbeRecord>& records) {
  std::string text = absl::StrCat(kCacheHeader, "\n");
  for (const ProbeRecord& r : records) {
    absl::StrAppend(&text, r.identity.size, "\t", r.identity.mtime_ns, "\t",
                    KindName(r.facts.kind), "\t", r.facts.major, "\t",
                    r.facts.version_line, "\t", r.identity.real, "\t",
                    r.identity.invoked, "\n");
  }
  return text;
}

std::vector<ProbeRecord> DecodeProbeCache(const std::string& text) {
  std::vector<ProbeRecord> records;
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (lines.empty() || lines[0] != kCacheHeader) return records;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> fields = absl::StrSplit(lines[i], '\t');
    if (fields.size() != 7) continue;
    ProbeRecord r;
    std::optional<CompilerKind> kind = KindFromName(fields[2]);
    if (!kind || !absl::SimpleAtoi(fields[0], &r.identity.size) ||
        !absl::SimpleAtoi(fields[1], &r.identity.mtime_ns) ||
        !absl::SimpleAtoi(fields[3], &r.facts.major) || fields[5].empty() ||
        fields[6].empty()) {
      continue;
    }
    r.facts.kind = *kind;
    r.facts.version_line = fields[4];
    r.identity.real = fields[5];
    r.identity.invoked = fields[6];
    records.push_back(std::move(r));
  }
  return records;
}

absl::Status CheckCompilerFacts(const CompilerFacts& facts) {
  int major = EngineLlvmMajor();
  if (facts.kind == CompilerKind::kClang && facts.major == major) {
    return absl::OkStatus();
  }
  std::string what;
  if (facts.kind == CompilerKind::kOther) {
    what = absl::StrCat("CC is not clang (its --version says '",
                        facts.version_line, "')");
  } else if (facts.major == 0) {
    what = absl::StrCat("CC is ", KindName(facts.kind),
                        " of an unknown version ('", facts.version_line, "')");
  } else {
    what = absl::StrCat("CC is ", KindName(facts.kind), " ", facts.major);
  }
  return absl::FailedPreconditionError(Refusal(what));
}

absl::Status CheckCompiler(const std::string& command,
                           const CompilerProbeOptions& options) {
  const std::string& cache_dir = options.cache_dir;
  absl::StatusOr<CompilerIdentity> id =
      IdentifyCompiler(command, options.search_path);
  if (!id.ok()) {
    return absl::FailedPreconditionError(
        Refusal(std::string(id.status().message())));
  }
  std::vector<ProbeRecord> records;
  if (!cache_dir.empty()) {
    absl::StatusOr<std::string> text = ReadFileToString(CacheFile(cache_dir));
    if (text.ok()) records = DecodeProbeCache(*text);
  }
  for (const ProbeRecord& r : records) {
    if (SameIdentity(r.identity, *id)) return CheckCompilerFacts(r.facts);
  }
  absl::StatusOr<std::string> output = RunVersion(id->invoked);
  if (!output.ok()) {
    return absl::FailedPreconditionError(
        Refusal(absl::StrCat("CC '", command, "' cannot be probed (",
                             output.status().message(), ")")));
  }
  ProbeRecord record{*id, ParseCompilerVersion(*output)};
  // Tabs and newlines would break the file's lines; such a compiler is
  // simply probed every time.
  bool storable =
      record.identity.invoked.find_first_of("\t\n") == std::string::npos &&
      record.identity.real.find_first_of("\t\n") == std::string::npos;
  for (char& c : record.facts.version_line) {
    if (c == '\t') c = ' ';
  }
  if (!cache_dir.empty() && storable) {
    std::vector<ProbeRecord> kept;
    for (ProbeRecord& r : records) {
      // An older identity of the same command is replaced, not kept.
      if (r.identity.invoked != record.identity.invoked) {
        kept.push_back(std::move(r));
      }
    }
    if (kept.size() >= kMaxRecords) {
      kept.erase(kept.begin(), kept.begin() + (kept.size() - kMaxRecords + 1));
    }
    kept.push_back(record);
    ::mkdir(cache_dir.c_str(), 0700);
    WriteFileAtomically(CacheFile(cache_dir), EncodeProbeCache(kept))
        .IgnoreError();
  }
  return CheckCompilerFacts(record.facts);
}

}  // namespace helperlink
