// NativeStore: the JS handle on a core Store (binding.d.ts declares its surface).
#pragma once
#include <napi.h>

#include <memory>

#include "core/store.hpp"
#include "core/view.hpp"
#include "node/util/completion-queue.hpp"

namespace mc::node {

class NativeStore : public Napi::ObjectWrap<NativeStore> {
 public:
  static constexpr napi_type_tag kTypeTag = {0x4e8f2d1b6c3a7e95ULL, 0xb1d4f0a28e6c5937ULL};
  static constexpr const char* kClassName = "NativeStore";

  static Napi::Function Init(Napi::Env env);
  /** The module function compact(path): needs no store (it opens the database exclusively itself). */
  static Napi::Value JS_compact(const Napi::CallbackInfo& info);
  explicit NativeStore(const Napi::CallbackInfo& info);
  ~NativeStore() override;

  /** Called by OpenWorker on the JS thread when the environment is open. */
  void Opened(Napi::Env env, std::shared_ptr<Store> store);

 private:
  Napi::Value JS_open(const Napi::CallbackInfo& info);
  Napi::Value JS_close(const Napi::CallbackInfo& info);
  Napi::Value JS_fileInfo(const Napi::CallbackInfo& info);
  Napi::Value JS_getFile(const Napi::CallbackInfo& info);
  Napi::Value JS_getRange(const Napi::CallbackInfo& info);
  Napi::Value JS_release(const Napi::CallbackInfo& info);
  Napi::Value JS_openReader(const Napi::CallbackInfo& info);
  Napi::Value JS_listFiles(const Napi::CallbackInfo& info);
  Napi::Value JS_stats(const Napi::CallbackInfo& info);
  Napi::Value JS_verify(const Napi::CallbackInfo& info);
  Napi::Value JS_beginUpload(const Napi::CallbackInfo& info);
  Napi::Value JS_putChunk(const Napi::CallbackInfo& info);
  Napi::Value JS_commitUpload(const Napi::CallbackInfo& info);
  Napi::Value JS_abortUpload(const Napi::CallbackInfo& info);
  Napi::Value JS_listUploads(const Napi::CallbackInfo& info);
  Napi::Value JS_linkFile(const Napi::CallbackInfo& info);
  Napi::Value JS_deleteFile(const Napi::CallbackInfo& info);
  Napi::Value JS_getDoc(const Napi::CallbackInfo& info);
  Napi::Value JS_putDoc(const Napi::CallbackInfo& info);
  Napi::Value JS_listDocs(const Napi::CallbackInfo& info);
  Napi::Value JS_materialize(const Napi::CallbackInfo& info);

  // ---- partial chunks of an upload (pieces) ----
  Napi::Value JS_putPiece(const Napi::CallbackInfo& info);
  Napi::Value JS_readPartial(const Napi::CallbackInfo& info);

  // ---- repair (defined in objects/native-store-repair.cpp) ----
  Napi::Value JS_repairChunk(const Napi::CallbackInfo& info);
  Napi::Value JS_checkFile(const Napi::CallbackInfo& info);  // defined in workers/check-file-worker.cpp

  /** Throws MC_ERR_CLOSED (or "not open") and returns false unless the store is open. */
  bool RequireOpen(Napi::Env env);
  /** A promise rejected with MC_ERR_CLOSED, for async entry points called on a closed store. */
  Napi::Value RejectClosed(Napi::Env env);
  /** getFile and getRange: bytes [offset, offset+length) of the file (to the end when `to_end`) as a view,
   *  CRC-checked when options.verify; null when the file is absent. */
  Napi::Value GetView(const Napi::CallbackInfo& info, uint64_t offset, uint64_t length, bool to_end, size_t opts_arg);
  /** Releases everything this handle owns. Idempotent; called by close(), the destructor and the
   *  environment's cleanup hook. Precondition: on the JS thread of this handle's napi_env. */
  void CloseHandles();
  static void CleanupHook(void* arg);

  std::shared_ptr<Store> store_;
  std::unique_ptr<SnapshotCache> snapshots_;
  std::shared_ptr<CompletionQueue> queue_;
  bool opening_ = false;
  bool closed_ = false;
  bool hook_added_ = false;
  uint64_t copy_below_ = kDefaultCopyBelow;  // ranges shorter than this are copied (core/view.hpp)
  napi_env env_ = nullptr;
};

}  // namespace mc::node
