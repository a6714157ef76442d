// `lit watch` and `lit up --watch` (develop.watch), as docker compose does
// them: files written under a sync rule's path show up in the running
// container at its target, deleted ones go, ignored ones stay out;
// sync+restart restarts the container after the copy; Ctrl-C ends the watch
// with status 0 and leaves the project running. With --dry-run the changes
// are printed, nothing synced. On a terminal, attached up's menu turns
// watching on and off with `w`.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <thread>

#include "tests/integration/project_fixture.hpp"

namespace lit::test {
namespace {

// Each start appends a line to /tmp/starts (kept in the container's layer
// across restarts), so the number of lines counts the starts.
constexpr const char* kProject = R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "echo start >> /tmp/starts; exec sleep 1000"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
          ignore:
            - "*.tmp"
            - cache/
        - path: ./conf
          action: sync+restart
          target: /etc/web
)";

// A lit command running in the background (`lit watch`, `lit up --watch`),
// its output collected as it comes.
class Background {
 public:
  template <typename Run>
  explicit Background(Run run) {
    thread_ = std::thread([this, run] {
      RunOptions o;
      o.timeout = 120s;
      o.on_stdout = [this](pid_t pid, const std::string& text) {
        std::lock_guard lock(mu_);
        pid_ = pid;
        out_ = text;
      };
      o.on_stderr = [this](pid_t pid, const std::string&) {
        std::lock_guard lock(mu_);
        pid_ = pid;
      };
      result_ = run(o);
    });
  }
  ~Background() {
    if (thread_.joinable()) {
      interrupt();
      thread_.join();
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  std::string out() {
    std::lock_guard lock(mu_);
    return out_;
  }
  bool said(const std::string& text) { return out().find(text) != std::string::npos; }
  void interrupt() {
    std::lock_guard lock(mu_);
    if (pid_ > 0) ::kill(pid_, SIGINT);
  }
  Result finish() {
    interrupt();
    thread_.join();
    return result_;
  }

 private:
  std::mutex mu_;
  pid_t pid_ = -1;
  std::string out_;
  Result result_;
  std::thread thread_;
};

// A lit command on a terminal of its own (forkpty): keys typed, screen read.
class PtySession {
 public:
  explicit PtySession(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    winsize ws{24, 100, 0, 0};
    pid_ = ::forkpty(&master_, nullptr, nullptr, &ws);
    if (pid_ == 0) {
      for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::fcntl(master_, F_SETFL, O_NONBLOCK);
  }
  ~PtySession() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }
  PtySession(const PtySession&) = delete;
  PtySession& operator=(const PtySession&) = delete;

  void type(const std::string& keys) { (void)!::write(master_, keys.data(), keys.size()); }
  // Reads until `text` shows after `from` (an offset in what was seen), within `limit`.
  bool wait_for(const std::string& text, std::size_t from = 0, std::chrono::seconds limit = 30s) {
    return eventually(
        [&] {
          pollfd p{master_, POLLIN, 0};
          ::poll(&p, 1, 50);
          char buf[4096];
          ssize_t n = ::read(master_, buf, sizeof buf);
          if (n > 0) seen_.append(buf, static_cast<size_t>(n));
          return seen_.find(text, from) != std::string::npos;
        },
        limit);
  }
  // Ctrl-C, as a user ends attached up; its exit status once it ended.
  int finish() {
    type("\x03");
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  const std::string& seen() const { return seen_; }

 private:
  int master_ = -1;
  pid_t pid_ = -1;
  std::string seen_;
};

class ProjectWatchTest : public ProjectFixture {
 protected:
  void SetUp() override {
    ProjectFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    write(kProject);
    fs::create_directories(dir_ / "src");
    fs::create_directories(dir_ / "conf");
  }

  void put(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }

  Result in_web(const std::vector<std::string>& command) {
    std::vector<std::string> args{"exec", "-T", "web"};
    args.insert(args.end(), command.begin(), command.end());
    return project(args);
  }
  std::string cat(const std::string& path) { return in_web({"cat", path}).out; }
  bool exists(const std::string& path) { return in_web({"test", "-e", path}).exit_code == 0; }
  std::string starts() { return in_web({"sh", "-c", "wc -l < /tmp/starts"}).out; }

  std::unique_ptr<Background> watch(const std::vector<std::string>& args) {
    return std::make_unique<Background>(
        [this, args](const RunOptions& o) { return project_with(args, o); });
  }
};

TEST_F(ProjectWatchTest, SyncCopiesNewAndChangedFilesDeletesRemovedOnesAndSkipsIgnored) {
  auto w = watch({"watch"});  // runs up first, as compose's watch
  ASSERT_TRUE(eventually([&] { return w->said("Watch enabled\n"); }, 90s)) << w->out();
  EXPECT_EQ(states()["shop-web-1"], "running");

  put("src/hello.txt", "hi\n");
  EXPECT_TRUE(eventually([&] { return cat("/app/hello.txt") == "hi\n"; })) << w->out();
  EXPECT_TRUE(w->said("Syncing service \"web\" after ")) << w->out();
  put("src/hello.txt", "changed\n");
  EXPECT_TRUE(eventually([&] { return cat("/app/hello.txt") == "changed\n"; })) << w->out();

  // A new directory and what is written in it right away.
  put("src/sub/deep/n.txt", "nested\n");
  EXPECT_TRUE(eventually([&] { return cat("/app/sub/deep/n.txt") == "nested\n"; })) << w->out();

  // Ignored: the patterns of the rule. Written before a file that is synced,
  // so by the time that one is there the ignored ones would be too.
  put("src/scratch.tmp", "no\n");
  put("src/cache/blob", "no\n");
  put("src/after.txt", "yes\n");
  EXPECT_TRUE(eventually([&] { return cat("/app/after.txt") == "yes\n"; })) << w->out();
  EXPECT_FALSE(exists("/app/scratch.tmp"));
  EXPECT_FALSE(exists("/app/cache"));

  fs::remove(dir_ / "src/hello.txt");
  EXPECT_TRUE(eventually([&] { return !exists("/app/hello.txt"); })) << w->out();
  fs::remove_all(dir_ / "src/sub");
  EXPECT_TRUE(eventually([&] { return !exists("/app/sub"); })) << w->out();
  EXPECT_EQ(starts(), "1\n");  // sync alone restarts nothing

  Result r = w->finish();
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states()["shop-web-1"], "running") << r;  // compose leaves the project up
}

TEST_F(ProjectWatchTest, SyncRestartCopiesThenRestartsTheContainer) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return starts() == "1\n"; }));
  auto w = watch({"watch", "--no-up", "web"});
  ASSERT_TRUE(eventually([&] { return w->said("Watch enabled\n"); }, 30s)) << w->out();

  put("conf/app.conf", "port=8080\n");
  EXPECT_TRUE(eventually([&] { return starts() == "2\n"; }, 30s)) << w->out();
  EXPECT_EQ(cat("/etc/web/app.conf"), "port=8080\n");
  EXPECT_TRUE(eventually([&] { return w->said("service(s) [\"web\"] restarted\n"); })) << w->out();
  Result r = w->finish();
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(states()["shop-web-1"], "running") << r;
}

TEST_F(ProjectWatchTest, SyncExecRunsTheCommandAfterTheCopyAndRestartOnlyRestarts) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sh", "-c", "echo start >> /tmp/starts; exec sleep 1000"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./src
          action: sync+exec
          target: /app
          exec:
            command: ["sh", "-c", "grep CapEff /proc/self/status | cut -f2 > /tmp/caps; cat /app/v.txt >> /tmp/reloads"]
            privileged: true
        - path: ./conf
          action: restart
)");
  auto w = watch({"watch"});
  ASSERT_TRUE(eventually([&] { return w->said("Watch enabled\n"); }, 90s)) << w->out();
  put("src/v.txt", "one\n");
  EXPECT_TRUE(eventually([&] { return cat("/tmp/reloads") == "one\n"; })) << w->out();
  EXPECT_EQ(starts(), "1\n");
  // privileged: every capability (CAP_SYS_ADMIN, bit 21, is not in the default set).
  EXPECT_NE(std::stoull("0" + cat("/tmp/caps"), nullptr, 16) & (1ULL << 21), 0u);

  put("conf/x.conf", "x\n");
  EXPECT_TRUE(eventually([&] { return starts() == "2\n"; }, 30s)) << w->out();
  EXPECT_FALSE(exists("/app/x.conf"));  // restart copies nothing
  Result r = w->finish();
  EXPECT_EQ(r.exit_code, 0) << r;
}

TEST_F(ProjectWatchTest, UpWatchAttachesAndWatches) {
  auto w = std::make_unique<Background>([this](const RunOptions& o) {
    return project_with({"up", "--watch"}, o);
  });
  ASSERT_TRUE(eventually([&] { return w->said("\u29bf Watch enabled\n"); }, 90s)) << w->out();
  put("src/up.txt", "from up\n");
  EXPECT_TRUE(eventually([&] { return cat("/app/up.txt") == "from up\n"; })) << w->out();
  EXPECT_TRUE(w->said("\u29bf Syncing service \"web\" after 1 changes were detected\n"))
      << w->out();
  w->finish();  // attached: Ctrl-C stops the project, as compose's up
}

// rebuild: an edit in the build context builds the image again and
// recreates the container on it; --prune removes the image it replaced
// (no tag names it and nothing uses it any more), so none is left dangling.
TEST_F(ProjectWatchTest, RebuildBuildsAndRecreatesAndPruneRemovesTheReplacedImage) {
  write(R"(name: shop
services:
  web:
    build: ./app
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./app
          action: rebuild
)");
  put("app/Containerfile", "FROM localhost/lit-test:latest\nCOPY v.txt /v.txt\n");
  put("app/v.txt", "one\n");
  auto dangling = [&] { return lit({"image", "ls", "-q", "-f", "dangling=true"}).out; };
  auto w = watch({"watch", "--prune"});
  ASSERT_TRUE(eventually([&] { return w->said("Watch enabled\n"); }, 90s)) << w->out();
  EXPECT_EQ(cat("/v.txt"), "one\n");
  const std::string first = ids().at("web");

  put("app/v.txt", "two\n");
  EXPECT_TRUE(eventually([&] { return cat("/v.txt") == "two\n"; }, 60s)) << w->out();
  EXPECT_NE(ids().at("web"), first);
  EXPECT_TRUE(eventually([&] { return w->said("service(s) [\"web\"] successfully built\n"); }, 30s))
      << w->out();
  EXPECT_TRUE(w->said("Rebuilding service(s) [\"web\"] after changes were detected...\n"))
      << w->out();
  EXPECT_TRUE(eventually([&] { return dangling().empty(); }, 30s)) << dangling();
  Result r = w->finish();
  EXPECT_EQ(r.exit_code, 0) << r;
}

TEST_F(ProjectWatchTest, NoDevelopSectionIsComposesError) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "1000"]
)");
  Result r = project({"watch", "--no-up"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(r.err,
            "lit: none of the selected services is configured for watch, consider setting a "
            "'develop' section\n");
}

TEST_F(ProjectWatchTest, RebuildWithoutBuildIsComposesError) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    develop:
      watch:
        - path: ./src
          action: rebuild
)");
  Result r = project({"watch"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(contains_line_with(
      r.err, {"lit: can't watch service \"web\" with action rebuild without a build context"}))
      << r;
  EXPECT_TRUE(states().empty()) << "nothing started";
}

// --dry-run watch: the rules followed, each change printed as what a sync
// would copy; nothing reaches the container.
TEST_F(ProjectWatchTest, DryRunPrintsTheSyncsAndCopiesNothing) {
  ASSERT_EQ(project({"up", "-d"}).exit_code, 0);
  auto w = watch({"--dry-run", "watch", "--no-up"});
  ASSERT_TRUE(eventually([&] { return w->said("Watch enabled\n"); }, 30s)) << w->out();
  put("src/hello.txt", "hi\n");
  const std::string line =
      "copy " + (dir_ / "src/hello.txt").string() + " to shop-web-1:/app/hello.txt\n";
  EXPECT_TRUE(eventually([&] { return w->said(line); })) << w->out();
  EXPECT_FALSE(exists("/app/hello.txt"));
  put("conf/app.conf", "port=1\n");
  EXPECT_TRUE(eventually([&] { return w->said("restart container shop-web-1\n"); })) << w->out();
  EXPECT_EQ(starts(), "1\n");  // the restart was only printed
  Result r = w->finish();
  EXPECT_EQ(r.exit_code, 0) << r;

  // Without --no-up: up's plan printed, nothing created.
  ASSERT_EQ(project({"down", "-t", "0"}).exit_code, 0);
  auto w2 = watch({"--dry-run", "watch"});
  ASSERT_TRUE(eventually([&] { return w2->said("Watch enabled\n"); }, 30s)) << w2->out();
  EXPECT_TRUE(w2->said("create container shop-web-1 (missing)\n")) << w2->out();
  EXPECT_TRUE(states().empty());
}

// compose's navigation menu: on a terminal, attached up keeps "w Enable
// Watch" on the bottom line; `w` starts watching (develop.watch), `w` again
// stops it. Without a terminal, or with COMPOSE_MENU=false, there is none.
TEST_F(ProjectWatchTest, MenuTogglesWatchOnATerminal) {
  PtySession up(project_argv({"up"}), {});
  ASSERT_TRUE(up.wait_for("Enable Watch", 0, 90s)) << up.seen();
  EXPECT_NE(up.seen().find("\x1b[1;23r"), std::string::npos) << "no scroll region";
  ASSERT_TRUE(eventually([&] { return states()["shop-web-1"] == "running"; }));

  std::size_t mark = up.seen().size();
  up.type("w");
  ASSERT_TRUE(up.wait_for("Watch enabled", mark)) << up.seen();
  EXPECT_TRUE(up.wait_for("Disable Watch", mark)) << up.seen();
  put("src/on.txt", "on\n");
  EXPECT_TRUE(eventually([&] { return cat("/app/on.txt") == "on\n"; })) << up.seen();

  mark = up.seen().size();
  up.type("w");
  ASSERT_TRUE(up.wait_for("Enable Watch", mark)) << up.seen();
  put("src/off.txt", "off\n");  // changed while nothing watches
  mark = up.seen().size();
  up.type("w");
  ASSERT_TRUE(up.wait_for("Watch enabled", mark)) << up.seen();
  put("src/again.txt", "again\n");
  EXPECT_TRUE(eventually([&] { return cat("/app/again.txt") == "again\n"; })) << up.seen();
  EXPECT_FALSE(exists("/app/off.txt"));

  EXPECT_EQ(up.finish(), 130) << up.seen();
  up.wait_for("\x1b[r", mark);  // what was left to read
  EXPECT_NE(up.seen().find("\x1b[r", mark), std::string::npos) << "the scroll region stays";
  EXPECT_EQ(states()["shop-web-1"], "exited");

  PtySession off(project_argv({"up"}), {"COMPOSE_MENU=false"});
  ASSERT_TRUE(off.wait_for("Attaching to", 0, 90s)) << off.seen();
  ASSERT_TRUE(eventually([&] { return states()["shop-web-1"] == "running"; }));
  EXPECT_EQ(off.finish(), 130) << off.seen();
  EXPECT_EQ(off.seen().find("Enable Watch"), std::string::npos) << off.seen();

  // Piped output: no menu, even asked for.
  auto w = watch({"up", "--menu"});
  ASSERT_TRUE(eventually([&] { return states()["shop-web-1"] == "running"; }, 90s)) << w->out();
  Result r = w->finish();
  EXPECT_EQ(r.out.find("Enable Watch"), std::string::npos) << r;
  EXPECT_EQ(r.err.find("Enable Watch"), std::string::npos) << r;
}

// A project without develop.watch: `w` says so, as compose.
TEST_F(ProjectWatchTest, MenuWithoutDevelopWatchSaysSo) {
  write(R"(name: shop
services:
  web:
    image: localhost/lit-test:latest
    command: ["sleep", "1000"]
    stop_signal: SIGKILL
)");
  PtySession up(project_argv({"up", "--menu"}), {"COMPOSE_MENU=false"});
  ASSERT_TRUE(up.wait_for("Enable Watch", 0, 90s)) << up.seen();
  std::size_t mark = up.seen().size();
  up.type("w");
  EXPECT_TRUE(
      up.wait_for("watch is not yet configured. Learn more: "
                  "https://docs.docker.com/compose/file-watch/",
                  mark))
      << up.seen();
  EXPECT_EQ(up.finish(), 130) << up.seen();
}

}  // namespace
}  // namespace lit::test
