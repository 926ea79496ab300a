#include "registry/token_store.h"

#include <algorithm>

namespace mv {

const char* ScopeName(Scope s) {
  switch (s) {
    case Scope::kRead:
      return "read";
    case Scope::kWrite:
      return "write";
    case Scope::kPromote:
      return "promote";
    case Scope::kAdmin:
      return "admin";
  }
  return "read";
}

Result<Scope> ParseScope(const std::string& name) {
  for (Scope s : {Scope::kRead, Scope::kWrite, Scope::kPromote, Scope::kAdmin}) {
    if (name == ScopeName(s)) return s;
  }
  return InvalidArgument("unknown scope '" + name.substr(0, 64) +
                         "': use read, write, promote or admin");
}

bool Token::Grants(Scope s) const {
  auto has = [this](Scope x) { return std::find(scopes.begin(), scopes.end(), x) != scopes.end(); };
  if (has(Scope::kAdmin)) return true;
  if (s == Scope::kRead) return !scopes.empty();
  return has(s);
}

bool Token::AllowsModel(const std::string& model) const { return GlobMatch(models, model); }

// The classic two-pointer wildcard match: on a mismatch after a '*', retry with the star
// swallowing one more character.
bool GlobMatch(const std::string& pattern, const std::string& name) {
  size_t p = 0, n = 0, star = std::string::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace mv
