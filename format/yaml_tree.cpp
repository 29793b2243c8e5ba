// venoflow: the YAML tree (format/yaml_tree.hpp) and its reader on libyaml's event parser.
#include "format/yaml_tree.hpp"

#include <yaml.h>

#include <unordered_map>

namespace venoflow::yaml {

namespace {
const std::string kEmpty;
const std::vector<Entry> kNoEntries;
const std::vector<Node> kNoItems;
}  // namespace

Node::Node(NodeType type) : d_(std::make_shared<Data>()) {
  d_->type = type == NodeType::Undefined ? NodeType::Null : type;
  d_->tag = "?";
}

Node Node::scalar(std::string text) {
  Node n(NodeType::Scalar);
  n.d_->text = std::move(text);
  return n;
}

const std::string& Node::Scalar() const { return IsScalar() ? d_->text : kEmpty; }
const std::string& Node::Tag() const { return d_ ? d_->tag : kEmpty; }
const std::vector<Entry>& Node::entries() const { return IsMap() ? d_->map : kNoEntries; }
const std::vector<Node>& Node::items() const { return IsSequence() ? d_->seq : kNoItems; }

std::size_t Node::size() const {
  if (IsMap()) return d_->map.size();
  if (IsSequence()) return d_->seq.size();
  return 0;
}

Node Node::operator[](std::size_t i) const {
  return IsSequence() && i < d_->seq.size() ? d_->seq[i] : Node();
}

Node Node::operator[](std::string_view key) const {
  if (IsMap())
    for (const auto& [k, v] : d_->map)
      if (k.IsScalar() && k.d_->text == key) return v;
  return Node();
}

void Node::assign(const Node& v) {
  if (!d_) {
    d_ = v.d_;
    return;
  }
  if (v.d_ == d_) return;
  if (!v.d_) {
    *d_ = Data{};  // an undefined value assigned: a null
    d_->tag = "?";
    return;
  }
  *d_ = *v.d_;  // children stay shared with `v`: a subtree is never copied deep
}

void Node::set(std::string_view key, const Node& v) {
  if (!IsMap()) return;
  for (auto& [k, old] : d_->map)
    if (k.IsScalar() && k.d_->text == key) {
      old = v;
      return;
    }
  d_->map.emplace_back(Node::scalar(std::string(key)), v);
}

void Node::push_back(const Node& v) {
  if (IsSequence()) d_->seq.push_back(v);
}

/// The events of libyaml's parser, assembled into nodes with a stack of the open collections.
class Reader {
 public:
  Reader(std::string_view text, const ParseLimits& limits) : text_(text), limits_(limits) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~Reader() { yaml_parser_delete(&parser_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  Node run() {
    int documents = 0;
    for (;;) {
      yaml_event_t e;
      if (!yaml_parser_parse(&parser_, &e)) fail_from_parser();
      struct Free {
        yaml_event_t* e;
        ~Free() { yaml_event_delete(e); }
      } free_event{&e};
      switch (e.type) {
        case YAML_STREAM_END_EVENT:
          return root_.IsDefined() ? root_ : Node(NodeType::Null);
        case YAML_DOCUMENT_START_EVENT:
          if (++documents > 1)
            throw SyntaxError{
                mark(e.start_mark),
                "a second YAML document ('---') in the text: a model is one document"};
          break;
        case YAML_ALIAS_EVENT: {
          const char* name = reinterpret_cast<const char*>(e.data.alias.anchor);
          auto it = anchors_.find(name);
          if (it == anchors_.end())
            throw SyntaxError{mark(e.start_mark), std::string("unknown alias '*") + name +
                                                      "': no anchor '&" + name + "' before it"};
          add(it->second, e.start_mark);
          break;
        }
        case YAML_SCALAR_EVENT: {
          Node n;
          n.d_ = std::make_shared<Node::Data>();
          auto& s = e.data.scalar;
          n.d_->text.assign(reinterpret_cast<const char*>(s.value), s.length);
          n.d_->mark = mark(e.start_mark);
          const bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
          if (s.tag)
            n.d_->tag = reinterpret_cast<const char*>(s.tag);
          else
            n.d_->tag = plain ? "?" : "!";
          const std::string& t = n.d_->text;
          // YAML 1.1's null: an empty plain scalar, ~ or null, and only without a tag
          n.d_->type = !s.tag && plain &&
                               (t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL")
                           ? NodeType::Null
                           : NodeType::Scalar;
          add(n, e.start_mark);
          anchor(s.anchor, n);
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
          open(NodeType::Sequence, e.data.sequence_start.tag, e.data.sequence_start.anchor,
               e.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE, e.start_mark);
          break;
        case YAML_MAPPING_START_EVENT:
          open(NodeType::Map, e.data.mapping_start.tag, e.data.mapping_start.anchor,
               e.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE, e.start_mark);
          break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
          Open done = std::move(open_.back());
          open_.pop_back();
          if (!done.anchor.empty()) anchors_[done.anchor] = done.node;
          break;
        }
        default:
          break;
      }
    }
  }

 private:
  struct Open {
    Node node;
    Node key;
    bool has_key = false;
    std::string anchor;  // registered when the collection is complete
  };

  std::string_view text_;
  ParseLimits limits_;
  yaml_parser_t parser_;
  std::vector<Open> open_;
  std::unordered_map<std::string, Node> anchors_;
  Node root_;

  static yaml::Mark mark(const yaml_mark_t& m) {
    return yaml::Mark{static_cast<int>(m.line), static_cast<int>(m.column)};
  }

  /// Places a finished node (or an alias of one) in the open collection; checks its depth.
  void add(const Node& n, const yaml_mark_t& where) {
    if (limits_.depth0 + static_cast<int>(open_.size()) > limits_.max_depth) too_deep(where);
    if (open_.empty()) {
      root_ = n;
      return;
    }
    Open& top = open_.back();
    if (top.node.IsMap()) {
      if (!top.has_key) {
        top.key = n;
        top.has_key = true;
      } else {
        top.node.d_->map.emplace_back(std::move(top.key), n);
        top.key = Node();
        top.has_key = false;
      }
    } else {
      top.node.d_->seq.push_back(n);
    }
  }

  void open(NodeType type, const yaml_char_t* tag, const yaml_char_t* anchor_name, bool flow,
            const yaml_mark_t& where) {
    Node n;
    n.d_ = std::make_shared<Node::Data>();
    n.d_->type = type;
    n.d_->style = flow ? Style::Flow : Style::Block;
    n.d_->mark = mark(where);
    n.d_->tag = tag ? reinterpret_cast<const char*>(tag) : "?";
    add(n, where);
    open_.push_back(
        Open{n, Node(), false, anchor_name ? reinterpret_cast<const char*>(anchor_name) : ""});
  }

  void anchor(const yaml_char_t* name, const Node& n) {
    if (name) anchors_[reinterpret_cast<const char*>(name)] = n;
  }

  [[noreturn]] void too_deep(const yaml_mark_t& where) const {
    throw SyntaxError{mark(where), "nesting deeper than " + std::to_string(limits_.max_depth) +
                                       " levels (maps and lists inside each other); a model "
                                       "needs fewer than 10"};
  }

  /// Line and column (in characters) of a byte offset, for the reader's errors, which carry an
  /// offset rather than a mark.
  yaml::Mark at_offset(std::size_t offset) const {
    std::size_t i = text_.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
    int line = 0, column = 0;
    for (; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 0;
      } else if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
        ++column;
      }
    }
    return {line, column};
  }

  /// The byte at a mark (line and column in characters), or 0 past the end.
  char at_mark(const yaml_mark_t& m) const {
    std::size_t i = text_.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
    for (std::size_t line = 0; line < m.line && i < text_.size(); ++i)
      if (text_[i] == '\n') ++line;
    for (std::size_t column = 0; i < text_.size(); ++i) {
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) == 0x80) continue;
      if (column++ == m.column) return text_[i];
    }
    return 0;
  }

  [[noreturn]] void fail_from_parser() const {
    const std::string problem = parser_.problem ? parser_.problem : "cannot parse";
    if (parser_.error == YAML_READER_ERROR)
      throw SyntaxError{at_offset(parser_.problem_offset), problem};
    const std::string context = parser_.context ? parser_.context : "";
    // A quote opened and never closed runs to the end of the text: name where it opened.
    if (context == "while scanning a quoted scalar" &&
        problem == "found unexpected end of stream") {
      const char q = at_mark(parser_.context_mark);
      throw SyntaxError{mark(parser_.context_mark),
                        std::string("unterminated quoted string (no closing ") +
                            (q == '\'' ? '\'' : '"') + " before the end of the file)"};
    }
    std::string msg = problem;
    if (problem == "found character that cannot start any token" &&
        at_mark(parser_.problem_mark) == '\t')
      msg = "a tab where YAML expects indentation or a value: YAML indents with spaces only";
    if (!context.empty()) {
      msg += " (" + context;
      if (parser_.context_mark.line != parser_.problem_mark.line ||
          parser_.context_mark.column != parser_.problem_mark.column)
        msg += " that starts at line " + std::to_string(parser_.context_mark.line + 1) +
               ", column " + std::to_string(parser_.context_mark.column + 1);
      msg += ")";
    }
    throw SyntaxError{mark(parser_.problem_mark), msg};
  }
};

Node parse(std::string_view text, const ParseLimits& limits) { return Reader(text, limits).run(); }

}  // namespace venoflow::yaml
