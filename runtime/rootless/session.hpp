#pragma once
// Rootless lit: a user without root runs lit inside a user namespace of their
// own ("the session"), held by one small process, lit-pause, with the user's
// uid mapped to root and their /etc/subuid range to 1..N. The session has its
// own mount namespace (overlay mounts of the user's containers live there) and
// its own network namespace (bridges, lit's nftables table and lit-dns live
// there, as they do in the host's for root), joined to the host through pasta
// (or slirp4netns). Published ports are bound on the host by the container's
// supervisor and carried into the session's network namespace (a user-space
// proxy, runtime/shim/port_proxy.hpp).
//
// Every lit command a user runs joins the session first (enter(); it makes the
// session when there is none); the processes lit starts inherit it and know it
// from the environment (kSessionEnv).
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "runtime/util/fs.hpp"
#include "runtime/util/paths.hpp"

namespace lit::rootless {

// Set by enter() for the processes lit starts: lit-pause's pid.
inline constexpr const char* kSessionEnv = "_LIT_ROOTLESS_SESSION";

// True when this process runs in a rootless session (joined by enter() here or
// by the lit that started it).
bool active();

// The session's network namespace (opened on first use; -1 when not rootless).
// Network namespaces are per thread: see network/home_netns.hpp.
int netns_fd();

// lit-pause's pid (0 when not rootless).
pid_t pause_pid();

// A user's default state directories: $XDG_DATA_HOME/lit (~/.local/share/lit)
// and $XDG_RUNTIME_DIR/lit (/tmp/lit-run-UID when that is unset).
struct UserDirs {
  std::filesystem::path root, run_root;
};
UserDirs user_dirs();

// Joins the calling user's session, making it when there is none (lit-pause,
// its namespaces and their connection to the host); nothing as root, or when
// this process is in the session already. Must run while the process has one
// thread (the start of main). Keeps a shared lock on the session while the
// process lives, so the session is not ended under it.
// The processes lit starts find `paths` in LIT_ROOT and LIT_RUN_ROOT. With
// argv, a process that had to join runs lit again with it (so never returns).
void enter(const Paths& paths, char** argv = nullptr);

// Ends the session (lit-pause, pasta or slirp4netns) when nothing of the user's
// needs it: no container and no network record under root, and no other lit
// process in it. Call at the end of a command; never throws.
void end_if_idle(const std::filesystem::path& root, const std::filesystem::path& run_root) noexcept;

}  // namespace lit::rootless
