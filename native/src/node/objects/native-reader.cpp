#include "node/objects/native-reader.hpp"

#include "node/addon.hpp"
#include "node/util/args.hpp"
#include "node/util/convert.hpp"
#include "node/util/errors.hpp"
#include "node/util/views.hpp"
#include "node/util/wrap.hpp"

namespace mc::node {

Napi::Function NativeReader::Init(Napi::Env env) {
  return DefineTaggedClass<NativeReader>(env, {
                         TaggedMethod<NativeReader, &NativeReader::JS_info>(env, "info"),
                         TaggedMethod<NativeReader, &NativeReader::JS_read>(env, "read"),
                         TaggedMethod<NativeReader, &NativeReader::JS_view>(env, "view"),
                         TaggedMethod<NativeReader, &NativeReader::JS_release>(env, "release"),
                         TaggedMethod<NativeReader, &NativeReader::JS_close>(env, "close"),
  });
}

NativeReader::NativeReader(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeReader>(info) {
  info.This().As<Napi::Object>().TypeTag(&kTypeTag);
}

NativeReader::~NativeReader() { CloseHandles(); }

void NativeReader::CloseHandles() { reader_.reset(); }

Napi::Value NativeReader::New(Napi::Env env, std::shared_ptr<Reader> reader, uint64_t copy_below) {
  Napi::Object obj = GetAddon(env).native_reader.New({});
  if (env.IsExceptionPending()) return env.Undefined();
  NativeReader* self = UnwrapTagged<NativeReader>(obj);
  if (!self) return ThrowStoreError(env, Error{MC_ERR_INTERNAL, "NativeReader construction"});
  self->reader_ = std::move(reader);
  self->copy_below_ = copy_below;
  return obj;
}

bool NativeReader::RequireOpen(Napi::Env env) {
  if (reader_) return true;
  ThrowStoreError(env, Error{MC_ERR_CLOSED, "reader"});
  return false;
}

bool NativeReader::GetRange(const Napi::CallbackInfo& info, uint64_t* offset, uint64_t* length) {
  Napi::Env env = info.Env();
  if (!GetUint(info, 0, "offset", UINT64_MAX, offset) || !GetUint(info, 1, "length", UINT64_MAX, length) ||
      !RequireOpen(env))
    return false;
  uint64_t size = reader_->info().size;
  if (*offset > size || *length > size - *offset) {
    Napi::Error err = Napi::RangeError::New(env, "range " + std::to_string(*offset) + "+" + std::to_string(*length) +
                                                     " is outside the " + std::to_string(size) + "-byte file");
    err.Set("code", Napi::String::New(env, "ERR_OUT_OF_RANGE"));
    err.ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// info(): the file as of the reader's snapshot.
Napi::Value NativeReader::JS_info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!RequireOpen(env)) return env.Undefined();
  return FileInfoToJs(env, reader_->info());
}

// read(offset, length): a new Buffer with a checked copy of the bytes.
Napi::Value NativeReader::JS_read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t offset = 0, length = 0;
  if (!GetRange(info, &offset, &length)) return env.Undefined();
  const FileInfo& f = reader_->info();
  if (length > kMaxBufferLength)
    return ThrowStoreError(env, Error{MC_ERR_TOO_LARGE, f.repo + "/" + f.path + ": one Buffer holds at most 4 GiB"});
  Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, size_t(length));
  if (env.IsExceptionPending()) return env.Undefined();
  Error e = reader_->read(offset, length, buf.Data());
  if (!e.ok()) return ThrowStoreError(env, e);
  return buf;
}

// view(offset, length): the bytes as a checked view (zero-copy where the platform allows).
Napi::Value NativeReader::JS_view(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t offset = 0, length = 0;
  if (!GetRange(info, &offset, &length)) return env.Undefined();
  const FileInfo& f = reader_->info();
  if (length > kMaxBufferLength)
    return ThrowStoreError(env, Error{MC_ERR_TOO_LARGE, f.repo + "/" + f.path + ": one Buffer holds at most 4 GiB"});
  ViewBytes bytes;
  Error e = reader_->view(offset, length, copy_below_, &bytes);
  if (!e.ok()) return ThrowStoreError(env, e);
  return MakeViewBuffer(env, std::move(bytes), f.repo + "/" + f.path);
}

// release(view): detaches a view made by this addon; false for any other value.
Napi::Value NativeReader::JS_release(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ReleaseView(info[0]));
}

Napi::Value NativeReader::JS_close(const Napi::CallbackInfo& info) {
  CloseHandles();
  return info.Env().Undefined();
}

}  // namespace mc::node
