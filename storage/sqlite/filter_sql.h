// Compiles a parsed search filter into an SQL boolean expression over the store's tables,
// with every user value as a bound parameter (never spliced into the SQL text).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "registry/search/filter.h"
#include "util/status.h"

namespace mv::storage {

using SqlParam = std::variant<int64_t, double, std::string>;

// SQLite's or PostgreSQL's spelling: the same predicates, except that PostgreSQL's true is
// TRUE and its case-insensitive LIKE (SQLite's LIKE folds ASCII case) is ILIKE.
enum class SqlDialect { kSqlite, kPostgres };

struct SqlFragment {
  std::string sql = "1";
  std::vector<SqlParam> params;
};

// For a query over `versions v JOIN models m ON m.id = v.model_id`. nullptr matches all.
// InvalidArgument for a value of the wrong type (e.g. version = 'x', a bad timestamp).
Result<SqlFragment> CompileVersionFilter(const search::Node* node,
                                         SqlDialect dialect = SqlDialect::kSqlite);
// For a query over `models m`: version fields match when any live sealed version matches.
Result<SqlFragment> CompileModelFilter(const search::Node* node,
                                       SqlDialect dialect = SqlDialect::kSqlite);

}  // namespace mv::storage
