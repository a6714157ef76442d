#pragma once
// The projects the Kubernetes conversion tests convert (kube_golden_test,
// kube_convert_test): the demo lit.yml, each examples/ project and the
// golden_kube/ projects, loaded with a fixed environment.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reconciler/kube/convert.hpp"
#include "reconciler/load/load.hpp"

namespace lit::reconciler::kube {

struct KubeCase {
  std::string name;  // golden_kube/<name>.yaml
  std::string file;  // relative to the repository
};

inline std::vector<KubeCase> kube_cases() {
  return {{"demo", "lit.yml"},
          {"profiles", "examples/profiles/lit.yml"},
          {"single_service", "examples/single-service/lit.yml"},
          {"wordpress", "examples/wordpress/compose.yaml"},
          {"full", "tests/unit/reconciler/golden_kube/full/compose.yaml"}};
}

inline LoadOptions kube_case_options(const KubeCase& c) {
  LoadOptions o;
  o.files = {(std::filesystem::path(LIT_SOURCE_DIR) / c.file).string()};
  std::map<std::string, std::string> env = {{"HOME", "/home/user"}, {"API_TOKEN", "example-token"}};
  o.environment = [env](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  return o;
}

inline Conversion convert_case(const KubeCase& c, Options options = {}) {
  LoadOptions lo = kube_case_options(c);
  LocatedProject located = load_project_located(lo);
  options.extensions = load_raw(lo, true).extensions;
  return convert(located.project, located.places, options);
}

}  // namespace lit::reconciler::kube
