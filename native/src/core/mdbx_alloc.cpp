#include "core/mdbx_alloc.hpp"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace {

constexpr size_t kPooledFrom = size_t(1) << 20;  // blocks this large are kept for reuse
constexpr size_t kMaxPooled = size_t(256) << 20; // never keep more than this idle

struct Pool {
  std::mutex mu;
  std::unordered_map<void*, size_t> live;       // pooled-size blocks handed out -> capacity
  std::vector<std::pair<void*, size_t>> idle;   // blocks waiting for reuse
  size_t idle_bytes = 0;
};

Pool& pool() {
  static auto* p = new Pool();  // never destroyed: libmdbx may free during static destruction
  return *p;
}

}  // namespace

extern "C" void* mc_mdbx_malloc(size_t size) {
  if (size < kPooledFrom) return std::malloc(size);
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mu);
    // Reuse a block that fits without wasting more than a quarter of it (chunks have one size, mostly).
    for (size_t i = p.idle.size(); i-- > 0;) {
      auto [ptr, cap] = p.idle[i];
      if (cap >= size && cap - size <= size / 4) {
        p.idle.erase(p.idle.begin() + long(i));
        p.idle_bytes -= cap;
        p.live.emplace(ptr, cap);
        return ptr;
      }
    }
  }
  void* ptr = std::malloc(size);
  if (!ptr) return nullptr;
  std::lock_guard<std::mutex> lock(p.mu);
  p.live.emplace(ptr, size);
  return ptr;
}

extern "C" void mc_mdbx_free(void* ptr) {
  if (!ptr) return;
  Pool& p = pool();
  std::vector<void*> evict;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    auto it = p.live.find(ptr);
    if (it == p.live.end()) {
      std::free(ptr);  // a small block
      return;
    }
    size_t cap = it->second;
    p.live.erase(it);
    p.idle.emplace_back(ptr, cap);
    p.idle_bytes += cap;
    while (p.idle_bytes > kMaxPooled) {  // oldest first
      evict.push_back(p.idle.front().first);
      p.idle_bytes -= p.idle.front().second;
      p.idle.erase(p.idle.begin());
    }
  }
  for (void* e : evict) std::free(e);
}

extern "C" void* mc_mdbx_realloc(void* ptr, size_t size) {
  if (!ptr) return mc_mdbx_malloc(size);
  Pool& p = pool();
  size_t cap = 0;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    auto it = p.live.find(ptr);
    if (it != p.live.end()) cap = it->second;
  }
  if (cap == 0) {
    // A block from malloc: let realloc move it; a result large enough to pool is pooled when freed.
    void* next = std::realloc(ptr, size);
    if (next && size >= kPooledFrom) {
      std::lock_guard<std::mutex> lock(p.mu);
      p.live.emplace(next, size);
    }
    return next;
  }
  if (size <= cap) return ptr;
  void* next = mc_mdbx_malloc(size);
  if (!next) return nullptr;
  std::memcpy(next, ptr, cap);
  mc_mdbx_free(ptr);
  return next;
}

namespace mc {
void mdbx_alloc_trim() noexcept {
  Pool& p = pool();
  std::vector<std::pair<void*, size_t>> idle;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    idle.swap(p.idle);
    p.idle_bytes = 0;
  }
  for (auto& b : idle) std::free(b.first);
}
}  // namespace mc
