// lit serve --dbus: io.lit.Manager1 on a private bus (a dbus-daemon of the
// test's own), driven by an sdbus-c++ proxy as a device's agent would.
#include <fcntl.h>
#include <sdbus-c++/sdbus-c++.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/integration/private_bus.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

using Options = std::map<std::string, sdbus::Variant>;
using ContainerRow = sdbus::Struct<std::string, std::string, std::string, std::string, int32_t>;
constexpr const char* kName = "io.lit.Manager1";
constexpr const char* kPath = "/io/lit/Manager1";
constexpr const char* kIface = "io.lit.Manager1";

constexpr const char* kCompose = R"(services:
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; echo hello from web; echo second line; while true; do sleep 1; done"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
  db:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
)";

// The members of io.lit.Manager1 in an introspection document: "method Up" ->
// its args' types and directions ("s in", "a{sv} in", "s out").
std::map<std::string, std::vector<std::string>> members(const std::string& xml) {
  std::map<std::string, std::vector<std::string>> out;
  auto start = xml.find("<interface name=\"io.lit.Manager1\">");
  if (start == std::string::npos) return out;
  std::string iface = xml.substr(start, xml.find("</interface>", start) - start);
  iface = std::regex_replace(iface, std::regex("<!--[\\s\\S]*?-->"), "");
  static const std::regex member("<(method|signal) name=\"([A-Za-z]+)\"\\s*(/?)>");
  static const std::regex arg("<arg\\b[^>]*>"), type("type=\"([^\"]+)\""),
      dir("direction=\"([a-z]+)\"");
  for (std::sregex_iterator m(iface.begin(), iface.end(), member), end; m != end; ++m) {
    const std::string kind = (*m)[1], key = kind + " " + (*m)[2].str();
    std::vector<std::string>& args = out[key];
    if ((*m)[3] == "/") continue;
    auto body_start = m->position() + m->length();
    auto body_end = iface.find("</" + kind + ">", body_start);
    std::string body = iface.substr(body_start, body_end - body_start);
    for (std::sregex_iterator a(body.begin(), body.end(), arg); a != end; ++a) {
      std::string text = a->str();
      std::smatch t, d;
      std::regex_search(text, t, type);
      std::string direction = kind == "signal" ? "out" : "in";
      if (std::regex_search(text, d, dir)) direction = d[1];
      args.push_back(t[1].str() + " " + direction);
    }
  }
  return out;
}

class DbusTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kCompose);
    // The bus is reached by other users too (the refused caller), so its
    // socket is in a directory everyone may enter; base_ itself is 0700.
    const fs::path bus_dir = base_ / "bus";
    fs::create_directories(bus_dir);
    fs::permissions(base_, fs::perms::others_exec | fs::perms::group_exec, fs::perm_options::add);
    // The repo's own policy for io.lit.Manager1, as installed on a device,
    // with its group ("lit") set to one that exists here: "users".
    std::ifstream policy_in(fs::path(LIT_SOURCE_DIR) / "app/dbus/io.lit.Manager1.conf");
    std::stringstream policy;
    policy << policy_in.rdbuf();
    std::string text = policy.str();
    auto at = text.find("group=\"lit\"");
    ASSERT_NE(at, std::string::npos) << "the policy names no group \"lit\"";
    text.replace(at, std::string_view("group=\"lit\"").size(), "group=\"users\"");
    std::ofstream(base_ / "lit-policy.conf") << text;
    // The repo's activation file, with the lit under test (and the test's
    // roots) in place of the installed one.
    std::ifstream activation_in(fs::path(LIT_SOURCE_DIR) / "app/dbus/io.lit.Manager1.service.in");
    std::stringstream activation;
    activation << activation_in.rdbuf();
    text = activation.str();
    const std::string installed = "@LIT_INSTALL_BINDIR@/lit";
    at = text.find(installed);
    ASSERT_NE(at, std::string::npos) << "the activation file runs no " << installed;
    text.replace(at, installed.size(),
                 std::string(LIT_BINARY) + " --root " + root_.string() + " --run-root " +
                     run_root_.string());
    fs::create_directories(base_ / "services");
    std::ofstream(base_ / "services/io.lit.Manager1.service") << text;
    bus_.emplace(bus_dir, "  <include>" + (base_ / "lit-policy.conf").string() +
                              "</include>\n  <servicedir>" + (base_ / "services").string() +
                              "</servicedir>\n");
    address_ = bus_->address();
    ASSERT_TRUE(bus_->ready()) << "no bus at " << bus_->socket();
    connection_ = sdbus::createSessionBusConnectionWithAddress(address_);
    connection_->enterEventLoopAsync();
    if (serve_first()) {
      serve_.emplace(std::vector<std::string>{LIT_BINARY, "--root", root_.string(), "--run-root",
                                              run_root_.string(), "serve", "--dbus", "--session"},
                     base_ / "serve.log",
                     std::vector<std::string>{"DBUS_SESSION_BUS_ADDRESS=" + address_});
      ASSERT_TRUE(eventually([&] { return has_owner(); }))
          << "io.lit.Manager1 never appeared: " << log("serve.log");
    }
    manager_ = sdbus::createProxy(*connection_, kName, kPath);
    manager_->uponSignal("ContainerStarted")
        .onInterface(kIface)
        .call([this](const std::string& p, const std::string& s, const std::string& c) {
          remember("started " + p + " " + s + " " + c);
        });
    manager_->uponSignal("ContainerExited")
        .onInterface(kIface)
        .call(
            [this](const std::string& p, const std::string& s, const std::string& c, int32_t code) {
              remember("exited " + p + " " + s + " " + c + " " + std::to_string(code));
            });
    manager_->uponSignal("HealthChanged")
        .onInterface(kIface)
        .call([this](const std::string& p, const std::string& c, const std::string& h) {
          remember("health " + p + " " + c + " " + h);
        });
    manager_->uponSignal("UpFinished")
        .onInterface(kIface)
        .call([this](const std::string& p, bool ok, const std::string& m) {
          remember("up " + p + " " + (ok ? "ok" : "failed") + " " + m);
        });
    manager_->finishRegistration();
  }

  // Whether SetUp starts `lit serve --dbus` itself (else a call activates it).
  virtual bool serve_first() const { return true; }

  bool has_owner() {
    auto bus = sdbus::createProxy(*connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bool has = false;
    bus->callMethod("NameHasOwner")
        .onInterface("org.freedesktop.DBus")
        .withArguments(std::string(kName))
        .storeResultsTo(has);
    return has;
  }

  void TearDown() override {
    manager_.reset();
    if (connection_) connection_->leaveEventLoop();
    connection_.reset();
    if (serve_) {
      EXPECT_EQ(serve_->stop(), 0) << log("serve.log");
    }
    if (bus_) bus_->stop();
    ProjectFixture::TearDown();
  }

  std::string log(const std::string& name) {
    std::ifstream in(base_ / name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  void remember(std::string line) {
    std::lock_guard lock(mutex_);
    signals_.push_back(std::move(line));
  }
  bool received(const std::string& line) {
    std::lock_guard lock(mutex_);
    return std::find(signals_.begin(), signals_.end(), line) != signals_.end();
  }
  std::string all_received() {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& s : signals_) out += s + "\n";
    return out;
  }

  std::string up(const Options& options) {
    std::string name;
    manager_->callMethod("Up")
        .onInterface(kIface)
        .withTimeout(120s)
        .withArguments(dir_.string(), options)
        .storeResultsTo(name);
    return name;
  }
  std::map<std::string, std::tuple<std::string, std::string, std::string, int32_t>> services(
      const std::string& project) {
    std::vector<ContainerRow> rows;
    manager_->callMethod("ListServices")
        .onInterface(kIface)
        .withArguments(project)
        .storeResultsTo(rows);
    std::map<std::string, std::tuple<std::string, std::string, std::string, int32_t>> out;
    for (const auto& r : rows) out[r.get<1>()] = {r.get<0>(), r.get<2>(), r.get<3>(), r.get<4>()};
    return out;
  }
  // The D-Bus error a call gives: "name: message", "" when it gives none.
  template <typename Call>
  std::string error_of(Call&& call) {
    try {
      call();
    } catch (const sdbus::Error& e) {
      return e.getName() + ": " + e.getMessage();
    }
    return "";
  }

  std::string address_;
  std::optional<PrivateBus> bus_;
  std::optional<Background> serve_;
  std::unique_ptr<sdbus::IConnection> connection_;
  std::unique_ptr<sdbus::IProxy> manager_;
  std::mutex mutex_;
  std::vector<std::string> signals_;
};

TEST_F(DbusTest, UpListKillLogsDown) {
  const std::string file = (dir_ / "compose.yaml").string();
  Options options{{"files", sdbus::Variant(std::vector<std::string>{file})},
                  {"wait", sdbus::Variant(true)},
                  {"timeout", sdbus::Variant(std::uint32_t{60})}};
  ASSERT_EQ(up(options), "shop") << log("serve.log");
  using Row = std::tuple<std::string, std::string, std::string, int32_t>;
  auto listed = services("shop");
  EXPECT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed["shop-web-1"], (Row{"web", "running", "healthy", 0}));
  EXPECT_EQ(listed["shop-db-1"], (Row{"db", "running", "healthy", 0}));
  EXPECT_TRUE(eventually([&] { return received("up shop ok "); })) << all_received();
  EXPECT_TRUE(received("started shop web shop-web-1")) << all_received();
  EXPECT_TRUE(received("started shop db shop-db-1")) << all_received();
  EXPECT_TRUE(received("health shop shop-web-1 healthy")) << all_received();

  std::vector<sdbus::Struct<std::string, std::string>> projects;
  manager_->callMethod("ListProjects").onInterface(kIface).storeResultsTo(projects);
  ASSERT_EQ(projects.size(), 1u);
  EXPECT_EQ(projects[0].get<0>(), "shop");
  EXPECT_EQ(projects[0].get<1>(), "running(2)");

  std::vector<std::string> lines;
  manager_->callMethod("Logs")
      .onInterface(kIface)
      .withArguments(std::string("shop"), std::string("web"), std::uint32_t{0})
      .storeResultsTo(lines);
  EXPECT_EQ(lines, (std::vector<std::string>{"hello from web", "second line"}));
  std::vector<std::string> last;  // (storeResultsTo appends)
  manager_->callMethod("Logs")
      .onInterface(kIface)
      .withArguments(std::string("shop"), std::string("web"), std::uint32_t{1})
      .storeResultsTo(last);
  EXPECT_EQ(last, (std::vector<std::string>{"second line"}));

  // A change the CLI makes is signalled too: the service reads lit's records.
  ASSERT_EQ(project({"kill", "web"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return received("exited shop web shop-web-1 137"); }))
      << all_received();
  EXPECT_EQ(std::get<1>(services("shop")["shop-web-1"]), "exited");
  EXPECT_EQ(std::get<3>(services("shop")["shop-web-1"]), 137);

  manager_->callMethod("Restart").onInterface(kIface).withTimeout(60s).withArguments(
      std::string("shop"), std::string("web"));
  EXPECT_EQ(std::get<1>(services("shop")["shop-web-1"]), "running");

  manager_->callMethod("Down").onInterface(kIface).withTimeout(60s).withArguments(
      std::string("shop"));
  EXPECT_EQ(error_of([&] { services("shop"); }), "io.lit.Error.NotFound: no such project: shop");
  EXPECT_TRUE(container_ids().empty());
}

TEST_F(DbusTest, ErrorsNameWhatIsWrong) {
  EXPECT_EQ(error_of([&] { services("nope"); }), "io.lit.Error.NotFound: no such project: nope");
  EXPECT_EQ(error_of([&] {
              manager_->callMethod("Logs").onInterface(kIface).withArguments(
                  std::string("nope"), std::string("web"), std::uint32_t{0});
            }),
            "io.lit.Error.NotFound: no such project: nope");
  EXPECT_EQ(error_of([&] {
              manager_->callMethod("Up").onInterface(kIface).withArguments(std::string("shop"),
                                                                           Options{});
            }),
            "io.lit.Error.InvalidArgument: Up: project directory \"shop\" is not an absolute path");
  EXPECT_EQ(error_of([&] {
              up({{"wait", sdbus::Variant(std::string("yes"))}});
            }),
            "io.lit.Error.InvalidArgument: Up: option \"wait\" must be of type b, not s");
  // Up of the project, then an unknown service of it.
  ASSERT_EQ(up({}), "shop") << log("serve.log");
  EXPECT_EQ(error_of([&] {
              manager_->callMethod("Restart").onInterface(kIface).withArguments(
                  std::string("shop"), std::string("cache"));
            }),
            "io.lit.Error.NotFound: no such service: cache in project shop");
  manager_->callMethod("Down").onInterface(kIface).withTimeout(60s).withArguments(
      std::string("shop"));
}

// Up's flags as options: only the services named (and their dependencies);
// one lit does not know is named in the error.
TEST_F(DbusTest, UpOfTheServicesNamed) {
  EXPECT_EQ(error_of([&] {
              up({{"services", sdbus::Variant(std::vector<std::string>{"cache"})}});
            }),
            "io.lit.Error.Failed: no such service: cache");
  EXPECT_TRUE(container_ids().empty());
  ASSERT_EQ(up({{"services", sdbus::Variant(std::vector<std::string>{"web"})},
                {"pull", sdbus::Variant(std::string("never"))}}),
            "shop")
      << log("serve.log");
  auto listed = services("shop");
  EXPECT_EQ(listed.size(), 1u);
  EXPECT_TRUE(listed.contains("shop-web-1"));
  manager_->callMethod("Down").onInterface(kIface).withTimeout(60s).withArguments(
      std::string("shop"));
  EXPECT_TRUE(container_ids().empty());
}

// The installed policy (app/dbus/io.lit.Manager1.conf) on the bus: a user who
// is neither root nor in the policy's group cannot call the service;
// a member of the group can.
TEST_F(DbusTest, PolicyRefusesOtherUsersButNotTheGroup) {
  auto as_nobody = [&](const std::vector<std::string>& groups, std::vector<std::string> call) {
    std::vector<std::string> argv{"setpriv", "--reuid=65534", "--regid=65534"};
    if (groups.empty()) {
      argv.emplace_back("--clear-groups");
    } else {
      std::string list;
      for (const auto& g : groups) list += (list.empty() ? "" : ",") + g;
      argv.push_back("--groups=" + list);
    }
    argv.insert(argv.end(), {"busctl", "--address=" + address_, "--timeout=20"});
    argv.insert(argv.end(), call.begin(), call.end());
    return run_process(argv);
  };
  const std::vector<std::string> list{"call", kName, kPath, kIface, "ListProjects"};

  auto refused = as_nobody({}, list);
  EXPECT_NE(refused.exit_code, 0) << refused;
  EXPECT_NE(refused.err.find("Access denied"), std::string::npos) << refused;
  auto up_refused =
      as_nobody({}, {"call", kName, kPath, kIface, "Up", "sa{sv}", dir_.string(), "0"});
  EXPECT_NE(up_refused.exit_code, 0) << up_refused;
  EXPECT_NE(up_refused.err.find("Access denied"), std::string::npos) << up_refused;
  EXPECT_TRUE(container_ids().empty()) << "a refused Up made containers";

  // gid 100 is "users", the group the test's copy of the policy allows.
  auto member = as_nobody({"100"}, list);
  EXPECT_EQ(member.exit_code, 0) << member;
  EXPECT_EQ(member.out, "a(ss) 0\n") << member;
}

TEST_F(DbusTest, IntrospectionMatchesTheInterfaceFile) {
  std::string xml;
  manager_->callMethod("Introspect")
      .onInterface("org.freedesktop.DBus.Introspectable")
      .storeResultsTo(xml);
  std::ifstream in(fs::path(LIT_SOURCE_DIR) / "app/dbus/io.lit.Manager1.xml");
  std::stringstream file;
  file << in.rdbuf();
  auto expected = members(file.str());
  EXPECT_EQ(expected.size(), 10u);
  EXPECT_EQ(members(xml), expected) << xml;
}

// Nothing serves the name until a call needs it: the bus starts lit by the
// repo's activation file (app/dbus/io.lit.Manager1.service.in), and lit
// serves on the bus that started it.
class DbusActivationTest : public DbusTest {
 protected:
  bool serve_first() const override { return false; }
};

TEST_F(DbusActivationTest, AFirstCallStartsTheService) {
  ASSERT_FALSE(has_owner());
  std::vector<sdbus::Struct<std::string, std::string>> projects;
  manager_->callMethod("ListProjects")
      .onInterface(kIface)
      .withTimeout(30s)
      .storeResultsTo(projects);
  EXPECT_TRUE(projects.empty());
  ASSERT_TRUE(has_owner()) << log("bus/bus.log");

  auto bus = sdbus::createProxy(*connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
  std::uint32_t pid = 0;
  bus->callMethod("GetConnectionUnixProcessID")
      .onInterface("org.freedesktop.DBus")
      .withArguments(std::string(kName))
      .storeResultsTo(pid);
  ASSERT_GT(pid, 1u);
  const fs::path proc = "/proc/" + std::to_string(pid);
  std::ifstream comm(proc / "comm");
  std::string name;
  std::getline(comm, name);
  EXPECT_EQ(name, "lit-dbus");
  // Ended by its pid, as the bus started it (its parent reaps it).
  ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGTERM), 0);
  EXPECT_TRUE(eventually([&] { return !fs::exists(proc); }, 30s));
  EXPECT_TRUE(eventually([&] { return !has_owner(); }, 10s));
}

// The systemd unit the activation file names, as systemd reads it, with the
// lit under test in place of the installed one.
TEST(DbusUnitTest, TheUnitIsValidAndKeepsTheContainersOnStop) {
  std::ifstream in(fs::path(LIT_SOURCE_DIR) / "app/dbus/lit-dbus.service.in");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const std::string installed = "@LIT_INSTALL_BINDIR@/lit";
  auto at = text.find(installed);
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, installed.size(), LIT_BINARY);
  EXPECT_NE(text.find("\nBusName=io.lit.Manager1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nKillMode=process\n"), std::string::npos) << text;
  char dir[] = "/tmp/lit-unit-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const fs::path unit = fs::path(dir) / "lit-dbus.service";
  std::ofstream(unit) << text;
  Result v = run_process({"systemd-analyze", "verify", "--man=no", unit.string()});
  EXPECT_EQ(v.exit_code, 0) << v;
  EXPECT_EQ(v.err, "") << v;  // what it ignores, it only warns about
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lit::test
