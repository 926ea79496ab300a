# Writes OUT: a C++ file holding every file of the page (FILES, a |-list of paths relative to
# ROOT) as byte arrays, with its URL path, media type and SHA-256 (the ETag). Run by
# web/CMakeLists.txt at build time; the bytes are the files as they are, never minified.
string(REPLACE "|" ";" FILES "${FILES}")
set(arrays "")
set(rows "")
set(i 0)
foreach(rel IN LISTS FILES)
  set(path "${ROOT}/${rel}")
  file(READ "${path}" hex HEX)
  file(SHA256 "${path}" digest)
  file(SIZE "${path}" size)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  # Lines of 32 bytes keep the generated file readable in a diff or an editor.
  string(REGEX REPLACE "((0x..,){32})" "\\1\n" bytes "${bytes}")
  get_filename_component(ext "${rel}" LAST_EXT)
  if(ext STREQUAL ".html")
    set(type "text/html; charset=utf-8")
  elseif(ext STREQUAL ".js")
    set(type "text/javascript; charset=utf-8")
  elseif(ext STREQUAL ".css")
    set(type "text/css; charset=utf-8")
  elseif(ext STREQUAL ".svg")
    set(type "image/svg+xml")
  elseif(ext STREQUAL ".json")
    set(type "application/json")
  else()
    message(FATAL_ERROR "web/embed.cmake: no media type for ${rel}")
  endif()
  string(APPEND arrays "// ${rel}\nconst unsigned char kFile${i}[] = {\n${bytes}0x00};\n\n")
  string(APPEND rows "      {\"${rel}\", \"${type}\", kFile${i}, ${size}, \"\\\"${digest}\\\"\"},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from web/ by web/embed.cmake. Do not edit.
#include \"web/assets.h\"

namespace mv::web {
namespace {

${arrays}}  // namespace

const std::vector<Asset>& Assets() {
  static const std::vector<Asset> kAll = {
${rows}  };
  return kAll;
}

}  // namespace mv::web
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
