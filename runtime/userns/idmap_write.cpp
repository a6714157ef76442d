#include "runtime/userns/idmap_write.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"

extern char** environ;

namespace lit::runtime {
namespace {

void write_direct(pid_t pid, const char* which, const IdMapping& m) {
  const fs::path file = "/proc/" + std::to_string(pid) + "/" + which;
  try {
    write_file(file, id_map_line(m));
  } catch (Error& e) {
    throw e.context("write the user namespace's " + std::string(which));
  }
}

std::string maps_text(const std::vector<IdMapping>& maps) {
  std::string text;
  for (const auto& m : maps)
    text += (text.empty() ? "" : ", ") + id_map_line(m).substr(0, id_map_line(m).size() - 1);
  return text;
}

// newuidmap PID CONTAINER HOST SIZE [CONTAINER HOST SIZE...] (newgidmap alike).
void run_helper(const char* helper, pid_t pid, const std::vector<IdMapping>& maps) {
  std::vector<std::string> args{helper, std::to_string(pid)};
  for (const auto& m : maps) {
    args.push_back(std::to_string(m.container));
    args.push_back(std::to_string(m.host));
    args.push_back(std::to_string(m.size));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = -1;
  int rc = ::posix_spawnp(&child, helper, nullptr, nullptr, argv.data(), environ);
  if (rc != 0) throw Error::sys("run", helper, rc).with_hint("install Debian's uidmap package");
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(std::string(helper) + " refused the map " + maps_text(maps), std::to_string(pid), 0,
                "check this user's ranges in /etc/subuid and /etc/subgid");
}

}  // namespace

IdMapWriter default_id_map_writer() {
  return ::geteuid() == 0 ? IdMapWriter::Direct : IdMapWriter::Helpers;
}

void write_id_maps(pid_t pid, const UserNamespace& ns, IdMapWriter how) {
  if (how == IdMapWriter::Direct) {
    write_direct(pid, "uid_map", ns.uid);
    write_direct(pid, "gid_map", ns.gid);
    return;
  }
  run_helper("newuidmap", pid, {ns.uid});
  run_helper("newgidmap", pid, {ns.gid});
}

void write_id_maps_with_helpers(pid_t pid, const std::vector<IdMapping>& uid,
                                const std::vector<IdMapping>& gid) {
  run_helper("newuidmap", pid, uid);
  run_helper("newgidmap", pid, gid);
}

}  // namespace lit::runtime
