// `lit build CONTEXT` as a user runs it: images built from a Containerfile on
// the busybox fixture, run afterwards; the step cache; errors with file:line.
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "network/links.hpp"
#include "runtime/util/fs.hpp"
#include "tests/integration/expect.hpp"
#include "tests/integration/sandbox.hpp"

namespace lit::test {
namespace {

class BuildTest : public LitTest {
 protected:
  void SetUp() override {
    LitTest::SetUp();
    if (IsSkipped()) return;
    load_test_image();
    ctx_ = base_ / "ctx";
    fs::create_directories(ctx_);
  }

  void put(const std::string& rel, const std::string& content) {
    fs::create_directories((ctx_ / rel).parent_path());
    std::ofstream(ctx_ / rel, std::ios::binary) << content;
  }

  Result build(std::vector<std::string> args) {
    args.insert(args.begin(), "build");
    args.push_back(ctx_.string());
    RunOptions opts;
    opts.timeout = 90s;
    return lit(args, opts);
  }

  // The image id: the last line of a build's output.
  static std::string id_of(const Result& r) {
    auto lines = r.out_lines();
    return lines.empty() ? std::string() : lines.back();
  }

  static int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
  }

  fs::path ctx_;
};

constexpr const char* kFiveSteps = R"(FROM localhost/lit-test:latest
COPY a.bin b.txt /data/
RUN echo made > /data/made.txt
RUN rm /data/b.txt
CMD ["ls", "/data"]
)";

TEST_F(BuildTest, FiveStepsRunAndDeleteIsAWhiteout) {
  put("a.bin", std::string(100000, 'a'));
  put("b.txt", "bee\n");
  put("Containerfile", kFiveSteps);
  Result r = build({"-t", "built:one"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("STEP 5/5: CMD"), std::string::npos) << r;
  Result ls = run({"--rm", "built:one"});
  ASSERT_EQ(ls.exit_code, 0) << ls;
  EXPECT_NE(ls.out.find("a.bin"), std::string::npos) << ls;
  EXPECT_NE(ls.out.find("made.txt"), std::string::npos) << ls;
  EXPECT_EQ(ls.out.find("b.txt"), std::string::npos) << ls;
  Result cat = run({"--rm", "built:one", "cat", "/data/made.txt"});
  EXPECT_EQ(cat.out, "made\n") << cat;
  Result hist = lit({"image", "history", "--no-trunc", "built:one"});
  EXPECT_NE(hist.out.find("/bin/sh -c #(nop) CMD [\"ls\", \"/data\"]"), std::string::npos) << hist;
  EXPECT_NE(hist.out.find("RUN /bin/sh -c rm /data/b.txt"), std::string::npos) << hist;
  EXPECT_TRUE(container_ids().empty());
  EXPECT_TRUE(fs::is_empty(root_ / "images" / "tmp"));
}

TEST_F(BuildTest, RebuildIsCachedAndAChangeRerunsOnlyLaterSteps) {
  put("a.bin", "a\n");
  put("b.txt", "bee\n");
  put("Containerfile", R"(FROM localhost/lit-test:latest
RUN echo first > /first.txt
COPY b.txt /b.txt
RUN cat /b.txt > /copy.txt
CMD ["cat", "/copy.txt"]
)");
  Result first = build({"-t", "built:cache"});
  ASSERT_EQ(first.exit_code, 0) << first;
  EXPECT_EQ(count(first.out, "--> CACHED"), 0) << first;
  Result again = build({"-t", "built:cache"});
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(count(again.out, "--> CACHED"), 4) << again;
  EXPECT_NE(again.out.find("0 steps run"), std::string::npos) << again;
  EXPECT_EQ(id_of(again), id_of(first));
  put("b.txt", "changed\n");
  Result changed = build({"-t", "built:cache"});
  ASSERT_EQ(changed.exit_code, 0) << changed;
  EXPECT_EQ(count(changed.out, "--> CACHED"), 1) << changed;  // the first RUN only
  EXPECT_NE(changed.out.find("3 steps run"), std::string::npos) << changed;
  Result cat = run({"--rm", "built:cache"});
  EXPECT_EQ(cat.out, "changed\n") << cat;
  Result nocache = build({"--no-cache", "-t", "built:cache"});
  EXPECT_EQ(count(nocache.out, "--> CACHED"), 0) << nocache;
}

TEST_F(BuildTest, MultiStageArgsEnvHeredocAndIgnore) {
  put("sub/one.txt", "one\n");
  put("sub/two.log", "two\n");
  put("sub/keep.log", "keep\n");
  put(".dockerignore", "sub/*.log\n!sub/keep.log\n");
  put("Dockerfile", R"(ARG BASE=localhost/lit-test:latest
FROM $BASE AS builder
ARG GREETING=hi
ENV WHO=world
WORKDIR /work/deep
RUN <<EOF
echo "$GREETING $WHO" > out.txt
pwd >> out.txt
EOF
COPY sub/ /ctx/
FROM ${BASE}
ENV DEST=/result
COPY --from=builder /work/deep/out.txt $DEST/
COPY --from=builder /ctx /ctx
CMD cat /result/out.txt; ls /ctx
)");
  Result r = build({"--build-arg", "GREETING=hello", "-t", "built:multi"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Result out = run({"--rm", "built:multi"});
  ASSERT_EQ(out.exit_code, 0) << out;
  EXPECT_EQ(out.out, "hello world\n/work/deep\nkeep.log\none.txt\n") << out;
}

TEST_F(BuildTest, FailingRunNamesTheLineAndLeavesNothing) {
  put("Containerfile", "FROM localhost/lit-test:latest\nRUN true\nRUN echo out; exit 3\n");
  auto before = store_snapshot();
  Result r = build({"-t", "built:fail"});
  EXPECT_EQ(r.exit_code, 1) << r;  // docker build's status for a failed build
  EXPECT_NE(r.err.find("Containerfile:3: RUN: exit code 3: /bin/sh -c echo out; exit 3"),
            std::string::npos)
      << r;
  EXPECT_TRUE(container_ids().empty());
  EXPECT_TRUE(fs::is_empty(root_ / "images" / "tmp"));
  EXPECT_NE(lit({"image", "inspect", "built:fail"}).exit_code, 0);
  // Not even a cache entry for RUN true: it named a layer the build did not keep.
  EXPECT_EQ(store_snapshot(), before);
}

TEST_F(BuildTest, MalformedContainerfileNamesTheLine) {
  put("Containerfile", "FROM localhost/lit-test:latest\nCPY a b\n");
  Result r = build({});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.err.find("Containerfile:2: unknown instruction \"CPY\""), std::string::npos) << r;
}

TEST_F(BuildTest, ProjectServicesAreBuiltAndTaggedAsCompose) {
  put("app/Dockerfile",
      "FROM localhost/lit-test:latest\nARG MSG=x\nRUN echo $MSG > /msg\nCMD [\"cat\", \"/msg\"]\n");
  put("compose.yaml", R"(name: shop
services:
  web:
    build:
      context: ./app
      args:
        MSG: hello
      tags: ["localhost/shop/web:v1"]
)");
  RunOptions opts;
  opts.timeout = 90s;
  Result r = lit({"-f", (ctx_ / "compose.yaml").string(), "build"}, opts);
  ASSERT_EQ(r.exit_code, 0) << r;
  Result a = run({"--rm", "shop-web"});
  EXPECT_EQ(a.out, "hello\n") << a;
  Result b = run({"--rm", "localhost/shop/web:v1"});
  EXPECT_EQ(b.out, "hello\n") << b;
}

// `lit up` on a service with build: and no image: of its own rebuilds it
// through the step cache: nothing printed and nothing recreated while the
// context is unchanged; an edited file rebuilds from the step that reads it
// and recreates only that service.
TEST_F(BuildTest, UpRebuildsAnEditedContextAndRecreatesOnlyThatService) {
  put("app/Dockerfile",
      "FROM localhost/lit-test:latest\nCOPY msg /msg\nCMD [\"sleep\", \"600\"]\n");
  put("app/msg", "v1\n");
  put("compose.yaml", R"(name: shop
services:
  web:
    build: ./app
  db:
    image: localhost/lit-test:latest
    command: ["sleep", "600"]
)");
  RunOptions opts;
  opts.timeout = 90s;
  auto up = [&] { return lit({"-f", (ctx_ / "compose.yaml").string(), "up", "-d"}, opts); };
  auto id = [&](const std::string& name) {
    for (const auto& line : lit({"container", "ls", "-a", "--format", "json"}).out_lines()) {
      auto j = nlohmann::json::parse(line);
      if (j.at("Names") == name) return j.at("ID").get<std::string>();
    }
    return std::string();
  };
  Result first = up();
  ASSERT_EQ(first.exit_code, 0) << first;
  EXPECT_NE(first.out.find("service web: building"), std::string::npos) << first;
  const std::string web = id("shop-web-1"), db = id("shop-db-1");
  ASSERT_FALSE(web.empty());
  EXPECT_EQ(lit({"container", "exec", "shop-web-1", "cat", "/msg"}).out, "v1\n");

  Result same = up();
  ASSERT_EQ(same.exit_code, 0) << same;
  EXPECT_EQ(same.out.find("building"), std::string::npos) << same;
  EXPECT_EQ(id("shop-web-1"), web);

  put("app/msg", "v2\n");
  Result edited = up();
  ASSERT_EQ(edited.exit_code, 0) << edited;
  EXPECT_NE(edited.out.find("STEP 2/3: COPY msg /msg"), std::string::npos) << edited;
  EXPECT_NE(id("shop-web-1"), web);
  EXPECT_EQ(id("shop-db-1"), db);
  EXPECT_EQ(lit({"container", "exec", "shop-web-1", "cat", "/msg"}).out, "v2\n");

  // --no-build keeps the image as it is, even with the context edited again.
  put("app/msg", "v3\n");
  Result kept = lit({"-f", (ctx_ / "compose.yaml").string(), "up", "-d", "--no-build"}, opts);
  ASSERT_EQ(kept.exit_code, 0) << kept;
  EXPECT_EQ(lit({"container", "exec", "shop-web-1", "cat", "/msg"}).out, "v2\n");
  EXPECT_EQ(lit({"-f", (ctx_ / "compose.yaml").string(), "down", "-t", "1"}).exit_code, 0);
}

// A health check in exec form (["CMD", ...]) runs its command directly, as
// docker does: an image with no shell at all becomes healthy.
TEST_F(BuildTest, ExecFormHealthCheckNeedsNoShellInTheImage) {
  fs::create_directories(ctx_ / "app");
  fs::copy_file("/bin/busybox", ctx_ / "app" / "busybox");
  put("app/Dockerfile",
      "FROM scratch\nCOPY busybox /busybox\nCMD [\"/busybox\", \"sleep\", \"600\"]\n");
  put("compose.yaml", R"(name: bare
services:
  app:
    build: ./app
    healthcheck:
      test: ["CMD", "/busybox", "true"]
      interval: 200ms
      retries: 3
)");
  RunOptions opts;
  opts.timeout = 90s;
  Result r = lit(
      {"-f", (ctx_ / "compose.yaml").string(), "up", "-d", "--wait", "--wait-timeout", "20"}, opts);
  EXPECT_EQ(r.exit_code, 0) << r;
  Result ps = lit({"container", "ls", "--format", "json"});
  EXPECT_NE(ps.out.find("(healthy)"), std::string::npos) << ps;
  EXPECT_EQ(lit({"-f", (ctx_ / "compose.yaml").string(), "down", "-t", "1"}).exit_code, 0);
}

// A cache mount keeps its files between builds, outside the image; bind
// mounts show the context or a stage read-only; tmpfs leaves nothing.
TEST_F(BuildTest, RunMountsCacheBindAndTmpfs) {
  put("data/in.txt", "from the context\n");
  put("data/secret.txt", "ignored\n");
  put(".dockerignore", "data/secret.txt\n");
  put("Containerfile", R"(FROM localhost/lit-test:latest AS tools
RUN echo made > /made
FROM localhost/lit-test:latest
ARG N=1
RUN --mount=type=cache,target=/cache echo "run $N" >> /cache/log && cat /cache/log > /seen
RUN --mount=type=bind,source=data,target=/src --mount=type=tmpfs,target=/scratch \
    --mount=from=tools,source=/made,target=/tools/made \
    cat /src/in.txt /tools/made > /mounted && ! touch /src/x 2>/dev/null && echo t > /scratch/t \
    && ! test -e /src/secret.txt
CMD ["cat", "/seen", "/mounted"]
)");
  Result first = build({"-t", "built:mounts"});
  ASSERT_EQ(first.exit_code, 0) << first;
  Result out = run({"--rm", "built:mounts"});
  EXPECT_EQ(out.out, "run 1\nfrom the context\nmade\n") << out;
  Result second = build({"--no-cache", "--build-arg", "N=2", "-t", "built:mounts"});
  ASSERT_EQ(second.exit_code, 0) << second;
  out = run({"--rm", "built:mounts"});
  EXPECT_EQ(out.out, "run 1\nrun 2\nfrom the context\nmade\n") << out;
  // The mount points were not in the image, and are not now.
  Result ls = run({"--rm", "built:mounts", "ls", "/"});
  for (const char* gone : {"cache", "src", "scratch", "tools"})
    EXPECT_EQ(ls.out.find(std::string(gone) + "\n"), std::string::npos) << gone << ": " << ls;
  int caches = 0;
  for (const auto& e : fs::directory_iterator(root_ / "images" / "build-cache" / "mounts"))
    caches += e.is_directory() ? 1 : 0;
  EXPECT_EQ(caches, 1);
  // A changed context file reruns the RUN that binds it.
  put("data/in.txt", "changed\n");
  Result third = build({"--build-arg", "N=2", "-t", "built:mounts"});
  ASSERT_EQ(third.exit_code, 0) << third;
  EXPECT_NE(third.out.find("2 steps run"), std::string::npos) << third;
  out = run({"--rm", "built:mounts"});
  EXPECT_EQ(out.out, "run 1\nrun 2\nchanged\nmade\n") << out;
  Result again = build({"--build-arg", "N=2", "-t", "built:mounts"});
  EXPECT_NE(again.out.find("0 steps run"), std::string::npos) << again;
  Result prune = lit({"builder", "prune", "-f"});
  EXPECT_EQ(prune.exit_code, 0) << prune;
  EXPECT_FALSE(fs::exists(root_ / "images" / "build-cache"));
}

TEST_F(BuildTest, CopyHeredocsAndComposeDockerfileInline) {
  put("Containerfile", R"(FROM localhost/lit-test:latest
ENV W=world
COPY <<EOF /etc/motd
hello $W
EOF
COPY <<A <<'B' /d/
a
A
$W
B
CMD ["cat", "/etc/motd", "/d/A", "/d/B"]
)");
  Result r = build({"-t", "built:heredoc"});
  ASSERT_EQ(r.exit_code, 0) << r;
  Result out = run({"--rm", "built:heredoc"});
  EXPECT_EQ(out.out, "hello world\na\n$W\n") << out;

  put("app/msg.txt", "inline\n");
  put("compose.yaml", R"(name: shop
services:
  web:
    build:
      context: ./app
      network: none
      dockerfile_inline: |
        FROM localhost/lit-test:latest
        COPY msg.txt /msg
        CMD ["cat", "/msg"]
)");
  RunOptions opts;
  opts.timeout = 90s;
  Result b = lit({"-f", (ctx_ / "compose.yaml").string(), "build"}, opts);
  ASSERT_EQ(b.exit_code, 0) << b;
  Result a = run({"--rm", "shop-web"});
  EXPECT_EQ(a.out, "inline\n") << a;
}

// Two stages the target needs build at the same time (each waits, through a
// shared cache mount, for the other to have started: one after the other they
// would time out); their lines carry the stage's name; a stage the target
// does not need is skipped, failing RUN and all.
TEST_F(BuildTest, IndependentStagesBuildInParallelAndUnusedOnesAreSkipped) {
  constexpr const char* kWait =
      "--mount=type=cache,target=/sync,id=sync touch /sync/$ME && i=0 && "
      "until [ -e /sync/$OTHER ]; do sleep 0.1; i=$((i+1)); [ $i -lt 100 ] || exit 9; done && "
      "echo $ME > /$ME";
  put("Containerfile", std::string(R"(FROM localhost/lit-test:latest AS one
ENV ME=one OTHER=two
RUN )") + kWait + R"(
FROM localhost/lit-test:latest AS broken
RUN echo never; exit 7
FROM localhost/lit-test:latest AS two
ENV ME=two OTHER=one
RUN )" + kWait + R"(
FROM localhost/lit-test:latest
COPY --from=one /one /one
COPY --from=two /two /two
CMD ["cat", "/one", "/two"]
)");
  Result r = build({"-t", "built:parallel"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("[one] STEP"), std::string::npos) << r;
  EXPECT_NE(r.out.find("[two] STEP"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("never"), std::string::npos) << r;
  EXPECT_EQ(r.out.find("broken"), std::string::npos) << r;
  Result out = run({"--rm", "built:parallel"});
  EXPECT_EQ(out.out, "one\ntwo\n") << out;
  // A RUN's output comes back as the stage's lines.
  put("Containerfile", R"(FROM localhost/lit-test:latest AS a
RUN echo from-a
FROM localhost/lit-test:latest AS b
RUN echo from-b; exit 4
FROM scratch
COPY --from=a /etc/hostname /a
COPY --from=b /etc/hostname /b
)");
  Result failed = build({});
  EXPECT_EQ(failed.exit_code, 1) << failed;
  EXPECT_NE(failed.out.find("[b] from-b"), std::string::npos) << failed;
  EXPECT_NE(failed.err.find("Containerfile:4: RUN: exit code 4"), std::string::npos) << failed;
  EXPECT_TRUE(container_ids().empty());
  EXPECT_TRUE(fs::is_empty(root_ / "images" / "tmp"));
}

// busybox httpd on the sandbox host (0.0.0.0:PORT), serving a directory.
class HostHttpd {
 public:
  HostHttpd(const fs::path& dir, int port) {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string p = std::to_string(port);
      execlp("busybox", "busybox", "httpd", "-f", "-p", p.c_str(), "-h", dir.c_str(), nullptr);
      _exit(127);
    }
  }
  ~HostHttpd() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  HostHttpd(const HostHttpd&) = delete;
  HostHttpd& operator=(const HostHttpd&) = delete;

 private:
  pid_t pid_ = -1;
};

// RUN's default network is docker build's: a NAT'd bridge with a default route
// (here to an address of the sandbox host) and the host's nameservers; none
// has only lo. The build's network and links are gone afterwards.
TEST_F(BuildTest, RunReachesTheHostByDefaultAndNotWithNetworkNone) {
  fs::create_directories(base_ / "www");
  std::ofstream(base_ / "www" / "hello") << "hi from the host\n";
  ASSERT_EQ(run_process({"ip", "addr", "add", "198.51.100.1/32", "dev", "lo"}).exit_code, 0);
  fs::path resolv = base_ / "resolv.conf";
  std::ofstream(resolv) << "nameserver 192.0.2.53\n";
  ASSERT_EQ(mount(resolv.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr), 0);
  {
    HostHttpd httpd(base_ / "www", 8099);
    ASSERT_TRUE(eventually([] { return fetch("http://198.51.100.1:8099/hello") != ""; }));
    put("Containerfile", R"(FROM localhost/lit-test:latest
RUN wget -q -O /got http://198.51.100.1:8099/hello && cp /etc/resolv.conf /resolv
CMD ["cat", "/got", "/resolv"]
)");
    Result r = build({"-t", "built:net"});  // --network default, as without the flag
    EXPECT_EQ(r.exit_code, 0) << r;
    Result out = run({"--rm", "built:net"});
    EXPECT_EQ(out.out, "hi from the host\nnameserver 192.0.2.53\n") << out;
    EXPECT_TRUE(lit({"network", "ls", "-q"}).out.empty());
    EXPECT_TRUE(network::lit_links().empty());

    Result none = build({"--network", "none", "--no-cache", "-t", "built:none"});
    EXPECT_EQ(none.exit_code, 1) << none;
    EXPECT_NE(none.err.find("Containerfile:2: RUN: exit code"), std::string::npos) << none;
    Result host = build({"--network", "host", "--no-cache", "-t", "built:host"});
    EXPECT_EQ(host.exit_code, 0) << host;
    put("Containerfile",
        "FROM localhost/lit-test:latest\nRUN wget -q -O - http://198.51.100.1:8099/hello; exit "
        "3\n");
    Result failed = build({});  // on the default network, failing: nothing left either
    EXPECT_EQ(failed.exit_code, 1) << failed;
    EXPECT_NE(failed.out.find("hi from the host"), std::string::npos) << failed;
  }
  EXPECT_TRUE(lit({"network", "ls", "-q"}).out.empty());
  EXPECT_TRUE(network::lit_links().empty());
  umount2("/etc/resolv.conf", MNT_DETACH);
  run_process({"ip", "addr", "del", "198.51.100.1/32", "dev", "lo"});
}

// The pid of a process on the host whose command line is exactly `argv`, or 0.
pid_t find_process(const std::vector<std::string>& argv) {
  std::string want;
  for (const auto& a : argv) want += a + '\0';
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline == want) return std::stoi(name);
  }
  return 0;
}

// The lit cgroup id in /proc/PID/cgroup ("...:/lit/<id>"), or "".
std::string lit_cgroup_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  for (std::string line; std::getline(in, line);)
    if (auto at = line.find(":/lit/"); at != std::string::npos) return line.substr(at + 6);
  return "";
}

// A `lit build` SIGKILLed during a RUN takes the RUN's processes with it (they
// die with the build, as buildah's do). What it could not remove, the RUN's
// cgroup and the build's network, `lit system check` names, and the next
// build removes at once: the RUN's bundle in the store's staging names its
// cgroup, and the network's name names the build that is gone.
TEST_F(BuildTest, ABuildKilledDuringARunLeavesNothingRunning) {
  put("Containerfile", R"(FROM localhost/lit-test:latest
RUN echo run-started; exec sleep 4321
)");
  const std::vector<std::string> sleeper{"sleep", "4321"};
  std::string id;
  pid_t killed = 0;
  RunOptions opts;
  opts.timeout = 60s;  // without the fix: the orphaned sleep keeps stdout open
  opts.on_stdout = [&](pid_t lit_pid, const std::string& out) {
    if (!id.empty() || out.find("run-started") == std::string::npos) return;
    pid_t pid = 0;
    if (!eventually([&] { return (pid = find_process(sleeper)) != 0; })) return;
    id = lit_cgroup_of(pid);
    killed = lit_pid;
    ::kill(lit_pid, SIGKILL);
  };
  Result r = lit({"build", ctx_.string()}, opts);  // RUN on the build's own network
  ASSERT_FALSE(id.empty()) << r;
  EXPECT_EQ(r.signal, SIGKILL) << r;
  EXPECT_FALSE(r.timed_out) << r;
  EXPECT_TRUE(eventually([&] { return find_process(sleeper) == 0; }));
  auto left = [&] {
    for (const auto& dir : lit_cgroup_dirs())
      if (dir.filename() == id) return true;
    return false;
  };
  EXPECT_TRUE(left());  // nobody was left to remove it
  const std::string network = "lit-build-" + std::to_string(killed);
  EXPECT_NE(lit({"network", "ls"}).out.find(network), std::string::npos);
  Result check = lit({"system", "check"});
  EXPECT_EQ(check.exit_code, 1) << check;
  EXPECT_NE(check.out.find(network + " "), std::string::npos) << check;
  EXPECT_NE(check.out.find("which no longer runs"), std::string::npos) << check;

  put("Containerfile", "FROM localhost/lit-test:latest\nRUN true\n");
  Result next = lit({"build", "-q", ctx_.string()});
  EXPECT_EQ(next.exit_code, 0) << next;
  EXPECT_FALSE(left());
  EXPECT_EQ(lit({"network", "ls"}).out.find(network), std::string::npos);
  Result after = lit({"system", "check"});
  EXPECT_EQ(after.out.find(network + " "), std::string::npos) << after;
}

}  // namespace
}  // namespace lit::test
