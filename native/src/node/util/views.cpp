#include "node/util/views.hpp"

#include "node/addon.hpp"
#include "node/util/errors.hpp"

namespace mc::node {

namespace {

// Tags the ArrayBuffers behind views handed out by this addon, so release() detaches only those and never
// a Buffer from Node's shared pool (detaching that would break unrelated Buffers).
constexpr napi_type_tag kViewTag = {0x6d6f64656c2d6361ULL, 0x6368652d76696577ULL};

struct ViewHint {
  ViewBytes bytes;
  int64_t credit;  // length taken out of V8's external memory count (mirrors only)
};

// V8 counts an external ArrayBuffer's length as memory the JS heap owns, and collects garbage harder as
// that count grows: 5,000 views of a 16 MiB file looked like 80 GB and cost a full GC every few views
// (250 us a view instead of 2.5 us). A mirrored view owns no memory (page-cache pages, shared by every view
// of a mirror), so each new one takes its length back out of the count. V8 subtracts the length again when
// it frees the view; re-adding it in the finalizer would look like a fresh allocation and trigger the next
// GC, so the finalizer only records it and the next view creation folds it back in. A copy owns its
// memory: V8's count is right for it and stays.
void FinalizeView(Napi::Env env, uint8_t*, ViewHint* hint) {
  GetAddon(env).view_credit += hint->credit;
  delete hint;
}

}  // namespace

Napi::Value MakeViewBuffer(Napi::Env env, ViewBytes&& bytes, const std::string& what) {
  uint64_t length = bytes.size;
  if (length > kMaxBufferLength)
    return ThrowStoreError(env, Error{MC_ERR_TOO_LARGE, what + ": " + std::to_string(length) +
                                                           " bytes; one Buffer holds at most 4 GiB"});
  Napi::Buffer<uint8_t> buf;
  if (length == 0) {
    buf = Napi::Buffer<uint8_t>::New(env, 0);
  } else {
    Addon& addon = GetAddon(env);
    int64_t credit = bytes.mirror ? int64_t(length) : 0;
    if (credit) {
      // Take the length out of V8's count before creating the buffer, which adds it: afterwards would
      // be too late, the creation itself would already have crossed V8's limit and started a GC.
      Napi::MemoryManagement::AdjustExternalMemory(env, addon.view_credit - credit);
      addon.view_credit = 0;
    }
    uint8_t* data = const_cast<uint8_t*>(bytes.data);
    auto* hint = new ViewHint{std::move(bytes), credit};
    // NewOrCopy: runtimes that refuse external buffers get a copy, and the finalizer runs at once.
    buf = Napi::Buffer<uint8_t>::NewOrCopy(env, data, size_t(length), FinalizeView, hint);
    if (env.IsExceptionPending()) {
      addon.view_credit += credit;  // no buffer: V8 never counted it
      return env.Undefined();
    }
  }
  if (env.IsExceptionPending()) return env.Undefined();
  buf.ArrayBuffer().TypeTag(&kViewTag);
  return buf;
}

bool ReleaseView(const Napi::Value& value) {
  if (!value.IsTypedArray()) return false;
  Napi::ArrayBuffer ab = value.As<Napi::TypedArray>().ArrayBuffer();
  if (!ab.CheckTypeTag(&kViewTag)) return false;
  if (!ab.IsDetached()) ab.Detach();
  return true;
}

}  // namespace mc::node
