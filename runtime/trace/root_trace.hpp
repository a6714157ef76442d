#pragma once
// File-access tracing of one container's root (`lit optimize image`): which
// files of its image its processes open or execute, from its first exec on.
//
// fanotify sees an overlay's files only on the overlay mount itself (a mark
// on the layers' filesystem sees nothing: overlayfs opens the real files
// with FMODE_NONOTIFY), and that mount exists only inside the container's
// mount namespace, from just before its exec. So the container's init marks
// it: a tracer listens on `trace.sock` in the container's directory (its
// bundle) before the start; an init that finds the socket there connects to
// it before it builds its root, and once in its root (pivot_root done, before
// the exec) makes a fanotify group, marks the root mount ("/") for opens and
// executions, and hands the group's fd to the tracer over the socket. Nothing
// opened after the pivot escapes, and no race with the exec. Events come
// only from that mount: lit's own /proc, /dev, /etc/hosts and volumes are
// other mounts; the paths are the container's own ("/bin/busybox"), as the
// kernel names the file from the mount namespace the tracer cannot reach.
//
// Root only (fanotify mount marks need CAP_SYS_ADMIN in the initial user
// namespace): a container with its own user namespace cannot be traced.
#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include "runtime/util/fs.hpp"

namespace lit::runtime {

inline constexpr const char* kTraceSocketName = "trace.sock";

// ---- the init's side (runtime/process/init.cpp) ----

// Connected to the tracer when one listens in `bundle`; an empty fd otherwise
// (no socket, or its tracer is gone: the container runs untraced).
UniqueFd connect_to_tracer(const std::filesystem::path& bundle) noexcept;

// In the container's root, before its exec: marks "/" and hands the group to
// the tracer. Throws lit::Error (the start fails) when it cannot.
void hand_over_root_mark(int tracer);

// ---- the tracer's side ----

class RootTrace {
 public:
  // Listens in `bundle` (the created container's directory) until destroyed.
  explicit RootTrace(const std::filesystem::path& bundle);
  RootTrace(const RootTrace&) = delete;
  RootTrace& operator=(const RootTrace&) = delete;
  ~RootTrace();

  // Takes the group from the container's init, which sends it before its
  // exec (so once the container runs it is there); throws when none came
  // within `bound`.
  void receive_group(std::chrono::milliseconds bound);
  // Reads every event queued so far; the files' paths in the container.
  void drain();
  const std::set<std::string>& paths() const { return paths_; }

 private:
  std::filesystem::path socket_path_;
  UniqueFd listener_, group_;
  std::set<std::string> paths_;
};

}  // namespace lit::runtime
