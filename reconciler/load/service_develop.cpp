// develop: the watch rules `lit watch` follows (the Compose Develop Specification).
#include <string>

#include "reconciler/load/normalize.hpp"
#include "reconciler/load/values.hpp"

namespace lit::reconciler::load {

namespace {

bool is_action(const std::string& a) {
  return a == "sync" || a == "sync+restart" || a == "sync+exec" || a == "rebuild" || a == "restart";
}

WatchExec watch_exec(const Node& n, const std::string& path, NormContext& ctx) {
  expect_map(n, path);
  WatchExec x;
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "command")
      x.command = as_command(e.value, p);
    else if (e.key == "user")
      x.user = as_string(e.value, p);
    else if (e.key == "working_dir")
      x.working_dir = as_string(e.value, p);
    else if (e.key == "privileged")
      x.privileged = as_bool(e.value, p);
    else if (e.key == "environment")
      for (const auto& [k, v] : as_kv(e.value, p)) x.environment.push_back(v ? k + "=" + *v : k);
    else if (!e.key.starts_with("x-"))
      ctx.diag.unsupported(e.key_loc, p);
  }
  return x;
}

void rule_key(const Entry& e, const std::string& p, WatchRule& r, NormContext& ctx) {
  if (e.key == "path") {
    r.path = as_string(e.value, p);
    if (r.path.empty()) fail(e.value, p, "must not be empty");
    r.path = host_path(r.path, ctx);
  } else if (e.key == "action") {
    r.action = as_string(e.value, p);
    if (!is_action(r.action))
      fail(e.value, p,
           "expected sync, sync+restart, sync+exec, rebuild or restart, got '" + r.action + "'");
  } else if (e.key == "target") {
    r.target = as_string(e.value, p);
    // compose copies into the container's root: a relative target is below /
    if (!r.target.empty() && r.target[0] != '/') r.target = "/" + r.target;
  } else if (e.key == "ignore") {
    r.ignore = as_string_list(e.value, p);
  } else if (e.key == "include") {
    r.include = as_string_list(e.value, p);
  } else if (e.key == "initial_sync") {
    r.initial_sync = as_bool(e.value, p);
  } else if (e.key == "exec") {
    r.exec = watch_exec(e.value, p, ctx);
  } else if (!e.key.starts_with("x-")) {
    ctx.diag.unsupported(e.key_loc, p);
  }
}

WatchRule watch_rule(const Node& n, const std::string& path, NormContext& ctx) {
  expect_map(n, path);
  WatchRule r;
  for (const auto& e : n.entries) rule_key(e, sub(path, e.key), r, ctx);
  if (!n.find("path")) fail(n, path, "path is required");
  if (!n.find("action")) fail(n, path, "action is required");
  bool sync = r.action.starts_with("sync");
  if (sync && r.target.empty())
    fail(n, path, "target is required for sync, sync+exec and sync+restart actions");
  if (r.action == "sync+exec" && (!r.exec || r.exec->command.empty()))
    fail(n, path, "exec.command is required for action sync+exec");
  return r;
}

}  // namespace

void normalize_develop(const Node& n, const std::string& path, Service& s, NormContext& ctx) {
  s.watch.clear();
  if (n.is_null()) return;
  expect_map(n, path);
  for (const auto& e : n.entries) {
    std::string p = sub(path, e.key);
    if (e.key == "watch") {
      if (e.value.is_null()) continue;
      if (!e.value.is_seq()) fail(e.value, p, "expected a list of rules");
      for (std::size_t i = 0; i < e.value.items.size(); ++i)
        s.watch.push_back(watch_rule(e.value.items[i], idx(p, i), ctx));
    } else if (!e.key.starts_with("x-")) {
      ctx.diag.unsupported(e.key_loc, p);
    }
  }
}

}  // namespace lit::reconciler::load
