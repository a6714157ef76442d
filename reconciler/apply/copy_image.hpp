#pragma once
// The shorthand's filesystem.copy: the service runs a derived image, its base
// plus one layer of the copied host files, tagged <project>-<service>:lit-copy.
// The layer's diff id (the sha256 of a deterministic tar) enters the service's
// config hash, so an edited file recreates the service and an unchanged tree
// plans nothing; computing it stores nothing (lit up --dry-run).
#include <string>

#include "reconciler/model.hpp"
#include "runtime/util/paths.hpp"

namespace lit::reconciler {

// "<project>-<service>:lit-copy", lowercased: a valid docker reference.
std::string copy_image_reference(const Project& project, const Service& s);

// The diff id of the service's copy layer; throws lit::Error naming the
// service and the source when a source is missing.
std::string copy_layer_diff_id(const Paths& paths, const Service& s);

// Makes (or finds, by content) the derived image and tags it; returns the
// reference to run.
std::string ensure_copy_image(const Paths& paths, const Project& project, const Service& s);

}  // namespace lit::reconciler
