#include "runtime/image/builder/config_edit.hpp"

#include <chrono>

#include "runtime/image/build/ignore.hpp"
#include "runtime/image/config.hpp"
#include "runtime/image/digest.hpp"

namespace lit::image::builder {

using nlohmann::json;
namespace b = lit::image::build;

namespace {

json& cfg(StageImage& image) {
  json& c = image.config["config"];
  if (!c.is_object()) c = json::object();
  return c;
}

void set_env(json& c, const std::string& key, const std::string& value) {
  if (!c["Env"].is_array()) c["Env"] = json::array();
  for (auto& e : c["Env"]) {
    const std::string s = e.get<std::string>();
    if (s.substr(0, s.find('=')) == key) {
      e = key + "=" + value;
      return;
    }
  }
  c["Env"].push_back(key + "=" + value);
}

std::int64_t nanos(std::chrono::nanoseconds d) { return d.count(); }

json healthcheck(const b::Healthcheck& h) {
  json j = {{"Test", h.test}};
  if (h.interval.count()) j["Interval"] = nanos(h.interval);
  if (h.timeout.count()) j["Timeout"] = nanos(h.timeout);
  if (h.start_period.count()) j["StartPeriod"] = nanos(h.start_period);
  if (h.start_interval.count()) j["StartInterval"] = nanos(h.start_interval);
  if (h.retries) j["Retries"] = h.retries;
  return j;
}

std::string with_proto(const std::string& port) {
  return port.find('/') == std::string::npos ? port + "/tcp" : port;
}

std::string join_path(const std::string& base, const std::string& path) {
  if (!path.empty() && path[0] == '/') return build::clean_path(path);
  return build::clean_path((base.empty() ? std::string("/") : base) + "/" + path);
}

}  // namespace

std::vector<std::string> StageImage::diff_ids() const {
  std::vector<std::string> out;
  if (config.contains("rootfs") && config["rootfs"].contains("diff_ids"))
    for (const auto& d : config["rootfs"]["diff_ids"]) out.push_back(d.get<std::string>());
  return out;
}

std::string StageImage::digest() const {
  return sha256_digest(config.dump() + (cmd_set ? "\ncmd" : ""));
}

StageImage scratch_image() {
  StageImage s;
  s.config = {{"architecture", host_architecture()},
              {"os", "linux"},
              {"config", json::object()},
              {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}},
              {"history", json::array()}};
  return s;
}

StageImage image_from_config(const json& config) {
  StageImage s;
  s.config = config;
  if (!s.config["config"].is_object()) s.config["config"] = json::object();
  if (!s.config["history"].is_array()) s.config["history"] = json::array();
  s.config.erase("container_config");
  s.config.erase("container");
  return s;
}

std::vector<std::string> stage_shell(const StageImage& image) {
  const json& c = image.config["config"];
  if (c.contains("Shell") && c["Shell"].is_array() && !c["Shell"].empty())
    return c["Shell"].get<std::vector<std::string>>();
  return {"/bin/sh", "-c"};
}

std::vector<std::string> command_argv(const StageImage& image, const b::CommandLine& cmd) {
  if (!cmd.shell_form) return cmd.args;
  std::vector<std::string> argv = stage_shell(image);
  std::string line;
  for (const auto& a : cmd.args) line += (line.empty() ? "" : " ") + a;
  argv.push_back(line);
  return argv;
}

std::vector<std::string> run_argv(const StageImage& image, const b::Run& run) {
  std::vector<std::string> argv = command_argv(image, run.command);
  if (!run.command.shell_form || run.heredocs.empty()) return argv;
  std::string& line = argv.back();
  // `RUN <<EOF` alone: the heredoc is the script, as BuildKit runs it.
  std::string word = line;
  std::erase_if(word, [](char c) { return c == '\'' || c == '"' || c == ' ' || c == '-'; });
  if (run.heredocs.size() == 1 && word == "<<" + run.heredocs[0].name) {
    line = run.heredocs[0].content;
    return argv;
  }
  for (const auto& h : run.heredocs) line += "\n" + h.content + h.name;
  line += "\n";
  return argv;
}

namespace {

struct MetadataVisitor {
  StageImage& image;
  json& c;

  bool operator()(const b::Env& e) const {
    for (const auto& kv : e.vars) set_env(c, kv.key, kv.value);
    return true;
  }
  bool operator()(const b::Label& l) const {
    for (const auto& kv : l.labels) c["Labels"][kv.key] = kv.value;
    return true;
  }
  bool operator()(const b::Workdir& w) const {
    c["WorkingDir"] = join_path(c.value("WorkingDir", std::string()), w.path);
    return true;
  }
  bool operator()(const b::User& u) const {
    c["User"] = u.user;
    return true;
  }
  bool operator()(const b::Cmd& cmd) const {
    c["Cmd"] = command_argv(image, cmd.command);
    image.cmd_set = true;
    return true;
  }
  bool operator()(const b::Entrypoint& e) const {
    c["Entrypoint"] = command_argv(image, e.command);
    if (!image.cmd_set) c.erase("Cmd");
    return true;
  }
  bool operator()(const b::Expose& e) const {
    for (const auto& p : e.ports) c["ExposedPorts"][with_proto(p)] = json::object();
    return true;
  }
  bool operator()(const b::Volume& v) const {
    for (const auto& p : v.paths) c["Volumes"][p] = json::object();
    return true;
  }
  bool operator()(const b::Healthcheck& h) const {
    c["Healthcheck"] = healthcheck(h);
    return true;
  }
  bool operator()(const b::Shell& s) const {
    c["Shell"] = s.shell;
    return true;
  }
  bool operator()(const b::StopSignal& s) const {
    c["StopSignal"] = s.signal;
    return true;
  }
  bool operator()(const b::Onbuild& o) const {
    c["OnBuild"].push_back(o.expression);
    return true;
  }
  bool operator()(const b::Arg&) const { return true; }
  bool operator()(const b::Copy&) const { return false; }
  bool operator()(const b::Run&) const { return false; }
};

}  // namespace

bool apply_metadata(StageImage& image, const b::Instruction& what) {
  return std::visit(MetadataVisitor{image, cfg(image)}, what);
}

std::string nop_created_by(const std::string& instruction) {
  return "/bin/sh -c #(nop) " + instruction;
}

std::string run_created_by(const std::vector<std::string>& argv) {
  std::string s = "RUN";
  for (const auto& a : argv) s += " " + a;
  return s;
}

std::string copy_created_by(const std::string& name, const std::string& content_hash,
                            const std::string& dest) {
  std::string hex = content_hash.substr(content_hash.find(':') + 1);
  return name + " file:" + hex + " in " + dest;
}

void add_history(StageImage& image, const std::string& created_by, const std::string& created,
                 const std::string& diff_id) {
  json h = {{"created", created}, {"created_by", created_by}};
  if (diff_id.empty()) {
    h["empty_layer"] = true;
  } else {
    image.config["rootfs"]["type"] = "layers";
    image.config["rootfs"]["diff_ids"].push_back(diff_id);
  }
  image.config["history"].push_back(h);
  image.config["created"] = created;
}

std::string step_cache_key(const std::string& parent_digest, const std::string& instruction,
                           const b::Vars& args, const std::string& content_hash) {
  std::string text = "lit-build-cache-v1\n" + parent_digest + "\n" + instruction + "\n";
  for (const auto& [k, v] : args) text += "arg " + k + "=" + v + "\n";
  text += content_hash;
  return sha256_digest(text);
}

}  // namespace lit::image::builder
