// Builds zip and tar files in memory with libarchive's writer, for the archive and npz
// inspector tests.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mv::formats::test {

struct TestEntry {
  TestEntry(std::string n, std::string d, std::string t = "file", std::string l = "",
            int64_t zeros = 0)
      : name(std::move(n)),
        data(std::move(d)),
        type(std::move(t)),
        link(std::move(l)),
        zero_bytes(zeros) {}
  std::string name;
  std::string data;
  std::string type;  // "file", "dir", "symlink", "hardlink"
  std::string link;
  int64_t zero_bytes;  // appended zeros, written in chunks (zip bombs)
};

inline la_ssize_t AppendToString(struct archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

inline void WriteEntry(struct archive* a, const TestEntry& e) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, e.name.c_str());
  archive_entry_set_perm(entry, 0644);
  archive_entry_set_mtime(entry, 1700000000, 0);
  if (e.type == "symlink") {
    archive_entry_set_filetype(entry, AE_IFLNK);
    archive_entry_set_symlink(entry, e.link.c_str());
  } else if (e.type == "hardlink") {
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_hardlink(entry, e.link.c_str());
  } else {
    archive_entry_set_filetype(entry, e.type == "dir" ? AE_IFDIR : AE_IFREG);
    archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()) + e.zero_bytes);
  }
  ASSERT_EQ(archive_write_header(a, entry), ARCHIVE_OK) << archive_error_string(a);
  archive_write_data(a, e.data.data(), e.data.size());
  std::string zeros(1 << 20, '\0');
  for (int64_t left = e.zero_bytes; left > 0; left -= static_cast<int64_t>(zeros.size())) {
    archive_write_data(a, zeros.data(), std::min<size_t>(zeros.size(), left));
  }
  archive_entry_free(entry);
}

// A zip (deflate) or ustar/pax tar holding `entries`.
inline std::string MakeArchive(const std::vector<TestEntry>& entries, bool zip) {
  std::string out;
  struct archive* a = archive_write_new();
  if (zip) {
    archive_write_set_format_zip(a);
    archive_write_set_options(a, "zip:compression=deflate");
  } else {
    archive_write_set_format_pax_restricted(a);
  }
  archive_write_set_bytes_in_last_block(a, 1);
  EXPECT_EQ(archive_write_open(a, &out, nullptr, AppendToString, nullptr), ARCHIVE_OK);
  for (const TestEntry& e : entries) WriteEntry(a, e);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

}  // namespace mv::formats::test
