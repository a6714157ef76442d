#include "reconciler/load/tree.hpp"

#include <yaml-cpp/yaml.h>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::reconciler::load {

std::string Loc::str() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

const Entry* Node::find_entry(const std::string& key) const {
  for (const auto& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}
const Node* Node::find(const std::string& key) const {
  const Entry* e = find_entry(key);
  return e ? &e->value : nullptr;
}
Node* Node::find(const std::string& key) {
  for (auto& e : entries)
    if (e.key == key) return &e.value;
  return nullptr;
}
void Node::set(const std::string& key, Node value, Loc key_loc) {
  if (Node* n = find(key)) {
    *n = std::move(value);
    return;
  }
  entries.push_back({key, key_loc.line ? key_loc : value.loc, std::move(value)});
}
bool Node::erase(const std::string& key) {
  for (auto it = entries.begin(); it != entries.end(); ++it)
    if (it->key == key) {
      entries.erase(it);
      return true;
    }
  return false;
}
Node Node::scalar(std::string text, Loc loc) {
  Node n;
  n.kind = Kind::scalar;
  n.text = std::move(text);
  n.quoted = true;
  n.loc = std::move(loc);
  return n;
}
Node Node::map(Loc loc) {
  Node n;
  n.kind = Kind::map;
  n.loc = std::move(loc);
  return n;
}
Node Node::seq(Loc loc) {
  Node n;
  n.kind = Kind::seq;
  n.loc = std::move(loc);
  return n;
}

std::string kind_name(const Node& n) {
  switch (n.kind) {
    case Node::Kind::null:
      return "null";
    case Node::Kind::scalar:
      return "'" + n.text + "'";
    case Node::Kind::seq:
      return "a list";
    case Node::Kind::map:
      return "a mapping";
  }
  return "?";
}

namespace {

Loc loc_of(const YAML::Node& y, const std::string& file) {
  const YAML::Mark m = y.Mark();
  if (m.line < 0) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

// `<<: *base` / `<<: [*a, *b]`: keys of the merged maps that the map does not set itself.
void apply_merge_key(Node& out, const Node& merged) {
  std::vector<const Node*> sources;
  if (merged.is_map())
    sources.push_back(&merged);
  else if (merged.is_seq())
    for (const auto& it : merged.items) sources.push_back(&it);
  for (const Node* src : sources) {
    if (!src->is_map())
      throw Error(merged.loc.str() + ": <<: expected a mapping or a list of mappings to merge");
    for (const auto& e : src->entries)
      if (!out.find(e.key)) out.entries.push_back(e);
  }
}

// Aliases copy the node they name wherever they appear: a few lines of
// anchors can stand for billions of nodes (a "billion laughs" file). No real
// project comes near this many.
constexpr std::size_t kMaxNodes = 250000;

struct Converter {
  const std::string& file;
  // The nodes being converted around the current one. An alias inside the node
  // its anchor names (`a: &a {b: *a}`) makes the tree a cycle, which has no end.
  std::vector<YAML::Node> within;
  std::size_t nodes = 0;

  Node convert(const YAML::Node& y) {
    Node n;
    n.loc = loc_of(y, file);
    if (++nodes > kMaxNodes)
      throw Error(file + ": more than " + std::to_string(kMaxNodes) +
                  " values once aliases are expanded");
    if (y.IsSequence() || y.IsMap()) {
      for (const auto& outer : within)
        if (outer.is(y))
          throw Error(n.loc.str() + ": an alias inside this anchored node refers back to it");
    }
    within.push_back(y);
    if (y.Tag() == "!reset")
      n.tag = Node::Tag::reset;
    else if (y.Tag() == "!override")
      n.tag = Node::Tag::override_;
    switch (y.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        n.kind = Node::Kind::null;
        break;
      case YAML::NodeType::Scalar:
        n.kind = Node::Kind::scalar;
        n.text = y.Scalar();
        n.quoted = y.Tag() == "!";
        break;
      case YAML::NodeType::Sequence:
        n.kind = Node::Kind::seq;
        for (const auto& it : y) n.items.push_back(convert(it));
        break;
      case YAML::NodeType::Map: {
        n.kind = Node::Kind::map;
        std::vector<Node> merges;
        for (const auto& it : y) {
          Loc kl = loc_of(it.first, file);
          if (!it.first.IsScalar()) throw Error(kl.str() + ": mapping keys must be strings");
          std::string key = it.first.Scalar();
          if (key == "<<" && it.first.Tag() != "!") {
            merges.push_back(convert(it.second));
            continue;
          }
          if (n.find(key)) throw Error(kl.str() + ": duplicate key '" + key + "'");
          n.entries.push_back({key, kl, convert(it.second)});
        }
        for (const auto& m : merges) apply_merge_key(n, m);
        break;
      }
    }
    within.pop_back();
    return n;
  }
};

}  // namespace

Node parse_yaml(const std::string& text, const std::string& display) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(display + ":" + std::to_string(e.mark.line + 1) + ":" +
                std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
  return Converter{display, {}, 0}.convert(root);
}

Node parse_yaml_file(const std::string& path, const std::string& display) {
  std::string text;
  try {
    text = read_file(path);
  } catch (Error& e) {
    e.context("read project file");
    throw;
  }
  return parse_yaml(text, display);
}

}  // namespace lit::reconciler::load
