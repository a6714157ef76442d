#include "runtime/image/registry/credentials.hpp"

#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

namespace lit::image {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

nlohmann::json parse_object(std::string_view text, std::string_view what) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error("invalid credentials file", std::string(what) + ": not a JSON object");
  return j;
}

std::optional<Credential> entry_credential(const nlohmann::json& e) {
  if (!e.is_object()) return std::nullopt;
  if (auto a = e.find("auth"); a != e.end() && a->is_string() && !a->get<std::string>().empty()) {
    auto decoded = base64_decode(a->get<std::string>());
    if (!decoded) return std::nullopt;
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    return Credential{decoded->substr(0, colon), decoded->substr(colon + 1)};
  }
  auto u = e.find("username");
  auto p = e.find("password");
  if (u != e.end() && p != e.end() && u->is_string() && p->is_string())
    return Credential{u->get<std::string>(), p->get<std::string>()};
  return std::nullopt;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < data.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (i + 2 < data.size()) n |= static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < data.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    auto v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone 6-bit group is not a byte
  return out;
}

std::string registry_key(std::string_view server) {
  if (auto scheme = server.find("://"); scheme != std::string_view::npos)
    server.remove_prefix(scheme + 3);
  if (auto slash = server.find('/'); slash != std::string_view::npos)
    server = server.substr(0, slash);
  std::string key(server);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (key == "index.docker.io" || key == "registry-1.docker.io" || key == "registry.docker.io")
    return "docker.io";
  return key;
}

std::map<std::string, Credential> parse_auth_config(std::string_view text, std::string_view what) {
  nlohmann::json j = parse_object(text, what);
  std::map<std::string, Credential> out;
  auto auths = j.find("auths");
  if (auths == j.end() || !auths->is_object()) return out;
  for (const auto& [server, entry] : auths->items()) {
    if (auto c = entry_credential(entry)) out.emplace(registry_key(server), std::move(*c));
  }
  return out;
}

std::string update_auth_config(std::string_view text, const std::string& registry,
                               const std::optional<Credential>& cred, std::string_view what) {
  nlohmann::json j = parse_object(text, what);
  if (!j.contains("auths") || !j["auths"].is_object()) j["auths"] = nlohmann::json::object();
  nlohmann::json& auths = j["auths"];
  for (auto it = auths.begin(); it != auths.end();) {  // every spelling of this registry
    if (registry_key(it.key()) == registry_key(registry))
      it = auths.erase(it);
    else
      ++it;
  }
  if (cred) auths[registry] = {{"auth", base64_encode(cred->username + ":" + cred->password)}};
  return j.dump(1, '\t') + "\n";
}

AuthFiles auth_files(const fs::path& lit_root) {
  AuthFiles f;
  const std::string own = env("REGISTRY_AUTH_FILE");
  if (!own.empty()) f.read.emplace_back(own);
  f.read.push_back(lit_root / "auth.json");
  const std::string docker = env("DOCKER_CONFIG");
  const std::string home = env("HOME");
  if (!docker.empty())
    f.read.push_back(fs::path(docker) / "config.json");
  else if (!home.empty())
    f.read.push_back(fs::path(home) / ".docker" / "config.json");
  f.write = own.empty() ? lit_root / "auth.json" : fs::path(own);
  return f;
}

std::optional<Credential> find_credential(const AuthFiles& files, const std::string& registry) {
  const std::string key = registry_key(registry);
  for (const auto& file : files.read) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) continue;
    auto creds = parse_auth_config(read_file(file), file.string());
    if (auto it = creds.find(key); it != creds.end()) return it->second;
  }
  return std::nullopt;
}

bool save_credential(const fs::path& file, const std::string& registry,
                     const std::optional<Credential>& cred) {
  std::error_code ec;
  const std::string old = fs::exists(file, ec) ? read_file(file) : "";
  if (!cred && !parse_auth_config(old, file.string()).contains(registry_key(registry)))
    return false;
  if (file.has_parent_path()) make_dirs(file.parent_path(), 0700);
  write_file_atomic(file, update_auth_config(old, registry, cred, file.string()), 0600);
  return true;
}

}  // namespace lit::image
