#include "storage/store_rules.h"

namespace mv::storage {

bool IsReportWord(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

const char* EventForAction(const std::string& action) {
  if (action == "model.create") return "model.created";
  if (action == "version.create" || action == "version.commit") return "version.created";
  if (action == "stage" || action == "stage.forced") return "stage.changed";
  if (action == "alias.set" || action == "alias.delete") return "alias.changed";
  if (action == "version.delete") return "version.deleted";
  if (action == "parity.finished") return "version.parity_finished";
  if (action == "webhook.test") return "webhook.test";
  return nullptr;
}

std::string JoinEvents(const std::vector<std::string>& events) {
  std::string out;
  for (const std::string& e : events) out += (out.empty() ? "" : ",") + e;
  return out;
}

std::vector<std::string> SplitEvents(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= text.size() && !text.empty()) {
    size_t j = text.find(',', i);
    if (j == std::string::npos) j = text.size();
    out.push_back(text.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string JoinScopes(const std::vector<Scope>& scopes) {
  std::string out;
  for (Scope s : scopes) out += (out.empty() ? "" : ",") + std::string(ScopeName(s));
  return out;
}

std::string Label(const std::string& model, int64_t number) {
  return "version " + std::to_string(number) + " of '" + model + "'";
}

Status RequireReportable(const Version& v, const std::string& model, int64_t number) {
  if (v.state != VersionState::kSealed || v.deleted_at_ms) {
    return FailedPrecondition("version " + std::to_string(number) + " of '" + model + "' is " +
                              (v.deleted_at_ms ? "deleted" : "a draft") +
                              ": reports are kept for sealed versions only");
  }
  return Status::Ok();
}

Status SealedError(const std::string& model, int64_t number) {
  return FailedPrecondition("version " + std::to_string(number) + " of '" + model +
                            "' is sealed: its artifacts can no longer change");
}

Status NoAlias(const std::string& model, const std::string& alias) {
  return NotFound("model '" + model + "' has no alias '" + alias + "'");
}

Status Duplicate(Status s, const std::string& what) {
  if (s.code() == Code::kAlreadyExists) return InvalidArgument(what + " is listed twice");
  return s;
}

bool AfterKey(const LineageQuery& q, int depth, int64_t id) {
  return depth != q.after_depth ? depth > q.after_depth : id > q.after_id;
}

}  // namespace mv::storage
