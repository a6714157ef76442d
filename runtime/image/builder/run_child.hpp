#pragma once
// A RUN's container started from a forked child: when stages build in
// parallel the builder has several threads, and the runtime clones its init
// fork-style from a single-threaded caller (runtime/process/run.hpp). The
// child's stdout and stderr (the container's) come back line by line.
#include <functional>
#include <string>

#include "runtime/process/run.hpp"

namespace lit::image::builder {

// run_foreground(spec, hooks) in a child process; each output line (without
// its newline) goes to `line`. Throws the child's StartError as one.
runtime::ExitStatus run_in_child(const runtime::ContainerSpec& spec, const runtime::RunHooks& hooks,
                                 const std::function<void(const std::string&)>& line);

}  // namespace lit::image::builder
