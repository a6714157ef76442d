#pragma once
// docker attach: the caller's stdin, stdout and stderr connected to a running
// detached container's main process, through the attach socket its
// supervisor serves (runtime/shim/attach_server.hpp). There is no daemon in
// between: lit talks to the container's lit-shim directly.
#include <string>
#include <vector>

#include "runtime/state/record.hpp"
#include "runtime/util/paths.hpp"

namespace lit::runtime {

struct AttachOptions {
  bool no_stdin = false;    // --no-stdin
  bool sig_proxy = true;    // --sig-proxy: signals to lit go to the container (not with a tty)
  std::string detach_keys;  // --detach-keys; empty: ctrl-p,ctrl-q
};

// Streams until the container exits, then returns its exit code (as docker
// attach does). With a tty, the detach keys leave it running: "read escape
// sequence" on stderr and 1, as docker. Throws when the container is not
// running (docker's messages) or its stdin would be a pipe into a tty.
int attach_container(const Paths& paths, const ContainerRecord& record, const AttachOptions& o);

// docker's --detach-keys: "ctrl-p,ctrl-q", "a", "ctrl-@" ... as bytes; empty
// when the text is not such a list.
std::vector<unsigned char> parse_detach_keys(const std::string& text);

}  // namespace lit::runtime
