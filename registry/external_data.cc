#include "registry/external_data.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <map>
#include <optional>

#include "registry/version_service.h"
#include "util/json_read.h"

namespace mv {
namespace {

// A non-negative decimal offset or length; nullopt otherwise.
std::optional<int64_t> Number(const std::string& text) {
  int64_t v = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) return std::nullopt;
  return v;
}

std::string Text(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

const Artifact* Named(const Version& v, const std::string& name) {
  for (const Artifact& a : v.artifacts) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

// graph.external_data of the inspection summary `summary_json`, or null when it has none.
Result<nlohmann::json> ExternalList(const std::string& summary_json) {
  // Serving resolves a version named by its number on every request: most models have no
  // external data, and their summary is not parsed for it.
  if (summary_json.find("\"location\"") == std::string::npos) return nlohmann::json();
  ASSIGN_OR_RETURN(nlohmann::json s, util::ReadJson(summary_json));
  if (!s.is_object() || !s.contains("graph") || !s["graph"].is_object()) return nlohmann::json();
  nlohmann::json list = s["graph"].value("external_data", nlohmann::json());
  return list.is_array() ? list : nlohmann::json();
}

// Reads the whole artifact (its recorded size was checked against the limit).
Result<std::string> ReadArtifact(VersionService& versions, const Version& v, const Artifact& a) {
  ASSIGN_OR_RETURN(ArtifactDownload dl, versions.OpenArtifact(v.model, v.number, a.name));
  const int64_t size = dl.reader->size();
  if (size != a.size) return DataLoss("artifact " + a.name + " does not have its recorded size");
  std::string bytes(static_cast<size_t>(size), '\0');
  for (int64_t at = 0; at < size;) {
    ASSIGN_OR_RETURN(size_t n,
                     dl.reader->ReadAt(at, bytes.data() + at, static_cast<size_t>(size - at)));
    if (n == 0) return DataLoss("artifact " + a.name + " ends before its recorded size");
    at += static_cast<int64_t>(n);
  }
  return bytes;
}

}  // namespace

bool ExternalLocationOutsideVersion(const std::string& location) {
  if (location.empty() || location[0] == '/' || location[0] == '\\') return true;
  if (location.size() >= 2 && location[1] == ':') return true;
  size_t start = 0;
  while (start <= location.size()) {
    size_t end = location.find_first_of("/\\", start);
    if (end == std::string::npos) end = location.size();
    if (location.compare(start, end - start, "..") == 0) return true;
    start = end + 1;
  }
  return false;
}

Result<std::vector<ExternalDataFile>> ExternalDataOf(const Version& v, const Artifact& onnx,
                                                     const std::string& summary_json) {
  ASSIGN_OR_RETURN(nlohmann::json list, ExternalList(summary_json));
  std::map<std::string, ExternalDataFile> files;
  const std::string of = "external data of " + onnx.name + ": ";
  for (const nlohmann::json& e : list) {
    if (!e.is_object()) continue;
    const std::string location = Text(e, "location");
    const std::string shown = "'" + location.substr(0, 256) + "'";
    if (ExternalLocationOutsideVersion(location)) {
      return FailedPrecondition(of + shown + " is outside the version (absolute or through '..')");
    }
    const Artifact* a = Named(v, location);
    if (a == nullptr) {
      return FailedPrecondition(of + shown + " is not an artifact of version " +
                                std::to_string(v.number));
    }
    const std::string offset_text = Text(e, "offset"), length_text = Text(e, "length");
    std::optional<int64_t> offset = offset_text.empty() ? 0 : Number(offset_text);
    std::optional<int64_t> length = length_text.empty() ? 0 : Number(length_text);
    if (!offset || !length || *offset > INT64_MAX - *length) {
      return InvalidArgument(of + "tensor '" + Text(e, "tensor").substr(0, 256) +
                             "' has a bad offset or length");
    }
    ExternalDataFile& f = files[location];
    f.location = location;
    f.artifact = *a;
    f.needs = std::max(f.needs, *offset + *length);
    if (f.needs > a->size) {
      return FailedPrecondition(of + shown + " has " + std::to_string(a->size) +
                                " bytes; the model reads up to byte " + std::to_string(f.needs));
    }
  }
  std::vector<ExternalDataFile> out;
  for (auto& [location, f] : files) out.push_back(std::move(f));
  return out;
}

Result<ModelSource> OnnxModelSource(VersionService& versions, const Version& v,
                                    const Artifact& onnx, int64_t max_bytes) {
  // Version reads carry no inspection summaries, only findings: the summary is read on its
  // own when a finding mentions external data (the checker skipped for it, or the runtime
  // validation counting external initializers), so that serving a version by its number does
  // not pay a second read for every model. A model whose findings do not say so is served
  // without its data, which ONNX Runtime then refuses (nothing is read from disk).
  std::string summary;
  if (onnx.inspection && onnx.inspection->findings_json.find("external") != std::string::npos) {
    Result<InspectionRecord> inspection = versions.Inspection(v.model, v.number, onnx.name);
    if (inspection.ok()) {
      summary = std::move(inspection->summary_json);
    } else if (inspection.status().code() != Code::kNotFound) {
      return inspection.status();
    }
  }
  ASSIGN_OR_RETURN(std::vector<ExternalDataFile> files, ExternalDataOf(v, onnx, summary));
  ModelSource source;
  source.key = onnx.sha256;
  source.size = onnx.size;
  for (const ExternalDataFile& f : files) {
    // Locations are artifact names, which hold neither '\n' nor NUL.
    source.key += "\n" + f.location + "=" + f.artifact.sha256;
    source.size += f.artifact.size;
  }
  if (source.size > max_bytes) {
    return FailedPrecondition(onnx.name + " and its external data are " +
                              std::to_string(source.size) + " bytes, more than the limit of " +
                              std::to_string(max_bytes));
  }
  source.load = [&versions, v, onnx]() { return ReadArtifact(versions, v, onnx); };
  if (files.empty()) return source;
  source.load_external = [&versions, v, files]() -> Result<std::vector<ExternalFile>> {
    std::vector<ExternalFile> out;
    for (const ExternalDataFile& f : files) {
      ASSIGN_OR_RETURN(std::string bytes, ReadArtifact(versions, v, f.artifact));
      out.push_back(ExternalFile{f.location, std::move(bytes)});
    }
    return out;
  };
  return source;
}

}  // namespace mv
