// In-process state of uploads (blobs being written): which chunks are durable, and the running content
// hashes. Hashing runs on the environment's hasher thread, in chunk order, reading each chunk back from
// the map once it committed, so it overlaps with the writes of later chunks and hashes what was stored.
// After a restart the state is rebuilt from mc.chunks and hashing starts again from chunk 0.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/errors.hpp"
#include "core/sha1.hpp"
#include "core/sha256.hpp"

namespace mc {

struct UploadState {
  std::mutex mu;
  uint64_t seq = 0;
  uint32_t chunk_size = 0;
  std::optional<uint64_t> size;
  bool want_sha1 = false;
  std::optional<std::array<uint8_t, 32>> expected_sha256;

  std::vector<uint32_t> lengths;  // payload length of each durable chunk; 0 = not durable (none are empty)
  uint32_t hashed = 0;            // chunks [0, hashed) are in the hash states
  bool hashing = false;           // a hash task is queued or running
  bool sha1_started = false;      // the git blob header went into sha1 (needs the size)
  Sha256 sha256;
  Sha1 sha1;
  Error failure;                  // a damaged chunk seen while hashing
  bool finished = false;          // committed or aborted

  bool durable(uint32_t i) const { return i < lengths.size() && lengths[i] != 0; }
};

class UploadTable {
 public:
  std::shared_ptr<UploadState> find(uint64_t seq);
  std::shared_ptr<UploadState> insert(std::shared_ptr<UploadState> state);  // returns the existing one if any
  void erase(uint64_t seq);

 private:
  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<UploadState>> states_;
};

}  // namespace mc
