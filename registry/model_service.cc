#include "registry/model_service.h"

#include "util/encoding.h"
#include "registry/names.h"

namespace mv {

Status ValidateDescription(const std::string& description) {
  if (description.size() > kMaxDescriptionBytes) {
    return InvalidArgument("description is longer than 16 KiB");
  }
  return Status::Ok();
}

Status ValidateTags(const Tags& tags) {
  if (tags.size() > kMaxTags) return InvalidArgument("more than 64 tags");
  for (const auto& [k, v] : tags) {
    RETURN_IF_ERROR(ValidateName(k, "tag key"));
    if (v.size() > kMaxTagValueBytes) {
      return InvalidArgument("tag '" + k + "' has a value longer than 1 KiB");
    }
  }
  return Status::Ok();
}

// Hex, not base64: a token must survive being pasted into a URL unencoded ('=', '+' and '/'
// do not: a query parser splits or rewrites them).
std::string EncodePageToken(const std::string& key) { return HexEncode(key); }

Result<std::string> DecodePageToken(const std::string& token) {
  if (token.size() > 512) return InvalidArgument("invalid page_token");
  auto decoded = HexDecode(token);
  if (!decoded.ok()) return InvalidArgument("invalid page_token");
  return std::move(decoded).value();
}

Result<int> CheckPageLimit(int limit) {
  if (limit == 0) return kDefaultPageSize;
  if (limit < 0 || limit > kMaxPageSize) {
    return InvalidArgument("limit must be between 1 and " + std::to_string(kMaxPageSize));
  }
  return limit;
}

Result<Model> ModelService::Create(const NewModel& model, const Actor& who) {
  RETURN_IF_ERROR(ValidateName(model.name, "model name"));
  RETURN_IF_ERROR(ValidateDescription(model.description));
  RETURN_IF_ERROR(ValidateTags(model.tags));
  return store_.CreateModel(model, who, clock_.NowMs());
}

Result<Model> ModelService::Get(const std::string& name) {
  RETURN_IF_ERROR(ValidateName(name, "model name"));
  return store_.GetModel(name);
}

Result<Page<Model>> ModelService::List(const std::string& page_token, int limit,
                                       const std::string& filter) {
  ASSIGN_OR_RETURN(int n, CheckPageLimit(limit));
  ASSIGN_OR_RETURN(std::unique_ptr<search::Node> tree, search::ParseFilter(filter));
  std::string after;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(after, DecodePageToken(page_token));
  }
  ASSIGN_OR_RETURN(std::vector<Model> rows, store_.ListModels(after, n + 1, tree.get()));
  Page<Model> page;
  if (static_cast<int>(rows.size()) > n) {
    rows.resize(n);
    page.next_token = EncodePageToken(rows.back().name);
  }
  page.items = std::move(rows);
  return page;
}

Result<Model> ModelService::Update(const std::string& name, const ModelPatch& patch,
                                   const Actor& who) {
  RETURN_IF_ERROR(ValidateName(name, "model name"));
  if (patch.description) RETURN_IF_ERROR(ValidateDescription(*patch.description));
  if (patch.tags) RETURN_IF_ERROR(ValidateTags(*patch.tags));
  return store_.UpdateModel(name, patch, who, clock_.NowMs());
}

}  // namespace mv
