#pragma once
// The supervisor's settings of a new container, from its request and the
// image's config (HEALTHCHECK, STOPSIGNAL), merged as docker merges them.
#include "runtime/image/store.hpp"
#include "runtime/lifecycle/control.hpp"
#include "runtime/spec/request.hpp"
#include "runtime/state/record.hpp"

namespace lit::runtime {

// Throws lit::Error on what depends on the image or combines settings: timings
// without any health check, --restart with --rm, --restart-on-unhealthy
// without a health check, an image's bad StopSignal.
LifecycleConfig build_lifecycle(const ContainerRequest& request, const image::ImageConfig& image);

}  // namespace lit::runtime
