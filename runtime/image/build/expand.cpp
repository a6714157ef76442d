#include "runtime/image/build/expand.hpp"

#include <algorithm>
#include <cctype>

#include "runtime/image/build/source_lines.hpp"
#include "runtime/util/error.hpp"

namespace lit::image::build {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<std::size_t> stage_named(const Containerfile& cf, const std::string& name,
                                       std::size_t before) {
  std::string n = lower(name);
  for (std::size_t i = 0; i < before && i < cf.stages.size(); ++i)
    if (!cf.stages[i].name.empty() && cf.stages[i].name == n) return i;
  return std::nullopt;
}

// Substitution within one stage: ARG values, under the base's and the stage's ENV.
struct StageScope {
  const Containerfile& cf;
  const BuildArgs& build_args;
  const Vars& globals;
  std::size_t index;
  Vars args, env;

  Vars visible() const {
    Vars v = args;
    for (const auto& [k, val] : env) v[k] = val;
    return v;
  }
  std::string sub(const std::string& w, const Vars& vars) const {
    return substitute(w, vars, cf.escape);
  }

  void arg(Arg& a) {
    for (auto& d : a.args) {
      if (auto it = build_args.values.find(d.name); it != build_args.values.end())
        d.value = it->second;
      else if (d.value)
        d.value = sub(*d.value, visible());
      else if (auto g = globals.find(d.name); g != globals.end())
        d.value = g->second;
      if (d.value) args[d.name] = *d.value;
    }
  }

  void pairs(std::vector<KeyValue>& kvs, bool set_env) {
    Vars before = visible();  // every pair sees the values from before the instruction
    for (auto& kv : kvs) {
      kv.key = sub(kv.key, before);
      kv.value = sub(kv.value, before);
      if (set_env) env[kv.key] = kv.value;
    }
  }

  std::optional<std::size_t> copy_source_stage(const std::string& from) const {
    if (from.empty()) return std::nullopt;
    if (std::all_of(from.begin(), from.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      std::size_t n = from.size() > 6 ? cf.stages.size() : std::stoul(from);
      if (n >= cf.stages.size() || n == index)
        throw Error(
            "--from=" + from + ": no such stage index", {}, 0,
            "stages are numbered from 0 in order of FROM lines; a stage cannot copy from itself");
      return n;
    }
    auto s = stage_named(cf, from, cf.stages.size());
    if (s && *s == index) throw Error("--from=" + from + ": a stage cannot copy from itself");
    return s;
  }

  void copy(Copy& c) {
    Vars v = visible();
    for (auto& s : c.sources) s = sub(s, v);
    for (auto& h : c.inline_sources)
      if (h.expand) h.content = substitute_heredoc(h.content, v, cf.escape);
    c.dest = sub(c.dest, v);
    c.chown = sub(c.chown, v);
    c.chmod = sub(c.chmod, v);
    c.from = sub(c.from, v);
    c.from_stage = copy_source_stage(c.from);
  }

  void mount(RunMount& m, const Vars& v) const {
    m.target = sub(m.target, v);
    m.id = sub(m.id, v);
    m.source = sub(m.source, v);
    m.from = sub(m.from, v);
    m.from_stage = copy_source_stage(m.from);
  }

  void step(Instruction& what) {
    Vars v = visible();
    if (auto* a = std::get_if<Arg>(&what)) return arg(*a);
    if (auto* e = std::get_if<Env>(&what)) return pairs(e->vars, true);
    if (auto* l = std::get_if<Label>(&what)) {
      if (!l->literal) pairs(l->labels, false);
      return;
    }
    if (auto* w = std::get_if<Workdir>(&what)) w->path = sub(w->path, v);
    if (auto* u = std::get_if<User>(&what)) u->user = sub(u->user, v);
    if (auto* s = std::get_if<StopSignal>(&what)) s->signal = sub(s->signal, v);
    if (auto* c = std::get_if<Copy>(&what)) copy(*c);
    if (auto* vol = std::get_if<Volume>(&what))
      for (auto& p : vol->paths) p = sub(p, v);
    if (auto* r = std::get_if<Run>(&what))
      for (auto& m : r->mounts) mount(m, v);
    if (auto* e = std::get_if<Expose>(&what)) {
      std::vector<std::string> ports;
      for (const auto& p : e->ports)
        for (auto& w : shell_lex(p, v, cf.escape).words) ports.push_back(std::move(w));
      e->ports = std::move(ports);
    }
  }
};

[[noreturn]] void fail_step(const Containerfile& cf, int line, const std::string& name,
                            const Error& e) {
  fail_at(cf.file, line, name + ": " + e.what(), e.hint());
}

}  // namespace

Vars global_scope(const Containerfile& cf, const BuildArgs& args) {
  Vars scope = args.predefined;
  for (const auto& st : cf.global_args) {
    const auto* a = std::get_if<Arg>(&st.what);
    if (!a) continue;
    try {
      for (const auto& d : a->args) {
        if (auto it = args.values.find(d.name); it != args.values.end())
          scope[d.name] = it->second;
        else if (d.value)
          scope[d.name] = substitute(*d.value, scope, cf.escape);
      }
    } catch (const Error& e) {
      fail_step(cf, st.line, "ARG", e);
    }
  }
  return scope;
}

ResolvedStage resolve_stage(const Containerfile& cf, std::size_t index, const BuildArgs& args,
                            const Vars& base_env) {
  const Stage& stage = cf.stages.at(index);
  Vars globals = global_scope(cf, args);
  ResolvedStage out;
  out.index = index;
  out.name = stage.name;
  out.line = stage.line;
  try {
    out.base = substitute(stage.base, globals, cf.escape);
  } catch (const Error& e) {
    fail_step(cf, stage.line, "FROM", e);
  }
  if (out.base.empty())
    fail_at(cf.file, stage.line, "FROM: base name (" + stage.base + ") should not be blank",
            "set the ARG it names, globally (before the first FROM) or with --build-arg");
  out.base_stage = stage_named(cf, out.base, index);
  if (out.base_stage) out.needs.push_back(*out.base_stage);
  StageScope scope{cf, args, globals, index, {}, base_env};
  for (const auto& st : stage.steps) {
    ResolvedStep r{st.line, st.original, st.what, scope.args};
    try {
      scope.step(r.what);
    } catch (const Error& e) {
      fail_step(cf, st.line, instruction_name(st.what), e);
    }
    if (const auto* c = std::get_if<Copy>(&r.what); c && c->from_stage)
      out.needs.push_back(*c->from_stage);
    if (const auto* run = std::get_if<Run>(&r.what))
      for (const auto& m : run->mounts)
        if (m.from_stage) out.needs.push_back(*m.from_stage);
    out.steps.push_back(std::move(r));
  }
  std::sort(out.needs.begin(), out.needs.end());
  out.needs.erase(std::unique(out.needs.begin(), out.needs.end()), out.needs.end());
  out.env = scope.env;
  return out;
}

namespace {

// A depth-first walk from the target with an explicit stack (a long chain of
// stages cannot exhaust the call stack): a stage's base first, then the stage
// (whose COPY --from values are known once substituted), then what it needs.
struct Planner {
  const Containerfile& cf;
  const BuildArgs& args;
  const BaseEnv& base_env;
  std::vector<int> state;  // 0 unseen, 1 in progress, 2 done
  std::vector<std::optional<ResolvedStage>> resolved;
  BuildPlan plan;

  struct Frame {
    std::size_t stage, from;
    int phase;
  };

  std::string base_of(std::size_t i) const {
    try {
      return substitute(cf.stages[i].base, global_scope(cf, args), cf.escape);
    } catch (const Error&) {
      return {};  // resolve_stage reports it
    }
  }

  Vars env_of_base(std::size_t i) const {
    std::string base = base_of(i);
    if (auto s = stage_named(cf, base, i)) return resolved[*s]->env;
    if (base_env && !base.empty() && lower(base) != "scratch") return base_env(base);
    return {};
  }

  void cycle(std::size_t i, std::size_t from) const {
    fail_at(cf.file, cf.stages[from].line,
            "circular dependency detected on stage " +
                (cf.stages[i].name.empty() ? std::to_string(i) : cf.stages[i].name));
  }

  void step(std::vector<Frame>& stack) {
    Frame f = stack.back();
    std::size_t i = f.stage;
    if (f.phase == 0) {
      if (state[i] == 2) return stack.pop_back();
      if (state[i] == 1) cycle(i, f.from);
      state[i] = 1;
      stack.back().phase = 1;
      if (auto b = stage_named(cf, base_of(i), i); b && state[*b] != 2) stack.push_back({*b, i, 0});
    } else if (f.phase == 1) {
      resolved[i] = resolve_stage(cf, i, args, env_of_base(i));
      stack.back().phase = 2;
      for (auto it = resolved[i]->needs.rbegin(); it != resolved[i]->needs.rend(); ++it)
        if (state[*it] != 2) stack.push_back({*it, i, 0});
    } else {
      state[i] = 2;
      plan.stages.push_back(*resolved[i]);
      stack.pop_back();
    }
  }

  void run(std::size_t target) {
    std::vector<Frame> stack{{target, target, 0}};
    while (!stack.empty()) step(stack);
  }
};

}  // namespace

BuildPlan plan_build(const Containerfile& cf, const BuildArgs& args, const std::string& target,
                     const BaseEnv& base_env) {
  std::size_t t = cf.stages.size() - 1;
  if (!target.empty()) {
    auto s = stage_named(cf, target, cf.stages.size());
    if (!s)
      throw Error("target stage \"" + target + "\" could not be found", {}, 0,
                  "--target names a stage of " + cf.file + " (FROM IMAGE AS NAME)");
    t = *s;
  }
  Planner p{cf,
            args,
            base_env,
            std::vector<int>(cf.stages.size(), 0),
            std::vector<std::optional<ResolvedStage>>(cf.stages.size()),
            {}};
  p.plan.target = t;
  p.run(t);
  return p.plan;
}

}  // namespace lit::image::build
