#pragma once
// Fixture for tests that pull from a real registry: Debian's docker-registry
// on 127.0.0.1 in the test's network namespace (plain, or behind htpasswd
// basic auth), seeded by skopeo with the busybox fixture; the servers a test
// starts are stopped at its end.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

extern char** environ;

namespace lit::test {

inline RunOptions slow() {
  RunOptions o;
  o.timeout = 120s;
  return o;
}

inline int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

inline bool accepts(int port, const std::string& address = "127.0.0.1") {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class LocalRegistryTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped()) return;
    for (const char* tool : {"/usr/bin/docker-registry", "/usr/bin/skopeo", "/usr/bin/htpasswd"})
      if (!fs::exists(tool)) GTEST_SKIP() << tool << " is not installed (scripts/setup.sh)";
  }
  void TearDown() override {
    for (pid_t pid : servers_) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
    LitTest::TearDown();
  }

  pid_t spawn(const std::vector<std::string>& argv, const fs::path& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    EXPECT_EQ(rc, 0) << "spawn " << argv[0];
    servers_.push_back(pid);
    return pid;
  }

  // docker-registry on a free port; `htpasswd` adds basic auth with user/secret.
  std::string start_registry(bool htpasswd = false, const std::string& address = "127.0.0.1") {
    port_ = free_port();
    fs::path dir = base_ / ("registry-" + std::to_string(port_));
    fs::create_directories(dir / "storage");
    std::string config =
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
        "    rootdirectory: " +
        (dir / "storage").string() + "\nhttp:\n  addr: " + address + ":" + std::to_string(port_) +
        "\n";
    if (htpasswd) {
      Result h = run_process({"/usr/bin/htpasswd", "-Bbn", "user", "secret"});
      EXPECT_EQ(h.exit_code, 0) << h;
      std::ofstream(dir / "htpasswd") << h.out;
      config +=
          "auth:\n  htpasswd:\n    realm: lit-test\n    path: " + (dir / "htpasswd").string() +
          "\n";
    }
    std::ofstream(dir / "config.yml") << config;
    server_ =
        spawn({"/usr/bin/docker-registry", "serve", (dir / "config.yml").string()}, dir / "log");
    storage_ = dir / "storage";
    registry_ = address + ":" + std::to_string(port_);
    EXPECT_TRUE(eventually([&] { return accepts(port_, address); })) << slurp(dir / "log");
    return registry_;
  }

  // Stops a server spawned by the test.
  void stop(pid_t pid) {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    std::erase(servers_, pid);
  }

  void seed(const std::string& repo_tag, const std::string& creds = "") {
    std::vector<std::string> argv = {"/usr/bin/skopeo", "--insecure-policy", "copy", "-q",
                                     "--dest-tls-verify=false"};
    if (!creds.empty()) argv.insert(argv.end(), {"--dest-creds", creds});
    argv.push_back("docker-archive:" + fixture("busybox-docker.tar").string());
    argv.push_back("docker://" + registry_ + "/" + repo_tag);
    Result r = run_process(argv, slow());
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  Result pull(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"image", "pull"};
    argv.insert(argv.end(), args.begin(), args.end());
    return lit(argv, slow());
  }

  std::vector<pid_t> servers_;
  pid_t server_ = 0;  // the last registry started
  int port_ = 0;
  fs::path storage_;
  std::string registry_;
};

}  // namespace lit::test
