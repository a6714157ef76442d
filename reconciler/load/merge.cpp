#include "reconciler/load/merge.hpp"

#include <set>
#include <utility>

#include "reconciler/load/diag.hpp"
#include "reconciler/load/values.hpp"

namespace lit::reconciler::load {

namespace {

// KEY=VALUE lists to mappings (values stay strings; a bare KEY maps to null).
void kv_to_map(Node& n, const std::string& path) {
  if (!n.is_seq()) return;
  Node m = Node::map(n.loc);
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const Node& it = n.items[i];
    std::string s = as_string(it, idx(path, i));
    std::size_t eq = s.find('=');
    if (eq == 0) fail(it, idx(path, i), "expected KEY=VALUE, got '" + s + "'");
    Node v = eq == std::string::npos ? Node{} : Node::scalar(s.substr(eq + 1), it.loc);
    v.loc = it.loc;
    m.set(s.substr(0, eq), std::move(v), it.loc);
  }
  m.tag = n.tag;
  n = std::move(m);
}

// [a, b] -> {a: null, b: null}
void names_to_map(Node& n, const std::string& path) {
  if (!n.is_seq()) return;
  Node m = Node::map(n.loc);
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    Node v;
    v.loc = n.items[i].loc;
    m.set(as_string(n.items[i], idx(path, i)), std::move(v), n.items[i].loc);
  }
  m.tag = n.tag;
  n = std::move(m);
}

void string_to_map(Node& n, const char* key) {
  if (!n.is_scalar()) return;
  Node m = Node::map(n.loc);
  m.tag = std::exchange(n.tag, Node::Tag::none);
  m.set(key, n, n.loc);
  n = std::move(m);
}

void string_to_seq(Node& n) {
  if (!n.is_scalar()) return;
  Node s = Node::seq(n.loc);
  s.tag = std::exchange(n.tag, Node::Tag::none);
  s.items.push_back(n);
  n = std::move(s);
}

// The key a list item merges on: a volume's target, a secret's source, else its text.
std::string merge_key(const Node& item, const std::string& list) {
  if (list == "volumes") {
    if (item.is_map()) {
      const Node* t = item.find("target");
      return t && t->is_scalar() ? t->text : "";
    }
    if (!item.is_scalar()) return "";
    const std::string& s = item.text;
    std::size_t c1 = s.find(':');
    if (c1 == std::string::npos) return s;
    std::size_t c2 = s.find(':', c1 + 1);
    return s.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1);
  }
  if (list == "secrets" || list == "configs") {
    if (item.is_map()) {
      const Node* t = item.find("source");
      return t && t->is_scalar() ? t->text : "";
    }
    return item.is_scalar() ? item.text : "";
  }
  return item.is_scalar() ? item.text : "";
}

bool is_service_path(const std::string& path) {
  return path.rfind("services.", 0) == 0 && path.find('.', 9) == std::string::npos;
}

void merge_lists(Node& base, const Node& over, const std::string& path) {
  std::string parent = path.substr(0, path.rfind('.'));
  std::string key = path.substr(path.rfind('.') + 1);
  bool in_service = is_service_path(parent);
  if ((in_service && (key == "command" || key == "entrypoint" || key == "profiles")) ||
      path.ends_with("healthcheck.test")) {
    base = over;
    return;
  }
  bool keyed = in_service && (key == "volumes" || key == "secrets" || key == "configs");
  for (const Node& item : over.items) {
    bool replaced = false;
    std::string k = merge_key(item, keyed ? key : "");
    for (Node& old : base.items) {
      if (item.is_scalar() || keyed) {
        if (!k.empty() && merge_key(old, keyed ? key : "") == k) {
          old = item;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) base.items.push_back(item);
  }
}

}  // namespace

void canonicalize_service(Node& svc, const std::string& path) {
  if (!svc.is_map()) return;
  for (auto& e : svc.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "environment" || e.key == "labels" || e.key == "sysctls" || e.key == "annotations")
      kv_to_map(e.value, p);
    else if (e.key == "networks" || e.key == "depends_on")
      names_to_map(e.value, p);
    else if (e.key == "build") {
      string_to_map(e.value, "context");
      if (Node* args = e.value.find("args")) kv_to_map(*args, sub(p, "args"));
      if (Node* labels = e.value.find("labels")) kv_to_map(*labels, sub(p, "labels"));
    } else if (e.key == "extends")
      string_to_map(e.value, "service");
    else if (e.key == "env_file" || e.key == "dns" || e.key == "dns_search" || e.key == "tmpfs")
      string_to_seq(e.value);
  }
}

void canonicalize_services(Node& root) {
  Node* services = root.find("services");
  if (!services || !services->is_map()) return;
  for (auto& e : services->entries) canonicalize_service(e.value, "services." + e.key);
}

void merge_into(Node& base, const Node& over, const std::string& path) {
  // `!override` replaces; a value an earlier file reset is replaced too.
  if (over.tag == Node::Tag::override_ || base.tag == Node::Tag::reset) {
    base = over;
    return;
  }
  if (base.is_map() && over.is_map()) {
    for (const auto& e : over.entries) {
      if (e.value.tag == Node::Tag::reset)
        base.erase(e.key);
      else if (Node* old = base.find(e.key))
        merge_into(*old, e.value, sub(path, e.key));
      else
        base.entries.push_back(e);
    }
    return;
  }
  if (base.is_seq() && over.is_seq()) {
    merge_lists(base, over, path);
    return;
  }
  if (over.is_null() && base.is_map()) return;  // `networks: {front: }` keeps front's settings
  base = over;
}

void strip_merge_tags(Node& n) {
  n.tag = Node::Tag::none;
  std::erase_if(n.entries, [](const Entry& e) { return e.value.tag == Node::Tag::reset; });
  std::erase_if(n.items, [](const Node& it) { return it.tag == Node::Tag::reset; });
  for (auto& e : n.entries) strip_merge_tags(e.value);
  for (auto& it : n.items) strip_merge_tags(it);
}

}  // namespace lit::reconciler::load
