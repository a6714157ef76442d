#pragma once
// lit's configuration file, read by every command that talks to a registry:
// $LIT_CONFIG when set, else /etc/lit/config.yml (absent: the defaults).
//   registries:
//     insecure: ["registry.local:5000"]        # plain HTTP allowed
//     mirrors:
//       docker.io: ["mirror.local:5000", "https://m2.example"]
// A mirror is [http://|https://]HOST[:PORT]; without a scheme it is reached
// over HTTPS unless it is a local or insecure registry.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lit::image {

struct RegistryConfig {
  std::vector<std::string> insecure;  // registry keys (HOST[:PORT]) allowed plain HTTP
  // Registry key ("docker.io", "HOST[:PORT]") -> its mirrors, tried in order.
  std::map<std::string, std::vector<std::string>> mirrors;
};

// Parses the file's text; `file` names it in errors, which are one line:
// "FILE:LINE: registries.mirrors.docker.io: ...". Unknown keys are errors.
RegistryConfig parse_registry_config(std::string_view text, const std::string& file);

// $LIT_CONFIG, else /etc/lit/config.yml.
std::filesystem::path registry_config_path();

// The file at `path` parsed; the defaults when it does not exist.
RegistryConfig load_registry_config(const std::filesystem::path& path);

// A mirror entry split: {"http" or "https" or "" (not given), "HOST[:PORT]"}.
std::pair<std::string, std::string> split_mirror(std::string_view mirror);

}  // namespace lit::image
