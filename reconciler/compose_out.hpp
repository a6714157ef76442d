#pragma once
// `lit config`: the project as the compose file `docker compose config` prints
// (compose-go's normalized model): compose-spec keys only, in compose's order,
// with compose's types and defaults (a port's `published` as a string, memory
// in bytes as a string, durations as Go prints them), the user's x-* keys kept.
// Its output loads back into the same model (tests/unit/reconciler/compose_out_test.cpp).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "reconciler/model.hpp"

namespace lit::reconciler {

struct ComposeOutOptions {
  // compose's normalization: the implicit default network (on the services and
  // top-level), resources' `name:` from their key, build's `dockerfile: Dockerfile`.
  bool normalize = true;
  // Absolute host paths; false: paths inside the project directory relative to it ("./data").
  bool resolve_paths = true;
  // The user's x-* keys (load_raw's RawProject::extensions), printed where
  // they were written.
  nlohmann::ordered_json extensions = nlohmann::ordered_json::object();
  // The merged files as written (RawProject::tree): where the model reads two
  // spellings into one value (mem_limit or deploy.resources.limits.memory,
  // scale or deploy.replicas, an explicit `restart: "no"` or `driver: bridge`),
  // the output uses the one the user wrote. Empty: the spec's long forms.
  nlohmann::ordered_json written = nlohmann::ordered_json::object();
};

// The compose file of `project`; every `$` of a value written `$$`, as compose
// does, so that loading the output again reads the same values.
nlohmann::ordered_json compose_tree(const Project& project, const ComposeOutOptions& options = {});

// One service's mapping (without `$` escaping); compose_tree's part per service.
nlohmann::ordered_json compose_service(const Project& project, const Service& s,
                                       const ComposeOutOptions& options);

// `--format json`: the same object, its top-level keys sorted as compose's
// encoder writes them (a Go map), indented by 2.
std::string compose_json_text(const nlohmann::ordered_json& tree);

// Go's time.Duration.String(): "30s", "1m30s", "1h0m0s", "500ms", "0s".
std::string go_duration(std::int64_t nanoseconds);

// Every `$` in string keys and values written `$$`.
void escape_dollars(nlohmann::ordered_json& j);

}  // namespace lit::reconciler
