// C ABI: the table of open stores behind mc_store handles (handles.hpp says why).
#include <cstdint>
#include <shared_mutex>
#include <unordered_map>

#include "capi/handles.hpp"

namespace mc::capi {

namespace {
struct Table {
  std::shared_mutex mu;
  std::unordered_map<uintptr_t, std::shared_ptr<StoreState>> live;
  uintptr_t next = 1;  // 64-bit: never wraps, so a closed handle's number is never handed out again
};
Table& table() {
  static auto* t = new Table();  // never destroyed: calls may still run while the process exits
  return *t;
}
}  // namespace

mc_store* register_store(std::shared_ptr<StoreState> state) {
  Table& t = table();
  std::unique_lock<std::shared_mutex> lock(t.mu);
  uintptr_t id = t.next++;
  t.live.emplace(id, std::move(state));
  return reinterpret_cast<mc_store*>(id);
}

std::shared_ptr<StoreState> unregister_store(mc_store* handle) noexcept {
  Table& t = table();
  std::unique_lock<std::shared_mutex> lock(t.mu);
  auto it = t.live.find(reinterpret_cast<uintptr_t>(handle));
  if (it == t.live.end()) return nullptr;
  std::shared_ptr<StoreState> state = std::move(it->second);
  t.live.erase(it);
  return state;
}

StoreRef::StoreRef(const mc_store* handle) noexcept : null_(handle == nullptr) {
  if (null_) return;
  Table& t = table();
  std::shared_lock<std::shared_mutex> lock(t.mu);
  auto it = t.live.find(reinterpret_cast<uintptr_t>(handle));
  if (it != t.live.end()) state_ = it->second;
}

int StoreRef::fail() const noexcept {
  if (null_) return capi::fail(Error{MC_ERR_INVALID_ARGUMENT, "store handle is NULL"});
  return capi::fail(Error{MC_ERR_CLOSED, "store handle is closed"});
}

}  // namespace mc::capi
