#pragma once
// The supervisor's settings of a new container, from `run` flags and the
// image's config (HEALTHCHECK, STOPSIGNAL), merged as docker merges them.
#include "runtime/spec/create.hpp"
#include "runtime/state/record.hpp"
#include "runtime/image/store.hpp"

namespace lit::runtime {

// Throws lit::Error naming the flag on a bad value: --restart, --log-opt,
// --health-*, --stop-signal, --stop-timeout, and --rm with a restart policy.
LifecycleConfig build_lifecycle(const CreateFlags& flags, const image::ImageConfig& image);

}  // namespace lit::runtime
