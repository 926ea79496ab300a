#include "registry/inference/reference_data.h"

#include <map>

#include "registry/formats/archive/blob_archive.h"
#include "registry/formats/archive/blob_bytes.h"
#include "registry/formats/npy/npy_header.h"
#include "registry/inference/safetensors_io.h"

namespace mv::inference {
namespace {

using formats::archive::ArchiveEntry;
using formats::archive::BlobArchive;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(),
                                                suffix) == 0;
}

// Files the tensor into inputs or outputs by its "input." / "output." prefix.
Status File(Tensor t, ReferenceData& ref) {
  for (const char* prefix : {"input.", "output."}) {
    const std::string p = prefix;
    if (t.name.size() > p.size() && t.name.compare(0, p.size(), p) == 0) {
      t.name = t.name.substr(p.size());
      (p == "input." ? ref.inputs : ref.outputs).push_back(std::move(t));
      return Status::Ok();
    }
  }
  return InvalidArgument("reference tensor \"" + t.name.substr(0, 128) +
                         "\" is neither input.<name> nor output.<name>");
}

Result<Tensor> NpyTensor(const std::string& bytes, const std::string& name) {
  ASSIGN_OR_RETURN(formats::npy::NpyHeader h, formats::npy::ParseNpyHeader(bytes));
  auto dtype = DTypeFromNpyDescr(h.descr);
  if (!dtype || h.object || h.structured) {
    return InvalidArgument("reference tensor \"" + name + "\": dtype " + h.descr.substr(0, 64) +
                           " is not supported (little-endian numbers and bool only)");
  }
  if (h.fortran_order) {
    return InvalidArgument("reference tensor \"" + name + "\" is in Fortran order");
  }
  Tensor t;
  t.name = name;
  t.dtype = *dtype;
  t.shape = h.shape;
  auto n = t.ElementCount();
  if (!n || static_cast<int64_t>(bytes.size()) - h.data_offset !=
                *n * static_cast<int64_t>(DTypeSize(t.dtype))) {
    return InvalidArgument("reference tensor \"" + name + "\": data size does not match shape");
  }
  t.data = bytes.substr(static_cast<size_t>(h.data_offset));
  return t;
}

Result<ReferenceData> LoadNpz(BlobReader& bytes, int64_t max_bytes) {
  ASSIGN_OR_RETURN(auto zip, BlobArchive::Open(bytes, BlobArchive::Format::kZip));
  ReferenceData ref;
  ArchiveEntry entry;
  int64_t total = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool more, zip->Next(entry));
    if (!more) break;
    if (entry.type != "file") continue;
    if (!EndsWith(entry.name, ".npy")) {
      return InvalidArgument("reference.npz holds a non-.npy entry: " + entry.name.substr(0, 128));
    }
    const int64_t budget = max_bytes - total;
    ASSIGN_OR_RETURN(std::string data, zip->ReadData(static_cast<size_t>(budget) + 1));
    total += static_cast<int64_t>(data.size());
    if (total > max_bytes) {
      return InvalidArgument("reference data is larger than " + std::to_string(max_bytes) +
                             " bytes");
    }
    const std::string name = entry.name.substr(0, entry.name.size() - 4);
    ASSIGN_OR_RETURN(Tensor t, NpyTensor(data, name));
    RETURN_IF_ERROR(File(std::move(t), ref));
  }
  return ref;
}

}  // namespace

bool IsReferenceName(const std::string& name) {
  return name == "reference.safetensors" || name == "reference.npz";
}

std::optional<DType> DTypeFromNpyDescr(const std::string& descr) {
  static const std::map<std::string, DType> kTypes = {
      {"|b1", DType::kBool},    {"|i1", DType::kInt8},    {"<i2", DType::kInt16},
      {"<i4", DType::kInt32},   {"<i8", DType::kInt64},   {"|u1", DType::kUint8},
      {"<u2", DType::kUint16},  {"<u4", DType::kUint32},  {"<u8", DType::kUint64},
      {"<f2", DType::kFloat16}, {"<f4", DType::kFloat32}, {"<f8", DType::kFloat64},
  };
  auto it = kTypes.find(descr);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

Result<ReferenceData> LoadReference(BlobReader& bytes, const std::string& name,
                                    int64_t max_bytes) {
  if (EndsWith(name, ".npz")) return LoadNpz(bytes, max_bytes);
  if (!EndsWith(name, ".safetensors")) {
    return InvalidArgument("reference data must be .safetensors or .npz: " + name);
  }
  if (bytes.size() > max_bytes) {
    return InvalidArgument("reference data is larger than " + std::to_string(max_bytes) +
                           " bytes");
  }
  ASSIGN_OR_RETURN(std::string all, formats::archive::ReadRange(bytes, 0, bytes.size()));
  ASSIGN_OR_RETURN(std::vector<Tensor> tensors, DecodeSafetensors(all));
  ReferenceData ref;
  for (Tensor& t : tensors) RETURN_IF_ERROR(File(std::move(t), ref));
  return ref;
}

}  // namespace mv::inference
