#include "registry/lifecycle_service.h"

#include <map>

#include "registry/model_service.h"
#include "registry/names.h"

namespace mv {

Status QuarantineGate(const Version& v) {
  std::string quarantined, broken;
  for (const Artifact& a : v.artifacts) {
    if (a.quarantined) quarantined += (quarantined.empty() ? "" : ", ") + a.name;
    if (a.inspection && a.inspection->error_count > 0) {
      broken += (broken.empty() ? "" : ", ") + a.name;
    }
  }
  std::string why;
  if (!quarantined.empty()) why = "quarantined artifacts (loading them runs code): " + quarantined;
  if (!broken.empty()) {
    why += (why.empty() ? "" : "; ") + std::string("inspection found errors in: ") + broken;
  }
  for (const VersionReport& r : v.reports ? *v.reports : std::vector<VersionReport>{}) {
    if (r.kind != "references" || r.status != "failed") continue;
    why += (why.empty() ? "" : "; ") +
           std::string(
               "artifacts reference files that are not in this version (see its "
               "\"references\" report)");
  }
  return why.empty() ? Status::Ok() : FailedPrecondition(why);
}

PromotionGate ProductionGate(MetadataStore& meta, ReportCheck reports_check) {
  return [&meta, check = std::move(reports_check)](const Version& v) -> Status {
    RETURN_IF_ERROR(QuarantineGate(v));
    if (!check) return Status::Ok();
    ASSIGN_OR_RETURN(std::vector<VersionReport> reports,
                     meta.ListVersionReports(v.model, v.number));
    return check(v, reports);
  };
}

Result<Stage> LifecycleService::ParseStage(const std::string& name) const {
  auto stage = StageFromName(name);
  if (!stage) {
    return InvalidArgument("unknown stage '" + name.substr(0, 64) +
                           "' (stages: none, staging, production, archived)");
  }
  return *stage;
}

Result<TransitionResult> LifecycleService::Transition(const std::string& model, int64_t number,
                                                      const StageRequest& req, const Actor& who) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  ASSIGN_OR_RETURN(Stage to, ParseStage(req.stage));
  if (req.comment.size() > kMaxDescriptionBytes) return InvalidArgument("comment is too long");
  TransitionRequest t;
  t.to = to;
  t.archive_previous = req.archive_previous;
  t.comment = req.comment;
  if (to == Stage::kProduction && gate_) {
    ASSIGN_OR_RETURN(Version v, store_.GetVersionWithReports(model, number));
    Status verdict = gate_(v);
    if (!verdict.ok() && !req.force) {
      return FailedPrecondition("promotion refused: " + verdict.message() +
                                " (an admin may override with \"force\": true)");
    }
    if (!verdict.ok()) {
      t.action = "stage.forced";
      t.comment =
          "forced past: " + verdict.message() + (req.comment.empty() ? "" : "; ") + req.comment;
    }
  }
  ASSIGN_OR_RETURN(TransitionResult r, store_.Transition(model, number, t, who, clock_.NowMs()));
  // Answer the version as a read of it does, reports included.
  auto reports = store_.ListVersionReports(model, number);
  r.version.reports = reports.ok() ? std::move(reports).value() : std::vector<VersionReport>{};
  return r;
}

Result<int64_t> LifecycleService::InStage(const std::string& model, const std::string& stage) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  ASSIGN_OR_RETURN(Stage s, ParseStage(stage));
  if (s == Stage::kNone) return InvalidArgument("'none' is not a stage a version is looked up by");
  return store_.VersionInStage(model, s);
}

Status LifecycleService::SetAlias(const std::string& model, const std::string& alias,
                                  int64_t number, const Actor& who) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  RETURN_IF_ERROR(ValidateName(alias, "alias"));
  if (alias == "latest" || StageFromName(alias)) {
    return InvalidArgument("'" + alias + "' is reserved for version references");
  }
  return store_.SetAlias(model, alias, number, who, clock_.NowMs());
}

Result<int64_t> LifecycleService::GetAlias(const std::string& model, const std::string& alias) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  RETURN_IF_ERROR(ValidateName(alias, "alias"));
  return store_.ResolveAlias(model, alias);
}

Status LifecycleService::DeleteAlias(const std::string& model, const std::string& alias,
                                     const Actor& who) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  RETURN_IF_ERROR(ValidateName(alias, "alias"));
  return store_.DeleteAlias(model, alias, who, clock_.NowMs());
}

Result<std::vector<StageInterval>> LifecycleService::Timeline(const std::string& model,
                                                              const std::string& stage) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  ASSIGN_OR_RETURN(Stage s, ParseStage(stage));
  RETURN_IF_ERROR(store_.GetModel(model).status());
  const std::string name = StageName(s);
  std::vector<StageInterval> out;
  std::map<int64_t, size_t> open;  // version -> index of its open interval
  AuditQuery q;
  q.model = model;
  q.action = "stage";
  q.limit = 1000;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<AuditEvent> events, store_.ListAudit(q));
    for (const AuditEvent& e : events) {
      if (!e.version) continue;
      if (e.from == name) {
        auto it = open.find(*e.version);
        if (it != open.end()) {
          out[it->second].until_ms = e.at_ms;
          open.erase(it);
        }
      }
      if (e.to == name) {
        open[*e.version] = out.size();
        out.push_back(StageInterval{*e.version, e.at_ms, std::nullopt});
      }
    }
    if (static_cast<int>(events.size()) < q.limit) break;
    q.after_id = events.back().id;
  }
  return out;
}

Result<std::optional<int64_t>> LifecycleService::HolderAt(const std::string& model,
                                                          const std::string& stage, int64_t at_ms) {
  ASSIGN_OR_RETURN(std::vector<StageInterval> timeline, Timeline(model, stage));
  std::optional<int64_t> holder;
  for (const StageInterval& i : timeline) {  // the latest one that covers `at_ms`
    if (i.from_ms <= at_ms && (!i.until_ms || at_ms < *i.until_ms)) holder = i.version;
  }
  return holder;
}

Result<Page<AuditEvent>> LifecycleService::Audit(AuditQuery q, const std::string& page_token) {
  ASSIGN_OR_RETURN(int n, CheckPageLimit(q.limit));
  if (!q.model.empty()) RETURN_IF_ERROR(ValidateName(q.model, "model name"));
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(std::string key, DecodePageToken(page_token));
    auto id = ParseVersionNumber(key);  // same shape: a positive integer
    if (!id.ok()) return InvalidArgument("invalid page_token");
    q.after_id = *id;
  }
  q.limit = n + 1;
  ASSIGN_OR_RETURN(std::vector<AuditEvent> events, store_.ListAudit(q));
  Page<AuditEvent> page;
  if (static_cast<int>(events.size()) > n) {
    events.resize(n);
    page.next_token = EncodePageToken(std::to_string(events.back().id));
  }
  page.items = std::move(events);
  return page;
}

namespace {

constexpr int kLineagePageSize = 1000;

// "depth:row_id" of the last node of a page, hex-encoded like every page token.
Status DecodeLineageToken(const std::string& token, LineageQuery& q) {
  ASSIGN_OR_RETURN(std::string key, DecodePageToken(token));
  size_t colon = key.find(':');
  if (colon == std::string::npos) return InvalidArgument("invalid page_token");
  auto depth = ParseVersionNumber(key.substr(0, colon));  // same shape: positive integers
  auto id = ParseVersionNumber(key.substr(colon + 1));
  if (!depth.ok() || !id.ok() || *depth > (int64_t{1} << 30)) {
    return InvalidArgument("invalid page_token");
  }
  q.after_depth = static_cast<int>(*depth);
  q.after_id = *id;
  return Status::Ok();
}

}  // namespace

Result<Page<LineageNode>> LifecycleService::Downstream(const std::string& kind,
                                                       const std::string& ref, bool transitive,
                                                       int limit, const std::string& page_token) {
  if (ref.empty() || ref.size() > 512) return InvalidArgument(kind + " must be 1 to 512 bytes");
  LineageQuery q;
  q.kind = kind;
  q.ref = ref;
  q.transitive = transitive;
  int n = kLineagePageSize;
  if (limit != 0) {
    if (limit < 0 || limit > kLineagePageSize) {
      return InvalidArgument("limit must be from 1 to " + std::to_string(kLineagePageSize));
    }
    n = limit;
  }
  if (!page_token.empty()) RETURN_IF_ERROR(DecodeLineageToken(page_token, q));
  q.limit = n + 1;
  if (kind == "parent") {
    size_t colon = ref.rfind(':');
    if (colon == std::string::npos) return InvalidArgument("parent must be MODEL:VERSION");
    q.ref = ref.substr(0, colon);
    RETURN_IF_ERROR(ValidateName(q.ref, "model name"));
    ASSIGN_OR_RETURN(q.parent_version, ParseVersionNumber(ref.substr(colon + 1)));
  } else if (kind != "dataset" && kind != "commit" && kind != "run") {
    return InvalidArgument("lineage queries take dataset, commit, run or parent");
  }
  ASSIGN_OR_RETURN(std::vector<LineageNode> nodes, store_.Downstream(q));
  Page<LineageNode> page;
  if (static_cast<int>(nodes.size()) > n) {
    nodes.resize(static_cast<size_t>(n));
    page.next_token = EncodePageToken(std::to_string(nodes.back().depth) + ":" +
                                      std::to_string(nodes.back().row_id));
  }
  page.items = std::move(nodes);
  return page;
}

Result<LineageGraph> LifecycleService::Graph(const std::string& model, int64_t number,
                                             const std::string& dir, int depth) {
  RETURN_IF_ERROR(ValidateName(model, "model name"));
  if (dir != "up" && dir != "down") return InvalidArgument("direction must be up or down");
  if (depth < 1 || depth > 64) return InvalidArgument("depth must be from 1 to 64");
  return store_.Graph(model, number, dir == "up", depth);
}

}  // namespace mv
