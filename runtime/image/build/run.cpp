// RUN (flags, mounts) and HEALTHCHECK (options, durations).
#include <cctype>
#include <cmath>

#include "runtime/image/build/instruction.hpp"
#include "runtime/util/error.hpp"

namespace lit::image::build {

namespace {

// Fields of a mount spec, split on commas; a field may be quoted ("a,b").
std::vector<std::string> csv_fields(const std::string& spec) {
  std::vector<std::string> out(1);
  char quote = 0;
  for (char c : spec) {
    if (quote ? c == quote : c == '"') {
      quote = quote ? char(0) : c;
    } else if (!quote && c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

unsigned parse_number(const std::string& key, const std::string& v, int base) {
  std::size_t used = 0;
  unsigned long n = 0;
  try {
    n = std::stoul(v, &used, base);
  } catch (const std::exception&) {
    used = 0;
  }
  if (v.empty() || used != v.size() || n > 0xFFFFFFFFUL || v[0] == '-')
    throw Error("invalid value for " + key + ": \"" + v + "\"");
  return static_cast<unsigned>(n);
}

// A size as docker's units take it ("64m", "1g", "4096", "2kb"), for tmpfs's size=.
std::string tmpfs_size(const std::string& v) {
  std::size_t digits = 0;
  while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
  std::string unit = v.substr(digits);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.ends_with("b") || unit.ends_with("i")) unit.pop_back();
  if (digits == 0 || digits > 15 || unit.size() > 1 || unit.find_first_not_of("kmg") == 0)
    throw Error("invalid value for size: \"" + v + "\"");
  return v.substr(0, digits) + unit;
}

bool parse_flag_bool(const std::string& key, const std::optional<std::string>& v) {
  if (!v || *v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  throw Error("invalid value for " + key + ": \"" + *v + "\"");
}

void mount_field(RunMount& m, const std::string& field) {
  std::size_t eq = field.find('=');
  std::string key = field.substr(0, eq);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::optional<std::string> v;
  if (eq != std::string::npos) v = field.substr(eq + 1);
  if (key == "ro" || key == "readonly") {
    m.read_only = parse_flag_bool(key, v);
    return;
  }
  if (key == "rw" || key == "readwrite") {
    m.read_only = !parse_flag_bool(key, v);
    return;
  }
  if (!v) throw Error("invalid field '" + field + "' must be a key=value pair");
  if (key == "type")
    m.type = *v;
  else if (key == "target" || key == "dst" || key == "destination")
    m.target = *v;
  else if (key == "id")
    m.id = *v;
  else if (key == "sharing")
    m.sharing = *v;
  else if (key == "from")
    m.from = *v;
  else if (key == "source" || key == "src")
    m.source = *v;
  else if (key == "mode")
    m.mode = parse_number(key, *v, 8);
  else if (key == "uid")
    m.uid = parse_number(key, *v, 10);
  else if (key == "gid")
    m.gid = parse_number(key, *v, 10);
  else if (key == "size")
    m.size = tmpfs_size(*v);
  else
    throw Error("unexpected key '" + key + "' in '" + field + "'");
}

void check_mount(RunMount& m, bool read_write) {
  if (m.type != "cache" && m.type != "bind" && m.type != "tmpfs")
    throw Error("--mount type=" + m.type + " is not supported by lit", {}, 0,
                "lit supports --mount type=cache, bind and tmpfs");
  if (m.target.empty())
    throw Error("--mount type=" + m.type + " needs a target", {}, 0,
                "write --mount=type=" + m.type + ",target=DIR");
  if (m.type == "cache" && !m.from.empty())
    throw Error("--mount type=cache,from=" + m.from +
                    ": a cache seeded from a stage is not "
                    "supported by lit",
                {}, 0, "a cache mount starts empty and is kept between builds");
  if (m.type == "bind" && read_write)
    throw Error("--mount type=bind,rw is not supported by lit", {}, 0,
                "lit's bind mounts are read-only; write to a cache or tmpfs mount instead");
  if (m.type != "bind" && !m.source.empty())
    throw Error("--mount type=" + m.type + ": source= is for type=bind");
  if (m.type == "bind") m.read_only = true;
  if (m.sharing != "shared" && m.sharing != "private" && m.sharing != "locked")
    throw Error("unrecognized sharing for mount: \"" + m.sharing + "\"", {}, 0,
                "use sharing=shared, private or locked");
}

// A Go duration: "30s", "1m30s", "1.5h", "100ms", "250us".
std::chrono::nanoseconds parse_duration(const std::string& flag, const std::string& s) {
  auto bad = [&] { return Error("invalid duration for --" + flag + ": \"" + s + "\""); };
  if (s == "0") throw Error("Interval \"" + flag + "\" cannot be less than 1ms");
  double total = 0;
  std::size_t i = 0;
  if (s.empty()) throw bad();
  while (i < s.size()) {
    std::size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == start) throw bad();
    double n = 0;
    try {
      n = std::stod(s.substr(start, i - start));
    } catch (const std::exception&) {
      throw bad();
    }
    std::size_t u = i;
    while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') ++i;
    std::string unit = s.substr(u, i - u);
    double scale = unit == "ns"                          ? 1
                   : unit == "us" || unit == "\xC2\xB5s" ? 1e3
                   : unit == "ms"                        ? 1e6
                   : unit == "s"                         ? 1e9
                   : unit == "m"                         ? 60e9
                   : unit == "h"                         ? 3600e9
                                                         : -1;
    if (scale < 0) throw bad();
    total += n * scale;
  }
  if (!std::isfinite(total) || total > 9.2e18) throw bad();
  if (total < 1e6) throw Error("Interval \"" + flag + "\" cannot be less than 1ms");
  return std::chrono::nanoseconds(static_cast<long long>(total));
}

std::chrono::nanoseconds duration_flag(Request& r, const std::string& flag) {
  auto v = r.flags.take(flag);
  if (!v || v->empty()) return std::chrono::nanoseconds(0);
  return parse_duration(flag, *v);
}

}  // namespace

RunMount parse_mount(const std::string& spec) {
  RunMount m;
  bool read_write = false;
  for (const auto& field : csv_fields(spec)) {
    if (field.empty()) continue;
    mount_field(m, field);
    std::string key = field.substr(0, field.find('='));
    if ((key == "rw" || key == "readwrite") && !m.read_only) read_write = true;
  }
  check_mount(m, read_write);
  return m;
}

Instruction parse_run(Request& r) {
  Run run;
  for (const auto& spec : r.flags.take_all("mount")) run.mounts.push_back(parse_mount(spec));
  run.network = r.flags.take("network").value_or("");
  if (!run.network.empty() && run.network != "default" && run.network != "none" &&
      run.network != "host")
    throw Error("unsupported network mode \"" + run.network + "\"", {}, 0,
                "use --network=default, none or host");
  if (auto a = json_array(r.args)) {
    r.json = true;
    run.command = CommandLine{*a, false};
  } else {
    run.command = CommandLine{{r.args}, true};
    run.heredocs = r.heredocs;
  }
  if (r.args.empty()) throw Error("requires at least one argument");
  return run;
}

Instruction parse_healthcheck(Request& r) {
  std::size_t sep = 0;
  while (sep < r.args.size() && !std::isspace(static_cast<unsigned char>(r.args[sep]))) ++sep;
  if (sep == 0) throw Error("requires at least one argument");
  std::string type = r.args.substr(0, sep);
  for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string rest = r.args.substr(sep);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.erase(0, 1);
  Healthcheck h;
  if (type == "NONE") {
    if (!rest.empty()) throw Error("HEALTHCHECK NONE takes no arguments");
    h.test = {"NONE"};
    return h;
  }
  if (type != "CMD")
    throw Error("unknown type \"" + type + "\" in HEALTHCHECK", {}, 0, "write HEALTHCHECK CMD ...");
  h.interval = duration_flag(r, "interval");
  h.timeout = duration_flag(r, "timeout");
  h.start_period = duration_flag(r, "start-period");
  h.start_interval = duration_flag(r, "start-interval");
  if (auto retries = r.flags.take("retries")) {
    unsigned n = parse_number("--retries", *retries, 10);
    if (n < 1 || n > 0x7FFFFFFF) throw Error("--retries must be at least 1 (not " + *retries + ")");
    h.retries = static_cast<int>(n);
  }
  if (auto a = json_array(rest)) {
    if (a->empty()) throw Error("missing command after HEALTHCHECK CMD");
    h.test = {"CMD"};
    h.test.insert(h.test.end(), a->begin(), a->end());
  } else {
    if (rest.empty()) throw Error("missing command after HEALTHCHECK CMD");
    h.test = {"CMD-SHELL", rest};
  }
  return h;
}

}  // namespace lit::image::build
