// post_start and pre_stop: lists of hooks, each a command run in the container.
#include <map>

#include "reconciler/load/normalize.hpp"
#include "reconciler/load/values.hpp"
#include "runtime/spec/options.hpp"

namespace lit::reconciler::load {

namespace {

// environment: as the service's (a bare K takes the value lit sees, else is left out).
std::vector<std::string> hook_environment(const Node& n, const std::string& path,
                                          NormContext& ctx) {
  std::map<std::string, std::string> vars;
  for (auto& [k, v] : as_kv(n, path)) {
    if (v)
      vars[k] = *v;
    else if (auto from = ctx.lookup(k))
      vars[k] = *from;
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : vars) {
    std::string entry = k + "=" + v;
    out.push_back(*runtime_parse(
        n, path, [&] { return runtime::parse_env_arg(entry, runtime::EnvLookup()); }));
  }
  return out;
}

ServiceHook normalize_hook(const Node& n, const std::string& path, NormContext& ctx) {
  expect_map(n, path);
  ServiceHook h;
  bool has_command = false;
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key.starts_with("x-")) continue;
    if (e.key == "command") {
      h.command = as_command(e.value, p);
      if (h.command.empty()) fail(e.value, p, "the hook has no command");
      has_command = true;
    } else if (e.key == "user") {
      h.user = as_string(e.value, p);
      if (!h.user.empty()) runtime_parse(e.value, p, [&] { return runtime::parse_user(h.user); });
    } else if (e.key == "privileged") {
      h.privileged = as_bool(e.value, p);
    } else if (e.key == "working_dir") {
      h.working_dir = as_string(e.value, p);
      if (!h.working_dir.empty() && h.working_dir[0] != '/')
        fail(e.value, p, "expected an absolute path, got '" + h.working_dir + "'");
    } else if (e.key == "environment") {
      h.environment = hook_environment(e.value, p, ctx);
    } else if (e.key == "copy") {
      ctx.diag.unsupported(e.key_loc, p);
    } else {
      fail(e.key_loc, p,
           "unknown key (expected command, user, privileged, working_dir or environment)");
    }
  }
  if (!has_command)
    fail(n, path, "a hook needs a command (e.g. command: [\"sh\", \"-c\", \"...\"])");
  return h;
}

}  // namespace

std::vector<ServiceHook> normalize_hooks(const Node& n, const std::string& path, NormContext& ctx) {
  std::vector<ServiceHook> hooks;
  if (n.is_null()) return hooks;
  if (!n.is_seq()) fail(n, path, "expected a list of hooks, got " + kind_name(n));
  for (std::size_t i = 0; i < n.items.size(); ++i)
    hooks.push_back(normalize_hook(n.items[i], idx(path, i), ctx));
  return hooks;
}

}  // namespace lit::reconciler::load
