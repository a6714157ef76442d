// The systemd driver without systemd: the unit's properties built from lit's
// Limits, and what the driver asks a fake systemd for (and when), over a fake
// cgroup2 tree in a temporary directory.
#include <gtest/gtest.h>

#include <map>

#include "runtime/cgroups/drivers.hpp"
#include "runtime/cgroups/systemd_bus.hpp"
#include "runtime/cgroups/systemd_unit.hpp"
#include "runtime/util/error.hpp"
#include "tests/unit/runtime/cgroups/fake_tree.hpp"

namespace lit::cgroups {
namespace {

using testing::FakeTree;
namespace fs = std::filesystem;

const std::string kId = "c0ffee";

std::map<std::string, UnitProperty::Value> by_name(const std::vector<UnitProperty>& props) {
  std::map<std::string, UnitProperty::Value> out;
  for (const auto& p : props) out[p.name] = p.value;
  return out;
}

TEST(SystemdUnit, NamesTheScopeAfterTheContainer) {
  EXPECT_EQ(scope_unit_name(kId), "lit-c0ffee.scope");
  EXPECT_EQ(scope_unit_id("lit-c0ffee.scope"), kId);
  EXPECT_EQ(scope_unit_id("lit-.scope"), std::nullopt);
  EXPECT_EQ(scope_unit_id("docker-c0ffee.scope"), std::nullopt);
  EXPECT_EQ(scope_unit_id("lit-c0ffee.service"), std::nullopt);
  EXPECT_EQ(scope_dir("/sys/fs/cgroup", kId), "/sys/fs/cgroup/lit.slice/lit-c0ffee.scope");
  EXPECT_THROW(scope_unit_name("../x"), Error);
}

TEST(SystemdUnit, NoLimitsNoLimitProperties) { EXPECT_TRUE(limit_properties({}).empty()); }

TEST(SystemdUnit, LimitsBecomeSystemdProperties) {
  Limits l;
  l.memory_bytes = 64 << 20;
  l.cpus = 1.5;
  l.pids = 100;
  l.devices = std::vector<DeviceRule>{};  // lit's own filter, not a property
  EXPECT_EQ(limit_properties(l),
            (std::vector<UnitProperty>{{"MemoryMax", std::uint64_t{64 << 20}},
                                       {"MemorySwapMax", std::uint64_t{0}},
                                       {"CPUQuotaPerSecUSec", std::uint64_t{1500000}},
                                       {"CPUQuotaPeriodUSec", std::uint64_t{100000}},
                                       {"TasksMax", std::uint64_t{100}}}));
}

TEST(SystemdUnit, CpuQuotaRoundsUpToWholePercents) {
  Limits l;
  l.cpus = 0.255;  // 25.5% of a CPU: systemd keeps whole percents, so 26%
  EXPECT_EQ(std::get<std::uint64_t>(by_name(limit_properties(l)).at("CPUQuotaPerSecUSec")),
            260000u);
  l.cpus = 0.001;  // under the kernel's 1ms quota
  EXPECT_THROW(limit_properties(l), Error);
}

TEST(SystemdUnit, ScopeIsDelegatedInLitSlice) {
  Limits l;
  l.pids = 7;
  auto p = by_name(scope_properties(kId, l));
  EXPECT_EQ(std::get<std::string>(p.at("Slice")), "lit.slice");
  EXPECT_EQ(std::get<bool>(p.at("Delegate")), true);
  EXPECT_EQ(std::get<bool>(p.at("DefaultDependencies")), false);
  EXPECT_EQ(std::get<std::string>(p.at("CollectMode")), "inactive-or-failed");
  EXPECT_EQ(std::get<std::string>(p.at("Description")), "lit container c0ffee");
  EXPECT_EQ(std::get<std::uint64_t>(p.at("TasksMax")), 7u);
  EXPECT_FALSE(p.contains("MemoryMax"));
  EXPECT_FALSE(p.contains("PIDs"));  // the bus adds the init's
}

TEST(SystemdUnit, ManagerKindText) {
  EXPECT_EQ(manager_kind_name(ManagerKind::Systemd), "systemd");
  EXPECT_EQ(manager_kind_name(ManagerKind::Cgroupfs), "cgroupfs");
  EXPECT_EQ(parse_manager_kind("systemd"), ManagerKind::Systemd);
  EXPECT_EQ(parse_manager_kind("cgroupfs"), ManagerKind::Cgroupfs);
  EXPECT_EQ(parse_manager_kind("auto"), std::nullopt);
}

// Does what systemd does with the scope's directory, and notes every call.
struct FakeSystemd {
  fs::path root;
  std::vector<std::string> calls;
  std::vector<UnitProperty> started_with;
  std::string refuse;      // start_scope throws this, nothing made
  bool job_fails = false;  // start_scope makes the unit, then its job fails
};

class FakeBus final : public SystemdBus {
 public:
  explicit FakeBus(FakeSystemd& s) : s_(s) {}
  void start_scope(const std::string& unit, pid_t pid,
                   const std::vector<UnitProperty>& properties) override {
    s_.calls.push_back("start " + unit + " " + std::to_string(pid));
    if (!s_.refuse.empty()) throw ScopeStartError(s_.refuse, false);
    s_.started_with = properties;
    fs::create_directories(s_.root / "lit.slice" / unit);
    if (s_.job_fails) throw ScopeStartError("job failed", true);
  }
  bool stop_unit(const std::string& unit) override {
    s_.calls.push_back("stop " + unit);
    std::error_code ec;
    return fs::remove(s_.root / "lit.slice" / unit, ec);
  }
  void set_properties(const std::string& unit, const std::vector<UnitProperty>& p) override {
    s_.calls.push_back("set " + unit + " " + std::to_string(p.size()));
  }

 private:
  FakeSystemd& s_;
};

struct SystemdFake {
  FakeTree t;
  FakeSystemd systemd;
  std::unique_ptr<Manager> manager;
  SystemdFake() {
    fs::create_directories(t.root());
    systemd.root = t.root();
    manager = make_systemd_manager(t.root(), [this] { return std::make_unique<FakeBus>(systemd); });
  }
  fs::path dir() const { return t.root() / "lit.slice" / ("lit-" + kId + ".scope"); }
};

TEST(SystemdDriver, StartsTheScopeWithTheInitAndItsLimits) {
  SystemdFake f;
  EXPECT_EQ(f.manager->kind(), ManagerKind::Systemd);
  auto cg = f.manager->create(kId);
  Limits l;
  l.memory_bytes = 1 << 20;
  cg->apply(l);
  cg->join_self();  // the init's: a no-op, its parent starts the scope with it
  EXPECT_TRUE(f.systemd.calls.empty());
  EXPECT_FALSE(fs::exists(f.dir()));
  cg->start_with(4242);
  EXPECT_EQ(f.systemd.calls, std::vector<std::string>{"start lit-c0ffee.scope 4242"});
  EXPECT_EQ(std::get<std::uint64_t>(by_name(f.systemd.started_with).at("MemoryMax")), 1u << 20);
  EXPECT_EQ(cg->paths(), std::vector<fs::path>{f.dir()});
  EXPECT_EQ(f.manager->list(), std::vector<std::string>{kId});
  // A running container's new limits go to systemd, which owns the scope's knobs.
  cg->apply(l);
  EXPECT_EQ(f.systemd.calls.back(), "set lit-c0ffee.scope 2");
  cg->destroy();
  EXPECT_EQ(f.systemd.calls.back(), "stop lit-c0ffee.scope");
  EXPECT_FALSE(fs::exists(f.dir()));
  EXPECT_TRUE(f.manager->list().empty());
}

TEST(SystemdDriver, NotStartedOrGoneIsNothingToStop) {
  SystemdFake f;
  f.manager->create(kId)->destroy();  // a start that failed before the clone
  f.manager->open(kId)->destroy();    // stopped and collected already
  EXPECT_TRUE(f.systemd.calls.empty());
}

TEST(SystemdDriver, RefusedStartStopsNothing) {
  SystemdFake f;
  f.systemd.refuse = "org.freedesktop.systemd1.UnitExists: Unit lit-c0ffee.scope already exists.";
  auto cg = f.manager->create(kId);
  EXPECT_THROW(cg->start_with(1), Error);
  cg->destroy();  // as the start's guard does: the unit is not ours
  EXPECT_EQ(f.systemd.calls, std::vector<std::string>{"start lit-c0ffee.scope 1"});
}

TEST(SystemdDriver, FailedJobStopsWhatSystemdMade) {
  SystemdFake f;
  f.systemd.job_fails = true;
  auto cg = f.manager->create(kId);
  EXPECT_THROW(cg->start_with(1), Error);
  EXPECT_EQ(f.systemd.calls,
            (std::vector<std::string>{"start lit-c0ffee.scope 1", "stop lit-c0ffee.scope"}));
  EXPECT_FALSE(fs::exists(f.dir()));
}

}  // namespace
}  // namespace lit::cgroups
