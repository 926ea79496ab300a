// The numbered SQL migrations in schema/migrations/ (SQLite) and schema/postgres/
// (PostgreSQL), embedded at build time.
#pragma once

#include <vector>

namespace mv::schema {

struct Migration {
  int number;        // from the file name, 0001_... -> 1; applied in order
  const char* name;  // the file name
  const char* sql;   // the file's statements
};

// All migrations, ascending by number. Append-only: never edit a released one.
const std::vector<Migration>& Migrations();
// The PostgreSQL schema of schema/postgres/, likewise.
const std::vector<Migration>& PostgresMigrations();

}  // namespace mv::schema
