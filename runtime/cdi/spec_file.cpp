#include "runtime/cdi/spec_file.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <nlohmann/json.hpp>

#include "runtime/cdi/name.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime::cdi {
namespace {

using nlohmann::json;

constexpr std::string_view kHookNames[] = {"prestart",       "createRuntime", "createContainer",
                                           "startContainer", "poststart",     "poststop"};

// ---- YAML to JSON: one reader for both formats -----------------------------

// A plain (unquoted) scalar as YAML 1.1 reads it, as the Go library's YAML
// decoder does: null, true/false, an integer (0644 and 0o644 octal, 0x hex),
// else a string.
json plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  std::string_view digits = s;
  bool negative = false;
  if (digits.starts_with('-') || digits.starts_with('+')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  int base = 10;
  if (digits.starts_with("0x") || digits.starts_with("0X")) {
    base = 16;
    digits.remove_prefix(2);
  } else if (digits.starts_with("0o")) {
    base = 8;
    digits.remove_prefix(2);
  } else if (digits.size() > 1 && digits.front() == '0') {
    base = 8;
    digits.remove_prefix(1);
  }
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n, base);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return s;
  if (negative) return -static_cast<std::int64_t>(n);
  return n;
}

json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : n) out[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : n) out.push_back(yaml_to_json(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      return n.Tag() == "!" ? json(n.Scalar()) : plain_scalar(n.Scalar());
    default:
      return nullptr;
  }
}

// ---- the reader ------------------------------------------------------------

std::string idx(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Reads one spec, naming the field on every error.
struct Reader {
  std::string source;

  [[noreturn]] void fail(const std::string& path, const std::string& why) const {
    throw Error("CDI spec " + source + ": " + (path.empty() ? "" : path + ": ") + why);
  }

  void known_keys(const json& j, const std::string& path,
                  std::initializer_list<std::string_view> keys) const {
    if (!j.is_object()) fail(path, "expected an object, got " + std::string(j.type_name()));
    for (const auto& [k, _] : j.items())
      if (std::find(keys.begin(), keys.end(), k) == keys.end())
        fail(path.empty() ? k : path + "." + k, "unknown field");
  }

  std::string str(const json& j, const std::string& path) const {
    if (!j.is_string()) fail(path, "expected a string, got " + std::string(j.type_name()));
    return j.get<std::string>();
  }

  std::string required_str(const json& j, const std::string& key, const std::string& path) const {
    std::string p = path.empty() ? key : path + "." + key;
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) fail(p, "missing");
    std::string s = str(*it, p);
    if (s.empty()) fail(p, "empty");
    return s;
  }

  std::string optional_str(const json& j, const std::string& key, const std::string& path) const {
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? "" : str(*it, path + "." + key);
  }

  std::uint64_t number(const json& j, const std::string& path, std::uint64_t max) const {
    if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<std::int64_t>() >= 0))
      fail(path, "expected a non-negative integer, got " + j.dump());
    auto n = j.get<std::uint64_t>();
    if (n > max)
      fail(path, std::to_string(n) + " is out of range (at most " + std::to_string(max) + ")");
    return n;
  }

  template <typename T>
  std::optional<T> optional_number(const json& j, const std::string& key, const std::string& path,
                                   std::uint64_t max) const {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return static_cast<T>(number(*it, path + "." + key, max));
  }

  // A list; null is empty.
  const json& list(const json& j, const std::string& path) const {
    static const json empty = json::array();
    if (j.is_null()) return empty;
    if (!j.is_array()) fail(path, "expected a list, got " + std::string(j.type_name()));
    return j;
  }

  std::vector<std::string> strings(const json& j, const std::string& path) const {
    std::vector<std::string> out;
    const json& l = list(j, path);
    for (std::size_t i = 0; i < l.size(); ++i) out.push_back(str(l[i], idx(path, i)));
    return out;
  }

  std::string absolute(const json& j, const std::string& key, const std::string& path,
                       bool required) const {
    std::string p = path + "." + key;
    std::string s = required ? required_str(j, key, path) : optional_str(j, key, path);
    if (!s.empty() && s.front() != '/') fail(p, "\"" + s + "\" is not an absolute path");
    return s;
  }

  void annotations(const json& j, const std::string& path) const {
    if (j.is_null()) return;
    if (!j.is_object()) fail(path, "expected an object of strings");
    for (const auto& [k, v] : j.items()) str(v, path + "." + k);
  }

  DeviceNodeEdit device_node(const json& j, const std::string& path) const {
    known_keys(
        j, path,
        {"path", "hostPath", "type", "major", "minor", "fileMode", "permissions", "uid", "gid"});
    DeviceNodeEdit d;
    d.path = absolute(j, "path", path, true);
    d.host_path = absolute(j, "hostPath", path, false);
    d.type = optional_str(j, "type", path);
    if (!d.type.empty() && d.type != "b" && d.type != "c" && d.type != "u" && d.type != "p")
      fail(path + ".type", "\"" + d.type + "\" is not b, c, u or p");
    d.major = optional_number<std::int64_t>(j, "major", path, 0xffffffffU);
    d.minor = optional_number<std::int64_t>(j, "minor", path, 0xffffffffU);
    d.file_mode = optional_number<unsigned>(j, "fileMode", path, 0xffffffffU);
    d.permissions = optional_str(j, "permissions", path);
    if (!std::all_of(d.permissions.begin(), d.permissions.end(),
                     [](char c) { return c == 'r' || c == 'w' || c == 'm'; }))
      fail(path + ".permissions", "\"" + d.permissions + "\" is not a combination of r, w and m");
    d.uid = optional_number<uid_t>(j, "uid", path, 0xfffffffeU);
    d.gid = optional_number<gid_t>(j, "gid", path, 0xfffffffeU);
    return d;
  }

  MountEdit mount(const json& j, const std::string& path) const {
    known_keys(j, path, {"hostPath", "containerPath", "type", "options"});
    MountEdit m;
    m.host_path = absolute(j, "hostPath", path, true);
    m.container_path = absolute(j, "containerPath", path, true);
    m.type = optional_str(j, "type", path);
    if (auto it = j.find("options"); it != j.end()) m.options = strings(*it, path + ".options");
    return m;
  }

  HookEdit hook(const json& j, const std::string& path) const {
    known_keys(j, path, {"hookName", "path", "args", "env", "timeout"});
    HookEdit h{required_str(j, "hookName", path), absolute(j, "path", path, true)};
    if (std::find(std::begin(kHookNames), std::end(kHookNames), h.hook_name) ==
        std::end(kHookNames))
      fail(path + ".hookName", "unknown hook \"" + h.hook_name + "\"");
    return h;
  }

  ContainerEdits edits(const json& j, const std::string& path) const {
    ContainerEdits e;
    if (j.is_null()) return e;
    known_keys(j, path,
               {"env", "deviceNodes", "mounts", "hooks", "additionalGids", "additionalGIDs",
                "intelRdt", "netDevices"});
    auto at = [&](const char* key) { return path + "." + key; };
    if (auto it = j.find("env"); it != j.end()) e.env = strings(*it, at("env"));
    for (std::size_t i = 0; i < e.env.size(); ++i)
      if (e.env[i].find('=') == std::string::npos || e.env[i].front() == '=')
        fail(idx(at("env"), i), "\"" + e.env[i] + "\" is not NAME=VALUE");
    if (auto it = j.find("deviceNodes"); it != j.end()) {
      const json& l = list(*it, at("deviceNodes"));
      for (std::size_t i = 0; i < l.size(); ++i)
        e.device_nodes.push_back(device_node(l[i], idx(at("deviceNodes"), i)));
    }
    if (auto it = j.find("mounts"); it != j.end()) {
      const json& l = list(*it, at("mounts"));
      for (std::size_t i = 0; i < l.size(); ++i)
        e.mounts.push_back(mount(l[i], idx(at("mounts"), i)));
    }
    if (auto it = j.find("hooks"); it != j.end()) {
      const json& l = list(*it, at("hooks"));
      for (std::size_t i = 0; i < l.size(); ++i) e.hooks.push_back(hook(l[i], idx(at("hooks"), i)));
    }
    for (const char* key : {"additionalGids", "additionalGIDs"})
      if (auto it = j.find(key); it != j.end()) {
        const json& l = list(*it, at(key));
        for (std::size_t i = 0; i < l.size(); ++i)
          e.additional_gids.push_back(
              static_cast<gid_t>(number(l[i], idx(at(key), i), 0xfffffffeU)));
      }
    for (const char* key : {"intelRdt", "netDevices"})
      if (auto it = j.find(key); it != j.end() && !it->is_null() && !it->empty())
        e.unsupported.push_back(key);
    return e;
  }

  Spec spec(const json& j) const {
    known_keys(j, "", {"cdiVersion", "kind", "annotations", "devices", "containerEdits"});
    Spec s;
    s.version = required_str(j, "cdiVersion", "");
    const auto& versions = supported_versions();
    if (std::find(versions.begin(), versions.end(), s.version) == versions.end())
      fail("cdiVersion", "unsupported version \"" + s.version + "\" (lit reads " +
                             std::string(versions.front()) + " to " + std::string(versions.back()) +
                             ")");
    s.kind = required_str(j, "kind", "");
    if (auto why = kind_problem(s.kind)) fail("kind", "\"" + s.kind + "\": " + *why);
    if (auto it = j.find("annotations"); it != j.end()) annotations(*it, "annotations");
    auto devices = j.find("devices");
    if (devices == j.end() || devices->is_null()) fail("devices", "missing");
    const json& l = list(*devices, "devices");
    if (l.empty()) fail("devices", "a spec lists at least one device");
    for (std::size_t i = 0; i < l.size(); ++i) {
      std::string p = idx("devices", i);
      known_keys(l[i], p, {"name", "annotations", "containerEdits"});
      Device d{required_str(l[i], "name", p), {}};
      if (auto why = device_name_problem(d.name)) fail(p + ".name", *why);
      for (const auto& other : s.devices)
        if (other.name == d.name) fail(p + ".name", "device \"" + d.name + "\" is listed twice");
      if (auto it = l[i].find("annotations"); it != l[i].end())
        annotations(*it, p + ".annotations");
      if (auto it = l[i].find("containerEdits"); it != l[i].end())
        d.edits = edits(*it, p + ".containerEdits");
      s.devices.push_back(std::move(d));
    }
    if (auto it = j.find("containerEdits"); it != j.end()) s.edits = edits(*it, "containerEdits");
    return s;
  }
};

// "[json.exception.parse_error.101] parse error at line 1..." without its prefix.
std::string json_error(const json::parse_error& e) {
  std::string why = e.what();
  if (auto close = why.find("] "); why.starts_with("[json.exception") && close != std::string::npos)
    why.erase(0, close + 2);
  return why;
}

}  // namespace

const std::vector<std::string_view>& supported_versions() {
  static const std::vector<std::string_view> versions = {"0.3.0", "0.4.0", "0.5.0", "0.6.0",
                                                         "0.7.0", "0.8.0", "1.0.0"};
  return versions;
}

Spec parse_spec(std::string_view text, Format format, const std::filesystem::path& source) {
  Reader reader{source.string()};
  json j;
  if (format == Format::Json) {
    try {
      j = json::parse(text);
    } catch (const json::parse_error& e) {
      reader.fail("", "not valid JSON: " + json_error(e));
    }
  } else {
    try {
      j = yaml_to_json(YAML::Load(std::string(text)));
    } catch (const YAML::Exception& e) {
      reader.fail("", "not valid YAML: " + e.msg + " at line " + std::to_string(e.mark.line + 1));
    }
  }
  Spec s = reader.spec(j);
  s.file = source;
  return s;
}

Spec read_spec(const std::filesystem::path& file) {
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error& e) {
    throw Error("CDI spec " + file.string(), "", e.err());
  }
  return parse_spec(text, file.extension() == ".json" ? Format::Json : Format::Yaml, file);
}

}  // namespace lit::runtime::cdi
