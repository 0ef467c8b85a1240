// NativeReader: the JS handle on a core Reader (core/reader.hpp), made by NativeStore.openReader(). It
// pins one database state and the file's info for its whole life and hands out bytes whose every chunk
// passed its CRC32C check (binding.d.ts declares its surface).
#pragma once
#include <napi.h>

#include <memory>

#include "core/reader.hpp"

namespace mc::node {

class NativeReader : public Napi::ObjectWrap<NativeReader> {
 public:
  static constexpr napi_type_tag kTypeTag = {0x2a7b1c55e30d4f61ULL, 0x9c0e6d7352a18b4fULL};
  static constexpr const char* kClassName = "NativeReader";

  static Napi::Function Init(Napi::Env env);
  /** Only NativeStore::JS_openReader makes usable instances (through New); one made by `new` in JS holds
   *  no reader and throws MC_ERR_CLOSED. */
  explicit NativeReader(const Napi::CallbackInfo& info);
  ~NativeReader() override;

  /** A new NativeReader object over `reader`. */
  static Napi::Value New(Napi::Env env, std::shared_ptr<Reader> reader, uint64_t copy_below);

 private:
  Napi::Value JS_info(const Napi::CallbackInfo& info);
  Napi::Value JS_read(const Napi::CallbackInfo& info);
  Napi::Value JS_view(const Napi::CallbackInfo& info);
  Napi::Value JS_release(const Napi::CallbackInfo& info);
  Napi::Value JS_close(const Napi::CallbackInfo& info);

  /** Throws MC_ERR_CLOSED and returns false once closed. */
  bool RequireOpen(Napi::Env env);
  /** Reads the (offset, length) arguments, checks them against the file; false with an exception pending. */
  bool GetRange(const Napi::CallbackInfo& info, uint64_t* offset, uint64_t* length);
  /** Drops the reader (views it made keep their own snapshot references). Idempotent; called by close()
   *  and the destructor (which also runs when the environment is torn down). Precondition: on the JS
   *  thread of this object's napi_env. */
  void CloseHandles();

  std::shared_ptr<Reader> reader_;
  uint64_t copy_below_ = kDefaultCopyBelow;
};

}  // namespace mc::node
