#include "runtime/spec/namespaces.hpp"

#include "runtime/util/error.hpp"

namespace lit::runtime {

namespace {

const char* flag_of(NamespaceKind kind) {
  switch (kind) {
    case NamespaceKind::Pid:
      return "--pid: invalid PID mode";
    case NamespaceKind::Ipc:
      return "--ipc: invalid IPC mode";
    case NamespaceKind::Uts:
      break;
  }
  return "--uts: invalid UTS mode";
}

const char* accepted(NamespaceKind kind) {
  switch (kind) {
    case NamespaceKind::Pid:
      return "use host or container:NAME";
    case NamespaceKind::Ipc:
      return "use private, shareable, none, host or container:NAME";
    case NamespaceKind::Uts:
      break;
  }
  return "use host";
}

}  // namespace

const char* namespace_name(NamespaceKind kind) {
  switch (kind) {
    case NamespaceKind::Pid:
      return "pid";
    case NamespaceKind::Ipc:
      return "ipc";
    case NamespaceKind::Uts:
      break;
  }
  return "uts";
}

NamespaceShare parse_namespace_share(NamespaceKind kind, std::string_view text) {
  NamespaceShare s;
  if (text.empty() || text == "private") return s;
  if (text == "host") {
    s.mode = NamespaceMode::Host;
    return s;
  }
  if (kind == NamespaceKind::Ipc && (text == "shareable" || text == "none")) {
    s.mode = text == "none" ? NamespaceMode::None : NamespaceMode::Shareable;
    return s;
  }
  if (kind != NamespaceKind::Uts && text.starts_with("container:") && text.size() > 10) {
    s.mode = NamespaceMode::Container;
    s.container = std::string(text.substr(10));
    return s;
  }
  throw Error(std::string(flag_of(kind)) + " \"" + std::string(text) + "\"", {}, 0, accepted(kind));
}

std::string namespace_share_text(const NamespaceShare& share) {
  switch (share.mode) {
    case NamespaceMode::Private:
      return "private";
    case NamespaceMode::Shareable:
      return "shareable";
    case NamespaceMode::Host:
      return "host";
    case NamespaceMode::None:
      return "none";
    case NamespaceMode::Container:
      break;
  }
  return "container:" + share.container;
}

void check_userns_combination(bool userns, NetworkMode network, const NamespaceShare& pid,
                              const NamespaceShare& ipc, bool image_mounts) {
  if (!userns) return;
  // The container's init, in its own user namespace, may mount proc, mqueue
  // and sysfs only for namespaces that namespace owns.
  auto refuse = [](const std::string& other) {
    throw Error("conflicting options: --userns auto and " + other, {}, 0,
                "drop one of them (a container with its own user namespace cannot join that)");
  };
  if (network == NetworkMode::Container) refuse("--network container:NAME");
  if (pid.mode == NamespaceMode::Host || pid.mode == NamespaceMode::Container)
    refuse("--pid " + namespace_share_text(pid));
  if (ipc.mode == NamespaceMode::Host || ipc.mode == NamespaceMode::Container)
    refuse("--ipc " + namespace_share_text(ipc));
  if (image_mounts) refuse("an image volume");
}

}  // namespace lit::runtime
