#include "core/upload.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "core/chunk_read.hpp"
#include "core/crc32c.hpp"
#include "core/store.hpp"
#include "core/task_thread.hpp"
#include "core/test_hooks.hpp"
#include "core/writer.hpp"

namespace mc {

using format::ChunkHeader;
using format::UploadRecord;

// ---- UploadTable -------------------------------------------------------------------------------------

std::shared_ptr<UploadState> UploadTable::find(uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = states_.find(seq);
  return it == states_.end() ? nullptr : it->second;
}

std::shared_ptr<UploadState> UploadTable::insert(std::shared_ptr<UploadState> state) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = states_.emplace(state->seq, state);
  return it->second;
}

void UploadTable::erase(uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  states_.erase(seq);
}

// ---- helpers -----------------------------------------------------------------------------------------

namespace {

using detail::ReadTxn;

Error read_upload(MDBX_txn* txn, const Tables& t, uint64_t seq, UploadRecord* out) {
  format::SeqKey key(seq);
  MDBX_val k{key.bytes, sizeof key.bytes}, d;
  int rc = mdbx_get(txn, t.uploads, &k, &d);
  if (rc == MDBX_NOTFOUND) return Error{MC_ERR_NOT_FOUND, "upload " + std::to_string(seq) + " (aborted or committed)"};
  if (rc != MDBX_SUCCESS) return Error{rc, "read upload record"};
  if (!out->decode(d.iov_base, d.iov_len)) return Error{MC_ERR_CORRUPT, "upload record " + std::to_string(seq)};
  return {};
}

Error write_upload(MDBX_txn* txn, const Tables& t, uint64_t seq, const UploadRecord& rec) {
  format::SeqKey key(seq);
  std::string v = rec.encode();
  MDBX_val k{key.bytes, sizeof key.bytes}, d{v.data(), v.size()};
  int rc = mdbx_put(txn, t.uploads, &k, &d, MDBX_UPSERT);
  return rc == MDBX_SUCCESS ? Error{} : Error{rc, "write upload record"};
}

// Durable chunks of blob `seq`: (index, payload length) in index order.
Error scan_chunks(const Env& env, MDBX_txn* txn, const Tables& t, uint64_t seq, std::vector<std::pair<uint32_t, uint32_t>>* out) {
  detail::Cursor cur;
  int rc = cur.open(txn, t.chunks);
  if (rc != MDBX_SUCCESS) return Error{rc, "open cursor"};
  format::ChunkKey first(seq, 0);
  MDBX_val k{first.bytes, sizeof first.bytes}, d;
  for (rc = mdbx_cursor_get(cur, &k, &d, MDBX_SET_RANGE); rc == MDBX_SUCCESS; rc = mdbx_cursor_get(cur, &k, &d, MDBX_NEXT)) {
    auto kp = static_cast<const uint8_t*>(k.iov_base);
    if (k.iov_len != 12 || format::get_be64(kp) != seq) break;
    ChunkHeader h;
    if (h.decode(d.iov_base, d.iov_len, crc32c) && h.payload_len > 0 &&
        d.iov_len >= format::kPayloadOffset + uint64_t(h.payload_len)) {
      out->emplace_back(format::get_be32(kp + 8), h.payload_len);
      env.forget_header(static_cast<const uint8_t*>(d.iov_base) + format::kPayloadOffset);
    }
  }
  if (rc != MDBX_SUCCESS && rc != MDBX_NOTFOUND) return Error{rc, "scan chunks"};
  return {};
}

uint64_t next_seq(MDBX_txn* txn, const Tables& t, int* rc) {
  MDBX_val k{const_cast<char*>(format::kMetaNextSeq), strlen(format::kMetaNextSeq)}, d;
  *rc = mdbx_get(txn, t.meta, &k, &d);
  if (*rc != MDBX_SUCCESS || d.iov_len != 8) return 0;
  uint64_t seq = format::get_u64(static_cast<const uint8_t*>(d.iov_base));
  uint8_t buf[8];
  format::put_u64(buf, seq + 1);
  MDBX_val nd{buf, 8};
  *rc = mdbx_put(txn, t.meta, &k, &nd, MDBX_UPSERT);
  return seq;
}

// ---- pieces: the kept prefix of a chunk not yet complete (format.hpp PieceKey) -----------------------

// Walks the pieces of upload `seq` in key order (chunk `only` alone when given) and works out, for each
// chunk, its kept prefix: the pieces that follow each other from offset 0 with sound headers and CRC32C.
// A piece after a gap or a damaged one is not part of it. `copy`, when given, receives chunk `only`'s
// kept bytes (at most `cap`).
Error kept_prefixes(MDBX_txn* txn, const Tables& t, uint64_t seq, std::optional<uint32_t> only,
                    std::map<uint32_t, uint32_t>* kept, uint8_t* copy = nullptr, size_t cap = 0) {
  MDBX_cursor* cur = nullptr;
  int rc = mdbx_cursor_open(txn, t.uploads, &cur);
  if (rc != MDBX_SUCCESS) return Error{rc, "open cursor"};
  format::PieceKey first(seq, only.value_or(0), 0);
  std::map<uint32_t, bool> broken;
  MDBX_val k{first.bytes, sizeof first.bytes}, d;
  for (rc = mdbx_cursor_get(cur, &k, &d, MDBX_SET_RANGE); rc == MDBX_SUCCESS; rc = mdbx_cursor_get(cur, &k, &d, MDBX_NEXT)) {
    auto kp = static_cast<const uint8_t*>(k.iov_base);
    if (k.iov_len != format::PieceKey::kSize || format::get_be64(kp) != seq) break;
    uint32_t index = format::get_be32(kp + 8), offset = format::get_be32(kp + 12);
    if (only && index != *only) break;
    if (broken[index]) continue;
    uint32_t& n = (*kept)[index];
    format::PieceHeader h;
    auto payload = static_cast<const uint8_t*>(d.iov_base) + format::PieceHeader::kSize;
    if (offset != n || !h.decode(d.iov_base, d.iov_len, crc32c) || crc32c(0, payload, h.payload_len) != h.crc32c) {
      broken[index] = true;
      continue;
    }
    if (copy) {
      if (n + uint64_t(h.payload_len) > cap) {
        broken[index] = true;
        continue;
      }
      std::memcpy(copy + n, payload, h.payload_len);
    }
    n += h.payload_len;
  }
  mdbx_cursor_close(cur);
  if (rc != MDBX_SUCCESS && rc != MDBX_NOTFOUND) return Error{rc, "scan pieces"};
  for (auto it = kept->begin(); it != kept->end();) it = it->second == 0 ? kept->erase(it) : std::next(it);
  return {};
}

// Deletes the pieces of upload `seq`: all, or those of chunk `index` at offsets >= `from`.
Error delete_pieces(MDBX_txn* txn, const Tables& t, uint64_t seq, std::optional<uint32_t> index = std::nullopt, uint32_t from = 0) {
  MDBX_cursor* cur = nullptr;
  int rc = mdbx_cursor_open(txn, t.uploads, &cur);
  if (rc != MDBX_SUCCESS) return Error{rc, "open cursor"};
  format::PieceKey first(seq, index.value_or(0), index ? from : 0);
  for (;;) {
    // Re-seek after every delete rather than rely on where a delete leaves the cursor.
    MDBX_val k{first.bytes, sizeof first.bytes}, d;
    rc = mdbx_cursor_get(cur, &k, &d, MDBX_SET_RANGE);
    if (rc != MDBX_SUCCESS) break;
    auto kp = static_cast<const uint8_t*>(k.iov_base);
    if (k.iov_len != format::PieceKey::kSize || format::get_be64(kp) != seq) break;
    if (index && format::get_be32(kp + 8) != *index) break;
    rc = mdbx_cursor_del(cur, MDBX_UPSERT);
    if (rc != MDBX_SUCCESS) break;
  }
  mdbx_cursor_close(cur);
  if (rc != MDBX_SUCCESS && rc != MDBX_NOTFOUND) return Error{rc, "delete pieces"};
  return {};
}

}  // namespace

// ---- hashing (hasher thread) -------------------------------------------------------------------------

static void sha1_header(UploadState& s, uint64_t size) {
  std::string head = "blob " + std::to_string(size);
  head.push_back('\0');
  s.sha1.update(head.data(), head.size());
  s.sha1_started = true;
}

// Reads chunk i back from the map, checks its CRC32C and feeds the hashes. Hasher thread only.
static Error hash_chunk(Env& env, UploadState& s, uint32_t i, bool sha256, bool sha1) {
  ReadTxn r;
  Error e = env.begin_read(&r.txn);
  if (!e.ok()) return e;
  ChunkHeader h;
  const uint8_t* payload = nullptr;
  if (!(e = detail::read_chunk(r.txn, env.tables(), s.seq, i, &h, &payload)).ok()) return e;
  if (crc32c(0, payload, h.payload_len) != h.crc32c)
    return Error{MC_ERR_CORRUPT, "chunk " + std::to_string(i) + " of upload " + std::to_string(s.seq) + " failed its CRC32C"};
  if (sha256) s.sha256.update(payload, h.payload_len);
  if (sha1) s.sha1.update(payload, h.payload_len);
  env.forget(payload, h.payload_len);
  return {};
}

static void schedule_hash_locked(const std::shared_ptr<Env>& env, const std::shared_ptr<UploadState>& s);

static void hash_advance(const std::shared_ptr<Env>& env, const std::shared_ptr<UploadState>& s) {
  for (;;) {
    uint32_t i;
    bool with_sha1;
    {
      std::lock_guard<std::mutex> lock(s->mu);
      if (s->finished || !s->failure.ok() || !s->durable(s->hashed)) {
        s->hashing = false;
        return;
      }
      i = s->hashed;
      // The git blob sha1 starts with the content size; with the size unknown it is computed at commit.
      if (i == 0 && s->want_sha1 && s->size && !s->sha1_started) sha1_header(*s, *s->size);
      with_sha1 = s->sha1_started;
    }
    Error e = hash_chunk(*env, *s, i, true, with_sha1);
    std::lock_guard<std::mutex> lock(s->mu);
    if (!e.ok()) {
      s->failure = e;
      s->hashing = false;
      return;
    }
    s->hashed = i + 1;
  }
}

static void schedule_hash_locked(const std::shared_ptr<Env>& env, const std::shared_ptr<UploadState>& s) {
  if (s->hashing || s->finished || !s->durable(s->hashed)) return;
  s->hashing = true;
  // A hash step that throws (bad_alloc) fails the upload: its commit reports the error.
  env->hasher().post([env, s] { hash_advance(env, s); },
                     [s](const Error& e) {
                       std::lock_guard<std::mutex> lock(s->mu);
                       if (s->failure.ok()) s->failure = e;
                       s->hashing = false;
                     });
}

// ---- Store: uploads ----------------------------------------------------------------------------------

static bool valid_chunk_size(uint32_t cs) {
  return cs % format::kPageSize == 0 && cs >= format::kMinChunkSize && cs <= format::kMaxChunkSize;
}

void Store::begin_upload(const UploadParams& p, std::function<void(const Error&, const UploadInfo&)> cb) {
  Error e = check_open();
  if (e.ok() && read_only()) e = Error{MC_ERR_READ_ONLY, "upload"};
  uint32_t cs = p.chunk_size ? p.chunk_size : chunk_size_;
  if (e.ok() && !valid_chunk_size(cs))
    e = Error{MC_ERR_INVALID_ARGUMENT, "chunk size must be a multiple of 4096 between 64 KiB and 1 GiB"};
  if (e.ok() && p.size && format::chunk_count(*p.size, cs) > UINT32_MAX)
    e = Error{MC_ERR_TOO_LARGE, "more than 2^32 chunks"};
  if (e.ok() && p.resume_key.size() > 1024) e = Error{MC_ERR_INVALID_ARGUMENT, "resume key longer than 1024 bytes"};
  if (!e.ok()) return cb(e, UploadInfo{});

  struct Result {
    UploadInfo info;
    std::vector<std::pair<uint32_t, uint32_t>> chunks;
    bool want_sha1 = false;
    std::optional<std::array<uint8_t, 32>> sha256;
  };
  auto res = std::make_shared<Result>();
  auto env = env_;
  env_->writer().submit(
      [env, p, cs, res](MDBX_txn* txn) -> Error {
        const Tables& t = env->tables();
        *res = Result{};
        uint64_t now = now_ms();
        if (!p.resume_key.empty()) {
          // Resume: the upload with this key, if its size and hash agree with what is asked now.
          detail::Cursor cur;
          int rc = cur.open(txn, t.uploads);
          if (rc != MDBX_SUCCESS) return Error{rc, "open cursor"};
          MDBX_val k, d;
          uint64_t found = 0;
          UploadRecord rec;
          for (rc = mdbx_cursor_get(cur, &k, &d, MDBX_FIRST); rc == MDBX_SUCCESS; rc = mdbx_cursor_get(cur, &k, &d, MDBX_NEXT)) {
            UploadRecord r;
            if (k.iov_len == 8 && r.decode(d.iov_base, d.iov_len) && r.resume_key == p.resume_key) {
              found = format::get_be64(static_cast<const uint8_t*>(k.iov_base));
              rec = r;
              break;
            }
          }
          if (rc != MDBX_SUCCESS && rc != MDBX_NOTFOUND) return Error{rc, "find upload"};
          if (found) {
            bool size_ok = !p.size || ((rec.flags & UploadRecord::kSizeKnown) && rec.size == *p.size);
            bool hash_ok = !p.sha256 || ((rec.flags & UploadRecord::kHasSha256) &&
                                         std::memcmp(rec.sha256, p.sha256->data(), 32) == 0);
            if (size_ok && hash_ok) {
              rec.owner_pid = uint32_t(::getpid());
              rec.updated_ms = now;
              if (p.want_sha1) rec.flags |= UploadRecord::kWantSha1;
              Error e = write_upload(txn, t, found, rec);
              if (!e.ok()) return e;
              if (!(e = scan_chunks(*env, txn, t, found, &res->chunks)).ok()) return e;
              res->info.id = found;
              res->info.chunk_size = rec.chunk_size;
              if (rec.flags & UploadRecord::kSizeKnown) res->info.size = rec.size;
              res->info.resume_key = rec.resume_key;
              res->info.created_ms = rec.created_ms;
              res->info.updated_ms = now;
              res->info.owner_pid = rec.owner_pid;
              res->info.resumed = true;
              res->want_sha1 = (rec.flags & UploadRecord::kWantSha1) != 0;
              if (rec.flags & UploadRecord::kHasSha256) {
                res->sha256.emplace();
                std::memcpy(res->sha256->data(), rec.sha256, 32);
              }
              for (auto& c : res->chunks) res->info.present.push_back(c.first);
              std::map<uint32_t, uint32_t> kept;
              if (!(e = kept_prefixes(txn, t, found, std::nullopt, &kept)).ok()) return e;
              for (auto& [index, n] : kept)
                if (!std::binary_search(res->info.present.begin(), res->info.present.end(), index))
                  res->info.partial.emplace_back(index, n);
              return {};
            }
            // Same key, different content: the old partial upload is useless.
            Error e = detail::delete_chunks(txn, t, found);
            if (e.ok()) e = delete_pieces(txn, t, found);
            if (!e.ok()) return e;
            format::SeqKey key(found);
            MDBX_val dk{key.bytes, sizeof key.bytes};
            rc = mdbx_del(txn, t.uploads, &dk, nullptr);
            if (rc != MDBX_SUCCESS) return Error{rc, "delete upload record"};
          }
        }
        int rc = 0;
        uint64_t seq = next_seq(txn, t, &rc);
        if (rc != MDBX_SUCCESS) return Error{rc, "allocate blob sequence number"};
        UploadRecord rec;
        rec.chunk_size = cs;
        if (p.size) {
          rec.flags |= UploadRecord::kSizeKnown;
          rec.size = *p.size;
        }
        if (p.sha256) {
          rec.flags |= UploadRecord::kHasSha256;
          std::memcpy(rec.sha256, p.sha256->data(), 32);
        }
        if (p.want_sha1) rec.flags |= UploadRecord::kWantSha1;
        rec.created_ms = rec.updated_ms = now;
        rec.owner_pid = uint32_t(::getpid());
        rec.resume_key = p.resume_key;
        Error e = write_upload(txn, t, seq, rec);
        if (!e.ok()) return e;
        res->info.id = seq;
        res->info.chunk_size = cs;
        res->info.size = p.size;
        res->info.resume_key = p.resume_key;
        res->info.created_ms = res->info.updated_ms = now;
        res->info.owner_pid = rec.owner_pid;
        res->want_sha1 = p.want_sha1;
        res->sha256 = p.sha256;
        return {};
      },
      [env, res, cb](const Error& e) {
        if (!e.ok()) return cb(e, res->info);
        auto fresh = std::make_shared<UploadState>();
        fresh->seq = res->info.id;
        fresh->chunk_size = res->info.chunk_size;
        fresh->size = res->info.size;
        fresh->want_sha1 = res->want_sha1;
        fresh->expected_sha256 = res->sha256;
        for (auto& c : res->chunks) {
          if (c.first >= fresh->lengths.size()) fresh->lengths.resize(size_t(c.first) + 1, 0);
          fresh->lengths[c.first] = c.second;
        }
        auto s = env->uploads().insert(fresh);
        {
          std::lock_guard<std::mutex> lock(s->mu);
          schedule_hash_locked(env, s);
        }
        cb(e, res->info);
      });
}

void Store::put_chunk(uint64_t id, uint32_t index, const uint8_t* data, size_t len, Done cb) {
  Error e = check_open();
  if (e.ok() && read_only()) e = Error{MC_ERR_READ_ONLY, "upload"};
  std::shared_ptr<UploadState> s = e.ok() ? env_->uploads().find(id) : nullptr;
  if (e.ok() && !s) e = Error{MC_ERR_NOT_FOUND, "upload " + std::to_string(id) + " is not open in this process"};
  if (e.ok()) {
    std::lock_guard<std::mutex> lock(s->mu);
    if (s->finished) {
      e = Error{MC_ERR_NOT_FOUND, "upload " + std::to_string(id) + " was committed or aborted"};
    } else if (len == 0 || len > s->chunk_size) {
      e = Error{MC_ERR_INVALID_ARGUMENT, "chunk length must be 1.." + std::to_string(s->chunk_size)};
    } else if (s->size) {
      uint64_t count = format::chunk_count(*s->size, s->chunk_size);
      uint64_t expect = index + 1 < count ? s->chunk_size : *s->size - uint64_t(index) * s->chunk_size;
      if (index >= count) e = Error{MC_ERR_INVALID_ARGUMENT, "chunk index past the end of the upload"};
      else if (len != expect)
        e = Error{MC_ERR_SIZE_MISMATCH, "chunk " + std::to_string(index) + " must be " + std::to_string(expect) + " bytes"};
    }
  }
  if (!e.ok()) return cb(e);
  auto env = env_;
  env_->writer().submit(
      [env, id, index, data, len](MDBX_txn* txn) -> Error {
        const Tables& t = env->tables();
        UploadRecord rec;
        Error e = read_upload(txn, t, id, &rec);
        if (!e.ok()) return e;
        format::ChunkKey key(id, index);
        MDBX_val k{key.bytes, sizeof key.bytes};
        MDBX_val d{nullptr, format::kPayloadOffset + len};
        // MDBX_RESERVE: libmdbx hands back the value's space and we fill it; the pointer is valid only
        // until the next update in this transaction.
        int rc = mdbx_put(txn, t.chunks, &k, &d, MDBX_UPSERT | MDBX_RESERVE);
        if (rc != MDBX_SUCCESS) return Error{rc, "store chunk " + std::to_string(index)};
        test::kill_point("chunk.reserved");
        auto out = static_cast<uint8_t*>(d.iov_base);
        ChunkHeader h;
        h.seq = id;
        h.index = index;
        h.payload_len = uint32_t(len);
        h.crc32c = detail::copy_crc(out + format::kPayloadOffset, data, len);
        h.encode(out, crc32c);
        std::memset(out + ChunkHeader::kSize, 0, format::kPayloadOffset - ChunkHeader::kSize);
        // The chunk's pieces, if it was received in parts, go in the same transaction.
        if (!(e = delete_pieces(txn, t, id, index)).ok()) return e;
        rec.updated_ms = now_ms();  // heartbeat: this upload's owner is alive
        rec.owner_pid = uint32_t(::getpid());
        test::kill_point("chunk.before_commit");
        return write_upload(txn, t, id, rec);
      },
      [env, s, index, len, cb](const Error& e) {
        if (e.ok()) test::kill_point("chunk.after_commit");
        if (e.ok()) {
          std::lock_guard<std::mutex> lock(s->mu);
          if (index >= s->lengths.size()) s->lengths.resize(size_t(index) + 1, 0);
          s->lengths[index] = uint32_t(len);
          schedule_hash_locked(env, s);
        }
        cb(e);
      },
      len);
}

void Store::abort_upload(uint64_t id, Done cb) {
  Error e = check_open();
  if (e.ok() && read_only()) e = Error{MC_ERR_READ_ONLY, "upload"};
  if (!e.ok()) return cb(e);
  auto env = env_;
  env_->writer().submit(
      [env, id](MDBX_txn* txn) -> Error {
        const Tables& t = env->tables();
        Error e = detail::delete_chunks(txn, t, id);
        if (e.ok()) e = delete_pieces(txn, t, id);
        if (!e.ok()) return e;
        format::SeqKey key(id);
        MDBX_val k{key.bytes, sizeof key.bytes};
        int rc = mdbx_del(txn, t.uploads, &k, nullptr);
        if (rc != MDBX_SUCCESS && rc != MDBX_NOTFOUND) return Error{rc, "delete upload record"};
        test::kill_point("upload.abort.before_commit");
        return {};
      },
      [env, id, cb](const Error& e) {
        if (e.ok()) {
          if (auto s = env->uploads().find(id)) {
            std::lock_guard<std::mutex> lock(s->mu);
            s->finished = true;
          }
          env->uploads().erase(id);
        }
        cb(e);
      });
}

void Store::commit_upload(uint64_t id, const CommitParams& p, std::function<void(const Error&, const FileInfo&)> cb) {
  Error e = check_open();
  if (e.ok()) e = check_names(p.repo, p.path);
  if (e.ok() && read_only()) e = Error{MC_ERR_READ_ONLY, "upload"};
  std::shared_ptr<UploadState> s = e.ok() ? env_->uploads().find(id) : nullptr;
  if (e.ok() && !s) e = Error{MC_ERR_NOT_FOUND, "upload " + std::to_string(id) + " is not open in this process"};
  if (!e.ok()) return cb(e, FileInfo{});
  auto env = env_;
  auto self = shared_from_this();
  // On the hasher thread: after every hash step already queued for this upload (FIFO).
  env_->hasher().post([env, self, s, p, cb] {
    auto fail = [&](const Error& e) { cb(e, FileInfo{}); };
    uint64_t size = 0, count = 0;
    {
      std::lock_guard<std::mutex> lock(s->mu);
      if (s->finished) return fail(Error{MC_ERR_NOT_FOUND, "upload was committed or aborted"});
      if (s->size && p.size && *s->size != *p.size)
        return fail(Error{MC_ERR_SIZE_MISMATCH, "commit size " + std::to_string(*p.size) + " but upload size " + std::to_string(*s->size)});
      if (!s->size && !p.size) return fail(Error{MC_ERR_INVALID_ARGUMENT, "the upload's size is needed to commit it"});
      size = s->size ? *s->size : *p.size;
      count = format::chunk_count(size, s->chunk_size);
      for (uint64_t i = 0; i < count; i++) {
        uint64_t expect = i + 1 < count ? s->chunk_size : size - i * s->chunk_size;
        if (!s->durable(uint32_t(i)))
          return fail(Error{MC_ERR_INCOMPLETE, "chunk " + std::to_string(i) + " of " + std::to_string(count) + " missing"});
        if (s->lengths[i] != expect)
          return fail(Error{MC_ERR_SIZE_MISMATCH, "chunk " + std::to_string(i) + " holds " + std::to_string(s->lengths[i]) +
                                                       " bytes, expected " + std::to_string(expect)});
      }
      for (size_t i = count; i < s->lengths.size(); i++)
        if (s->lengths[i]) return fail(Error{MC_ERR_SIZE_MISMATCH, "chunks past the end of a " + std::to_string(size) + "-byte file"});
      if (!s->failure.ok()) return fail(s->failure);
    }
    // Finish the hashes: continue sha256 where the background steps stopped; sha1 from the start when
    // the size was not known up front.
    bool want_sha1 = s->want_sha1 || p.sha1.has_value();
    bool sha1_lockstep = s->sha1_started || (want_sha1 && s->hashed == 0);
    if (sha1_lockstep && !s->sha1_started) sha1_header(*s, size);
    for (uint32_t i = s->hashed; i < count; i++) {
      Error e = hash_chunk(*env, *s, i, true, sha1_lockstep);
      if (!e.ok()) return fail(e);
      std::lock_guard<std::mutex> lock(s->mu);
      s->hashed = i + 1;
    }
    if (want_sha1 && !sha1_lockstep) {
      s->sha1 = Sha1();
      sha1_header(*s, size);
      for (uint32_t i = 0; i < count; i++) {
        Error e = hash_chunk(*env, *s, i, false, true);
        if (!e.ok()) return fail(e);
      }
    }
    std::array<uint8_t, 32> sha256;
    Sha256(s->sha256).final(sha256.data());
    std::array<uint8_t, 20> sha1{};
    if (want_sha1) Sha1(s->sha1).final(sha1.data());

    std::string mismatch;
    const std::optional<std::array<uint8_t, 32>>& want256 = p.sha256 ? p.sha256 : s->expected_sha256;
    if (want256 && *want256 != sha256)
      mismatch = "sha256 is " + detail::hex(sha256.data(), 32) + ", expected " + detail::hex(want256->data(), 32);
    else if (p.sha1 && *p.sha1 != sha1)
      mismatch = "git sha1 is " + detail::hex(sha1.data(), 20) + ", expected " + detail::hex(p.sha1->data(), 20);
    if (!mismatch.empty()) {
      // Wrong content is never kept: drop the upload so a retry starts clean.
      Error err{MC_ERR_HASH_MISMATCH, p.repo + "/" + p.path + ": " + mismatch};
      self->abort_upload(s->seq, [cb, err](const Error&) { cb(err, FileInfo{}); });
      return;
    }

    auto info = std::make_shared<FileInfo>();
    uint32_t cs = s->chunk_size;
    uint64_t seq = s->seq;
    env->writer().submit(
        [env, p, seq, cs, size, count, sha256, sha1, want_sha1, info](MDBX_txn* txn) -> Error {
          const Tables& t = env->tables();
          UploadRecord rec;
          Error e = read_upload(txn, t, seq, &rec);
          if (!e.ok()) return e;
          format::BlobRecord b;
          e = detail::read_blob(txn, t, sha256.data(), &b);
          MDBX_val bk{const_cast<uint8_t*>(sha256.data()), 32};
          if (e.ok()) {
            // The content is already stored (another repo, path or revision): keep one copy.
            if (!(e = detail::delete_chunks(txn, t, seq)).ok()) return e;
            if (want_sha1 && !(b.flags & format::BlobRecord::kHasSha1)) {
              b.flags |= format::BlobRecord::kHasSha1;
              std::memcpy(b.sha1, sha1.data(), 20);
              uint8_t buf[format::BlobRecord::kSize];
              b.encode(buf);
              MDBX_val bd{buf, sizeof buf};
              int rc = mdbx_put(txn, t.blobs, &bk, &bd, MDBX_UPSERT);
              if (rc != MDBX_SUCCESS) return Error{rc, "update blob"};
            }
          } else if (e.rc == MC_ERR_NOT_FOUND) {
            b = format::BlobRecord{};
            b.chunk_size = cs;
            b.size = size;
            b.seq = seq;
            b.chunk_count = uint32_t(count);
            b.refcount = 0;  // put_file adds the reference
            b.created_ms = now_ms();
            if (want_sha1) {
              b.flags |= format::BlobRecord::kHasSha1;
              std::memcpy(b.sha1, sha1.data(), 20);
            }
            uint8_t buf[format::BlobRecord::kSize];
            b.encode(buf);
            MDBX_val bd{buf, sizeof buf};
            int rc = mdbx_put(txn, t.blobs, &bk, &bd, MDBX_UPSERT);
            if (rc != MDBX_SUCCESS) return Error{rc, "write blob"};
          } else {
            return e;
          }
          if (!(e = delete_pieces(txn, t, seq)).ok()) return e;
          format::SeqKey key(seq);
          MDBX_val k{key.bytes, sizeof key.bytes};
          int rc = mdbx_del(txn, t.uploads, &k, nullptr);
          if (rc != MDBX_SUCCESS) return Error{rc, "delete upload record"};
          test::kill_point("upload.before_commit");
          return detail::put_file(txn, t, p.repo, p.path, sha256.data(), size, info.get());
        },
        [env, s, info, cb](const Error& e) {
          if (e.ok()) test::kill_point("upload.after_commit");
          if (e.ok()) {
            {
              std::lock_guard<std::mutex> lock(s->mu);
              s->finished = true;
            }
            env->uploads().erase(s->seq);
          }
          cb(e, *info);
        });
  },
  // A step that throws (bad_alloc in a hash state or a message) fails the commit with a typed error.
  [cb](const Error& e) { cb(e, FileInfo{}); });
}

void Store::put_piece(uint64_t id, uint32_t index, uint32_t offset, const uint8_t* data, size_t len, Done cb) {
  Error e = check_open();
  if (e.ok() && read_only()) e = Error{MC_ERR_READ_ONLY, "upload"};
  std::shared_ptr<UploadState> s = e.ok() ? env_->uploads().find(id) : nullptr;
  if (e.ok() && !s) e = Error{MC_ERR_NOT_FOUND, "upload " + std::to_string(id) + " is not open in this process"};
  if (e.ok()) {
    std::lock_guard<std::mutex> lock(s->mu);
    uint64_t limit = s->chunk_size;
    if (s->size) {
      uint64_t count = format::chunk_count(*s->size, s->chunk_size);
      limit = index < count ? std::min<uint64_t>(s->chunk_size, *s->size - uint64_t(index) * s->chunk_size) : 0;
    }
    if (s->finished) e = Error{MC_ERR_NOT_FOUND, "upload " + std::to_string(id) + " was committed or aborted"};
    else if (s->durable(index)) e = Error{MC_ERR_INVALID_ARGUMENT, "chunk " + std::to_string(index) + " is already complete"};
    else if (len == 0 || offset + uint64_t(len) > limit)
      e = Error{MC_ERR_INVALID_ARGUMENT, "piece [" + std::to_string(offset) + ", +" + std::to_string(len) + ") outside chunk " +
                                             std::to_string(index) + " (" + std::to_string(limit) + " bytes)"};
  }
  if (!e.ok()) return cb(e);
  auto env = env_;
  env_->writer().submit(
      [env, id, index, offset, data, len](MDBX_txn* txn) -> Error {
        const Tables& t = env->tables();
        UploadRecord rec;
        Error e = read_upload(txn, t, id, &rec);
        if (!e.ok()) return e;
        std::map<uint32_t, uint32_t> kept;
        if (!(e = kept_prefixes(txn, t, id, index, &kept)).ok()) return e;
        uint32_t have = kept.count(index) ? kept[index] : 0;
        if (offset != have)
          return Error{MC_ERR_INVALID_ARGUMENT, "piece at offset " + std::to_string(offset) + " of chunk " + std::to_string(index) +
                                                    ", which has " + std::to_string(have) + " bytes kept"};
        // Whatever lies past the kept prefix (a damaged piece and those after it) is replaced.
        if (!(e = delete_pieces(txn, t, id, index, have)).ok()) return e;
        format::PieceKey key(id, index, offset);
        MDBX_val k{key.bytes, sizeof key.bytes};
        MDBX_val d{nullptr, format::PieceHeader::kSize + len};
        int rc = mdbx_put(txn, t.uploads, &k, &d, MDBX_UPSERT | MDBX_RESERVE);
        if (rc != MDBX_SUCCESS) return Error{rc, "store piece of chunk " + std::to_string(index)};
        auto out = static_cast<uint8_t*>(d.iov_base);
        format::PieceHeader h;
        h.payload_len = uint32_t(len);
        h.crc32c = detail::copy_crc(out + format::PieceHeader::kSize, data, len);
        h.encode(out, crc32c);
        rec.updated_ms = now_ms();  // heartbeat, as put_chunk
        rec.owner_pid = uint32_t(::getpid());
        return write_upload(txn, t, id, rec);
      },
      [cb](const Error& e) { cb(e); }, len);
}

Error Store::read_partial(uint64_t id, uint32_t index, uint8_t* dst, size_t cap, size_t* len) const {
  *len = 0;
  Error e = check_open();
  if (!e.ok()) return e;
  ReadTxn r;
  if (!(e = env_->begin_read(&r.txn)).ok()) return e;
  UploadRecord rec;
  if (!(e = read_upload(r.txn, env_->tables(), id, &rec)).ok()) return e;
  std::map<uint32_t, uint32_t> kept;
  if (!(e = kept_prefixes(r.txn, env_->tables(), id, index, &kept, dst, cap)).ok()) return e;
  *len = kept.count(index) ? kept[index] : 0;
  return {};
}

Error Store::list_uploads(std::vector<UploadInfo>* out) const {
  Error e = check_open();
  if (!e.ok()) return e;
  ReadTxn r;
  if (!(e = env_->begin_read(&r.txn)).ok()) return e;
  const Tables& t = env_->tables();
  detail::Cursor cur;
  int rc = cur.open(r.txn, t.uploads);
  if (rc != MDBX_SUCCESS) return Error{rc, "open cursor"};
  MDBX_val k, d;
  for (rc = mdbx_cursor_get(cur, &k, &d, MDBX_FIRST); rc == MDBX_SUCCESS; rc = mdbx_cursor_get(cur, &k, &d, MDBX_NEXT)) {
    UploadRecord rec;
    if (k.iov_len != 8 || !rec.decode(d.iov_base, d.iov_len)) continue;
    UploadInfo info;
    info.id = format::get_be64(static_cast<const uint8_t*>(k.iov_base));
    info.chunk_size = rec.chunk_size;
    if (rec.flags & UploadRecord::kSizeKnown) info.size = rec.size;
    info.resume_key = rec.resume_key;
    info.created_ms = rec.created_ms;
    info.updated_ms = rec.updated_ms;
    info.owner_pid = rec.owner_pid;
    std::vector<std::pair<uint32_t, uint32_t>> chunks;
    if (!(e = scan_chunks(*env_, r.txn, t, info.id, &chunks)).ok()) break;
    for (auto& c : chunks) info.present.push_back(c.first);
    std::map<uint32_t, uint32_t> kept;
    if (!(e = kept_prefixes(r.txn, t, info.id, std::nullopt, &kept)).ok()) break;
    for (auto& [index, n] : kept)
      if (!std::binary_search(info.present.begin(), info.present.end(), index)) info.partial.emplace_back(index, n);
    out->push_back(std::move(info));
  }
  if (!e.ok()) return e;
  if (rc != MDBX_SUCCESS && rc != MDBX_NOTFOUND) return Error{rc, "list uploads"};
  return {};
}

}  // namespace mc
