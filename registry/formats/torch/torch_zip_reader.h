// Reads a torch zip (torch.save's format, TorchScript's too) through a BlobReader: the
// listing, plus the few small entries an inspector needs read in full. Storage entries,
// which can be gigabytes, are never read; only their declared sizes are kept.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "registry/formats/artifact_format.h"

namespace mv::formats::torch {

struct TorchZip {
  std::string top;                           // the top folder ("archive", "model", ...)
  std::map<std::string, int64_t> sizes;      // file entries under top, relative names
  std::map<std::string, std::string> files;  // entries read in full, relative names
  std::vector<Finding> findings;             // zip-level problems
  bool Has(const std::string& name) const { return sizes.count(name) != 0; }
  bool HasDir(const std::string& prefix) const;  // any entry starting with prefix ("code/")
  // TorchScript, not a plain torch.save: code/ and constants.pkl beside data.pkl.
  bool IsTorchScript() const { return HasDir("code/") && Has("constants.pkl"); }
};

// Lists the zip and reads data.pkl, constants.pkl, version, .data/version, byteorder and
// the code/**.py sources (bounded by `limits`; an entry over its bound is read up to it and
// reported as entry-too-large). Returns DataLoss when the bytes are not a readable zip,
// the BlobReader's error when a read fails. Findings: duplicate-entry (two entries of one
// name: loaders disagree which wins), foreign-entry, too-many-entries, entry-too-large.
Result<TorchZip> ReadTorchZip(BlobReader& bytes, const InspectLimits& limits);

// Whether `head` (the first bytes of a file) is a zip whose first entry is a torch zip's:
// "<top>/data.pkl", "<top>/data/<key>", "<top>/code/...", "<top>/constants.pkl", ...
bool LooksLikeTorchZip(std::string_view head);

}  // namespace mv::formats::torch
