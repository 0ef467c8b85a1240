#include "core/reader.hpp"

namespace mc {

Error Reader::open(std::shared_ptr<Snapshot> snap, const std::string& repo, const std::string& path,
                   std::shared_ptr<Reader>* out) {
  std::shared_ptr<Reader> r(new Reader());
  Error e = snap->lookup(repo, path, &r->info_);
  if (!e.ok()) return e;
  r->checked_.assign(r->info_.chunk_count, 0);
  r->snap_ = std::move(snap);
  *out = std::move(r);
  return {};
}

Error Reader::read(uint64_t offset, uint64_t len, uint8_t* dst) {
  std::lock_guard<std::mutex> lock(mu_);
  return snap_->copy(info_, offset, len, dst, /*verify=*/true, &checked_);
}

Error Reader::view(uint64_t offset, uint64_t len, uint64_t copy_below, ViewBytes* out) {
  std::lock_guard<std::mutex> lock(mu_);
  ViewOptions o;
  o.copy_below = copy_below;
  o.verify = true;
  o.checked = &checked_;
  return snap_->view(info_, offset, len, o, out);
}

}  // namespace mc
