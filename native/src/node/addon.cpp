// Entry point of the Node addon: module-level functions and the NativeStore and NativeReader classes.
#include <napi.h>

#include "core/crc32c.hpp"
#include "core/errors.hpp"
#include "core/format.hpp"
#include "core/sha1.hpp"
#include "core/sha256.hpp"
#include "mdbx.h"
#include "node/addon.hpp"
#include "node/objects/native-reader.hpp"
#include "node/objects/native-store.hpp"
#include "node/util/args.hpp"
#include "node/util/errors.hpp"

namespace mc::node {
namespace {

// crc32c(data: Uint8Array | string, seed?: number): number
template <uint32_t (*Fn)(uint32_t, const void*, size_t)>
Napi::Value JS_crc32c(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t seed = 0;
  if (info.Length() > 1 && !info[1].IsUndefined() && !GetUint(info, 1, "seed", UINT32_MAX, &seed)) return env.Undefined();
  if (info[0].IsString()) {
    std::string s = info[0].As<Napi::String>().Utf8Value();
    return Napi::Number::New(env, Fn(uint32_t(seed), s.data(), s.size()));
  }
  if (!info[0].IsTypedArray() && !info[0].IsDataView())
    return ThrowTypeError(env, "data must be a string, Buffer, TypedArray or DataView");
  const uint8_t* p;
  size_t n;
  if (info[0].IsDataView()) {
    auto dv = info[0].As<Napi::DataView>();
    p = static_cast<const uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset();
    n = dv.ByteLength();
  } else {
    auto ta = info[0].As<Napi::TypedArray>();
    p = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    n = ta.ByteLength();
  }
  return Napi::Number::New(env, Fn(uint32_t(seed), p, n));
}

// errorTable(): [{ name, value, message }] from MC_ERROR_TABLE in model_cache.h.
Napi::Value JS_errorTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
#define MC_X_JS(name, value, msg)                              \
  {                                                            \
    Napi::Object o = Napi::Object::New(env);                   \
    o.Set("name", Napi::String::New(env, #name));              \
    o.Set("value", Napi::Number::New(env, value));             \
    o.Set("message", Napi::String::New(env, msg));             \
    out.Set(i++, o);                                           \
  }
  MC_ERROR_TABLE(MC_X_JS)
#undef MC_X_JS
  return out;
}

// errorName(code: number): string — the stable name of any code (ours, libmdbx's or errno).
Napi::Value JS_errorName(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) return ThrowTypeError(info.Env(), "code must be a number");
  return Napi::String::New(info.Env(), error_code_name(info[0].As<Napi::Number>().Int32Value()));
}

// setErrorClass(ModelStoreError): errors thrown by the addon become instances of it.
Napi::Value JS_setErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) return ThrowTypeError(info.Env(), "expected a constructor");
  GetAddon(info.Env()).store_error = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value JS_info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("libmdbx", Napi::String::New(env, std::to_string(mdbx_version.major) + "." + std::to_string(mdbx_version.minor) +
                                              "." + std::to_string(mdbx_version.release)));
  o.Set("formatVersion", Napi::Number::New(env, format::kVersion));
  o.Set("abiVersion", Napi::Number::New(env, MC_ABI_VERSION));
  o.Set("crc32c", Napi::String::New(env, crc32c_impl()));
  o.Set("sha256", Napi::String::New(env, Sha256::impl()));
  o.Set("sha1", Napi::String::New(env, Sha1::impl()));
  o.Set("defaultChunkSize", Napi::Number::New(env, format::kDefaultChunkSize));
  o.Set("payloadOffset", Napi::Number::New(env, format::kPayloadOffset));
  return o;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* addon = new Addon();
  env.SetInstanceData<Addon>(addon);  // deleted by Node when this environment is torn down
  Napi::Function store = NativeStore::Init(env);
  addon->native_store = Napi::Persistent(store);
  exports.Set("NativeStore", store);
  Napi::Function reader = NativeReader::Init(env);
  addon->native_reader = Napi::Persistent(reader);
  exports.Set("NativeReader", reader);
  exports.Set("compact", Napi::Function::New<NativeStore::JS_compact>(env, "compact"));
  exports.Set("crc32c", Napi::Function::New<JS_crc32c<crc32c>>(env, "crc32c"));
  exports.Set("crc32cPortable", Napi::Function::New<JS_crc32c<crc32c_portable>>(env, "crc32cPortable"));
  exports.Set("errorTable", Napi::Function::New<JS_errorTable>(env, "errorTable"));
  exports.Set("errorName", Napi::Function::New<JS_errorName>(env, "errorName"));
  exports.Set("setErrorClass", Napi::Function::New<JS_setErrorClass>(env, "setErrorClass"));
  exports.Set("info", Napi::Function::New<JS_info>(env, "info"));
  return exports;
}

}  // namespace mc::node

// NODE_API_MODULE pastes its argument into an identifier: it needs an unqualified name.
static Napi::Object InitModelCache(Napi::Env env, Napi::Object exports) { return mc::node::Init(env, exports); }
NODE_API_MODULE(model_cache, InitModelCache)
