#include "reconciler/load/shorthand.hpp"

#include <filesystem>

#include "reconciler/load/values.hpp"

namespace lit::reconciler::load {

namespace {

const char* const kShorthandKeys[] = {"entrypoint", "command",   "filesystem",
                                      "env",        "resources", "network"};

void filesystem(const Node& fs, Node& svc, std::vector<CopySpec>& copies,
                const std::string& project_dir, Diag& diag) {
  expect_map(fs, "filesystem");
  for (const auto& e : fs.entries) {
    std::string p = sub("filesystem", e.key);
    if (e.key == "base")
      svc.set("image", e.value, e.key_loc);
    else if (e.key == "workdir")
      svc.set("working_dir", e.value, e.key_loc);
    else if (e.key == "copy") {
      std::vector<std::string> items = as_string_list(e.value, p);
      for (std::size_t i = 0; i < items.size(); ++i) {
        const Node& at = e.value.is_seq() ? e.value.items[i] : e.value;
        std::size_t colon = items[i].rfind(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == items[i].size() ||
            items[i][colon + 1] != '/')
          fail(at, idx(p, i), "expected SOURCE:/ABSOLUTE/TARGET, got '" + items[i] + "'");
        namespace stdfs = std::filesystem;
        stdfs::path src(items[i].substr(0, colon));
        if (src.is_relative()) src = stdfs::path(project_dir) / src;
        std::string source = src.lexically_normal().string();
        if (source.size() > 1 && source.back() == '/') source.pop_back();
        copies.push_back({source, items[i].substr(colon + 1)});
      }
    } else if (e.key.rfind("x-", 0) != 0)
      diag.unsupported(e.key_loc, p);
  }
}

void resources(const Node& r, Node& svc, Diag& diag) {
  expect_map(r, "resources");
  for (const auto& e : r.entries) {
    if (e.key == "cpu" || e.key == "cpus")
      svc.set("cpus", e.value, e.key_loc);
    else if (e.key == "memory")
      svc.set("mem_limit", e.value, e.key_loc);
    else if (e.key == "pids")
      svc.set("pids_limit", e.value, e.key_loc);
    else if (e.key.rfind("x-", 0) != 0)
      diag.unsupported(e.key_loc, sub("resources", e.key));
  }
}

// network.expose: [8080, "53/udp"] publishes each port on the same host port.
void network(const Node& n, Node& svc, Diag& diag) {
  expect_map(n, "network");
  for (const auto& e : n.entries) {
    if (e.key != "expose") {
      if (e.key.rfind("x-", 0) != 0) diag.unsupported(e.key_loc, sub("network", e.key));
      continue;
    }
    std::vector<std::string> ports = as_string_list(e.value, "network.expose");
    Node seq = Node::seq(e.value.loc);
    for (std::size_t i = 0; i < ports.size(); ++i) {
      const Node& at = e.value.is_seq() ? e.value.items[i] : e.value;
      std::string port = ports[i].substr(0, ports[i].find('/'));
      std::string proto =
          ports[i].find('/') == std::string::npos ? "" : ports[i].substr(ports[i].find('/'));
      seq.items.push_back(Node::scalar(port + ":" + port + proto, at.loc));
    }
    svc.set("ports", std::move(seq), e.key_loc);
  }
}

}  // namespace

bool is_shorthand(const Node& root) {
  if (!root.is_map() || root.find("services")) return false;
  for (const char* k : kShorthandKeys)
    if (root.find(k)) return true;
  return false;
}

std::vector<CopySpec> expand_shorthand(Node& root, const std::string& project_dir, Diag& diag) {
  const Node* name = root.find("name");
  if (!name) fail(root, "name", "required in the single-service form (it names the service)");
  std::string service = as_string(*name, "name");
  Node svc = Node::map(root.loc);
  std::vector<CopySpec> copies;
  Node out = Node::map(root.loc);
  for (const auto& e : root.entries) {
    // Top-level keys of the project itself stay where they are.
    if (e.key == "name" || e.key == "version" || e.key.rfind("x-", 0) == 0 || e.key == "volumes" ||
        e.key == "networks" || e.key == "optimize")
      out.entries.push_back(e);
    else if (e.key == "entrypoint" || e.key == "command")
      svc.set(e.key, e.value, e.key_loc);
    else if (e.key == "env")
      svc.set("environment", e.value, e.key_loc);
    else if (e.key == "filesystem")
      filesystem(e.value, svc, copies, project_dir, diag);
    else if (e.key == "resources")
      resources(e.value, svc, diag);
    else if (e.key == "network")
      network(e.value, svc, diag);
    else
      diag.unsupported(e.key_loc, e.key);
  }
  Node services = Node::map(root.loc);
  services.set(service, std::move(svc), name->loc);
  out.set("services", std::move(services), root.loc);
  root = std::move(out);
  return copies;
}

}  // namespace lit::reconciler::load
