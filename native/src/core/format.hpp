// On-disk format, version 1. docs/FORMAT.md is the prose version of this file; keep them in step.
//
// One libmdbx database file `model-cache.mdbx` per cache directory, page size 4096, with named tables:
//   mc.meta     ASCII key                       -> little-endian scalar (format, chunk size, next seq, ...)
//   mc.files    repo 0x00 path (UTF-8)          -> FileRecord: size and sha256 of the content
//   mc.blobs    sha256 (32 bytes)               -> BlobRecord: where the content's chunks are
//   mc.chunks   seq (u64 BE) index (u32 BE)     -> ChunkHeader, zero padding up to kPayloadOffset, payload
//   mc.uploads  seq (u64 BE)                    -> UploadRecord: a blob being written (not yet visible)
//               seq index (u32 BE) offset (u32 BE) -> PieceHeader, payload: received prefix of a chunk not
//                                                  yet complete (a key range after the upload's record)
//   mc.docs     kind 0x00 name (UTF-8)          -> opaque bytes (JSON manifests, leases)
// Keys use the default lexicographic byte order; fixed-width integers in keys are big-endian so that
// byte order is numeric order. Values are little-endian.
//
// Names never contain 0x00 (validated), so `repo 0x00 path` is unambiguous, and all files of a repo are the
// contiguous key range starting with `repo 0x00`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace mc::format {

constexpr uint32_t kVersion = 1;
constexpr uint32_t kPageSize = 4096;
// libmdbx 0.11.3 stores a value larger than a leaf node can hold on its own run of "large" pages, with the
// data starting right after the 20-byte page header (measured: ptr % 4096 == 20). A value whose payload
// starts 4096-20 bytes in therefore has a page-aligned payload in the memory map, which is what lets the
// pages be mirrored into one contiguous view. The first 4076 bytes carry the ChunkHeader and zeros.
constexpr uint32_t kMdbxLargePageHeader = 20;
constexpr uint32_t kPayloadOffset = kPageSize - kMdbxLargePageHeader;  // 4076
constexpr uint32_t kDefaultChunkSize = 16u << 20;                       // bench/cases/chunk-size.ts
constexpr uint32_t kMinChunkSize = 64u << 10;
constexpr uint32_t kMaxChunkSize = 1u << 30;  // libmdbx's value limit is 2047 MiB; keep far below

constexpr size_t kMaxRepoBytes = 256;
constexpr size_t kMaxKindBytes = 32;

constexpr const char* kDbFileName = "model-cache.mdbx";
constexpr const char* kTableMeta = "mc.meta";
constexpr const char* kTableFiles = "mc.files";
constexpr const char* kTableBlobs = "mc.blobs";
constexpr const char* kTableChunks = "mc.chunks";
constexpr const char* kTableUploads = "mc.uploads";
constexpr const char* kTableDocs = "mc.docs";

// mc.meta keys
constexpr const char* kMetaFormat = "format";                  // u32
constexpr const char* kMetaPageSize = "page_size";             // u32
constexpr const char* kMetaPayloadOffset = "payload_offset";   // u32
constexpr const char* kMetaChunkSize = "chunk_size";           // u32, default for new blobs
constexpr const char* kMetaNextSeq = "next_seq";               // u64, next blob sequence number
constexpr const char* kMetaCreatedMs = "created_ms";           // u64

// ---- little-endian helpers --------------------------------------------------------------------------
inline void put_u16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v); p[1] = uint8_t(v >> 8); }
inline void put_u32(uint8_t* p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = uint8_t(v >> (8 * i)); }
inline void put_u64(uint8_t* p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = uint8_t(v >> (8 * i)); }
inline uint16_t get_u16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
inline uint32_t get_u32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}
inline uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}
inline void put_be64(uint8_t* p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = uint8_t(v >> (56 - 8 * i)); }
inline void put_be32(uint8_t* p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = uint8_t(v >> (24 - 8 * i)); }
inline uint64_t get_be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
  return v;
}
inline uint32_t get_be32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v = (v << 8) | p[i];
  return v;
}

// ---- keys -------------------------------------------------------------------------------------------
/** `a 0x00 b`: the key of mc.files (repo, path) and mc.docs (kind, name). */
inline std::string pair_key(std::string_view a, std::string_view b) {
  std::string k;
  k.reserve(a.size() + 1 + b.size());
  k.append(a);
  k.push_back('\0');
  k.append(b);
  return k;
}

struct ChunkKey {
  uint8_t bytes[12];
  ChunkKey(uint64_t seq, uint32_t index) {
    put_be64(bytes, seq);
    put_be32(bytes + 8, index);
  }
};

/** mc.uploads key of a piece: bytes [offset, offset+len) of chunk `index` of upload `seq`. Sorts right
 *  after the upload's own 8-byte key; readers of upload records skip keys that are not 8 bytes. */
struct PieceKey {
  static constexpr size_t kSize = 16;
  uint8_t bytes[kSize];
  PieceKey(uint64_t seq, uint32_t index, uint32_t offset) {
    put_be64(bytes, seq);
    put_be32(bytes + 8, index);
    put_be32(bytes + 12, offset);
  }
};

struct SeqKey {
  uint8_t bytes[8];
  explicit SeqKey(uint64_t seq) { put_be64(bytes, seq); }
};

// ---- values -----------------------------------------------------------------------------------------
/** mc.files value, 80 bytes. */
struct FileRecord {
  static constexpr size_t kSize = 80;
  uint64_t size = 0;
  uint8_t sha256[32] = {};
  uint64_t stored_ms = 0;

  void encode(uint8_t out[kSize]) const {
    std::memset(out, 0, kSize);
    put_u16(out + 0, 1);       // record version
    put_u64(out + 8, size);
    std::memcpy(out + 16, sha256, 32);
    put_u64(out + 72, stored_ms);
  }
  bool decode(const void* data, size_t len) {
    auto p = static_cast<const uint8_t*>(data);
    if (len < kSize || get_u16(p) != 1) return false;
    size = get_u64(p + 8);
    std::memcpy(sha256, p + 16, 32);
    stored_ms = get_u64(p + 72);
    return true;
  }
};

/** mc.blobs value, 64 bytes. The blob's chunks are mc.chunks keys (seq, 0..chunk_count-1). */
struct BlobRecord {
  static constexpr size_t kSize = 64;
  static constexpr uint16_t kHasSha1 = 1;
  uint16_t flags = 0;
  uint32_t chunk_size = 0;
  uint64_t size = 0;
  uint64_t seq = 0;
  uint32_t chunk_count = 0;
  uint32_t refcount = 0;  // number of mc.files records naming this blob
  uint64_t created_ms = 0;
  uint8_t sha1[20] = {};  // git blob sha1 of the content, when kHasSha1

  void encode(uint8_t out[kSize]) const {
    std::memset(out, 0, kSize);
    put_u16(out + 0, 1);
    put_u16(out + 2, flags);
    put_u32(out + 4, chunk_size);
    put_u64(out + 8, size);
    put_u64(out + 16, seq);
    put_u32(out + 24, chunk_count);
    put_u32(out + 28, refcount);
    put_u64(out + 32, created_ms);
    std::memcpy(out + 40, sha1, 20);
  }
  bool decode(const void* data, size_t len) {
    auto p = static_cast<const uint8_t*>(data);
    if (len < kSize || get_u16(p) != 1) return false;
    flags = get_u16(p + 2);
    chunk_size = get_u32(p + 4);
    size = get_u64(p + 8);
    seq = get_u64(p + 16);
    chunk_count = get_u32(p + 24);
    refcount = get_u32(p + 28);
    created_ms = get_u64(p + 32);
    std::memcpy(sha1, p + 40, 20);
    return chunk_size != 0 || size == 0;
  }
};

/** First bytes of every mc.chunks value; the rest up to kPayloadOffset is zero. */
struct ChunkHeader {
  static constexpr size_t kSize = 32;
  static constexpr uint32_t kMagic = 0x4B43434D;  // "MCCK" little-endian
  uint64_t seq = 0;
  uint32_t index = 0;
  uint32_t payload_len = 0;
  uint32_t crc32c = 0;  // of the payload

  void encode(uint8_t out[kSize], uint32_t (*crc)(uint32_t, const void*, size_t)) const {
    put_u32(out + 0, kMagic);
    put_u16(out + 4, 1);
    put_u16(out + 6, 0);
    put_u64(out + 8, seq);
    put_u32(out + 16, index);
    put_u32(out + 20, payload_len);
    put_u32(out + 24, crc32c);
    put_u32(out + 28, crc(0, out, 28));
  }
  /** False when the header is damaged (bad magic, version or header checksum). */
  bool decode(const void* data, size_t len, uint32_t (*crc)(uint32_t, const void*, size_t)) {
    auto p = static_cast<const uint8_t*>(data);
    if (len < kSize || get_u32(p) != kMagic || get_u16(p + 4) != 1) return false;
    if (crc(0, p, 28) != get_u32(p + 28)) return false;
    seq = get_u64(p + 8);
    index = get_u32(p + 16);
    payload_len = get_u32(p + 20);
    crc32c = get_u32(p + 24);
    return true;
  }
};

/** First bytes of a piece value (mc.uploads, 16-byte key); the payload follows at kSize. */
struct PieceHeader {
  static constexpr size_t kSize = 16;
  static constexpr uint32_t kMagic = 0x4350434D;  // "MCPC" little-endian
  uint32_t payload_len = 0;
  uint32_t crc32c = 0;  // of the payload

  void encode(uint8_t out[kSize], uint32_t (*crc)(uint32_t, const void*, size_t)) const {
    put_u32(out + 0, kMagic);
    put_u32(out + 4, payload_len);
    put_u32(out + 8, crc32c);
    put_u32(out + 12, crc(0, out, 12));
  }
  /** False when damaged (magic, header checksum, or a value shorter than the payload it announces). */
  bool decode(const void* data, size_t len, uint32_t (*crc)(uint32_t, const void*, size_t)) {
    auto p = static_cast<const uint8_t*>(data);
    if (len < kSize || get_u32(p) != kMagic || crc(0, p, 12) != get_u32(p + 12)) return false;
    payload_len = get_u32(p + 4);
    crc32c = get_u32(p + 8);
    return len >= kSize + uint64_t(payload_len);
  }
};

/** mc.uploads value: a blob whose chunks are being written. Invisible to readers until committed. */
struct UploadRecord {
  static constexpr size_t kFixed = 76;
  static constexpr uint16_t kSizeKnown = 1;
  static constexpr uint16_t kHasSha256 = 2;
  static constexpr uint16_t kWantSha1 = 4;
  uint16_t flags = 0;
  uint32_t chunk_size = 0;
  uint64_t size = 0;
  uint64_t created_ms = 0;
  uint64_t updated_ms = 0;
  uint32_t owner_pid = 0;
  uint8_t sha256[32] = {};  // expected content hash, when kHasSha256
  std::string resume_key;   // caller's name for the upload (e.g. "sha256:<hex>"), may be empty

  std::string encode() const {
    std::string out(kFixed + resume_key.size(), '\0');
    auto p = reinterpret_cast<uint8_t*>(&out[0]);
    put_u16(p + 0, 1);
    put_u16(p + 2, flags);
    put_u32(p + 4, chunk_size);
    put_u64(p + 8, size);
    put_u64(p + 16, created_ms);
    put_u64(p + 24, updated_ms);
    put_u32(p + 32, owner_pid);
    std::memcpy(p + 40, sha256, 32);
    put_u32(p + 72, uint32_t(resume_key.size()));
    std::memcpy(p + kFixed, resume_key.data(), resume_key.size());
    return out;
  }
  bool decode(const void* data, size_t len) {
    auto p = static_cast<const uint8_t*>(data);
    if (len < kFixed || get_u16(p) != 1) return false;
    flags = get_u16(p + 2);
    chunk_size = get_u32(p + 4);
    size = get_u64(p + 8);
    created_ms = get_u64(p + 16);
    updated_ms = get_u64(p + 24);
    owner_pid = get_u32(p + 32);
    std::memcpy(sha256, p + 40, 32);
    uint32_t klen = get_u32(p + 72);
    if (len < kFixed + klen) return false;
    resume_key.assign(reinterpret_cast<const char*>(p + kFixed), klen);
    return chunk_size != 0;
  }
};

/** Number of chunks of a blob of `size` bytes. A zero-byte blob has none. */
inline uint64_t chunk_count(uint64_t size, uint32_t chunk_size) {
  return (size + chunk_size - 1) / chunk_size;
}

}  // namespace mc::format
