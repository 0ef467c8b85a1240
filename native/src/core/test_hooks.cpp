#include "core/test_hooks.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace mc::test {

namespace {

struct KillSpec {
  std::string name;  // empty: trace only
  unsigned long nth = 1;
  bool trace = false;
  std::atomic<unsigned long> hits{0};
};

KillSpec& spec() {
  static KillSpec s;
  return s;
}

bool parse_env() {
  const char* kill = std::getenv("MODEL_CACHE_TEST_KILL");
  const char* trace = std::getenv("MODEL_CACHE_TEST_KILL_TRACE");
  KillSpec& s = spec();
  s.trace = trace != nullptr && *trace != '\0' && std::strcmp(trace, "0") != 0;
  if (kill != nullptr && *kill != '\0') {
    std::string v(kill);
    size_t colon = v.rfind(':');
    if (colon != std::string::npos) {
      unsigned long n = std::strtoul(v.c_str() + colon + 1, nullptr, 10);
      s.nth = n == 0 ? 1 : n;
      v.resize(colon);
    }
    s.name = v;
  }
  return !s.name.empty() || s.trace;
}

}  // namespace

namespace detail {

const bool kill_armed = parse_env();

void reach(const char* name) noexcept {
  KillSpec& s = spec();
  bool match = !s.name.empty() && s.name == name;
  unsigned long n = match ? s.hits.fetch_add(1) + 1 : 0;
  if (s.trace) {
    char line[160];
    int len = std::snprintf(line, sizeof line, "kill-point %s%s\n", name, match && n == s.nth ? " KILL" : "");
    if (len > 0) (void)!::write(2, line, size_t(len) < sizeof line ? size_t(len) : sizeof line - 1);
  }
  if (match && n == s.nth) ::kill(::getpid(), SIGKILL);
}

}  // namespace detail

}  // namespace mc::test
