// What is at a cache's database path before libmdbx opens it.
//
// libmdbx 0.11.3 initialises a new database over any file whose meta pages it cannot read in full: a
// database truncated to one page became an empty cache with libmdbx's default geometry (a 1 MiB upper
// bound: every later write failed with MDBX_MAP_FULL). Only an empty file may be initialised; anything
// else that is not a model-cache database is MC_ERR_NOT_A_DATABASE, and the file is left as it is.
// docs/LIBMDBX.md ("Opening: what is a database") lists the cases.
#pragma once
#include <string>

#include "core/errors.hpp"

namespace mc {

enum class DbFileState {
  kMissing,  // no file: a read-write open creates the database
  kEmpty,    // 0 bytes: created by another opener that has not initialised it yet; initialise it
  kPresent,  // has libmdbx meta pages of our page size: let libmdbx open it
};

/** Checks that `dir` is a directory and what its database file `db_path` is. */
Error check_db_file(const std::string& dir, const std::string& db_path, DbFileState* state);

/** MC_ERR_NOT_A_DATABASE for `path`, saying why and how to recover (move the file aside). */
Error not_a_database(const std::string& path, const std::string& why);

/** Whether a libmdbx error from opening an existing file means the file is not a (whole) database. */
bool is_not_a_database_rc(int rc) noexcept;

}  // namespace mc
