#include "registry/search/filter.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace mv::search {
namespace {

enum class Tok { kEnd, kIdent, kString, kNumber, kLParen, kRParen, kComma, kOp };

struct Token {
  Tok type = Tok::kEnd;
  std::string text;
  size_t pos = 0;  // 0-based offset into the filter
};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<std::unique_ptr<Node>> Parse() {
    RETURN_IF_ERROR(Next());
    if (cur_.type == Tok::kEnd) return std::unique_ptr<Node>();
    ASSIGN_OR_RETURN(std::unique_ptr<Node> n, ParseOr(0));
    if (cur_.type != Tok::kEnd) return Error(cur_.pos, "expected AND, OR or the end");
    return n;
  }

 private:
  Status Error(size_t pos, const std::string& what) const {
    return InvalidArgument("filter syntax error at position " + std::to_string(pos + 1) + ": " +
                           what);
  }

  bool IsKeyword(const char* kw) const {
    if (cur_.type != Tok::kIdent || cur_.text.size() != std::char_traits<char>::length(kw)) {
      return false;
    }
    for (size_t i = 0; i < cur_.text.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(cur_.text[i])) != kw[i]) return false;
    }
    return true;
  }

  Status Next() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
    cur_ = Token{Tok::kEnd, "", i_};
    if (i_ >= s_.size()) return Status::Ok();
    char c = s_[i_];
    if (c == '(' || c == ')' || c == ',') {
      cur_.type = c == '(' ? Tok::kLParen : c == ')' ? Tok::kRParen : Tok::kComma;
      cur_.text = std::string(1, c);
      ++i_;
      return Status::Ok();
    }
    if (c == '\'' || c == '"') {
      size_t start = i_++;
      std::string out;
      while (true) {
        if (i_ >= s_.size()) return Error(start, "unterminated string");
        if (s_[i_] == c) {
          if (i_ + 1 < s_.size() && s_[i_ + 1] == c) {  // doubled quote escapes itself
            out.push_back(c);
            i_ += 2;
            continue;
          }
          ++i_;
          break;
        }
        out.push_back(s_[i_++]);
      }
      cur_.type = Tok::kString;
      cur_.text = std::move(out);
      return Status::Ok();
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.') {
      size_t start = i_;
      ++i_;
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) ||
                                s_[i_] == '.' || ((s_[i_] == '-' || s_[i_] == '+') &&
                                                  (s_[i_ - 1] == 'e' || s_[i_ - 1] == 'E')))) {
        ++i_;
      }
      cur_.type = Tok::kNumber;
      cur_.text = std::string(s_.substr(start, i_ - start));
      return Status::Ok();
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = i_;
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) ||
                                s_[i_] == '_' || s_[i_] == '.' || s_[i_] == '-')) {
        ++i_;
      }
      cur_.type = Tok::kIdent;
      cur_.text = std::string(s_.substr(start, i_ - start));
      return Status::Ok();
    }
    static const char* kOps[] = {"<=", ">=", "!=", "<>", "=", "<", ">"};
    for (const char* op : kOps) {
      size_t n = std::char_traits<char>::length(op);
      if (s_.substr(i_, n) == op) {
        cur_.type = Tok::kOp;
        cur_.text = op;
        i_ += n;
        return Status::Ok();
      }
    }
    return Error(i_, std::string("unexpected character '") + c + "'");
  }

  Result<std::unique_ptr<Node>> Combine(Node::Kind kind, int depth) {
    ASSIGN_OR_RETURN(std::unique_ptr<Node> first,
                     kind == Node::Kind::kOr ? ParseAnd(depth) : ParseNot(depth));
    const char* kw = kind == Node::Kind::kOr ? "OR" : "AND";
    if (!IsKeyword(kw)) return first;
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->children.push_back(std::move(first));
    while (IsKeyword(kw)) {
      RETURN_IF_ERROR(Next());
      ASSIGN_OR_RETURN(std::unique_ptr<Node> next,
                       kind == Node::Kind::kOr ? ParseAnd(depth) : ParseNot(depth));
      node->children.push_back(std::move(next));
    }
    return node;
  }

  Result<std::unique_ptr<Node>> ParseOr(int depth) {
    if (depth > kMaxDepth) return Error(cur_.pos, "nested too deeply");
    return Combine(Node::Kind::kOr, depth);
  }
  Result<std::unique_ptr<Node>> ParseAnd(int depth) { return Combine(Node::Kind::kAnd, depth); }

  Result<std::unique_ptr<Node>> ParseNot(int depth) {
    if (depth > kMaxDepth) return Error(cur_.pos, "nested too deeply");
    if (IsKeyword("NOT")) {
      RETURN_IF_ERROR(Next());
      ASSIGN_OR_RETURN(std::unique_ptr<Node> inner, ParseNot(depth + 1));
      auto node = std::make_unique<Node>();
      node->kind = Node::Kind::kNot;
      node->children.push_back(std::move(inner));
      return node;
    }
    if (cur_.type == Tok::kLParen) {
      RETURN_IF_ERROR(Next());
      ASSIGN_OR_RETURN(std::unique_ptr<Node> inner, ParseOr(depth + 1));
      if (cur_.type != Tok::kRParen) return Error(cur_.pos, "expected ')'");
      RETURN_IF_ERROR(Next());
      return inner;
    }
    return ParseComparison();
  }

  Status ParseField(Node& n) {
    if (cur_.type != Tok::kIdent) return Error(cur_.pos, "expected a field name");
    std::string f = cur_.text;
    size_t pos = cur_.pos;
    RETURN_IF_ERROR(Next());
    std::string lower;
    for (char c : f) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    static const struct { const char* name; FieldKind kind; } kPlain[] = {
        {"name", FieldKind::kName},       {"model", FieldKind::kModel},
        {"description", FieldKind::kDescription}, {"stage", FieldKind::kStage},
        {"alias", FieldKind::kAlias},     {"version", FieldKind::kVersion},
        {"created_at", FieldKind::kCreatedAt}};
    for (const auto& p : kPlain) {
      if (lower == p.name) {
        n.field = p.kind;
        return Status::Ok();
      }
    }
    static const struct { const char* prefix; FieldKind kind; } kKeyed[] = {
        {"tags", FieldKind::kTag}, {"params", FieldKind::kParam}, {"metrics", FieldKind::kMetric}};
    for (const auto& k : kKeyed) {
      std::string prefix = std::string(k.prefix) + ".";
      if (lower.rfind(prefix, 0) != 0) continue;
      n.field = k.kind;
      n.key = f.substr(prefix.size());
      if (n.key.empty() && cur_.type == Tok::kString) {  // tags.'a key with spaces'
        n.key = cur_.text;
        RETURN_IF_ERROR(Next());
      }
      if (n.key.empty()) return Error(pos, std::string("expected ") + k.prefix + ".KEY");
      return Status::Ok();
    }
    return Error(pos, "unknown field '" + f +
                          "' (fields: name, model, description, stage, alias, version, "
                          "created_at, tags.KEY, params.KEY, metrics.KEY)");
  }

  Result<Value> ParseValue() {
    Value v;
    if (cur_.type == Tok::kString) {
      v.text = cur_.text;
    } else if (cur_.type == Tok::kNumber) {
      const std::string& t = cur_.text;
      const char* b = t.data() + (t[0] == '+' ? 1 : 0);
      auto [ptr, ec] = std::from_chars(b, t.data() + t.size(), v.number);
      if (ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(v.number)) {
        return Error(cur_.pos, "malformed number '" + t + "'");
      }
      v.is_number = true;
      v.text = t;
    } else {
      return Error(cur_.pos, "expected a value: a 'quoted string' or a number");
    }
    RETURN_IF_ERROR(Next());
    return v;
  }

  Result<std::unique_ptr<Node>> ParseComparison() {
    if (++comparisons_ > kMaxComparisons) {
      return Error(cur_.pos, "more than " + std::to_string(kMaxComparisons) + " comparisons");
    }
    auto n = std::make_unique<Node>();
    RETURN_IF_ERROR(ParseField(*n));
    bool negated = false;
    if (IsKeyword("NOT")) {
      negated = true;
      RETURN_IF_ERROR(Next());
      if (!IsKeyword("IN") && !IsKeyword("LIKE")) return Error(cur_.pos, "expected IN or LIKE");
    }
    if (IsKeyword("IN")) {
      n->op = negated ? Op::kNotIn : Op::kIn;
      RETURN_IF_ERROR(Next());
      if (cur_.type != Tok::kLParen) return Error(cur_.pos, "expected '(' after IN");
      RETURN_IF_ERROR(Next());
      while (true) {
        ASSIGN_OR_RETURN(Value v, ParseValue());
        n->values.push_back(std::move(v));
        if (n->values.size() > 256) return Error(cur_.pos, "more than 256 values in IN");
        if (cur_.type == Tok::kComma) {
          RETURN_IF_ERROR(Next());
          continue;
        }
        if (cur_.type == Tok::kRParen) break;
        return Error(cur_.pos, "expected ',' or ')'");
      }
      RETURN_IF_ERROR(Next());
      return n;
    }
    if (IsKeyword("LIKE")) {
      n->op = negated ? Op::kNotLike : Op::kLike;
      RETURN_IF_ERROR(Next());
      if (cur_.type != Tok::kString) return Error(cur_.pos, "LIKE needs a 'quoted pattern'");
      ASSIGN_OR_RETURN(Value v, ParseValue());
      n->values.push_back(std::move(v));
      return n;
    }
    if (cur_.type != Tok::kOp) {
      return Error(cur_.pos, "expected an operator (= != < <= > >= LIKE IN)");
    }
    const std::string& op = cur_.text;
    n->op = op == "=" ? Op::kEq : (op == "!=" || op == "<>") ? Op::kNe : op == "<" ? Op::kLt
          : op == "<=" ? Op::kLe : op == ">" ? Op::kGt : Op::kGe;
    RETURN_IF_ERROR(Next());
    ASSIGN_OR_RETURN(Value v, ParseValue());
    n->values.push_back(std::move(v));
    return n;
  }

  std::string_view s_;
  size_t i_ = 0;
  Token cur_;
  int comparisons_ = 0;
};

}  // namespace

Result<std::unique_ptr<Node>> ParseFilter(std::string_view text) {
  if (text.size() > kMaxFilterBytes) {
    return InvalidArgument("filter is longer than " + std::to_string(kMaxFilterBytes) + " bytes");
  }
  return Parser(text).Parse();
}

const char* FieldName(FieldKind f) {
  switch (f) {
    case FieldKind::kName: return "name";
    case FieldKind::kModel: return "model";
    case FieldKind::kDescription: return "description";
    case FieldKind::kStage: return "stage";
    case FieldKind::kAlias: return "alias";
    case FieldKind::kVersion: return "version";
    case FieldKind::kCreatedAt: return "created_at";
    case FieldKind::kTag: return "tags";
    case FieldKind::kParam: return "params";
    case FieldKind::kMetric: return "metrics";
  }
  return "?";
}

}  // namespace mv::search
