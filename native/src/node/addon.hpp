// Per-instance state of the addon. Node loads the addon once per thread that requires it (main thread and
// each worker), so nothing here is global: it is instance data of one napi_env.
#pragma once
#include <napi.h>

namespace mc::node {

struct Addon {
  Napi::FunctionReference store_error;  // lib/errors.ts ModelStoreError, injected by lib/binding.ts
  Napi::FunctionReference native_store;
  Napi::FunctionReference native_reader;  // NativeReader::New makes instances through it
  int64_t view_credit = 0;  // lengths of finalized views not yet returned to V8's count (native-store.cpp)
};

inline Addon& GetAddon(Napi::Env env) { return *env.GetInstanceData<Addon>(); }

}  // namespace mc::node
