// Helpers for the torch and pickle inspector tests: fixture files and zips built in memory
// with libarchive's writer.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "registry/formats/artifact_format.h"

namespace mv::formats::test {

inline std::string TorchFixture(const std::string& name) {
  std::ifstream in(std::string(MV_TORCH_FIXTURES) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A stored (uncompressed) zip of `entries`, in order, as torch writes them.
inline std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::vector<char> buf(1 << 20);
  size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_zip_set_compression_store(a);
  EXPECT_EQ(archive_write_open_memory(a, buf.data(), buf.size(), &used), ARCHIVE_OK);
  for (const auto& [name, data] : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK);
    EXPECT_EQ(archive_write_data(a, data.data(), data.size()),
              static_cast<la_ssize_t>(data.size()));
    archive_entry_free(e);
  }
  EXPECT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

// BINUNICODE of `s` and GLOBAL of module.name, to keep hand-made pickles legible.
inline std::string PickleStr(std::string_view s) {
  std::string out = "X";
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<char>((s.size() >> (8 * k)) & 0xff));
  return out + std::string(s);
}

inline std::string PickleGlobal(std::string_view module, std::string_view name) {
  return "c" + std::string(module) + "\n" + std::string(name) + "\n";
}

// A torch.save-shaped data.pkl: OrderedDict{name: float32 tensor of `numel` elements in
// storage `key`}.
inline std::string StateDictPickle(const std::string& name, const std::string& key, int numel) {
  using namespace std::string_literals;
  return "\x80\x02" + PickleGlobal("collections", "OrderedDict") + ")R(" + PickleStr(name) +
         PickleGlobal("torch._utils", "_rebuild_tensor_v2") + "((" + PickleStr("storage") +
         PickleGlobal("torch", "FloatStorage") + PickleStr(key) + PickleStr("cpu") + "J" +
         std::string(reinterpret_cast<const char*>(&numel), 4) + "tQK\x00J"s +
         std::string(reinterpret_cast<const char*>(&numel), 4) + "\x85K\x01\x85\x89" +
         PickleGlobal("collections", "OrderedDict") + ")RtRu.";
}

inline bool HasCode(const std::vector<Finding>& findings, std::string_view code,
                    std::string_view text = "") {
  for (const Finding& f : findings) {
    if (f.code == code && f.message.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace mv::formats::test

namespace mv::formats::test {

inline nlohmann::json SummaryJson(const Inspection& in) {
  return nlohmann::json::parse(in.summary.ToJson());
}

// "name dtype [d0,d1]" per listed tensor, for exact comparisons.
inline std::vector<std::string> TensorLines(const nlohmann::json& tensors) {
  std::vector<std::string> out;
  for (const auto& t : tensors) {
    out.push_back(t["name"].get<std::string>() + " " + t["dtype"].get<std::string>() + " " +
                  t["shape"].dump());
  }
  return out;
}

}  // namespace mv::formats::test
