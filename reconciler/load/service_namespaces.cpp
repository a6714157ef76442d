// pid, ipc, uts and volumes_from: what a service shares with other containers.
#include "reconciler/load/normalize.hpp"
#include "reconciler/load/values.hpp"
#include "runtime/spec/namespaces.hpp"

namespace lit::reconciler::load {

namespace {

const char* expected(runtime::NamespaceKind kind) {
  switch (kind) {
    case runtime::NamespaceKind::Pid:
      return "expected host, service:NAME or container:NAME";
    case runtime::NamespaceKind::Ipc:
      return "expected private, shareable, none, host, service:NAME or container:NAME";
    case runtime::NamespaceKind::Uts:
      break;
  }
  return "expected host";
}

}  // namespace

Parsed<NamespaceSetting> normalize_namespace(const Node& n, const std::string& path,
                                             runtime::NamespaceKind kind) {
  std::string text = as_string(n, path);
  NamespaceSetting v;
  const bool joins = kind != runtime::NamespaceKind::Uts;
  if (joins && text.starts_with("service:") && text.size() > 8) {
    v.service = text.substr(8);
    return {text, v};
  }
  try {
    v.share = runtime::parse_namespace_share(kind, text);
  } catch (const Error&) {
    fail(n, path, std::string(expected(kind)) + ", got '" + text + "'");
  }
  return {text, v};
}

// SERVICE[:ro|:rw] or container:NAME[:ro|:rw].
std::vector<VolumesFromRef> normalize_volumes_from(const Node& n, const std::string& path) {
  std::vector<VolumesFromRef> out;
  auto items = as_string_list(n, path);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string& text = items[i];
    const Node& at = n.is_seq() ? n.items[i] : n;
    VolumesFromRef r;
    r.text = text;
    std::string rest = text;
    const bool container = rest.starts_with("container:");
    if (container) rest = rest.substr(10);
    if (std::size_t colon = rest.find(':'); colon != std::string::npos) {
      std::string mode = rest.substr(colon + 1);
      rest.resize(colon);
      if (mode != "ro" && mode != "rw")
        fail(at, idx(path, i), "invalid mode '" + mode + "' in '" + text + "': expected ro or rw");
      r.read_only = mode == "ro";
    }
    if (rest.empty())
      fail(at, idx(path, i),
           "expected SERVICE[:ro|rw] or container:NAME[:ro|rw], got '" + text + "'");
    (container ? r.container : r.service) = rest;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace lit::reconciler::load
