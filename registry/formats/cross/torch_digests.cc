#include "registry/formats/cross/torch_digests.h"

#include <algorithm>
#include <map>

#include "registry/formats/archive/blob_archive.h"
#include "registry/formats/pickle/pickle_walker.h"
#include "registry/formats/torch/tensor_collector.h"
#include "registry/formats/torch/torch_summary.h"
#include "registry/formats/torch/torch_zip_reader.h"

namespace mv::formats::cross {
namespace {

constexpr size_t kChunkBytes = 1 << 20;

// One tensor to hash: bytes [begin, end) of its storage entry.
struct Job {
  size_t index = 0;
  int64_t begin = 0;
  int64_t end = 0;
  int64_t fed = 0;  // bytes hashed so far: short entries leave it below end - begin
  TensorHasher hash;
  RowDigester* rows = nullptr;  // when set, only rows are keyed (no hash)
  std::vector<int64_t> matrix;  // {rows, cols, element size} when the transpose is hashed too
  std::string held;             // the matrix's bytes, until its transpose is hashed
  std::string transposed;       // that digest
};

bool HashesTranspose(const torch::TensorRecord& t) {
  return t.shape.size() == 2 && t.shape[0] > 1 && t.shape[1] > 1 && t.bytes <= kMaxTransposedBytes;
}

// Hashes the transposes of the matrices `jobs` held, then frees their bytes.
void FinishTransposes(std::vector<Job*>& jobs) {
  for (Job* j : jobs) {
    if (j->matrix.empty()) continue;
    if (j->fed == j->end - j->begin) {
      j->transposed = TransposedSha256(j->held, j->matrix[0], j->matrix[1], j->matrix[2]);
    }
    std::string().swap(j->held);
  }
}

bool Contiguous(const torch::TensorRecord& t) {
  if (t.shape.size() != t.stride.size()) return false;
  int64_t expected = 1;
  for (size_t d = t.shape.size(); d-- > 0;) {
    if (t.shape[d] != 1 && t.stride[d] != expected) return false;
    expected *= t.shape[d];
  }
  return true;
}

// Why tensor `t` cannot be hashed, or "" when it can (the budget is then charged).
std::string Plan(const torch::TensorRecord& t, const torch::TorchZip& zip, bool little_endian,
                 int64_t* budget) {
  if (!little_endian) return "big-endian file";
  if (OnnxDtypeOfTorch(t.dtype).empty()) return "dtype " + t.dtype + " has no ONNX equivalent";
  if (!Contiguous(t)) return "not contiguous";
  auto entry = zip.sizes.find("data/" + t.storage);
  if (entry == zip.sizes.end() || entry->second < t.extent_bytes) return "storage missing or short";
  if (t.bytes > *budget) return "over the byte budget";
  *budget -= t.bytes;
  return "";
}

// Streams entry data once, feeding each job the part of every chunk inside its range.
Status HashEntry(archive::BlobArchive& ar, std::vector<Job*>& jobs) {
  int64_t last = 0;
  for (const Job* j : jobs) last = std::max(last, j->end);
  for (int64_t pos = 0; pos < last;) {
    size_t want = static_cast<size_t>(std::min<int64_t>(kChunkBytes, last - pos));
    ASSIGN_OR_RETURN(std::string chunk, ar.ReadData(want));
    if (chunk.empty()) break;
    const int64_t end = pos + static_cast<int64_t>(chunk.size());
    for (Job* j : jobs) {
      int64_t from = std::max(pos, j->begin), to = std::min(end, j->end);
      if (from >= to) continue;
      std::string_view part = std::string_view(chunk).substr(static_cast<size_t>(from - pos),
                                                             static_cast<size_t>(to - from));
      if (j->rows != nullptr) {
        j->rows->Update(part);
      } else {
        j->hash.Update(part);
      }
      if (!j->matrix.empty()) j->held.append(part);
      j->fed += to - from;
    }
    pos = end;
  }
  return Status::Ok();
}

// Second pass over the zip: hashes the planned tensors, storage by storage.
Status HashStorages(BlobReader& bytes, const std::string& top,
                    std::map<std::string, std::vector<Job*>>& by_entry) {
  ASSIGN_OR_RETURN(auto ar, archive::BlobArchive::Open(bytes, archive::BlobArchive::Format::kZip));
  const std::string prefix = top.empty() ? "" : top + "/";
  archive::ArchiveEntry entry;
  while (!by_entry.empty()) {
    ASSIGN_OR_RETURN(bool more, ar->Next(entry));
    if (!more) break;
    if (entry.type != "file" || entry.name.compare(0, prefix.size(), prefix) != 0) continue;
    auto it = by_entry.find(entry.name.substr(prefix.size()));
    if (it == by_entry.end()) continue;
    RETURN_IF_ERROR(HashEntry(*ar, it->second));
    FinishTransposes(it->second);
    by_entry.erase(it);  // a duplicate entry of the same name is not read again
  }
  return Status::Ok();
}

}  // namespace

std::string OnnxDtypeOfTorch(const std::string& d) {
  static const std::map<std::string, std::string> kMap = {
      {"float32", "FLOAT"},     {"float64", "DOUBLE"},      {"float16", "FLOAT16"},
      {"bfloat16", "BFLOAT16"}, {"int64", "INT64"},         {"int32", "INT32"},
      {"int16", "INT16"},       {"int8", "INT8"},           {"uint8", "UINT8"},
      {"bool", "BOOL"},         {"complex64", "COMPLEX64"}, {"complex128", "COMPLEX128"}};
  auto it = kMap.find(d);
  return it == kMap.end() ? "" : it->second;
}

namespace {

struct Scanned {
  torch::TorchZip zip;
  torch::TensorScan scan;
  bool little_endian = true;
};

// The zip's tensors, from data.pkl walked (never executed).
Result<Scanned> Scan(BlobReader& bytes, const DigestLimits& limits) {
  InspectLimits read_limits;  // the inspector's own bounds on entries and pickle values
  read_limits.max_read_bytes = limits.max_read_bytes;
  Scanned s;
  ASSIGN_OR_RETURN(s.zip, torch::ReadTorchZip(bytes, read_limits));
  auto data = s.zip.files.find("data.pkl");
  if (data == s.zip.files.end()) return DataLoss("no data.pkl: not a torch.save zip");
  pickle::WalkResult walk = pickle::WalkPickle(data->second, 0, pickle::AllowSet::kTorch,
                                               pickle::WalkLimits::From(read_limits));
  if (walk.root == nullptr) return DataLoss("data.pkl could not be walked");
  s.scan = torch::CollectTensors(walk.root, static_cast<size_t>(limits.max_tensors));
  const std::string byteorder = torch::Trimmed(s.zip.files, "byteorder");
  s.little_endian = byteorder.empty() || byteorder == "little";
  return s;
}

}  // namespace

Result<TensorDigests> DigestTorchZip(BlobReader& bytes, const DigestLimits& limits,
                                     int64_t* budget) {
  ASSIGN_OR_RETURN(Scanned scanned, Scan(bytes, limits));
  const torch::TorchZip& zip = scanned.zip;
  const torch::TensorScan& scan = scanned.scan;
  const bool little = scanned.little_endian;

  TensorDigests out;
  out.count = scan.count;
  std::vector<Job> jobs;
  jobs.reserve(scan.tensors.size());
  for (const torch::TensorRecord& t : scan.tensors) {
    TensorDigest d;
    d.name = t.name;
    d.dtype = OnnxDtypeOfTorch(t.dtype);
    if (d.dtype.empty()) d.dtype = t.dtype;
    d.shape = t.shape;
    d.bytes = t.bytes;
    d.why_not = Plan(t, zip, little, budget);
    if (d.why_not.empty()) {
      const int64_t begin = t.offset * t.element_size;
      d.storage_ref = t.storage + "@" + std::to_string(begin);
      std::vector<int64_t> matrix;
      if (HashesTranspose(t)) matrix = {t.shape[0], t.shape[1], t.element_size};
      jobs.push_back(Job{out.tensors.size(), begin, begin + t.bytes, 0,
                         TensorHasher(t.element_size), nullptr, std::move(matrix), "", ""});
    }
    out.tensors.push_back(std::move(d));
  }
  std::map<std::string, std::vector<Job*>> by_entry;
  for (Job& j : jobs) by_entry["data/" + scan.tensors[j.index].storage].push_back(&j);
  RETURN_IF_ERROR(HashStorages(bytes, zip.top, by_entry));
  for (Job& j : jobs) {
    TensorDigest& d = out.tensors[j.index];
    if (j.fed == j.end - j.begin) {
      d.sha256 = j.hash.HexDigest();
      d.uniform = j.hash.uniform();
      d.sha256_transposed = std::move(j.transposed);
    } else {
      d.why_not = "storage entry unreadable";
    }
  }
  return out;
}

Result<std::vector<RowDigests>> DigestTorchRows(BlobReader& bytes, const DigestLimits& limits,
                                                const std::vector<RowView>& views) {
  ASSIGN_OR_RETURN(Scanned scanned, Scan(bytes, limits));
  std::vector<RowDigester> digesters;
  digesters.reserve(views.size());
  std::vector<Job> jobs;
  jobs.reserve(views.size());
  std::map<std::string, std::vector<Job*>> by_entry;
  for (size_t k = 0; k < views.size(); ++k) {
    const RowView& v = views[k];
    digesters.emplace_back(v.row_bytes);
    if (v.tensor >= scanned.scan.tensors.size() || !scanned.little_endian) continue;
    const torch::TensorRecord& t = scanned.scan.tensors[v.tensor];
    auto entry = scanned.zip.sizes.find("data/" + t.storage);
    if (!Contiguous(t) || t.bytes != v.rows * v.row_bytes || entry == scanned.zip.sizes.end() ||
        entry->second < t.extent_bytes) {
      continue;
    }
    const int64_t begin = t.offset * t.element_size;
    jobs.push_back(Job{
        k, begin, begin + t.bytes, 0, TensorHasher(t.element_size), &digesters.back(), {}, "", ""});
  }
  for (Job& j : jobs)
    by_entry["data/" + scanned.scan.tensors[views[j.index].tensor].storage].push_back(&j);
  RETURN_IF_ERROR(HashStorages(bytes, scanned.zip.top, by_entry));
  std::vector<RowDigests> out;
  for (RowDigester& d : digesters) out.push_back(d.Finish());
  return out;
}

}  // namespace mv::formats::cross
