// Argument checks for JS_* entry points: each returns false after throwing a TypeError, so entry points
// read `if (!GetString(info, 0, "repo", &repo)) return env.Undefined();`.
#pragma once
#include <napi.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace mc::node {

bool GetString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out);
bool GetBytes(const Napi::CallbackInfo& info, size_t i, const char* name, const uint8_t** data, size_t* len);
bool GetUint(const Napi::CallbackInfo& info, size_t i, const char* name, uint64_t max, uint64_t* out);
/** Optional integer property of an options object (undefined -> nullopt). */
bool GetOptUint(Napi::Object obj, const char* name, uint64_t max, std::optional<uint64_t>* out);
bool GetOptString(Napi::Object obj, const char* name, std::optional<std::string>* out);
bool GetOptBool(Napi::Object obj, const char* name, bool* out);
/** A lowercase or uppercase hex digest of exactly N bytes. */
template <size_t N>
bool GetOptHex(Napi::Object obj, const char* name, std::optional<std::array<uint8_t, N>>* out);
bool ParseHex(const std::string& s, uint8_t* out, size_t n);
/** The options object at position i (undefined -> empty object). */
bool GetOptions(const Napi::CallbackInfo& info, size_t i, Napi::Object* out);

template <size_t N>
bool GetOptHex(Napi::Object obj, const char* name, std::optional<std::array<uint8_t, N>>* out) {
  std::optional<std::string> s;
  if (!GetOptString(obj, name, &s)) return false;
  if (!s) return true;
  std::array<uint8_t, N> bytes;
  if (!ParseHex(*s, bytes.data(), N)) {
    Napi::Error err = Napi::TypeError::New(obj.Env(), std::string(name) + " must be " + std::to_string(2 * N) + " hex digits");
    err.Set("code", Napi::String::New(obj.Env(), "ERR_INVALID_ARG_VALUE"));
    err.ThrowAsJavaScriptException();
    return false;
  }
  *out = bytes;
  return true;
}

}  // namespace mc::node
