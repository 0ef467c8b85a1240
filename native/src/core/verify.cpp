#include <cstring>
#include <map>
#include <set>

#include "core/crc32c.hpp"
#include "core/store.hpp"

namespace mc {

using detail::ReadTxn;

// Checks every blob chunk by chunk (header, length, CRC32C of the payload) and every file record. Each blob
// is read in its own short read transaction so that a long verify does not pin one snapshot for its whole
// run (a pinned snapshot keeps libmdbx from reusing pages and grows the file under concurrent writes).
Error Store::verify(VerifyReport* out, const std::function<void(uint64_t)>& progress) const {
  Error e = check_open();
  if (!e.ok()) return e;
  const Tables& t = env_->tables();
  struct BlobEntry {
    std::array<uint8_t, 32> sha256;
    format::BlobRecord rec;
    bool ok;
  };
  std::vector<BlobEntry> blobs;
  std::multimap<std::array<uint8_t, 32>, std::pair<std::string, std::string>> names;
  std::map<std::array<uint8_t, 32>, uint32_t> refs;
  {
    ReadTxn r;
    if (!(e = env_->begin_read(&r.txn)).ok()) return e;
    detail::Cursor cur;
    MDBX_val k, d;
    int rc = cur.open(r.txn, t.blobs);
    if (rc != MDBX_SUCCESS) return Error{rc, "open cursor"};
    for (rc = mdbx_cursor_get(cur, &k, &d, MDBX_FIRST); rc == MDBX_SUCCESS; rc = mdbx_cursor_get(cur, &k, &d, MDBX_NEXT)) {
      BlobEntry b{};
      b.ok = k.iov_len == 32 && b.rec.decode(d.iov_base, d.iov_len);
      if (k.iov_len == 32) std::memcpy(b.sha256.data(), k.iov_base, 32);
      blobs.push_back(b);
    }
    rc = cur.open(r.txn, t.files);
    if (rc != MDBX_SUCCESS) return Error{rc, "open cursor"};
    for (rc = mdbx_cursor_get(cur, &k, &d, MDBX_FIRST); rc == MDBX_SUCCESS; rc = mdbx_cursor_get(cur, &k, &d, MDBX_NEXT)) {
      std::string key(static_cast<const char*>(k.iov_base), k.iov_len);
      size_t sep = key.find('\0');
      std::string repo = sep == std::string::npos ? key : key.substr(0, sep);
      std::string path = sep == std::string::npos ? "" : key.substr(sep + 1);
      format::FileRecord f;
      out->files++;
      if (!f.decode(d.iov_base, d.iov_len)) {
        out->damaged.push_back(DamagedFile{repo, path, 0, -1, "damaged file record"});
        continue;
      }
      std::array<uint8_t, 32> h;
      std::memcpy(h.data(), f.sha256, 32);
      names.emplace(h, std::make_pair(repo, path));
      refs[h]++;
    }
  }

  std::set<std::array<uint8_t, 32>> known;
  auto report = [&](const std::array<uint8_t, 32>& sha, uint64_t seq, int64_t chunk, const std::string& why) {
    auto range = names.equal_range(sha);
    if (range.first == range.second) out->damaged.push_back(DamagedFile{"", "", seq, chunk, why});
    for (auto i = range.first; i != range.second; ++i)
      out->damaged.push_back(DamagedFile{i->second.first, i->second.second, seq, chunk, why});
  };
  uint64_t since_progress = 0;
  for (auto& b : blobs) {
    known.insert(b.sha256);
    out->blobs++;
    if (!b.ok) {
      report(b.sha256, 0, -1, "damaged blob record");
      continue;  // its size is unknown: counted in no byte total
    }
    if (refs[b.sha256] != b.rec.refcount)
      report(b.sha256, b.rec.seq, -1, "reference count " + std::to_string(b.rec.refcount) + " but " +
                                          std::to_string(refs[b.sha256]) + " files name it");
    if (format::chunk_count(b.rec.size, b.rec.chunk_size) != b.rec.chunk_count) {
      report(b.sha256, b.rec.seq, -1, "chunk count disagrees with size");
      out->bytes += b.rec.size;
      out->damaged_bytes += b.rec.size;
      continue;
    }
    ReadTxn r;
    if (!(e = env_->begin_read(&r.txn)).ok()) return e;
    // Every chunk is checked, also after a damaged one: the report lists each damaged chunk (a repair
    // fetches only those) and counts its bytes, so "checked" covers the whole blob.
    for (uint32_t i = 0; i < b.rec.chunk_count; i++) {
      format::ChunkHeader h;
      const uint8_t* payload = nullptr;
      uint64_t expect = i + 1 < b.rec.chunk_count ? b.rec.chunk_size : b.rec.size - uint64_t(i) * b.rec.chunk_size;
      Error ce = detail::read_chunk(r.txn, t, b.rec.seq, i, &h, &payload);
      out->chunks++;
      out->bytes += expect;
      since_progress += expect;
      if (ce.rc == MC_ERR_CORRUPT) {
        report(b.sha256, b.rec.seq, i, ce.detail);
        out->damaged_bytes += expect;
        continue;
      }
      if (!ce.ok()) return ce;
      if (h.payload_len != expect) {
        report(b.sha256, b.rec.seq, i, "chunk " + std::to_string(i) + " has the wrong length");
        out->damaged_bytes += expect;
        continue;
      }
      bool crc_ok = crc32c(0, payload, h.payload_len) == h.crc32c;
      env_->forget(payload, h.payload_len);
      if (!crc_ok) {
        report(b.sha256, b.rec.seq, i, "chunk " + std::to_string(i) + " failed its CRC32C");
        out->damaged_bytes += expect;
        continue;
      }
      if (progress && since_progress >= (256u << 20)) {
        progress(out->bytes);
        since_progress = 0;
      }
    }
  }
  for (auto& n : names)
    if (!known.count(n.first))
      out->damaged.push_back(DamagedFile{n.second.first, n.second.second, 0, -1, "content " + detail::hex(n.first.data(), 32) + " is missing"});
  if (progress) progress(out->bytes);
  return {};
}

}  // namespace mc
