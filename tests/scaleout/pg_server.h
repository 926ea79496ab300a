// Test databases on the throwaway PostgreSQL that tests/scaleout/pg_env.sh starts (it exports
// MV_TEST_PG, an admin URL). Without it the PostgreSQL instances of the store tests are not
// instantiated at all, so the plain unit runs list only SQLite.
#pragma once

#include <string>

#include "util/status.h"

namespace mv::test {

// MV_TEST_PG, or "" when the tests run without PostgreSQL.
std::string PgAdminUrl();

// A new, empty database (named uniquely in this process) and its URL. Unavailable when
// MV_TEST_PG is unset or the server refuses.
Result<std::string> CreatePgDatabase();

// Drops the database a CreatePgDatabase URL names, closing whatever is still connected.
Status DropPgDatabase(const std::string& url);

}  // namespace mv::test
