// venoflow: JSON Schema (draft 2020-12) of the model format, generated from the key tables in
// schema_tables.cpp (the same tables that drive validation).
#include <cstdio>
#include <sstream>

#include "format/schema.hpp"
#include "format/units_detail.hpp"
#include "venoflow/element_types.hpp"
#include "venoflow/model_document.hpp"

namespace venoflow {

namespace {

using detail::KeySpec;
using detail::ValueKind;

std::string quote(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\t':
        o += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += c;
        }
    }
  }
  return o + "\"";
}

class Writer {
 public:
  std::string str() const { return os_.str(); }

  void object_begin() {
    os_ << "{";
    first_ = true;
    depth_++;
  }
  void object_end() {
    depth_--;
    newline();
    os_ << "}";
    first_ = false;
  }
  void key(const std::string& k) {
    if (!first_) os_ << ",";
    newline();
    os_ << quote(k) << ": ";
    first_ = true;
  }
  void raw(const std::string& v) {
    os_ << v;
    first_ = false;
  }
  void string(const std::string& v) { raw(quote(v)); }
  void strings(const std::vector<std::string>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + quote(v[i]);
    raw(s + "]");
  }

 private:
  std::ostringstream os_;
  bool first_ = true;
  int depth_ = 0;
  void newline() { os_ << "\n" << std::string(2 * static_cast<size_t>(depth_), ' '); }
};

std::string description(const KeySpec& k) {
  std::string d = k.doc;
  if (k.kind == ValueKind::Quantity || k.kind == ValueKind::Function ||
      k.kind == ValueKind::Radius) {
    if (!(k.dim == dim::none)) {
      std::string ex = detail::example_unit(k.dim);
      d += " [" + detail::dimension_name(k.dim) + (ex.empty() ? "" : ", e.g. " + ex) + "]";
    }
  }
  if (!k.default_text.empty()) d += " (default: " + k.default_text + ")";
  return d;
}

const char* kQuantityPattern =
    "^\\\\s*[-+]?([0-9]+\\\\.?[0-9]*|\\\\.[0-9]+)([eE][-+]?[0-9]+)?\\\\s*([^\\\\s0-9.]|1\\\\s*/"
    ").*$";

void write_key(Writer& w, const KeySpec& k);

/// "properties": {...} and "required": [...] of an object schema (required omitted when empty
/// unless `always_required`).
void write_properties(Writer& w, const std::vector<KeySpec>& keys, bool always_required) {
  w.key("properties");
  w.object_begin();
  for (const auto& k : keys) {
    w.key(k.name);
    write_key(w, k);
  }
  w.object_end();
  std::vector<std::string> req;
  for (const auto& k : keys)
    if (k.required) req.push_back(k.name);
  if (always_required || !req.empty()) {
    w.key("required");
    w.strings(req);
  }
}

void write_map(Writer& w, const std::vector<KeySpec>& keys, const std::string& doc,
               bool closed = true) {
  w.object_begin();
  w.key("type");
  w.string("object");
  if (!doc.empty()) {
    w.key("description");
    w.string(doc);
  }
  write_properties(w, keys, false);
  if (closed) {
    w.key("additionalProperties");
    w.raw("false");
  }
  w.object_end();
}

void quantity_schema(Writer& w, const KeySpec& k) {
  if (!k.bare_unit.empty()) {
    w.key("type");
    w.strings({"number", "string"});
  } else {
    w.key("type");
    w.string("string");
    w.key("pattern");
    w.raw(std::string("\"") + kQuantityPattern + "\"");
  }
  w.key("description");
  w.string(description(k));
}

void write_key(Writer& w, const KeySpec& k) {
  switch (k.kind) {
    case ValueKind::Version:
      w.object_begin();
      w.key("const");
      w.raw("1");
      w.key("description");
      w.string(k.doc);
      w.object_end();
      return;
    case ValueKind::Text:
    case ValueKind::NodeRef:
    case ValueKind::GroupRef:
    case ValueKind::UnitText:
      w.object_begin();
      w.key("type");
      w.string("string");
      w.key("description");
      w.string(description(k));
      w.object_end();
      return;
    case ValueKind::Bool:
      w.object_begin();
      w.key("type");
      w.string("boolean");
      w.key("description");
      w.string(description(k));
      w.object_end();
      return;
    case ValueKind::Int:
      w.object_begin();
      w.key("type");
      w.string("integer");
      if (k.bound == detail::Bound::AtLeastOne) {
        w.key("minimum");
        w.raw("1");
      } else if (k.bound == detail::Bound::NonNegative) {
        w.key("minimum");
        w.raw("0");
      }
      w.key("maximum");
      w.raw(std::to_string(k.max_int));
      w.key("description");
      w.string(description(k));
      w.object_end();
      return;
    case ValueKind::Quantity:
      w.object_begin();
      quantity_schema(w, k);
      w.object_end();
      return;
    case ValueKind::Choice:
      w.object_begin();
      w.key("enum");
      w.strings(k.choices);
      w.key("description");
      w.string(description(k));
      w.object_end();
      return;
    case ValueKind::NodeList:
      w.object_begin();
      w.key("type");
      w.string("array");
      w.key("items");
      w.raw("{\"type\": \"string\"}");
      w.key("minItems");
      w.raw("1");
      w.key("description");
      w.string(description(k));
      w.object_end();
      return;
    case ValueKind::UnitPair:
      w.object_begin();
      w.key("type");
      w.string("array");
      w.key("items");
      w.raw("{\"type\": \"string\"}");
      w.key("minItems");
      w.raw("2");
      w.key("maxItems");
      w.raw("2");
      w.key("description");
      w.string(description(k));
      w.object_end();
      return;
    case ValueKind::Pairs:
      w.object_begin();
      w.key("type");
      w.string("array");
      w.key("items");
      w.raw(
          "{\"type\": \"array\", \"items\": {\"type\": \"number\"}, \"minItems\": 2, "
          "\"maxItems\": 2}");
      w.key("description");
      w.string(description(k));
      w.object_end();
      return;
    case ValueKind::Radius:
    case ValueKind::Function: {
      w.object_begin();
      w.key("description");
      w.string(description(k));
      w.key("oneOf");
      w.raw("[");
      w.object_begin();
      KeySpec q = k;
      q.kind = ValueKind::Quantity;
      quantity_schema(w, q);
      w.object_end();
      w.raw(", ");
      write_map(w, k.children, k.kind == ValueKind::Radius ? "linear taper" : "time function");
      w.raw("]");
      w.object_end();
      return;
    }
    case ValueKind::Map:
      write_map(w, k.children, description(k));
      return;
    case ValueKind::List: {
      w.object_begin();
      w.key("type");
      w.string("array");
      w.key("description");
      w.string(k.doc);
      w.key("items");
      if (!k.element_list) {
        write_map(w, k.children, "");
      } else {
        // common keys + per-type parameters through if/then; unevaluatedProperties closes it
        w.object_begin();
        w.key("type");
        w.string("object");
        write_properties(w, k.children, true);
        w.key("allOf");
        w.raw("[");
        bool first = true;
        for (const auto& t : element_types()) {
          if (!first) w.raw(", ");
          first = false;
          w.object_begin();
          w.key("if");
          w.raw("{\"properties\": {\"type\": {\"const\": " + quote(t.type) + "}}}");
          w.key("then");
          w.object_begin();
          w.key("description");
          w.string(t.doc);
          w.key("properties");
          w.object_begin();
          std::vector<std::string> treq;
          w.key("nodes");
          w.raw("{\"minItems\": " + std::to_string(t.ports.size() - t.optional_ports) +
                ", \"maxItems\": " + std::to_string(t.ports.size()) + "}");
          for (const auto& p : detail::element_keys(t.type)) {
            bool common = false;
            for (const auto& c : k.children)
              if (c.name == p.name) common = true;
            if (common && p.name != "external_pressure") continue;
            w.key(p.name);
            if (p.name == "external_pressure") {
              w.raw("true");
              continue;
            }
            write_key(w, p);
            if (p.required) treq.push_back(p.name);
          }
          w.object_end();
          if (!treq.empty()) {
            w.key("required");
            w.strings(treq);
          }
          if (!t.has_external_pressure) {
            w.key("not");
            w.raw("{\"required\": [\"external_pressure\"]}");
          }
          w.object_end();
          w.object_end();
        }
        w.raw("]");
        w.key("unevaluatedProperties");
        w.raw("false");
        w.object_end();
      }
      w.object_end();
      return;
    }
  }
}

}  // namespace

std::string model_json_schema() {
  Writer w;
  w.object_begin();
  w.key("$schema");
  w.string("https://json-schema.org/draft/2020-12/schema");
  w.key("$id");
  w.string("https://venoflow.example/model-format-1.schema.json");
  w.key("title");
  w.string("venoflow model (format version 1)");
  w.key("description");
  w.string(
      "Vessel network model. Dimensional values are strings '<number> <unit>' (e.g. '12 mm', "
      "'9.5 mmHg'); see docs/model-format.md.");
  const KeySpec& root = detail::model_schema();
  w.key("type");
  w.string("object");
  write_properties(w, root.children, true);
  w.key("additionalProperties");
  w.raw("false");
  w.object_end();
  return w.str() + "\n";
}

}  // namespace venoflow
