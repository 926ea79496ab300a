#include "web/assets.h"

namespace mv::web {

const Asset* FindAsset(std::string_view path) {
  for (const Asset& a : Assets()) {
    if (path == a.path) return &a;
  }
  return nullptr;
}

}  // namespace mv::web
