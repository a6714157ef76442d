#include "runtime/image/build/instruction.hpp"

#include <algorithm>
#include <cctype>

#include "runtime/image/build/words.hpp"
#include "runtime/util/error.hpp"

namespace lit::image::build {

namespace {

std::string flag_name(const std::string& raw) { return raw.substr(0, raw.find('=')); }

std::vector<std::string> args_of(Request& r) {
  if (auto a = json_array(r.args)) {
    r.json = true;
    return *a;
  }
  return blank_words(r.args);
}

CommandLine command_of(Request& r) {
  if (auto a = json_array(r.args)) {
    r.json = true;
    return CommandLine{*a, false};
  }
  if (r.args.empty()) return CommandLine{{}, true};
  return CommandLine{{r.args}, true};
}

void at_least_one(std::size_t n) {
  if (n == 0) throw Error("requires at least one argument");
}

std::string one_string(const Request& r) {
  if (r.args.empty()) throw Error("requires exactly one argument");
  return r.args;
}

// ENV and LABEL: `K=V K2="v 2"` or the legacy `K V...` (the rest of the line).
std::vector<KeyValue> name_values(Request& r) {
  std::vector<std::string> words = quoted_words(r.args, r.escape);
  at_least_one(words.size());
  std::vector<KeyValue> out;
  if (words[0].find('=') == std::string::npos) {
    std::vector<std::string> parts = blank_words(r.args);
    if (parts.size() < 2) throw Error("must have two arguments", {}, 0, "write KEY=VALUE");
    std::size_t at = r.args.find(parts[0]) + parts[0].size();
    while (at < r.args.size() && std::isspace(static_cast<unsigned char>(r.args[at]))) ++at;
    out.push_back({parts[0], r.args.substr(at)});
    return out;
  }
  for (const auto& w : words) {
    std::size_t eq = w.find('=');
    if (eq == std::string::npos)
      throw Error("can't find = in \"" + w + "\"", {}, 0, "write name=value");
    if (eq == 0) throw Error("names can not be blank");
    out.push_back({w.substr(0, eq), w.substr(eq + 1)});
  }
  return out;
}

Instruction parse_arg(Request& r) {
  std::vector<std::string> words = quoted_words(r.args, r.escape);
  at_least_one(words.size());
  Arg a;
  for (const auto& w : words) {
    std::size_t eq = w.find('=');
    if (eq == 0) throw Error("names can not be blank");
    if (eq == std::string::npos)
      a.args.push_back({w, std::nullopt});
    else
      a.args.push_back({w.substr(0, eq), w.substr(eq + 1)});
  }
  return a;
}

Instruction parse_copy(Request& r, bool add) {
  Copy c;
  c.add = add;
  c.chown = r.flags.take("chown").value_or("");
  c.chmod = r.flags.take("chmod").value_or("");
  c.link = r.flags.take_bool("link");
  if (!add) c.from = r.flags.take("from").value_or("");
  std::vector<std::string> args = args_of(r);
  if (args.size() < 2)
    throw Error("requires at least two arguments, but only one was provided", {}, 0,
                "write " + r.name + " SOURCE... DEST");
  c.dest = args.back();
  if (!r.json && heredoc_word(c.dest)) throw Error("cannot accept a heredoc as a destination");
  args.pop_back();
  for (auto& src : args) {
    auto h = r.json ? std::nullopt : heredoc_word(src);
    if (!h) {
      c.sources.push_back(std::move(src));
      continue;
    }
    auto found = std::find_if(r.heredocs.begin(), r.heredocs.end(),
                              [&](const Heredoc& d) { return d.name == h->name; });
    if (found != r.heredocs.end()) c.inline_sources.push_back(*found);
  }
  return c;
}

Instruction parse_volume(Request& r) {
  Volume v;
  for (auto& p : args_of(r)) {
    std::string_view t = p;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    if (t.empty()) throw Error("VOLUME specified can not be an empty string");
    v.paths.emplace_back(t);
  }
  at_least_one(v.paths.size());
  return v;
}

Instruction parse_shell(Request& r) {
  auto a = json_array(r.args);
  if (!a)
    throw Error("requires the arguments to be in JSON form", {}, 0,
                R"(write SHELL ["/bin/sh", "-c"])");
  at_least_one(a->size());
  return Shell{*a};
}

Instruction parse_onbuild(Request& r) {
  if (r.args.empty()) throw Error("requires at least one argument");
  CommandSplit inner = split_command(r.args);
  std::string name = upper(inner.name);
  if (name == "ONBUILD") throw Error("chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (name == "FROM" || name == "MAINTAINER")
    throw Error(name + " isn't allowed as an ONBUILD trigger");
  Request sub{name, Flags(inner.flags), inner.args, r.args, r.escape, r.heredocs, false};
  (void)parse_instruction(sub);  // an ONBUILD trigger must itself be valid
  std::string expr = r.args;
  for (const auto& h : r.heredocs) expr += "\n" + h.content + h.name;
  return Onbuild{expr};
}

Instruction dispatch(Request& r) {
  const std::string& n = r.name;
  if (n == "ARG") return parse_arg(r);
  if (n == "ENV") return Env{name_values(r)};
  if (n == "LABEL") return Label{name_values(r), false};
  if (n == "MAINTAINER") return Label{{{"maintainer", one_string(r)}}, true};
  if (n == "WORKDIR") return Workdir{one_string(r)};
  if (n == "USER") return User{one_string(r)};
  if (n == "STOPSIGNAL") return StopSignal{one_string(r)};
  if (n == "COPY" || n == "ADD") return parse_copy(r, n == "ADD");
  if (n == "RUN") return parse_run(r);
  if (n == "CMD") return Cmd{command_of(r)};
  if (n == "ENTRYPOINT") return Entrypoint{command_of(r)};
  if (n == "HEALTHCHECK") return parse_healthcheck(r);
  if (n == "SHELL") return parse_shell(r);
  if (n == "ONBUILD") return parse_onbuild(r);
  if (n == "VOLUME") return parse_volume(r);
  if (n == "EXPOSE") {
    Expose e{blank_words(r.args)};
    at_least_one(e.ports.size());
    return e;
  }
  throw Error("unknown instruction \"" + n + "\"");
}

}  // namespace

std::vector<std::optional<std::string>> Flags::take_matching(const std::string& name) {
  used_.resize(raw_.size());
  std::vector<std::optional<std::string>> out;
  for (std::size_t i = 0; i < raw_.size(); ++i) {
    if (flag_name(raw_[i]) != name) continue;
    used_[i] = true;
    std::size_t eq = raw_[i].find('=');
    out.push_back(eq == std::string::npos ? std::nullopt
                                          : std::optional<std::string>(raw_[i].substr(eq + 1)));
  }
  return out;
}

std::optional<std::string> Flags::take(const std::string& name) {
  auto v = take_matching(name);
  if (v.empty()) return std::nullopt;
  if (v.size() > 1) throw Error("duplicate flag specified: --" + name);
  if (!v[0]) throw Error("missing a value on flag: --" + name, {}, 0, "write --" + name + "=VALUE");
  return *v[0];
}

std::vector<std::string> Flags::take_all(const std::string& name) {
  std::vector<std::string> out;
  for (auto& s : take_matching(name)) {
    if (!s) throw Error("missing a value on flag: --" + name, {}, 0, "write --" + name + "=VALUE");
    out.push_back(std::move(*s));
  }
  return out;
}

bool Flags::take_bool(const std::string& name) {
  auto v = take_matching(name);
  if (v.empty()) return false;
  if (v.size() > 1) throw Error("duplicate flag specified: --" + name);
  if (!v[0] || *v[0] == "true") return true;
  if (*v[0] == "false") return false;
  throw Error("expecting boolean value for flag " + name + ", not: " + *v[0]);
}

void Flags::finish() const {
  for (std::size_t i = 0; i < raw_.size(); ++i)
    if (i >= used_.size() || !used_[i]) throw Error("unknown flag: --" + flag_name(raw_[i]));
}

bool takes_heredocs(const std::string& n) { return n == "RUN" || n == "COPY" || n == "ADD"; }

const std::vector<std::string>& instruction_names() {
  static const std::vector<std::string> names{
      "ADD",    "ARG",   "CMD",         "COPY",  "ENTRYPOINT", "ENV",
      "EXPOSE", "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
      "RUN",    "SHELL", "STOPSIGNAL",  "USER",  "VOLUME",     "WORKDIR"};
  return names;
}

Instruction parse_instruction(Request& r) {
  Instruction out = dispatch(r);
  r.flags.finish();
  return out;
}

}  // namespace lit::image::build
