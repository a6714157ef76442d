// A service's pid, ipc and uts namespaces and its volumes_from, end to end, as
// docker compose runs them: `pid: service:db` puts web's processes in db's PID
// namespace (web's PID 1 is db's command), `pid: host` sees the host's
// processes, `ipc: service:db` shares a shareable donor's IPC namespace (a
// POSIX message queue made in one is listed in the other) and its /dev/shm,
// and is refused for a private one, `ipc: none` has no /dev/shm, `uts: host` has the host's name,
// and volumes_from mounts another service's volume at the same path, read-only with :ro. `down`
// leaves nothing (the fixture's leak check).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/expect.hpp"
#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

class NamespacesTest : public ProjectFixture {
 protected:
  Result exec(const std::string& container, const std::string& command) {
    return lit({"container", "exec", container, "sh", "-c", command});
  }

  std::string ns_of(const std::string& container, const std::string& ns) {
    Result r = exec(container, "readlink /proc/self/ns/" + ns);
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.out;
  }
};

std::string own_ns(const std::string& ns) {
  char buf[128] = {};
  ssize_t n = ::readlink(("/proc/self/ns/" + ns).c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) + "\n" : "";
}

TEST_F(NamespacesTest, PidServiceJoinsTheTargetsPidNamespace) {
  write(R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    environment:
      COLOR: ${COLOR:-blue}
    stop_grace_period: 1s
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "601"]
    pid: service:db
    stop_grace_period: 1s
)");
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  // web's PID 1 is db's command; both see each other's processes.
  EXPECT_EQ(exec("shop-web-1", "tr '\\0' ' ' < /proc/1/cmdline").out, "sleep 600 ");
  Result ps = exec("shop-web-1", "ps");
  EXPECT_TRUE(contains_line_with(ps.out, {"sleep 600"})) << ps;
  EXPECT_TRUE(contains_line_with(ps.out, {"sleep 601"})) << ps;
  ps = exec("shop-db-1", "ps");
  EXPECT_TRUE(contains_line_with(ps.out, {"sleep 601"})) << ps;
  EXPECT_EQ(ns_of("shop-web-1", "pid"), ns_of("shop-db-1", "pid"));
  EXPECT_NE(ns_of("shop-web-1", "pid"), own_ns("pid"));
  // Other namespaces stay web's own.
  EXPECT_NE(ns_of("shop-web-1", "ipc"), ns_of("shop-db-1", "ipc"));

  Result config = project({"config"});
  EXPECT_TRUE(contains_line_with(config.out, {"    pid: service:db"})) << config;

  // db recreated takes its namespace along: web is recreated into the new one.
  Result dry = project({"up", "--dry-run"}, {"COLOR=red"});
  EXPECT_TRUE(contains_line_with(dry.out, {"recreate container shop-db-1"})) << dry;
  EXPECT_TRUE(contains_line_with(dry.out, {"recreate container shop-web-1"})) << dry;
  ASSERT_EQ(project({"up", "-d"}, {"COLOR=red"}).exit_code, 0);
  EXPECT_EQ(exec("shop-web-1", "tr '\\0' ' ' < /proc/1/cmdline").out, "sleep 600 ");
  EXPECT_EQ(ns_of("shop-web-1", "pid"), ns_of("shop-db-1", "pid"));
  EXPECT_EQ(project({"up", "--dry-run"}, {"COLOR=red"}).out, "nothing to do\n");
}

TEST_F(NamespacesTest, PidHostSeesTheHostsProcesses) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::execlp("sleep", "sleep", "300", nullptr);
    ::_exit(127);
  }
  const std::string pid = std::to_string(child);
  write(R"(name: shop
services:
  tool:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    pid: host
    stop_grace_period: 1s
)");
  Result r = project({"up", "-d"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(exec("shop-tool-1", "tr '\\0' ' ' < /proc/" + pid + "/cmdline").out, "sleep 300 ");
  EXPECT_EQ(ns_of("shop-tool-1", "pid"), own_ns("pid"));
  // The CLI's --pid host too.
  Result run_host = run({"--rm", "--pid", "host", kTestImage, "cat", "/proc/" + pid + "/comm"});
  EXPECT_EQ(run_host.out, "sleep\n") << run_host;
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

TEST_F(NamespacesTest, IpcServiceSharesAShareableDonorsNamespace) {
  write(R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    ipc: shareable
    stop_grace_period: 1s
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    ipc: service:db
    stop_grace_period: 1s
  alone:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    stop_grace_period: 1s
)");
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ns_of("shop-web-1", "ipc"), ns_of("shop-db-1", "ipc"));
  EXPECT_NE(ns_of("shop-alone-1", "ipc"), ns_of("shop-db-1", "ipc"));
  EXPECT_NE(ns_of("shop-db-1", "ipc"), own_ns("ipc"));
  // A POSIX message queue made in db is web's too, not alone's.
  ASSERT_EQ(exec("shop-db-1", "touch /dev/mqueue/orders").exit_code, 0);
  EXPECT_EQ(exec("shop-web-1", "ls /dev/mqueue").out, "orders\n");
  EXPECT_EQ(exec("shop-alone-1", "ls /dev/mqueue").out, "");
  // /dev/shm is shared as docker shares it: a file written in one is read in
  // the other, both ways; alone's is its own.
  ASSERT_EQ(exec("shop-db-1", "echo from-db > /dev/shm/note").exit_code, 0);
  EXPECT_EQ(exec("shop-web-1", "cat /dev/shm/note").out, "from-db\n");
  ASSERT_EQ(exec("shop-web-1", "echo from-web > /dev/shm/reply").exit_code, 0);
  EXPECT_EQ(exec("shop-db-1", "cat /dev/shm/reply").out, "from-web\n");
  EXPECT_EQ(exec("shop-alone-1", "ls /dev/shm").out, "");
  // The CLI's --ipc container:NAME too.
  r = run({"--rm", "--ipc", "container:shop-db-1", kTestImage, "cat", "/dev/shm/note"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "from-db\n") << r;

  // As docker: joining a private (the default) container's IPC is refused.
  r = run({"--rm", "--ipc", "container:shop-alone-1", kTestImage, "true"});
  expect_lit_error(r, "container shop-alone-1: non-shareable IPC");
  r = run({"--rm", "--ipc", "host", kTestImage, "readlink", "/proc/self/ns/ipc"});
  EXPECT_EQ(r.out, own_ns("ipc")) << r;
}

// ipc: none (docker's --ipc none): an IPC namespace of its own and no /dev/shm.
TEST_F(NamespacesTest, IpcNoneIsPrivateWithoutDevShm) {
  write(R"(name: shop
services:
  quiet:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    ipc: none
    stop_grace_period: 1s
)");
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(ns_of("shop-quiet-1", "ipc"), own_ns("ipc"));
  EXPECT_EQ(exec("shop-quiet-1", "test -e /dev/shm && echo there || echo absent").out, "absent\n");
  EXPECT_EQ(exec("shop-quiet-1", "ls /dev/mqueue && echo mqueue").out, "mqueue\n");
  // Kept in the record: a restart has none either.
  ASSERT_EQ(project({"restart"}).exit_code, 0);
  EXPECT_EQ(exec("shop-quiet-1", "test -e /dev/shm && echo there || echo absent").out, "absent\n");

  r = run({"--rm", "--ipc", "none", kTestImage, "sh", "-c",
           "test -e /dev/shm && echo there || echo absent"});
  EXPECT_EQ(r.out, "absent\n") << r;
  // As docker: a container without shareable IPC cannot be joined.
  r = run({"--rm", "--ipc", "container:shop-quiet-1", kTestImage, "true"});
  expect_lit_error(r, "container shop-quiet-1: non-shareable IPC");
}

TEST_F(NamespacesTest, UtsHostHasTheHostsName) {
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  const std::string valid = R"(name: shop
services:
  tool:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    uts: host
    stop_grace_period: 1s
)";
  write(valid);
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(exec("shop-tool-1", "hostname").out, std::string(host) + "\n");
  EXPECT_EQ(ns_of("shop-tool-1", "uts"), own_ns("uts"));
  // docker's rule and words: the host's name cannot be set.
  r = run({"--rm", "--uts", "host", "--hostname", "other", kTestImage, "true"});
  expect_lit_error(r, "conflicting options: hostname and the UTS mode");
  write(R"(name: shop
services:
  tool:
    image: localhost/lit-test:latest
    uts: host
    hostname: other
)");
  r = project({"config"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("compose.yaml:6:15: services.tool.hostname: conflicting options: hostname "
                       "and the UTS mode (uts: host)"),
            std::string::npos)
      << r;
  write(valid);  // for the fixture's down
}

TEST_F(NamespacesTest, VolumesFromMountsAnotherServicesVolumes) {
  write(R"(name: shop
services:
  db:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "echo hello > /data/greeting && exec sleep 600"]
    volumes: ["data:/data"]
    stop_grace_period: 1s
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    volumes_from: [db]
    stop_grace_period: 1s
  reader:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
    volumes_from: ["db:ro"]
    stop_grace_period: 1s
volumes:
  data: {}
)");
  Result r = project({"up", "-d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::string greeting;
  eventually([&] {
    greeting = exec("shop-web-1", "cat /data/greeting").out;
    return greeting == "hello\n";
  });
  EXPECT_EQ(greeting, "hello\n");
  // web writes, db reads: one volume.
  ASSERT_EQ(exec("shop-web-1", "echo from-web > /data/note").exit_code, 0);
  EXPECT_EQ(exec("shop-db-1", "cat /data/note").out, "from-web\n");
  // :ro: readable, not writable.
  EXPECT_EQ(exec("shop-reader-1", "cat /data/note").out, "from-web\n");
  Result w = exec("shop-reader-1", "echo x > /data/other");
  EXPECT_NE(w.exit_code, 0) << w;
  EXPECT_NE(w.err.find("Read-only file system"), std::string::npos) << w;
  // The CLI's --volumes-from, by container name.
  Result c = run({"--rm", "--volumes-from", "shop-db-1:ro", kTestImage, "cat", "/data/note"});
  EXPECT_EQ(c.out, "from-web\n") << c;
  Result config = project({"config"});
  EXPECT_TRUE(contains_line_with(config.out, {"      - db:ro"})) << config;
}

}  // namespace
}  // namespace lit::test
