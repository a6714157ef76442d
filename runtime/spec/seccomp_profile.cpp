#include "runtime/spec/seccomp_profile.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::runtime {

namespace {

using nlohmann::json;

constexpr std::array<std::pair<std::string_view, SeccompAction>, 8> kActions{{
    {"SCMP_ACT_KILL", SeccompAction::KillThread},
    {"SCMP_ACT_KILL_THREAD", SeccompAction::KillThread},
    {"SCMP_ACT_KILL_PROCESS", SeccompAction::KillProcess},
    {"SCMP_ACT_TRAP", SeccompAction::Trap},
    {"SCMP_ACT_ERRNO", SeccompAction::Errno},
    {"SCMP_ACT_TRACE", SeccompAction::Trace},
    {"SCMP_ACT_ALLOW", SeccompAction::Allow},
    {"SCMP_ACT_LOG", SeccompAction::Log},
}};

constexpr std::array<std::pair<std::string_view, SeccompOp>, 7> kOps{{
    {"SCMP_CMP_NE", SeccompOp::NotEqual},
    {"SCMP_CMP_LT", SeccompOp::LessThan},
    {"SCMP_CMP_LE", SeccompOp::LessOrEqual},
    {"SCMP_CMP_EQ", SeccompOp::Equal},
    {"SCMP_CMP_GE", SeccompOp::GreaterOrEqual},
    {"SCMP_CMP_GT", SeccompOp::GreaterThan},
    {"SCMP_CMP_MASKED_EQ", SeccompOp::MaskedEqual},
}};

// The architectures libseccomp knows, by docker's names.
constexpr std::string_view kArches[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
};

// Reads one profile, naming the field on every error.
struct Reader {
  std::string source;

  [[noreturn]] void fail(const std::string& path, const std::string& why) const {
    throw Error("seccomp profile " + source + ": " + (path.empty() ? "" : path + ": ") + why);
  }

  void known_keys(const json& j, const std::string& path,
                  std::initializer_list<std::string_view> keys) const {
    if (!j.is_object()) fail(path, "expected an object, got " + std::string(j.type_name()));
    for (const auto& [k, _] : j.items()) {
      if (k == "comment" || std::find(keys.begin(), keys.end(), k) != keys.end()) continue;
      fail(path.empty() ? k : path + "." + k, "unknown field");
    }
  }

  std::string str(const json& j, const std::string& path) const {
    if (!j.is_string()) fail(path, "expected a string, got " + std::string(j.type_name()));
    return j.get<std::string>();
  }

  std::uint64_t number(const json& j, const std::string& path) const {
    if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<std::int64_t>() >= 0))
      fail(path, "expected a non-negative integer, got " + j.dump());
    return j.get<std::uint64_t>();
  }

  // A list of strings; null (as docker writes an empty one) is empty.
  std::vector<std::string> strings(const json& j, const std::string& path) const {
    std::vector<std::string> out;
    if (j.is_null()) return out;
    if (!j.is_array()) fail(path, "expected a list of strings, got " + std::string(j.type_name()));
    for (std::size_t i = 0; i < j.size(); ++i)
      out.push_back(str(j[i], path + "[" + std::to_string(i) + "]"));
    return out;
  }

  template <class T, std::size_t N>
  T lookup(const std::array<std::pair<std::string_view, T>, N>& table, const json& j,
           const std::string& path, const char* what) const {
    std::string name = str(j, path);
    for (const auto& [n, v] : table)
      if (n == name) return v;
    if (name == "SCMP_ACT_NOTIFY")
      fail(path, "SCMP_ACT_NOTIFY needs a seccomp agent, which lit does not run");
    fail(path, std::string("unknown ") + what + " \"" + name + "\"");
  }

  std::string arch(const json& j, const std::string& path) const {
    std::string name = str(j, path);
    if (std::find(std::begin(kArches), std::end(kArches), name) == std::end(kArches))
      fail(path, "unknown architecture \"" + name + "\" (use SCMP_ARCH_X86_64 and the like)");
    return name;
  }

  std::optional<std::uint32_t> errno_ret(const json& j, const std::string& key,
                                         const std::string& path) const {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    std::uint64_t v = number(*it, path);
    if (v > 4095) fail(path, "errno " + std::to_string(v) + " is out of range (at most 4095)");
    return static_cast<std::uint32_t>(v);
  }

  std::pair<int, int> kernel(const json& j, const std::string& path) const {
    std::string v = str(j, path);
    int major = 0, minor = 0;
    auto dot = v.find('.');
    const char* end = v.data() + v.size();
    auto r1 = std::from_chars(v.data(), v.data() + std::min(dot, v.size()), major);
    bool ok = dot != std::string::npos && r1.ec == std::errc() && r1.ptr == v.data() + dot;
    if (ok) {
      auto r2 = std::from_chars(v.data() + dot + 1, end, minor);
      ok = r2.ec == std::errc() && r2.ptr == end && dot + 1 < v.size();
    }
    if (!ok) fail(path, "expected a kernel version MAJOR.MINOR such as \"4.8\", got \"" + v + "\"");
    return {major, minor};
  }

  SeccompCondition condition(const json& j, const std::string& path) const {
    SeccompCondition c;
    if (j.is_null()) return c;
    known_keys(j, path, {"arches", "caps", "minKernel"});
    if (auto it = j.find("arches"); it != j.end()) c.arches = strings(*it, path + ".arches");
    if (auto it = j.find("caps"); it != j.end()) c.caps = strings(*it, path + ".caps");
    if (auto it = j.find("minKernel"); it != j.end() && !it->is_null())
      c.min_kernel = kernel(*it, path + ".minKernel");
    return c;
  }

  SeccompArg arg(const json& j, const std::string& path) const {
    known_keys(j, path, {"index", "value", "valueTwo", "op"});
    SeccompArg a;
    if (!j.contains("index")) fail(path + ".index", "missing");
    if (!j.contains("op")) fail(path + ".op", "missing");
    std::uint64_t index = number(j["index"], path + ".index");
    if (index > 5)
      fail(path + ".index", "a syscall has arguments 0 to 5, not " + std::to_string(index));
    a.index = static_cast<unsigned>(index);
    if (j.contains("value")) a.value = number(j["value"], path + ".value");
    if (j.contains("valueTwo")) a.value_two = number(j["valueTwo"], path + ".valueTwo");
    a.op = lookup(kOps, j["op"], path + ".op", "operator");
    return a;
  }

  SeccompSyscall syscall(const json& j, const std::string& path) const;
  SeccompProfile profile(const json& j) const;
};

SeccompSyscall Reader::syscall(const json& j, const std::string& path) const {
  known_keys(j, path, {"name", "names", "action", "errnoRet", "args", "includes", "excludes"});
  SeccompSyscall s;
  if (j.contains("name") && j.contains("names")) fail(path, "use either \"name\" or \"names\"");
  if (auto it = j.find("name"); it != j.end()) s.names = {str(*it, path + ".name")};
  if (auto it = j.find("names"); it != j.end()) s.names = strings(*it, path + ".names");
  if (s.names.empty()) fail(path, "no syscall named (give \"names\")");
  for (std::size_t i = 0; i < s.names.size(); ++i)
    if (s.names[i].empty()) fail(path + ".names[" + std::to_string(i) + "]", "empty syscall name");
  if (!j.contains("action")) fail(path + ".action", "missing");
  s.action = lookup(kActions, j["action"], path + ".action", "action");
  s.errno_ret = errno_ret(j, "errnoRet", path + ".errnoRet");
  if (auto it = j.find("args"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) fail(path + ".args", "expected a list");
    for (std::size_t i = 0; i < it->size(); ++i)
      s.args.push_back(arg((*it)[i], path + ".args[" + std::to_string(i) + "]"));
  }
  if (auto it = j.find("includes"); it != j.end()) s.includes = condition(*it, path + ".includes");
  if (auto it = j.find("excludes"); it != j.end()) s.excludes = condition(*it, path + ".excludes");
  return s;
}

SeccompProfile Reader::profile(const json& j) const {
  known_keys(j, "",
             {"defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls", "flags",
              "listenerPath", "listenerMetadata"});
  SeccompProfile p;
  if (!j.contains("defaultAction")) fail("defaultAction", "missing");
  p.default_action = lookup(kActions, j["defaultAction"], "defaultAction", "action");
  p.default_errno = errno_ret(j, "defaultErrnoRet", "defaultErrnoRet");
  if (auto it = j.find("flags"); it != j.end() && !strings(*it, "flags").empty())
    fail("flags", "seccomp filter flags are not supported");
  if (auto it = j.find("listenerPath"); it != j.end() && !str(*it, "listenerPath").empty())
    fail("listenerPath", "a seccomp agent is not supported");
  if (auto it = j.find("architectures"); it != j.end() && !it->is_null())
    for (const auto& a : strings(*it, "architectures"))
      p.architectures.push_back(arch(a, "architectures"));
  if (auto it = j.find("archMap"); it != j.end() && !it->is_null()) {
    if (!p.architectures.empty()) fail("archMap", "give either \"architectures\" or \"archMap\"");
    if (!it->is_array()) fail("archMap", "expected a list");
    for (std::size_t i = 0; i < it->size(); ++i) {
      std::string path = "archMap[" + std::to_string(i) + "]";
      const json& m = (*it)[i];
      known_keys(m, path, {"architecture", "subArchitectures"});
      SeccompArchMap entry{arch(m.value("architecture", json()), path + ".architecture"), {}};
      if (auto sub = m.find("subArchitectures"); sub != m.end())
        for (const auto& a : strings(*sub, path + ".subArchitectures"))
          entry.sub_architectures.push_back(arch(a, path + ".subArchitectures"));
      p.arch_map.push_back(std::move(entry));
    }
  }
  if (auto it = j.find("syscalls"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) fail("syscalls", "expected a list");
    for (std::size_t i = 0; i < it->size(); ++i)
      p.syscalls.push_back(syscall((*it)[i], "syscalls[" + std::to_string(i) + "]"));
  }
  return p;
}

template <class T, std::size_t N>
std::string_view name_of(const std::array<std::pair<std::string_view, T>, N>& table, T v) {
  for (const auto& [n, value] : table)
    if (value == v && n != "SCMP_ACT_KILL") return n;
  return "?";
}

json condition_json(const SeccompCondition& c) {
  json j = json::object();
  if (!c.arches.empty()) j["arches"] = c.arches;
  if (!c.caps.empty()) j["caps"] = c.caps;
  if (c.min_kernel)
    j["minKernel"] =
        std::to_string(c.min_kernel->first) + "." + std::to_string(c.min_kernel->second);
  return j;
}

}  // namespace

std::string_view action_name(SeccompAction a) { return name_of(kActions, a); }
std::string_view op_name(SeccompOp op) { return name_of(kOps, op); }

SeccompProfile seccomp_profile_from_json(const nlohmann::json& j, std::string_view source) {
  return Reader{std::string(source)}.profile(j);
}

SeccompProfile parse_seccomp_profile(std::string_view json_text, std::string_view source) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    std::string why = e.what();
    if (auto close = why.find("] ");
        why.starts_with("[json.exception") && close != std::string::npos)
      why.erase(0, close + 2);
    Reader{std::string(source)}.fail("", "not valid JSON: " + why);
  }
  return seccomp_profile_from_json(j, source);
}

SeccompProfile read_seccomp_profile(const std::filesystem::path& path, std::string_view source) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error& e) {
    throw Error("seccomp profile " + std::string(source), "", e.err());
  }
  return parse_seccomp_profile(text, source);
}

nlohmann::json to_json(const SeccompProfile& p) {
  json j = {{"defaultAction", action_name(p.default_action)}};
  if (p.default_errno) j["defaultErrnoRet"] = *p.default_errno;
  if (!p.architectures.empty()) j["architectures"] = p.architectures;
  for (const auto& m : p.arch_map)
    j["archMap"].push_back(
        {{"architecture", m.architecture}, {"subArchitectures", m.sub_architectures}});
  j["syscalls"] = json::array();
  for (const auto& s : p.syscalls) {
    json r = {{"names", s.names}, {"action", action_name(s.action)}};
    if (s.errno_ret) r["errnoRet"] = *s.errno_ret;
    for (const auto& a : s.args)
      r["args"].push_back({{"index", a.index},
                           {"value", a.value},
                           {"valueTwo", a.value_two},
                           {"op", op_name(a.op)}});
    if (auto inc = condition_json(s.includes); !inc.empty()) r["includes"] = inc;
    if (auto exc = condition_json(s.excludes); !exc.empty()) r["excludes"] = exc;
    j["syscalls"].push_back(std::move(r));
  }
  return j;
}

}  // namespace lit::runtime
