#pragma once
// --init: lit-init (runtime/init/bin) runs as the container's PID 1. It is
// bind-mounted read-only at /dev/init, inside the container's own /dev tmpfs,
// so it works on any image and leaves no file in the container's writable layer.
#include <filesystem>
#include <string>

#include "runtime/spec/spec.hpp"

namespace lit::runtime {

inline constexpr const char* kInitPath = "/dev/init";

// lit-init's host path, next to lit's own executable; throws naming it when missing.
std::filesystem::path lit_init_binary();

// In the container's init before pivot_root: binds lit-init at kInitPath
// beneath the new root (whose /dev is already set up). source: where lit-init
// is reached (empty: lit_init_binary()).
void mount_init_binary(int root_fd, const std::string& source = {});

// The process as lit-init runs it: [kInitPath, "--", args...].
ProcessSpec under_init(ProcessSpec process);

}  // namespace lit::runtime
