// Turning core errors into JS exceptions: instances of ModelStoreError (lib/errors.ts) with a stable `code`.
#pragma once
#include <napi.h>

#include "core/errors.hpp"

namespace mc::node {

/** A ModelStoreError(code, message, errno) if the class was injected, else an Error with `code` set. */
Napi::Error MakeStoreError(Napi::Env env, const Error& e);
/** Throws MakeStoreError(e) as a pending exception; returns undefined for `return ThrowStoreError(...)`. */
Napi::Value ThrowStoreError(Napi::Env env, const Error& e);
/** Throws a TypeError with code ERR_INVALID_ARG_TYPE. */
Napi::Value ThrowTypeError(Napi::Env env, const std::string& message);

}  // namespace mc::node
