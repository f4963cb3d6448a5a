// A fake environment for the functions that read one through a getenv-like
// lookup (EnvLookup in cache/cache_dir.h): only what the map holds is set.
#ifndef HELPERLINK_TESTS_UTIL_FAKE_ENV_H_
#define HELPERLINK_TESTS_UTIL_FAKE_ENV_H_

#include <functional>
#include <map>
#include <string>
#include <utility>

namespace helperlink::testing {

inline std::function<const char*(const char*)> FakeEnv(
    std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace helperlink::testing

#endif  // HELPERLINK_TESTS_UTIL_FAKE_ENV_H_
