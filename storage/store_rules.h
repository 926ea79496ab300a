// What both metadata stores (storage/sqlite, storage/postgres) decide the same way whatever
// the SQL: names of report kinds, the webhook event of an audit action, how lists are kept
// in one column, and the errors both answer with the same words.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "registry/metadata_store.h"
#include "registry/token_store.h"
#include "util/status.h"

namespace mv::storage {

// A report kind or status: [a-z0-9_-]{1,64}.
bool IsReportWord(std::string_view s);

// The webhook event an audit action makes, or null for actions no webhook hears about.
const char* EventForAction(const std::string& action);
// Event names kept comma-separated in one column, and back.
std::string JoinEvents(const std::vector<std::string>& events);
std::vector<std::string> SplitEvents(const std::string& text);
// Scopes kept comma-separated in one column.
std::string JoinScopes(const std::vector<Scope>& scopes);

// "version N of 'model'", for messages.
std::string Label(const std::string& model, int64_t number);
// FailedPrecondition: the draft's artifacts can no longer change.
Status SealedError(const std::string& model, int64_t number);
// FailedPrecondition unless `v` is sealed and not deleted: reports (and parity jobs' reports)
// are kept for sealed versions only.
Status RequireReportable(const Version& v, const std::string& model, int64_t number);
// NotFound for an alias the model does not have.
Status NoAlias(const std::string& model, const std::string& alias);
// A unique-constraint failure while inserting lineage rows means the caller listed the same
// thing twice: InvalidArgument naming `what`; other errors pass through.
Status Duplicate(Status s, const std::string& what);
// Whether a lineage node at (depth, id) comes after the query's keyset cursor.
bool AfterKey(const LineageQuery& q, int depth, int64_t id);

}  // namespace mv::storage
