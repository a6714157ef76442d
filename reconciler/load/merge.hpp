#pragma once
// Compose's rules for combining files (-f a -f b, override files) and extends:
// mappings merge key by key, scalars and command/entrypoint/healthcheck.test are
// replaced, volumes merge by target, secrets/configs by source, other lists
// (ports, expose, dns, cap_add...) are appended without duplicates.
#include "reconciler/load/tree.hpp"

namespace lit::reconciler::load {

// Rewrites a file's short forms that merge differently than they read
// (environment/labels lists -> mappings, networks/depends_on lists -> mappings,
// build/env_file/extends strings -> long forms), so that merging sees one shape.
void canonicalize_services(Node& root);
void canonicalize_service(Node& service, const std::string& path);

// Merges `over` onto `base`; `path` is base's key path ("" for a file's root,
// "services.web" for a service), which selects the list rules.
// `!reset` (in over) removes the key from base; `!override` replaces base's value.
void merge_into(Node& base, const Node& over, const std::string& path);

// Once every file and extends is merged: values still tagged `!reset` (in the
// first file, or below a key no earlier file had) are dropped, as compose
// does, and the other tags forgotten.
void strip_merge_tags(Node& n);

}  // namespace lit::reconciler::load
