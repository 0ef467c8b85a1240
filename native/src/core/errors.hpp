// Error codes of the core: model-cache's own (model_cache.h), libmdbx's (passed through) and errno.
#pragma once
#include <string>

#include "model_cache.h"

namespace mc {

/** Stable name of any code: "MC_ERR_NOT_FOUND", "MDBX_MAP_FULL", "ENOSPC"; "MC_OK" for 0. */
const char* error_code_name(int rc) noexcept;

/** Static English message of any code. */
const char* error_message(int rc) noexcept;

/** A failure with context: the code plus a message naming what failed ("chunk 3 of blob 17: ..."). */
struct Error {
  int rc = MC_OK;
  std::string detail;  // empty: error_message(rc) says it all

  bool ok() const noexcept { return rc == MC_OK; }
  std::string message() const;  // "detail: generic message" or the generic message
};

}  // namespace mc
