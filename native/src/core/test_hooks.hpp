// Test-only fault hooks: named kill points for the fault campaign (test/faults, docs/FAULTS.md).
//
// MODEL_CACHE_TEST_KILL=name[:nth] makes the process raise SIGKILL on itself the nth time (default 1st)
// the named point is reached. The variable is read once, when the library loads; when it is unset a
// kill point costs one load of a cached flag and a predictable branch, nothing else.
// MODEL_CACHE_TEST_KILL_TRACE=1 also prints "kill-point <name> <n>" to stderr at every point reached
// (the harness uses it to list the points an operation passes).
#pragma once

namespace mc::test {

namespace detail {
extern const bool kill_armed;  // MODEL_CACHE_TEST_KILL or MODEL_CACHE_TEST_KILL_TRACE was set at load
void reach(const char* name) noexcept;
}  // namespace detail

/** A named point where the fault campaign may kill the process (docs/FAULTS.md lists them). */
inline void kill_point(const char* name) noexcept {
  if (__builtin_expect(detail::kill_armed, false)) detail::reach(name);
}

}  // namespace mc::test
