#pragma once
// A service's config hash: sha256 over everything that shapes its containers,
// stored as a label on each container so `lit up` recreates only what changed.
// Unlike docker's, it covers the contents of env_file, configs and secrets files.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lit::reconciler {

// 64 lowercase hex digits over canonical_service.dump() (nlohmann::json sorts
// object keys, so equal services hash equally) and each extra content, each
// framed by its length so ["ab","c"] and ["a","bc"] differ.
std::string config_hash(const nlohmann::json& canonical_service,
                        const std::vector<std::string>& extra_contents);

// The contents of the files a service reads (env_file, configs, secrets), for
// config_hash; throws lit::Error naming `what` and the file when one is unreadable.
std::vector<std::string> read_hash_inputs(const std::vector<std::filesystem::path>& files,
                                          const std::string& what);

}  // namespace lit::reconciler
