// Handing core view bytes (core/view.hpp ViewBytes) to JS as Buffers, and detaching them again. The one
// place that makes view Buffers: NativeStore (getFile, getRange) and NativeReader (view) both call it.
#pragma once
#include <napi.h>

#include <string>

#include "core/view.hpp"

namespace mc::node {

// Node's Buffer limit (buffer.constants.MAX_LENGTH in Node 20). napi_create_external_arraybuffer fails
// above it and node-addon-api (8.x, as of 8.9.2) then frees the finalizer data twice: check first.
constexpr uint64_t kMaxBufferLength = uint64_t(1) << 32;

/** A Buffer over `bytes` (a mirror's pages or a private copy) that owns them until it is collected or
 *  detached; tagged so that ReleaseView() knows it. `what` names the file in MC_ERR_TOO_LARGE. Returns
 *  undefined with an exception pending on failure. */
Napi::Value MakeViewBuffer(Napi::Env env, ViewBytes&& bytes, const std::string& what);

/** Detaches a Buffer made by MakeViewBuffer (its length becomes 0; the finalizer drops the bytes soon
 *  after). False for any other value: a Buffer from Node's pool must never be detached. */
bool ReleaseView(const Napi::Value& value);

}  // namespace mc::node
