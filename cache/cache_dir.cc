// Cache dir resolution and trust; see cache_dir.h.
#include "cache/cache_dir.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace helperlink {
namespace {

bool Set(const char* value) { return value && *value; }

std::string Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof(cwd))) return path;
  return absl::StrCat(cwd, "/", path);
}

// Our home dir from the passwd entry of the effective uid.
absl::StatusOr<std::string> PasswdHome() {
  std::vector<char> buffer(16384);
  struct passwd entry;
  struct passwd* found = nullptr;
  int rc =
      ::getpwuid_r(::geteuid(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0 || !found || !Set(found->pw_dir) || found->pw_dir[0] != '/') {
    return absl::NotFoundError(absl::StrFormat(
        "HOME is not set and uid %d has no home dir in the passwd database",
        ::geteuid()));
  }
  return std::string(found->pw_dir);
}

bool InOurGroups(gid_t gid) {
  if (gid == ::getegid()) return true;
  int count = ::getgroups(0, nullptr);
  if (count <= 0) return false;
  std::vector<gid_t> groups(static_cast<size_t>(count));
  count = ::getgroups(count, groups.data());
  for (int i = 0; i < count; ++i) {
    if (groups[static_cast<size_t>(i)] == gid) return true;
  }
  return false;
}

absl::Status Untrusted(const std::string& path, const std::string& why) {
  return absl::PermissionDeniedError(
      absl::StrCat(path, ": cache dir not trusted: ", why));
}

// Whether the file or dir described by `st` may be trusted under `sharing`.
absl::Status CheckTrust(const std::string& path, const struct stat& st,
                        CacheSharing sharing) {
  uid_t uid = ::geteuid();
  bool is_dir = S_ISDIR(st.st_mode);
  if (st.st_mode & S_IWOTH) {
    return Untrusted(path, absl::StrFormat("writable by others (mode %04o)",
                                           st.st_mode & 07777));
  }
  if (sharing == CacheSharing::kPrivate) {
    if (st.st_uid != uid) {
      return Untrusted(path, absl::StrFormat("belongs to uid %d, not to us "
                                             "(uid %d)",
                                             st.st_uid, uid));
    }
    if (is_dir && (st.st_mode & S_IWGRP)) {
      return Untrusted(
          path, absl::StrFormat("writable by its group (mode %04o; set "
                                "HELPERLINK_CACHE_SHARED=group to share it)",
                                st.st_mode & 07777));
    }
    return absl::OkStatus();
  }
  if (st.st_uid != uid && !InOurGroups(st.st_gid)) {
    return Untrusted(path, absl::StrFormat("belongs to uid %d and group %d, "
                                           "neither ours",
                                           st.st_uid, st.st_gid));
  }
  return absl::OkStatus();
}

// mkdir -p with mode 0700 for every dir created.
absl::Status MakeDirs(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir, ": cache dir is not a directory"));
    }
    return absl::OkStatus();
  }
  size_t slash = dir.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    absl::Status parent = MakeDirs(dir.substr(0, slash));
    if (!parent.ok()) return parent;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(
        absl::StrCat(dir, ": cannot create cache dir: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CacheSharing> ParseCacheSharing(absl::string_view text) {
  if (text.empty() || text == "private") return CacheSharing::kPrivate;
  if (text == "group") return CacheSharing::kGroup;
  return absl::InvalidArgumentError(absl::StrCat(
      "HELPERLINK_CACHE_SHARED: '", text, "' is not 'group' or 'private'"));
}

absl::StatusOr<CacheSettings> CacheSettingsFromEnvironment(
    const EnvLookup& env, const std::string& dir_flag) {
  CacheSettings settings;
  CacheDirSources sources;
  sources.flag = dir_flag.c_str();
  sources.env_dir = env("HELPERLINK_CACHE_DIR");
  sources.xdg_cache_home = env("XDG_CACHE_HOME");
  sources.home = env("HOME");
  absl::StatusOr<std::string> dir = ResolveCacheDir(sources);
  if (dir.ok()) {
    settings.dir = *dir;
  } else {
    settings.why_no_dir = std::string(dir.status().message());
  }
  const char* shared = env("HELPERLINK_CACHE_SHARED");
  absl::StatusOr<CacheSharing> sharing =
      ParseCacheSharing(Set(shared) ? shared : "");
  if (!sharing.ok()) return sharing.status();
  settings.sharing = *sharing;
  const char* policy = env("HELPERLINK_CACHE_POLICY");
  absl::StatusOr<CachePolicy> parsed =
      ParseCachePolicy(Set(policy) ? policy : "");
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("HELPERLINK_CACHE_POLICY: ", parsed.status().message()));
  }
  settings.policy = *parsed;
  return settings;
}

absl::StatusOr<std::string> ResolveCacheDir(const CacheDirSources& sources) {
  if (Set(sources.flag)) return Absolute(sources.flag);
  if (Set(sources.env_dir)) return Absolute(sources.env_dir);
  if (Set(sources.xdg_cache_home)) {
    return Absolute(absl::StrCat(sources.xdg_cache_home, "/helperlink"));
  }
  if (Set(sources.home)) {
    return Absolute(absl::StrCat(sources.home, "/.cache/helperlink"));
  }
  absl::StatusOr<std::string> home = PasswdHome();
  if (!home.ok()) return home.status();
  return absl::StrCat(*home, "/.cache/helperlink");
}

absl::Status PrepareCacheDir(const std::string& dir, CacheSharing sharing) {
  if (dir.empty() || dir[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("'", dir, "': the cache dir must be an absolute path"));
  }
  absl::Status made = MakeDirs(dir);
  if (!made.ok()) return made;
  // The dir itself may be reached through a symlink (~/.cache often is);
  // what it resolves to must be trusted.
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    return absl::UnavailableError(
        absl::StrCat(dir, ": cannot stat: ", std::strerror(errno)));
  }
  absl::Status trusted = CheckTrust(dir, st, sharing);
  if (!trusted.ok()) return trusted;
  // What is inside must be real files and dirs, never links.
  const std::string environment = dir + "/cache.lmdb";
  for (const std::string& path :
       {environment, environment + "/data.mdb", environment + "/lock.mdb"}) {
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;
      return absl::UnavailableError(
          absl::StrCat(path, ": cannot stat: ", std::strerror(errno)));
    }
    bool want_dir = path == environment;
    if (S_ISLNK(st.st_mode) ||
        (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
      return Untrusted(path,
                       want_dir ? "not a directory" : "not a regular file");
    }
    trusted = CheckTrust(path, st, sharing);
    if (!trusted.ok()) return trusted;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<LocalCache>> OpenTrustedCache(
    const std::string& dir, const CachePolicy& policy, CacheSharing sharing) {
  absl::Status prepared = PrepareCacheDir(dir, sharing);
  if (!prepared.ok()) return prepared;
  return LocalCache::Open(dir, policy);
}

}  // namespace helperlink
