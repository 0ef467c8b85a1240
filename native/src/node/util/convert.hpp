// Core structs as plain JS objects (shapes declared in binding.d.ts).
#pragma once
#include <napi.h>

#include "core/store.hpp"

namespace mc::node {

Napi::Object FileInfoToJs(Napi::Env env, const FileInfo& f);
Napi::Object UploadInfoToJs(Napi::Env env, const UploadInfo& u);
Napi::Object StatsToJs(Napi::Env env, const Stats& s);

}  // namespace mc::node
