#pragma once
// Registry credentials in docker's config format, as `docker login`,
// `podman login` and `lit login` write them:
//   {"auths": {"registry.example.com": {"auth": "<base64 of user:password>"}}}
// Read, in order, from $REGISTRY_AUTH_FILE, lit's own file (<lit root>/auth.json,
// mode 0600) and docker's ($DOCKER_CONFIG/config.json or ~/.docker/config.json):
// the first file with an entry for the registry wins. `lit login` writes to
// $REGISTRY_AUTH_FILE when set, else to lit's own file.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lit::image {

struct Credential {
  std::string username, password;
};

std::string base64_encode(std::string_view data);
// Standard alphabet, padding optional; nullopt when not base64.
std::optional<std::string> base64_decode(std::string_view text);

// "https://index.docker.io/v1/", "registry-1.docker.io", "docker.io" -> "docker.io";
// "http://localhost:5000/v2/" -> "localhost:5000" (scheme and path dropped).
std::string registry_key(std::string_view server);

// The "auths" entries of a config file's text, by registry_key. Entries with
// neither "auth" nor username/password (credential helpers) are skipped.
// Throws lit::Error naming `what` when the text is not a JSON object.
std::map<std::string, Credential> parse_auth_config(std::string_view text, std::string_view what);

// Adds, replaces (`cred` set) or removes (nullopt) the entry for `registry` in
// a config file's text, keeping every other key; returns the new text.
std::string update_auth_config(std::string_view text, const std::string& registry,
                               const std::optional<Credential>& cred, std::string_view what);

struct AuthFiles {
  std::vector<std::filesystem::path> read;  // in order of precedence
  std::filesystem::path write;              // where `lit login` stores
};
// `lit_root` is lit's persistent root (/var/lib/lit); reads the environment.
AuthFiles auth_files(const std::filesystem::path& lit_root);

// The credential for a registry (by registry_key), from the first file that has one.
std::optional<Credential> find_credential(const AuthFiles& files, const std::string& registry);

// Stores or removes (nullopt) an entry in `file` (created with mode 0600);
// returns false when removing an entry that was not there.
bool save_credential(const std::filesystem::path& file, const std::string& registry,
                     const std::optional<Credential>& cred);

}  // namespace lit::image
