// The driver of a rootless session whose user has no delegated cgroup (a v1
// host, or v2 without systemd's delegation): containers run without a cgroup
// of their own, as podman's do there. Their limits are not applied, which lit
// says once per container; stopping relies on the pid namespace (killing a
// container's init ends the rest), and pause says what it lacks.
#include "runtime/cgroups/drivers.hpp"
#include "runtime/util/error.hpp"

namespace lit::cgroups {
namespace {

class NoCgroup final : public Cgroup {
 public:
  NoCgroup(std::string id, std::string why) : id_(std::move(id)), why_(std::move(why)) {}

  void apply(const Limits&) override {}  // create_container warned the user
  void add_process(pid_t) override {}
  void join_self() override {}
  std::vector<pid_t> processes() const override { return {}; }
  std::uint64_t oom_kills() const override { return 0; }
  Stats stats() const override { return {}; }
  void destroy() override {}
  std::vector<std::filesystem::path> paths() const override { return {}; }
  std::filesystem::path memory_dir() const override { return {}; }
  void freeze(bool) override {
    throw Error("pause container " + id_.substr(0, 12) + ": it has no cgroup (" + why_ + ")")
        .with_hint("delegate cgroup v2 controllers to this user (systemd's user@.service does)");
  }

 private:
  std::string id_, why_;
};

class NoManager final : public Manager {
 public:
  explicit NoManager(std::string why) : why_(std::move(why)) {}
  std::string driver() const override { return "none"; }
  std::string why_none() const override { return why_; }
  std::unique_ptr<Cgroup> create(const std::string& id) override { return open(id); }
  std::unique_ptr<Cgroup> open(const std::string& id) override {
    return std::make_unique<NoCgroup>(id, why_);
  }
  std::vector<std::string> list() const override { return {}; }

 private:
  std::string why_;
};

}  // namespace

std::unique_ptr<Manager> make_none_manager(const std::string& why) {
  return std::make_unique<NoManager>(why);
}

}  // namespace lit::cgroups
