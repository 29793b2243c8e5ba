// venoflow (private): the YAML tree of a model document, with source positions.
//
// A model file is read by libyaml's event parser (YAML 1.1, pyyaml's C parser) into this tree:
// maps keep their entries in file order (duplicates too: the builder reports them), every
// scalar stays the text the file wrote (numbers and units are the builder's business), and
// every node keeps where it started. Aliases share the anchored node. Nothing is resolved or
// converted here; the YAML types are the four of the data model plus "undefined" (absent).
//
// Why our own tree rather than yaml-cpp's: reading the default model through yaml-cpp cost
// about 1000 instructions per byte, more than building and checking the model; libyaml's
// scanner takes about a tenth of that, and a plain tree of shared nodes is cheap to search.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace venoflow::yaml {

/// Where a node starts: 0-based line and column (in characters, a UTF-8 byte-order mark not
/// counted); -1 for a node that has no place in a text (made by an edit, or absent).
struct Mark {
  int line = -1;
  int column = -1;
};

enum class NodeType { Undefined, Null, Scalar, Sequence, Map };

/// How a collection was written: `key: {a: 1}` (flow) or on indented lines (block).
enum class Style { Block, Flow };

class Node;
using Entry = std::pair<Node, Node>;

/// A handle on a node; copies share it (as YAML aliases do). A default-constructed Node is
/// undefined: what a lookup of an absent key returns.
class Node {
 public:
  Node() = default;
  /// A new empty map or sequence, or a null, placed nowhere.
  explicit Node(NodeType type);
  /// A new plain scalar placed nowhere.
  static Node scalar(std::string text);

  NodeType Type() const { return d_ ? d_->type : NodeType::Undefined; }
  bool IsDefined() const { return d_ != nullptr; }
  bool IsNull() const { return Type() == NodeType::Null; }
  bool IsScalar() const { return Type() == NodeType::Scalar; }
  bool IsSequence() const { return Type() == NodeType::Sequence; }
  bool IsMap() const { return Type() == NodeType::Map; }

  /// The scalar's text ("" for any other node).
  const std::string& Scalar() const;
  /// "?" for a plain scalar or an untagged collection, "!" for a quoted or block scalar,
  /// otherwise the explicit tag resolved to its full form ("!!str" -> "tag:yaml.org,2002:str").
  const std::string& Tag() const;
  yaml::Mark Mark() const { return d_ ? d_->mark : yaml::Mark{}; }
  Style style() const { return d_ ? d_->style : Style::Block; }

  /// Entries of a map / items of a sequence (empty for any other node).
  const std::vector<Entry>& entries() const;
  const std::vector<Node>& items() const;
  /// Items of a sequence or entries of a map; 0 otherwise.
  std::size_t size() const;
  /// Item `i` of a sequence (undefined if out of range or not a sequence).
  Node operator[](std::size_t i) const;
  /// The value of the first entry whose key is the scalar `key` (undefined if none).
  Node operator[](std::string_view key) const;

  /// The same node (not merely equal): aliases of one anchor are.
  bool is(const Node& other) const { return d_ == other.d_; }
  /// The node's identity, for tables of nodes already seen (nullptr when undefined).
  const void* id() const { return d_.get(); }

  /// Replaces this node's content (type, text, children, position) by `v`'s, in place: every
  /// handle on this node, aliases included, sees the new value.
  void assign(const Node& v);
  /// Sets the value of `key` in a map: the first entry with that key, or a new last entry.
  void set(std::string_view key, const Node& v);
  /// Appends an item to a sequence.
  void push_back(const Node& v);

 private:
  friend class Reader;
  struct Data {
    NodeType type = NodeType::Null;
    Style style = Style::Block;
    yaml::Mark mark;
    std::string text;  // scalar
    std::string tag;
    std::vector<Entry> map;
    std::vector<Node> seq;
  };
  std::shared_ptr<Data> d_;
};

/// A text that is not YAML, or breaks one of the limits below, at `mark`.
struct SyntaxError {
  yaml::Mark mark;
  std::string message;  ///< without the "YAML syntax error: " prefix
};

struct ParseLimits {
  /// Nodes nested deeper than this (maps and lists inside each other) are refused at the first
  /// one too deep; `depth0` is the depth of the text's top node (a `--set` value's path).
  int max_depth = 64;
  int depth0 = 0;
};

/// The first (only) document of `text`: Null for an empty text. Throws SyntaxError, also for a
/// second document in the same text, an alias to an anchor not defined before it, and nesting
/// beyond the limit. `text` must be valid UTF-8 (the caller checks, with its own message).
Node parse(std::string_view text, const ParseLimits& limits = {});

/// The tree as YAML text in block style (flow collections stay flow), which parse() reads back
/// as the same tree: scalars are written bare when that reads back as the same string in its
/// context and double-quoted otherwise; a node reached again through an alias is written as
/// an alias of an anchor; explicit tags are kept. Ends with a newline.
std::string write(const Node& root);

}  // namespace venoflow::yaml
