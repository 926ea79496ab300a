#include "storage/sqlite/filter_sql.h"

#include <cmath>

#include "util/encoding.h"

namespace mv::storage {
namespace {

using search::FieldKind;
using search::Node;
using search::Op;
using search::Value;

enum class Target { kVersions, kModels };

const char* OpSql(Op op, SqlDialect dialect) {
  const bool pg = dialect == SqlDialect::kPostgres;
  switch (op) {
    case Op::kEq: return " = ";
    case Op::kNe: return " != ";
    case Op::kLt: return " < ";
    case Op::kLe: return " <= ";
    case Op::kGt: return " > ";
    case Op::kGe: return " >= ";
    case Op::kLike: return pg ? " ILIKE " : " LIKE ";
    case Op::kNotLike: return pg ? " NOT ILIKE " : " NOT LIKE ";
    case Op::kIn: return " IN ";
    case Op::kNotIn: return " NOT IN ";
  }
  return " = ";
}

class Compiler {
 public:
  Compiler(Target t, SqlDialect dialect) : target_(t), dialect_(dialect) {}

  Status Emit(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kAnd:
      case Node::Kind::kOr: {
        out_.sql += "(";
        for (size_t i = 0; i < n.children.size(); ++i) {
          if (i > 0) out_.sql += n.kind == Node::Kind::kAnd ? " AND " : " OR ";
          RETURN_IF_ERROR(Emit(*n.children[i]));
        }
        out_.sql += ")";
        return Status::Ok();
      }
      case Node::Kind::kNot:
        out_.sql += "(NOT ";
        RETURN_IF_ERROR(Emit(*n.children[0]));
        out_.sql += ")";
        return Status::Ok();
      case Node::Kind::kCompare:
        return EmitCompare(n);
    }
    return Internal("unknown filter node");
  }

  SqlFragment Take() { return std::move(out_); }

 private:
  // "<column> <op> ?" (or "IN (?, ?)"), binding the values as text or numbers.
  Status EmitPredicate(const std::string& column, const Node& n, bool numeric_column) {
    out_.sql += column;
    out_.sql += OpSql(n.op, dialect_);
    bool list = n.op == Op::kIn || n.op == Op::kNotIn;
    if (list) out_.sql += "(";
    for (size_t i = 0; i < n.values.size(); ++i) {
      if (i > 0) out_.sql += ", ";
      out_.sql += "?";
      RETURN_IF_ERROR(Bind(n, n.values[i], numeric_column));
    }
    if (list) out_.sql += ")";
    return Status::Ok();
  }

  Status Bind(const Node& n, const Value& v, bool numeric_column) {
    // Casting a double outside int64's range is undefined behaviour: refuse such values.
    constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53
    const bool integer_field = n.field == FieldKind::kCreatedAt || n.field == FieldKind::kVersion;
    if (integer_field && v.is_number && std::fabs(v.number) > kMaxExactInteger) {
      return InvalidArgument(std::string("filter: ") + search::FieldName(n.field) + " value '" +
                             v.text + "' is out of range");
    }
    if (n.field == FieldKind::kCreatedAt) {
      if (v.is_number) {
        out_.params.emplace_back(static_cast<int64_t>(v.number));
        return Status::Ok();
      }
      ASSIGN_OR_RETURN(int64_t ms, ParseRfc3339Ms(v.text));
      out_.params.emplace_back(ms);
      return Status::Ok();
    }
    if (n.field == FieldKind::kVersion) {
      if (!v.is_number || v.number != std::floor(v.number)) {
        return InvalidArgument("filter: version compares with an integer, not '" + v.text + "'");
      }
      out_.params.emplace_back(static_cast<int64_t>(v.number));
      return Status::Ok();
    }
    if (numeric_column && v.is_number) {
      out_.params.emplace_back(v.number);
    } else {
      out_.params.emplace_back(v.text);
    }
    return Status::Ok();
  }

  // "EXISTS (SELECT 1 FROM <from> WHERE <link> AND <pred>)".
  Status EmitExists(const std::string& from_where, const std::string& column, const Node& n,
                    bool numeric) {
    out_.sql += "EXISTS (SELECT 1 FROM " + from_where + " AND ";
    RETURN_IF_ERROR(EmitPredicate(column, n, numeric));
    out_.sql += ")";
    return Status::Ok();
  }

  Status EmitAttr(const Node& n, const char* kind, const std::string& version_link) {
    bool numeric = n.values[0].is_number && n.field != FieldKind::kTag;
    std::string from = "version_attrs x WHERE " + version_link + " AND x.kind = '" + kind +
                       "' AND x.key = ?";
    out_.sql += "EXISTS (SELECT 1 FROM " + from + " AND ";
    out_.params.emplace_back(n.key);
    RETURN_IF_ERROR(EmitPredicate(numeric ? "x.num_value" : "x.text_value", n, numeric));
    out_.sql += ")";
    return Status::Ok();
  }

  Status EmitCompare(const Node& n) {
    const bool versions = target_ == Target::kVersions;
    // Version-level fields over models: true when some live sealed version of the model
    // matches (drafts stay hidden here as in every list).
    const std::string any_version =
        "versions vv WHERE vv.model_id = m.id AND vv.deleted_at IS NULL AND vv.state = 'sealed'";
    switch (n.field) {
      case FieldKind::kName:
      case FieldKind::kModel:
        return EmitPredicate("m.name", n, false);
      case FieldKind::kDescription:
        return EmitPredicate(versions ? "v.description" : "m.description", n, false);
      case FieldKind::kCreatedAt:
        return EmitPredicate(versions ? "v.created_at" : "m.created_at", n, true);
      case FieldKind::kStage:
        if (versions) return EmitPredicate("v.stage", n, false);
        return EmitExists(any_version, "vv.stage", n, false);
      case FieldKind::kVersion:
        if (versions) return EmitPredicate("v.number", n, true);
        return EmitExists(any_version, "vv.number", n, true);
      case FieldKind::kAlias:
        return EmitExists(versions ? "aliases a WHERE a.version_id = v.id"
                                   : "aliases a WHERE a.model_id = m.id",
                          "a.alias", n, false);
      case FieldKind::kTag:
        if (versions) return EmitAttr(n, "tag", "x.version_id = v.id");
        out_.sql += "EXISTS (SELECT 1 FROM model_tags t WHERE t.model_id = m.id AND t.key = ? AND ";
        out_.params.emplace_back(n.key);
        RETURN_IF_ERROR(EmitPredicate("t.value", n, false));
        out_.sql += ")";
        return Status::Ok();
      case FieldKind::kParam:
      case FieldKind::kMetric: {
        const char* kind = n.field == FieldKind::kParam ? "param" : "metric";
        if (versions) return EmitAttr(n, kind, "x.version_id = v.id");
        return EmitAttr(n, kind,
                        "x.version_id IN (SELECT vv.id FROM " + any_version + ")");
      }
    }
    return Internal("unknown filter field");
  }

  Target target_;
  SqlDialect dialect_;
  SqlFragment out_{"", {}};
};

Result<SqlFragment> Compile(const Node* node, Target t, SqlDialect dialect) {
  if (node == nullptr) {
    return SqlFragment{dialect == SqlDialect::kPostgres ? "TRUE" : "1", {}};
  }
  Compiler c(t, dialect);
  RETURN_IF_ERROR(c.Emit(*node));
  return c.Take();
}

}  // namespace

Result<SqlFragment> CompileVersionFilter(const Node* node, SqlDialect dialect) {
  return Compile(node, Target::kVersions, dialect);
}

Result<SqlFragment> CompileModelFilter(const Node* node, SqlDialect dialect) {
  return Compile(node, Target::kModels, dialect);
}

}  // namespace mv::storage
