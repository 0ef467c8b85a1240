#include "core/store.hpp"

#include <cstring>


#include "core/crc32c.hpp"
#include "core/test_hooks.hpp"
#include "core/writer.hpp"

namespace mc {

using format::BlobRecord;
using format::FileRecord;

namespace detail {

std::string hex(const uint8_t* p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (size_t i = 0; i < n; i++) {
    s[2 * i] = digits[p[i] >> 4];
    s[2 * i + 1] = digits[p[i] & 15];
  }
  return s;
}

static MDBX_val val(const void* p, size_t n) { return MDBX_val{const_cast<void*>(p), n}; }


Error read_blob(MDBX_txn* txn, const Tables& t, const uint8_t sha256[32], BlobRecord* out) {
  MDBX_val k = val(sha256, 32), d;
  int rc = mdbx_get(txn, t.blobs, &k, &d);
  if (rc == MDBX_NOTFOUND) return Error{MC_ERR_NOT_FOUND, "blob " + hex(sha256, 32)};
  if (rc != MDBX_SUCCESS) return Error{rc, "read blob"};
  if (!out->decode(d.iov_base, d.iov_len)) return Error{MC_ERR_CORRUPT, "blob record " + hex(sha256, 32)};
  return {};
}

static void fill_info(const FileRecord& f, const BlobRecord& b, FileInfo* out) {
  out->size = f.size;
  std::memcpy(out->sha256, f.sha256, 32);
  out->stored_ms = f.stored_ms;
  out->seq = b.seq;
  out->chunk_size = b.chunk_size;
  out->chunk_count = b.chunk_count;
  out->has_sha1 = (b.flags & BlobRecord::kHasSha1) != 0;
  std::memcpy(out->sha1, b.sha1, 20);
}

Error read_file(MDBX_txn* txn, const Tables& t, const std::string& repo, const std::string& path, FileInfo* out) {
  std::string key = format::pair_key(repo, path);
  MDBX_val k = val(key.data(), key.size()), d;
  int rc = mdbx_get(txn, t.files, &k, &d);
  if (rc == MDBX_NOTFOUND) return Error{MC_ERR_NOT_FOUND, repo + "/" + path};
  if (rc != MDBX_SUCCESS) return Error{rc, "read file record"};
  FileRecord f;
  if (!f.decode(d.iov_base, d.iov_len)) return Error{MC_ERR_CORRUPT, "file record " + repo + "/" + path};
  BlobRecord b;
  Error e = read_blob(txn, t, f.sha256, &b);
  if (e.rc == MC_ERR_NOT_FOUND) return Error{MC_ERR_CORRUPT, "file " + repo + "/" + path + " names a missing blob"};
  if (!e.ok()) return e;
  if (b.size != f.size) return Error{MC_ERR_CORRUPT, "file " + repo + "/" + path + " size disagrees with its blob"};
  out->repo = repo;
  out->path = path;
  fill_info(f, b, out);
  return {};
}

Error delete_chunks(MDBX_txn* txn, const Tables& t, uint64_t seq) {
  detail::Cursor cur;
  int rc = cur.open(txn, t.chunks);
  if (rc != MDBX_SUCCESS) return Error{rc, "open cursor"};
  format::ChunkKey first(seq, 0);
  for (;;) {
    // Re-seek after every delete rather than rely on where a delete leaves the cursor.
    MDBX_val k = val(first.bytes, sizeof first.bytes), d;
    rc = mdbx_cursor_get(cur, &k, &d, MDBX_SET_RANGE);
    if (rc != MDBX_SUCCESS) break;
    if (k.iov_len != 12 || format::get_be64(static_cast<const uint8_t*>(k.iov_base)) != seq) break;
    rc = mdbx_cursor_del(cur, MDBX_UPSERT);
    if (rc != MDBX_SUCCESS) break;
  }
  if (rc != MDBX_SUCCESS && rc != MDBX_NOTFOUND) return Error{rc, "delete chunks"};
  return {};
}

Error unref_blob(MDBX_txn* txn, const Tables& t, const uint8_t sha256[32]) {
  BlobRecord b;
  Error e = read_blob(txn, t, sha256, &b);
  if (e.rc == MC_ERR_NOT_FOUND) return {};  // nothing to release
  if (!e.ok()) return e;
  MDBX_val k = val(sha256, 32);
  if (b.refcount > 1) {
    b.refcount--;
    uint8_t buf[BlobRecord::kSize];
    b.encode(buf);
    MDBX_val d = val(buf, sizeof buf);
    int rc = mdbx_put(txn, t.blobs, &k, &d, MDBX_UPSERT);
    return rc == MDBX_SUCCESS ? Error{} : Error{rc, "update blob"};
  }
  e = delete_chunks(txn, t, b.seq);
  if (!e.ok()) return e;
  int rc = mdbx_del(txn, t.blobs, &k, nullptr);
  return rc == MDBX_SUCCESS ? Error{} : Error{rc, "delete blob"};
}

Error put_file(MDBX_txn* txn, const Tables& t, const std::string& repo, const std::string& path,
               const uint8_t sha256[32], uint64_t size, FileInfo* out) {
  std::string key = format::pair_key(repo, path);
  MDBX_val k = val(key.data(), key.size()), d;
  int rc = mdbx_get(txn, t.files, &k, &d);
  bool same = false;
  if (rc == MDBX_SUCCESS) {
    FileRecord old;
    if (old.decode(d.iov_base, d.iov_len)) {
      same = std::memcmp(old.sha256, sha256, 32) == 0;
      if (!same) {
        Error e = unref_blob(txn, t, old.sha256);
        if (!e.ok()) return e;
      }
    }
  } else if (rc != MDBX_NOTFOUND) {
    return Error{rc, "read file record"};
  }
  BlobRecord b;
  Error e = read_blob(txn, t, sha256, &b);
  if (!e.ok()) return e;
  if (!same) {
    b.refcount++;
    uint8_t bbuf[BlobRecord::kSize];
    b.encode(bbuf);
    MDBX_val bk = val(sha256, 32), bd = val(bbuf, sizeof bbuf);
    rc = mdbx_put(txn, t.blobs, &bk, &bd, MDBX_UPSERT);
    if (rc != MDBX_SUCCESS) return Error{rc, "update blob"};
  }
  FileRecord f;
  f.size = size;
  std::memcpy(f.sha256, sha256, 32);
  f.stored_ms = now_ms();
  uint8_t fbuf[FileRecord::kSize];
  f.encode(fbuf);
  MDBX_val fd = val(fbuf, sizeof fbuf);
  rc = mdbx_put(txn, t.files, &k, &fd, MDBX_UPSERT);
  if (rc != MDBX_SUCCESS) return Error{rc, "write file record"};
  if (out) {
    out->repo = repo;
    out->path = path;
    fill_info(f, b, out);
  }
  return {};
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------------

Error Store::open(const Options& opts, std::shared_ptr<Store>* out) {
  if (opts.chunk_size != 0 &&
      (opts.chunk_size % format::kPageSize != 0 || opts.chunk_size < format::kMinChunkSize ||
       opts.chunk_size > format::kMaxChunkSize))
    return Error{MC_ERR_INVALID_ARGUMENT, "chunk size must be a multiple of 4096 between 64 KiB and 1 GiB"};
  std::shared_ptr<Env> env;
  Error e = Env::open(opts.env, &env);
  if (!e.ok()) return e;
  std::shared_ptr<Store> s(new Store());
  s->env_ = std::move(env);
  s->chunk_size_ = opts.chunk_size ? opts.chunk_size : s->env_->default_chunk_size();
  s->read_only_ = opts.env.read_only || s->env_->read_only();
  *out = std::move(s);
  return {};
}

Error Store::check_open() const {
  if (closed_.load()) return Error{MC_ERR_CLOSED, "store"};
  return {};
}

Error Store::check_names(const std::string& repo, const std::string& path) const {
  if (repo.empty() || path.empty()) return Error{MC_ERR_INVALID_NAME, "repo and path must not be empty"};
  if (repo.find('\0') != std::string::npos || path.find('\0') != std::string::npos)
    return Error{MC_ERR_INVALID_NAME, "names must not contain NUL"};
  if (repo.size() > format::kMaxRepoBytes) return Error{MC_ERR_INVALID_NAME, "repo longer than 256 bytes"};
  if (repo.size() + 1 + path.size() > env_->max_key_size())
    return Error{MC_ERR_INVALID_NAME, "repo and path longer than " + std::to_string(env_->max_key_size() - 1) + " bytes"};
  return {};
}

using detail::ReadTxn;

Error Store::file_info(const std::string& repo, const std::string& path, FileInfo* out) const {
  Error e = check_open();
  if (!e.ok()) return e;
  if (!(e = check_names(repo, path)).ok()) return e;
  ReadTxn r;
  if (!(e = env_->begin_read(&r.txn)).ok()) return e;
  return detail::read_file(r.txn, env_->tables(), repo, path, out);
}

Error Store::list_files(const std::string* repo, std::vector<FileInfo>* out) const {
  Error e = check_open();
  if (!e.ok()) return e;
  ReadTxn r;
  if (!(e = env_->begin_read(&r.txn)).ok()) return e;
  const Tables& t = env_->tables();
  detail::Cursor cur;
  int rc = cur.open(r.txn, t.files);
  if (rc != MDBX_SUCCESS) return Error{rc, "open cursor"};
  std::string prefix = repo ? *repo + std::string(1, '\0') : std::string();
  MDBX_val k{const_cast<char*>(prefix.data()), prefix.size()}, d;
  rc = mdbx_cursor_get(cur, &k, &d, prefix.empty() ? MDBX_FIRST : MDBX_SET_RANGE);
  while (rc == MDBX_SUCCESS) {
    std::string key(static_cast<const char*>(k.iov_base), k.iov_len);
    if (!prefix.empty() && key.compare(0, prefix.size(), prefix) != 0) break;
    size_t sep = key.find('\0');
    FileRecord f;
    BlobRecord b;
    if (sep == std::string::npos || !f.decode(d.iov_base, d.iov_len)) {
      return Error{MC_ERR_CORRUPT, "file record"};
    }
    FileInfo info;
    info.repo = key.substr(0, sep);
    info.path = key.substr(sep + 1);
    info.size = f.size;
    std::memcpy(info.sha256, f.sha256, 32);
    info.stored_ms = f.stored_ms;
    if (detail::read_blob(r.txn, t, f.sha256, &b).ok()) {
      info.seq = b.seq;
      info.chunk_size = b.chunk_size;
      info.chunk_count = b.chunk_count;
      info.has_sha1 = (b.flags & BlobRecord::kHasSha1) != 0;
      std::memcpy(info.sha1, b.sha1, 20);
    }
    out->push_back(std::move(info));
    rc = mdbx_cursor_get(cur, &k, &d, MDBX_NEXT);
  }
  if (rc != MDBX_SUCCESS && rc != MDBX_NOTFOUND) return Error{rc, "list files"};
  return {};
}

Error Store::stats(Stats* out) const {
  Error e = check_open();
  if (!e.ok()) return e;
  ReadTxn r;
  if (!(e = env_->begin_read(&r.txn)).ok()) return e;
  const Tables& t = env_->tables();
  MDBX_stat st;
  struct {
    MDBX_dbi dbi;
    uint64_t* count;
  } counts[] = {{t.files, &out->files}, {t.blobs, &out->blobs}, {t.chunks, &out->chunks},
                {t.uploads, &out->uploads}, {t.docs, &out->docs}};
  for (auto& c : counts) {
    int rc = mdbx_dbi_stat(r.txn, c.dbi, &st, sizeof st);
    if (rc != MDBX_SUCCESS) return Error{rc, "table stat"};
    *c.count = st.ms_entries;
  }
  detail::Cursor cur;
  MDBX_val k, d;
  for (MDBX_dbi dbi : {t.files, t.blobs}) {
    int rc = cur.open(r.txn, dbi);
    if (rc != MDBX_SUCCESS) return Error{rc, "open cursor"};
    for (rc = mdbx_cursor_get(cur, &k, &d, MDBX_FIRST); rc == MDBX_SUCCESS; rc = mdbx_cursor_get(cur, &k, &d, MDBX_NEXT)) {
      if (dbi == t.files) {
        FileRecord f;
        if (f.decode(d.iov_base, d.iov_len)) out->logical_bytes += f.size;
      } else {
        BlobRecord b;
        if (b.decode(d.iov_base, d.iov_len)) out->stored_bytes += b.size;
      }
    }
  }
  MDBX_envinfo info;
  int rc = mdbx_env_info_ex(env_->raw(), r.txn, &info, sizeof info);
  if (rc != MDBX_SUCCESS) return Error{rc, "env info"};
  out->db_file_bytes = info.mi_geo.current;
  out->db_used_bytes = (info.mi_last_pgno + 1) * uint64_t(info.mi_dxb_pagesize);
  out->map_size = info.mi_geo.upper;
  out->page_size = info.mi_dxb_pagesize;
  out->max_readers = info.mi_maxreaders;
  out->readers_used = info.mi_numreaders;
  out->chunk_size = chunk_size_;
  out->txnid = mdbx_txn_id(r.txn);
  return {};
}

Error Store::get_doc(const std::string& kind, const std::string& name, std::string* out) const {
  Error e = check_open();
  if (!e.ok()) return e;
  ReadTxn r;
  if (!(e = env_->begin_read(&r.txn)).ok()) return e;
  std::string key = format::pair_key(kind, name);
  MDBX_val k{key.data(), key.size()}, d;
  int rc = mdbx_get(r.txn, env_->tables().docs, &k, &d);
  if (rc == MDBX_NOTFOUND) return Error{MC_ERR_NOT_FOUND, kind + " " + name};
  if (rc != MDBX_SUCCESS) return Error{rc, "read document"};
  out->assign(static_cast<const char*>(d.iov_base), d.iov_len);
  return {};
}

Error Store::list_docs(const std::string& kind, const std::string& prefix, std::vector<Doc>* out) const {
  Error e = check_open();
  if (!e.ok()) return e;
  ReadTxn r;
  if (!(e = env_->begin_read(&r.txn)).ok()) return e;
  detail::Cursor cur;
  int rc = cur.open(r.txn, env_->tables().docs);
  if (rc != MDBX_SUCCESS) return Error{rc, "open cursor"};
  std::string start = format::pair_key(kind, prefix);
  size_t kind_len = kind.size() + 1;
  MDBX_val k{start.data(), start.size()}, d;
  for (rc = mdbx_cursor_get(cur, &k, &d, MDBX_SET_RANGE); rc == MDBX_SUCCESS; rc = mdbx_cursor_get(cur, &k, &d, MDBX_NEXT)) {
    std::string key(static_cast<const char*>(k.iov_base), k.iov_len);
    if (key.compare(0, start.size(), start) != 0) break;
    out->push_back(Doc{key.substr(kind_len), std::string(static_cast<const char*>(d.iov_base), d.iov_len)});
  }
  if (rc != MDBX_SUCCESS && rc != MDBX_NOTFOUND) return Error{rc, "list documents"};
  return {};
}

// ---------------------------------------------------------------------------------------------------

void Store::link_file(const std::string& repo, const std::string& path, const std::array<uint8_t, 32>& sha256,
                      std::function<void(const Error&, const FileInfo&)> cb) {
  Error e = check_open();
  if (e.ok()) e = check_names(repo, path);
  if (e.ok() && read_only()) e = Error{MC_ERR_READ_ONLY, "link"};
  if (!e.ok()) return cb(e, FileInfo{});
  auto info = std::make_shared<FileInfo>();
  auto env = env_;
  env_->writer().submit(
      [env, repo, path, sha256, info](MDBX_txn* txn) -> Error {
        format::BlobRecord b;
        Error e = detail::read_blob(txn, env->tables(), sha256.data(), &b);
        if (!e.ok()) return e;
        return detail::put_file(txn, env->tables(), repo, path, sha256.data(), b.size, info.get());
      },
      [info, cb](const Error& e) { cb(e, *info); });
}

void Store::delete_file(const std::string& repo, const std::string& path, std::function<void(const Error&, bool)> cb) {
  Error e = check_open();
  if (e.ok()) e = check_names(repo, path);
  if (e.ok() && read_only()) e = Error{MC_ERR_READ_ONLY, "delete"};
  if (!e.ok()) return cb(e, false);
  auto existed = std::make_shared<bool>(false);
  auto env = env_;
  env_->writer().submit(
      [env, repo, path, existed](MDBX_txn* txn) -> Error {
        const Tables& t = env->tables();
        std::string key = format::pair_key(repo, path);
        MDBX_val k{key.data(), key.size()}, d;
        int rc = mdbx_get(txn, t.files, &k, &d);
        *existed = rc == MDBX_SUCCESS;
        if (rc == MDBX_NOTFOUND) return {};
        if (rc != MDBX_SUCCESS) return Error{rc, "read file record"};
        FileRecord f;
        bool ok = f.decode(d.iov_base, d.iov_len);
        rc = mdbx_del(txn, t.files, &k, nullptr);
        if (rc != MDBX_SUCCESS) return Error{rc, "delete file record"};
        test::kill_point("delete_file.before_commit");
        return ok ? detail::unref_blob(txn, t, f.sha256) : Error{};
      },
      [existed, cb](const Error& e) { if (e.ok()) test::kill_point("delete_file.after_commit"); cb(e, e.ok() && *existed); });
}

void Store::put_doc(const std::string& kind, const std::string& name, std::optional<std::string> value,
                    std::optional<std::optional<std::string>> expect, Done cb) {
  Error e = check_open();
  if (e.ok() && (kind.empty() || kind.size() > format::kMaxKindBytes || kind.find('\0') != std::string::npos ||
                 name.find('\0') != std::string::npos || kind.size() + 1 + name.size() > env_->max_key_size()))
    e = Error{MC_ERR_INVALID_NAME, "document kind or name"};
  if (e.ok() && value && value->size() > env_->max_value_size()) e = Error{MC_ERR_TOO_LARGE, "document"};
  if (e.ok() && read_only()) e = Error{MC_ERR_READ_ONLY, "put document"};
  if (!e.ok()) return cb(e);
  auto env = env_;
  std::string key = format::pair_key(kind, name);
  size_t weight = value ? value->size() : 0;
  env_->writer().submit(
      [env, key, value = std::move(value), expect = std::move(expect)](MDBX_txn* txn) -> Error {
        MDBX_dbi dbi = env->tables().docs;
        MDBX_val k{const_cast<char*>(key.data()), key.size()}, d;
        if (expect) {
          int rc = mdbx_get(txn, dbi, &k, &d);
          if (rc != MDBX_SUCCESS && rc != MDBX_NOTFOUND) return Error{rc, "read document"};
          bool present = rc == MDBX_SUCCESS;
          bool match = present ? (expect->has_value() && (*expect)->size() == d.iov_len &&
                                  std::memcmp((*expect)->data(), d.iov_base, d.iov_len) == 0)
                               : !expect->has_value();
          if (!match) return Error{MC_ERR_BUSY, "document changed concurrently"};
        }
        if (!value) {
          int rc = mdbx_del(txn, dbi, &k, nullptr);
          return rc == MDBX_SUCCESS || rc == MDBX_NOTFOUND ? Error{} : Error{rc, "delete document"};
        }
        MDBX_val v{const_cast<char*>(value->data()), value->size()};
        int rc = mdbx_put(txn, dbi, &k, &v, MDBX_UPSERT);
        if (rc == MDBX_SUCCESS) test::kill_point("doc.before_commit");
        return rc == MDBX_SUCCESS ? Error{} : Error{rc, "write document"};
      },
      [cb](const Error& e) { if (e.ok()) test::kill_point("doc.after_commit"); cb(e); }, weight);
}

}  // namespace mc
