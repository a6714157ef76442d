#pragma once
// The loader's own YAML tree: yaml-cpp's nodes converted once into plain values
// that remember their file, line and column, so merging files, interpolation and
// extends can move nodes around and every error still points at the right place.
#include <string>
#include <vector>

namespace lit::reconciler::load {

struct Loc {
  std::string file;         // as displayed in messages (relative to the project dir when inside it)
  int line = 0, col = 0;    // 1-based; 0 = unknown
  std::string str() const;  // "lit.yml:12:7"
};

struct Node;
struct Entry;

struct Node {
  enum class Kind { null, scalar, seq, map };
  Kind kind = Kind::null;
  std::string text;     // scalar
  bool quoted = false;  // scalar written in quotes (never a number/bool/null)
  // Compose's merge tags: `!reset` drops the value merged so far (the key is
  // then as if unset), `!override` replaces it instead of merging into it.
  enum class Tag { none, reset, override_ };
  Tag tag = Tag::none;
  std::vector<Node> items;     // seq
  std::vector<Entry> entries;  // map, in document order
  Loc loc;

  bool is_null() const { return kind == Kind::null; }
  bool is_scalar() const { return kind == Kind::scalar; }
  bool is_seq() const { return kind == Kind::seq; }
  bool is_map() const { return kind == Kind::map; }
  const Node* find(const std::string& key) const;
  Node* find(const std::string& key);
  const Entry* find_entry(const std::string& key) const;
  void set(const std::string& key, Node value, Loc key_loc = {});  // replaces or appends
  bool erase(const std::string& key);
  static Node scalar(std::string text, Loc loc = {});
  static Node map(Loc loc = {});
  static Node seq(Loc loc = {});
};

struct Entry {
  std::string key;
  Loc key_loc;
  Node value;
};

// Parses YAML text (one document); `display` names the file in messages.
// YAML merge keys (<<: *anchor) are resolved. Syntax errors -> lit::Error "FILE:LINE:COL: ...".
Node parse_yaml(const std::string& text, const std::string& display);
Node parse_yaml_file(const std::string& path, const std::string& display);

// A human name of a node's kind for messages: "a mapping", "a list", "a string", "null".
std::string kind_name(const Node& n);

}  // namespace lit::reconciler::load
