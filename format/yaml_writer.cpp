// venoflow: yaml::write (format/yaml_tree.hpp), the YAML text of a tree: a results file's
// /model and ModelDocument::yaml. The text must read back as the same tree (tests:
// ModelDocumentYaml.*), so every choice below is the safe one: bare scalars only from a
// conservative set of characters, everything else double-quoted with escapes.
#include <cstdint>
#include <cstdio>
#include <unordered_map>

#include "format/yaml_tree.hpp"

namespace venoflow::yaml {

namespace {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void document(const Node& root) {
    count(root);
    if (block(root) && root.Tag() == "?" && !shared(root)) {
      block_node(root, 0);
    } else {
      inline_node(root, false);
      out_ += '\n';
    }
  }

 private:
  std::string& out_;
  std::unordered_map<const void*, int> seen_;    // node -> times reached (count())
  std::unordered_map<const void*, int> anchor_;  // shared node -> its anchor number, once written
  int anchors_ = 0;

  /// How often each node is reached; children of a node reached before are not visited again,
  /// so the pass is linear in the tree even when aliases would expand exponentially.
  void count(const Node& n) {
    if (++seen_[n.id()] > 1) return;
    for (const auto& [k, v] : n.entries()) {
      count(k);
      count(v);
    }
    for (const auto& v : n.items()) count(v);
  }
  bool shared(const Node& n) const {
    auto it = seen_.find(n.id());
    return it != seen_.end() && it->second > 1;
  }

  /// The node's properties before its content: an alias if it was written before (returns
  /// false: nothing more to write), else its anchor if it is shared, and its explicit tag.
  bool properties(const Node& n) {
    if (shared(n)) {
      auto [it, first] = anchor_.try_emplace(n.id(), anchors_ + 1);
      if (!first) {
        out_ += "*a" + std::to_string(it->second);
        return false;
      }
      ++anchors_;
      out_ += "&a" + std::to_string(it->second) + ' ';
    }
    const std::string& tag = n.Tag();
    if (!tag.empty() && tag != "?" && tag != "!") {
      out_ += "!<";
      // a verbatim tag is a URI: these characters are what libyaml reads inside one
      for (const char c : tag) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            std::string_view(";/?:@&=+$,_.!~*'()[]#%-").find(c) != std::string_view::npos) {
          out_ += c;
        } else {
          char hex[4];
          std::snprintf(hex, sizeof hex, "%%%02X",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out_ += hex;
        }
      }
      out_ += "> ";
    }
    return true;
  }

  /// A scalar that reads back as the same string when written bare, in block context or, with
  /// `flow`, inside [ ] or { } too: ASCII letters, digits, space and a few signs, starting
  /// with a letter, digit, '_' or '(' or a sign or '.' before a digit, not ending in a space,
  /// not a null. Anything else is double-quoted.
  static bool plain(const std::string& s, bool flow) {
    if (s.empty() || s.size() > 1024) return false;
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    const auto alnum = [&](char c) {
      return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    };
    const char c0 = s[0];
    const bool start = alnum(c0) || c0 == '_' || c0 == '(' ||
                       ((c0 == '-' || c0 == '+' || c0 == '.') && s.size() > 1 && digit(s[1]));
    if (!start || s.back() == ' ') return false;
    for (const char c : s) {
      if (alnum(c)) continue;
      switch (c) {
        case ' ':
        case '_':
        case '-':
        case '+':
        case '.':
        case '/':
        case '(':
        case ')':
        case '^':
        case '*':
        case '%':
        case '=':
        case '~':
        case ';':
          continue;
        case ',':
          if (flow) return false;
          continue;
        default:
          return false;
      }
    }
    return !(s == "null" || s == "Null" || s == "NULL");
  }

  /// Double-quoted, escaping what YAML would otherwise read differently: the quote and the
  /// backslash, control characters, and the characters YAML 1.1 takes as line breaks (NEL,
  /// LS, PS) or that libyaml's reader refuses; other UTF-8 text is written as it is.
  void quoted(const std::string& s) {
    out_ += '"';
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    for (std::size_t i = 0; i < n;) {
      const unsigned char c = p[i];
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += static_cast<char>(c);
        ++i;
        continue;
      }
      if (c < 0x20 || c == 0x7F) {
        switch (c) {
          case '\n':
            out_ += "\\n";
            break;
          case '\t':
            out_ += "\\t";
            break;
          case '\r':
            out_ += "\\r";
            break;
          case 0:
            out_ += "\\0";
            break;
          default: {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned>(c));
            out_ += hex;
          }
        }
        ++i;
        continue;
      }
      if (c < 0x80) {
        out_ += static_cast<char>(c);
        ++i;
        continue;
      }
      // a UTF-8 sequence (the text was checked to be UTF-8 when it was read)
      const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      std::uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
      for (std::size_t k = 1; k < len && i + k < n; ++k) cp = (cp << 6) | (p[i + k] & 0x3F);
      if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF ||
          cp == 0xFFFE || cp == 0xFFFF) {
        char hex[10];
        std::snprintf(hex, sizeof hex, "\\u%04X", static_cast<unsigned>(cp));
        out_ += hex;
      } else {
        out_.append(s, i, len);
      }
      i += len;
    }
    out_ += '"';
  }

  void scalar(const Node& n, bool flow) {
    const std::string& s = n.Scalar();
    if (plain(s, flow))
      out_ += s;
    else
      quoted(s);
  }

  static bool block(const Node& n) {
    return (n.IsMap() || n.IsSequence()) && n.size() > 0 && n.style() != Style::Flow;
  }

  /// A key written as an implicit key (`key: value`): a short scalar or a null.
  /// (Escapes make a quoted key up to four times longer than its text; YAML's implicit keys
  /// end within 1024 characters.)
  static bool simple_key(const Node& k) {
    return (k.IsScalar() && k.Scalar().size() <= 200) || k.IsNull();
  }

  /// A node on the current line: scalar, null, or a collection in flow style.
  void inline_node(const Node& n, bool flow) {
    if (!properties(n)) return;
    if (n.IsScalar()) return scalar(n, flow);
    if (n.IsMap()) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, v] : n.entries()) {
        if (!first) out_ += ", ";
        first = false;
        if (!simple_key(k) || has_properties(k)) out_ += "? ";
        inline_node(k, true);
        out_ += ": ";
        inline_node(v, true);
      }
      out_ += '}';
      return;
    }
    if (n.IsSequence()) {
      out_ += '[';
      bool first = true;
      for (const auto& v : n.items()) {
        if (!first) out_ += ", ";
        first = false;
        inline_node(v, true);
      }
      out_ += ']';
      return;
    }
    out_ += '~';  // null
  }

  void indent(int n) { out_.append(static_cast<std::size_t>(n), ' '); }

  /// Has an anchor or an explicit tag to write before its content.
  bool has_properties(const Node& n) const { return shared(n) || n.Tag().size() > 1; }
  /// A shared node already written: from now on an alias.
  bool written(const Node& n) const { return shared(n) && anchor_.count(n.id()) > 0; }

  /// What follows `key:` or `-`: a block collection on the next lines at column `col` (its
  /// anchor and tag, if any, on this one), anything else on this line.
  void value(const Node& v, int col) {
    if (block(v) && !written(v)) {
      if (has_properties(v)) {
        out_ += ' ';
        properties(v);
        if (out_.back() == ' ') out_.pop_back();
      }
      out_ += '\n';
      indent(col);
      block_node(v, col);
      return;
    }
    out_ += ' ';
    inline_node(v, false);
    out_ += '\n';
  }

  /// A block collection whose first line starts where the output is (column `col`).
  void block_node(const Node& n, int col) {
    if (n.IsMap())
      block_map(n, col);
    else
      block_seq(n, col);
  }

  /// Keys at column `col`, the first one where the line already is.
  void block_map(const Node& n, int col) {
    bool first = true;
    for (const auto& [k, v] : n.entries()) {
      if (!first) indent(col);
      first = false;
      if (simple_key(k) && !has_properties(k)) {
        inline_node(k, false);
        out_ += ':';
        value(v, col + 2);
      } else {
        // YAML's explicit entry: `? key` then `: value`, both written inline
        out_ += "? ";
        inline_node(k, true);
        out_ += '\n';
        indent(col);
        out_ += ": ";
        inline_node(v, true);
        out_ += '\n';
      }
    }
  }

  /// Items at column `col`, the first one where the line already is. A block collection
  /// without properties starts on the item's line (`- key: value`).
  void block_seq(const Node& n, int col) {
    bool first = true;
    for (const auto& v : n.items()) {
      if (!first) indent(col);
      first = false;
      if (block(v) && !written(v) && !has_properties(v)) {
        out_ += "- ";
        block_node(v, col + 2);
      } else {
        out_ += '-';
        value(v, col + 2);
      }
    }
  }
};

}  // namespace

std::string write(const Node& root) {
  std::string out;
  out.reserve(16384);
  Writer(out).document(root);
  return out;
}

}  // namespace venoflow::yaml
