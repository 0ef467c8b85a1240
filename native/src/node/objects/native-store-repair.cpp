// NativeStore.repairChunk: kept apart from native-store.cpp (which only gains its declaration and
// InstanceMethod line) so the binding's other work merges cleanly. The logic is core/repair.hpp's.
#include "core/repair.hpp"
#include "node/objects/native-store.hpp"
#include "node/util/args.hpp"
#include "node/util/errors.hpp"

namespace mc::node {

// repairChunk(sha256: string, blob: number, index: number, data: Uint8Array): Promise<void>
Napi::Value NativeStore::JS_repairChunk(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string hex;
  uint64_t seq = 0, index = 0;
  RepairChunkParams p;
  if (!GetString(info, 0, "sha256", &hex) || !GetUint(info, 1, "blob", UINT64_MAX, &seq) ||
      !GetUint(info, 2, "index", UINT32_MAX, &index) || !GetBytes(info, 3, "data", &p.data, &p.len))
    return env.Undefined();
  if (!ParseHex(hex, p.sha256.data(), 32)) return ThrowTypeError(env, "sha256 must be 64 hex digits");
  if (!store_ || closed_) return RejectClosed(env);
  p.seq = seq;
  p.index = uint32_t(index);
  uint64_t op;
  // The Buffer stays referenced until the writer has copied it; callers must not modify it meanwhile.
  Napi::Promise promise = queue_->Start(env, &op, info[3]);
  repair_chunk(store_, p, [q = queue_, op](const Error& e) {
    q->Finish(op, [e](Napi::Env env, Napi::Promise::Deferred& d) {
      if (e.ok()) d.Resolve(env.Undefined());
      else d.Reject(MakeStoreError(env, e).Value());
    });
  });
  return promise;
}

}  // namespace mc::node
