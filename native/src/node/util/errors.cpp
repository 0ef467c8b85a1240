#include "node/util/errors.hpp"

#include "node/addon.hpp"

namespace mc::node {

Napi::Error MakeStoreError(Napi::Env env, const Error& e) {
  Addon& addon = GetAddon(env);
  Napi::String code = Napi::String::New(env, error_code_name(e.rc));
  Napi::String message = Napi::String::New(env, e.message());
  if (!addon.store_error.IsEmpty()) {
    Napi::Object err = addon.store_error.New({code, message, Napi::Number::New(env, e.rc)});
    if (!env.IsExceptionPending()) return Napi::Error(env, err);
    env.GetAndClearPendingException();
  }
  Napi::Error err = Napi::Error::New(env, e.message());
  err.Set("code", code);
  err.Set("errno", Napi::Number::New(env, e.rc));
  return err;
}

Napi::Value ThrowStoreError(Napi::Env env, const Error& e) {
  MakeStoreError(env, e).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowTypeError(Napi::Env env, const std::string& message) {
  Napi::Error err = Napi::TypeError::New(env, message);
  err.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  err.ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace mc::node
