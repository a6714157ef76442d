#pragma once
// Small pieces compose_out*.cpp share: keys compose omits when empty, host
// paths as --no-path-resolution shows them, compose's scalar forms.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reconciler/compose_out.hpp"
#include "reconciler/model.hpp"

namespace lit::reconciler::compose_out {

using ojson = nlohmann::ordered_json;

// Each sets j[key] unless the value is empty (compose's omitempty).
void put_str(ojson& j, const char* key, const std::string& value);
void put_list(ojson& j, const char* key, const std::vector<std::string>& value);
void put_map(ojson& j, const char* key, const std::map<std::string, std::string>& value);

// An absolute host path as printed: itself, or with resolve_paths off and
// inside the project directory, relative to it ("./data", ".").
std::string host_path(const std::string& path, const Project& p, const ComposeOutOptions& o);

// A file mode as compose-go prints it: "0440".
std::string octal_mode(std::uint32_t mode);

// Whether the user wrote `key` in the mapping of section.name (services.web,
// networks.back...) of ComposeOutOptions::written.
bool wrote(const ComposeOutOptions& o, const char* section, const std::string& name,
           const char* key);

// "K=V" entries -> {K: V}; an entry without "=" -> {K: null}.
ojson environment_map(const std::vector<std::string>& entries);

}  // namespace lit::reconciler::compose_out
