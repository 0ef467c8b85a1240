#include "node/util/args.hpp"

#include "node/util/errors.hpp"

namespace mc::node {

bool GetString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out) {
  if (!info[i].IsString()) {
    ThrowTypeError(info.Env(), std::string(name) + " must be a string");
    return false;
  }
  *out = info[i].As<Napi::String>().Utf8Value();
  return true;
}

bool GetBytes(const Napi::CallbackInfo& info, size_t i, const char* name, const uint8_t** data, size_t* len) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowTypeError(info.Env(), std::string(name) + " must be a Uint8Array or Buffer");
    return false;
  }
  auto arr = info[i].As<Napi::Uint8Array>();
  *data = arr.Data();
  *len = arr.ByteLength();
  return true;
}

static bool ToUint(Napi::Env env, Napi::Value v, const char* name, uint64_t max, uint64_t* out) {
  if (!v.IsNumber()) {
    ThrowTypeError(env, std::string(name) + " must be a number");
    return false;
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != double(uint64_t(d)) || d > double(max) || d > 9007199254740991.0) {
    Napi::Error err = Napi::RangeError::New(env, std::string(name) + " must be an integer in 0.." + std::to_string(max));
    err.Set("code", Napi::String::New(env, "ERR_OUT_OF_RANGE"));
    err.ThrowAsJavaScriptException();
    return false;
  }
  *out = uint64_t(d);
  return true;
}

bool GetUint(const Napi::CallbackInfo& info, size_t i, const char* name, uint64_t max, uint64_t* out) {
  return ToUint(info.Env(), info[i], name, max, out);
}

bool GetOptUint(Napi::Object obj, const char* name, uint64_t max, std::optional<uint64_t>* out) {
  Napi::Value v = obj.Get(name);
  if (v.IsUndefined() || v.IsNull()) return true;
  uint64_t n;
  if (!ToUint(obj.Env(), v, name, max, &n)) return false;
  *out = n;
  return true;
}

bool GetOptString(Napi::Object obj, const char* name, std::optional<std::string>* out) {
  Napi::Value v = obj.Get(name);
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsString()) {
    ThrowTypeError(obj.Env(), std::string(name) + " must be a string");
    return false;
  }
  *out = v.As<Napi::String>().Utf8Value();
  return true;
}

bool GetOptBool(Napi::Object obj, const char* name, bool* out) {
  Napi::Value v = obj.Get(name);
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsBoolean()) {
    ThrowTypeError(obj.Env(), std::string(name) + " must be a boolean");
    return false;
  }
  *out = v.As<Napi::Boolean>().Value();
  return true;
}

bool ParseHex(const std::string& s, uint8_t* out, size_t n) {
  if (s.size() != 2 * n) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < n; i++) {
    int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = uint8_t(hi << 4 | lo);
  }
  return true;
}

bool GetOptions(const Napi::CallbackInfo& info, size_t i, Napi::Object* out) {
  if (info[i].IsUndefined() || info[i].IsNull()) {
    *out = Napi::Object::New(info.Env());
    return true;
  }
  if (!info[i].IsObject()) {
    ThrowTypeError(info.Env(), "options must be an object");
    return false;
  }
  *out = info[i].As<Napi::Object>();
  return true;
}

}  // namespace mc::node
