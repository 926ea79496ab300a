// The files of the web page (web/index.html and web/assets/), embedded in the binary at build
// time by web/embed.cmake, so that the server needs no files beside it and works offline.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace mv::web {

struct Asset {
  const char* path;          // relative to web/: "index.html", "assets/app.js"
  const char* content_type;  // the media type to answer with
  const unsigned char* data; // the file's bytes (static storage, never freed)
  size_t size;
  const char* etag;          // the SHA-256 of the bytes in hex, quoted: an entity tag
};

// Every embedded file, in the order web/CMakeLists.txt lists them. Thread-safe.
const std::vector<Asset>& Assets();

// The file at `path` (relative to web/), or null when there is none. Thread-safe.
const Asset* FindAsset(std::string_view path);

}  // namespace mv::web
