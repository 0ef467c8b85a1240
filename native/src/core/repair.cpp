#include "core/repair.hpp"

#include <cstring>

#include "core/crc32c.hpp"
#include "core/writer.hpp"

namespace mc {

using format::ChunkHeader;

void repair_chunk(const std::shared_ptr<Store>& store, const RepairChunkParams& p, std::function<void(const Error&)> cb) {
  Error e;
  if (store->closed()) e = Error{MC_ERR_CLOSED, "store"};
  else if (store->read_only()) e = Error{MC_ERR_READ_ONLY, "repair"};
  else if (p.len == 0 || p.data == nullptr) e = Error{MC_ERR_INVALID_ARGUMENT, "a chunk has at least one byte"};
  if (!e.ok()) return cb(e);
  std::shared_ptr<Env> env = store->env();
  env->writer().submit(
      [env, p](MDBX_txn* txn) -> Error {
        const Tables& t = env->tables();
        format::BlobRecord b;
        Error e = detail::read_blob(txn, t, p.sha256.data(), &b);
        if (!e.ok()) return e;
        std::string where = "chunk " + std::to_string(p.index) + " of blob " + std::to_string(p.seq);
        if (b.seq != p.seq) return Error{MC_ERR_NOT_FOUND, where + ": the content was stored again since (now blob " + std::to_string(b.seq) + ")"};
        if (p.index >= b.chunk_count) return Error{MC_ERR_INVALID_ARGUMENT, where + ": the blob has " + std::to_string(b.chunk_count) + " chunks"};
        uint64_t expect = p.index + 1 < b.chunk_count ? b.chunk_size : b.size - uint64_t(p.index) * b.chunk_size;
        if (p.len != expect) return Error{MC_ERR_SIZE_MISMATCH, where + " is " + std::to_string(expect) + " bytes, got " + std::to_string(p.len)};
        uint32_t crc = crc32c(0, p.data, p.len);

        // Still damaged? A chunk whose header, length and CRC all check out is left alone (another repair
        // got there first, or the damage report was stale).
        ChunkHeader h;
        const uint8_t* payload = nullptr;
        e = detail::read_chunk(txn, t, p.seq, p.index, &h, &payload);
        if (e.ok()) {
          bool good = h.payload_len == expect && crc32c(0, payload, h.payload_len) == h.crc32c;
          env->forget(payload, h.payload_len);
          if (good) return Error{MC_ERR_BUSY, where + " is not damaged: nothing to repair"};
          // The header survived, so it holds the CRC32C of the bytes first stored: the new ones must match.
          if (h.payload_len == expect && h.crc32c != crc)
            return Error{MC_ERR_HASH_MISMATCH, where + ": the new bytes are not the ones first stored (CRC32C differs)"};
        } else if (e.rc != MC_ERR_CORRUPT) {
          return e;  // a damaged or missing header is what we repair; anything else is a real failure
        }

        format::ChunkKey key(p.seq, p.index);
        MDBX_val k{key.bytes, sizeof key.bytes};
        MDBX_val d{nullptr, format::kPayloadOffset + p.len};
        // Same layout as Store::put_chunk (upload.cpp): header, zeros, page-aligned payload.
        int rc = mdbx_put(txn, t.chunks, &k, &d, MDBX_UPSERT | MDBX_RESERVE);
        if (rc != MDBX_SUCCESS) return Error{rc, "rewrite " + where};
        auto out = static_cast<uint8_t*>(d.iov_base);
        std::memcpy(out + format::kPayloadOffset, p.data, p.len);
        h = ChunkHeader{};
        h.seq = p.seq;
        h.index = p.index;
        h.payload_len = uint32_t(p.len);
        h.crc32c = crc;
        h.encode(out, crc32c);
        std::memset(out + ChunkHeader::kSize, 0, format::kPayloadOffset - ChunkHeader::kSize);
        return {};
      },
      std::move(cb), p.len);
}

Error check_file(const Store& store, const std::string& repo, const std::string& path, FileCheck* out) {
  if (store.closed()) return Error{MC_ERR_CLOSED, "store"};
  Error e = store.check_names(repo, path);
  if (!e.ok()) return e;
  const Env& env = *store.env();
  const Tables& t = env.tables();
  detail::ReadTxn r;
  if (!(e = env.begin_read(&r.txn)).ok()) return e;
  e = detail::read_file(r.txn, t, repo, path, &out->info);
  if (e.rc == MC_ERR_CORRUPT) {
    out->unusable = true;
    out->reason = e.detail;
    return {};
  }
  if (!e.ok()) return e;
  const FileInfo& f = out->info;
  if (format::chunk_count(f.size, f.chunk_size) != f.chunk_count) {
    out->unusable = true;
    out->reason = "chunk count disagrees with size";
    return {};
  }
  for (uint32_t i = 0; i < f.chunk_count; i++) {
    ChunkHeader h;
    const uint8_t* payload = nullptr;
    uint64_t expect = i + 1 < f.chunk_count ? f.chunk_size : f.size - uint64_t(i) * f.chunk_size;
    Error ce = detail::read_chunk(r.txn, t, f.seq, i, &h, &payload);
    if (ce.rc == MC_ERR_CORRUPT) {
      out->damaged.push_back(DamagedChunk{i, ce.detail});
      continue;
    }
    if (!ce.ok()) return ce;
    bool ok = h.payload_len == expect && crc32c(0, payload, h.payload_len) == h.crc32c;
    env.forget(payload, h.payload_len);
    if (!ok) out->damaged.push_back(DamagedChunk{i, "chunk " + std::to_string(i) + (h.payload_len == expect ? " failed its CRC32C" : " has the wrong length")});
  }
  return {};
}

}  // namespace mc
