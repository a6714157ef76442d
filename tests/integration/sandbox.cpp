// The integration-test sandbox: namespaces, process runner, mount/cgroup
// inspection and the per-test leak check. See sandbox.hpp.
#include "tests/integration/sandbox.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "network/firewall.hpp"
#include "network/links.hpp"

extern char** environ;

namespace lit::test {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

void bring_up_loopback() {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) fail("socket");
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) fail("SIOCGIFFLAGS lo");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) fail("SIOCSIFFLAGS lo");
  close(s);
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// argv/envp as the char* arrays exec wants, built before fork (the child may
// only make async-signal-safe calls).
struct ExecArgs {
  std::vector<std::string> env_store;
  std::vector<char*> argv, envp;
  ExecArgs(const std::vector<std::string>& args, const std::vector<std::string>& extra_env) {
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
    for (const auto& e : extra_env) env_store.push_back(e);
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
};

// In the forked child: default signal dispositions (the test ignores SIGPIPE) and exec.
[[noreturn]] void exec_child(ExecArgs& ea) {
  signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execvpe(ea.argv[0], ea.argv.data(), ea.envp.data());
  _exit(127);
}

void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Reads what is available; returns false at EOF or a hard error.
bool drain(int fd, std::string& into) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    return false;  // EOF, or EIO on a pty whose slave side is closed
  }
}

void record_status(Result& r, int status) {
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
}

// Waits for pid and its output fds. After the child exits, output still held
// open by a leaked grandchild is read for a short grace period only.
class Reaper {
 public:
  Reaper(pid_t pid, std::chrono::milliseconds timeout)
      : pid_(pid), deadline_(std::chrono::steady_clock::now() + timeout) {}

  // One step: returns false when the child is reaped and output is done.
  bool step(Result& r, bool outputs_open) {
    auto now = std::chrono::steady_clock::now();
    if (!reaped_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        record_status(r, status);
        reaped_ = true;
        grace_end_ = now + 500ms;
      } else if (now > deadline_ && !killed_) {
        r.timed_out = true;
        kill(-pid_, SIGKILL);
        kill(pid_, SIGKILL);
        killed_ = true;
      }
    }
    if (!reaped_) return true;
    return outputs_open && now < grace_end_;
  }

 private:
  pid_t pid_;
  std::chrono::steady_clock::time_point deadline_, grace_end_;
  bool reaped_ = false, killed_ = false;
};

}  // namespace

void enter_sandbox() {
  if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0) fail("unshare(CLONE_NEWNS|CLONE_NEWNET)");
  // Nothing mounted in here propagates back to the host's namespace.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) fail("make / rprivate");
  bring_up_loopback();
}

std::vector<std::string> Result::err_lines() const { return split_lines(err); }
std::vector<std::string> Result::out_lines() const { return split_lines(out); }

std::ostream& operator<<(std::ostream& os, const Result& r) {
  os << "exit_code=" << r.exit_code;
  if (r.signal) os << " killed by signal " << r.signal;
  if (r.timed_out) os << " (TIMED OUT)";
  return os << "\n--- stdout ---\n" << r.out << "\n--- stderr ---\n" << r.err << "\n---";
}

Result run_process(const std::vector<std::string>& argv, const RunOptions& opts) {
  ExecArgs ea(argv, opts.extra_env);
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
    fail("pipe2");
  pid_t pid = fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    setpgid(0, 0);
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    exec_child(ea);
  }
  setpgid(pid, pid);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  set_nonblock(in[1]);
  set_nonblock(out[0]);
  set_nonblock(err[0]);

  Result r;
  r.argv = argv;
  Reaper reaper(pid, opts.timeout);
  size_t written = 0;
  int in_fd = in[1];
  if (opts.stdin_data.empty()) close(std::exchange(in_fd, -1));
  bool out_open = true, err_open = true;
  while (reaper.step(r, out_open || err_open)) {
    pollfd p[3] = {{out_open ? out[0] : -1, POLLIN, 0},
                   {err_open ? err[0] : -1, POLLIN, 0},
                   {in_fd, POLLOUT, 0}};
    poll(p, 3, 20);
    if (in_fd >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(in_fd, opts.stdin_data.data() + written, opts.stdin_data.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EAGAIN) written = opts.stdin_data.size();
      if (written == opts.stdin_data.size()) close(std::exchange(in_fd, -1));
    }
    size_t before = r.out.size(), before_err = r.err.size();
    if (out_open) out_open = drain(out[0], r.out);
    if (err_open) err_open = drain(err[0], r.err);
    if (opts.on_stdout && r.out.size() != before) opts.on_stdout(pid, r.out);
    if (opts.on_stderr && r.err.size() != before_err) opts.on_stderr(pid, r.err);
  }
  if (in_fd >= 0) close(in_fd);
  close(out[0]);
  close(err[0]);
  return r;
}

Result run_on_pty(const std::vector<std::string>& argv, unsigned short rows, unsigned short cols,
                  std::chrono::milliseconds timeout) {
  ExecArgs ea(argv, {});
  winsize ws{};
  ws.ws_row = rows;
  ws.ws_col = cols;
  int master = -1, slave = -1;
  if (openpty(&master, &slave, nullptr, nullptr, &ws) < 0) fail("openpty");
  pid_t pid = fork();
  if (pid < 0) fail("fork");
  if (pid == 0) {
    setsid();
    ioctl(slave, TIOCSCTTY, 0);
    dup2(slave, 0);
    dup2(slave, 1);
    dup2(slave, 2);
    if (slave > 2) close(slave);
    close(master);
    exec_child(ea);
  }
  close(slave);
  set_nonblock(master);
  Result r;
  Reaper reaper(pid, timeout);
  bool open = true;
  while (reaper.step(r, open)) {
    pollfd p{master, POLLIN, 0};
    poll(&p, 1, 20);
    open = drain(master, r.out);
  }
  close(master);
  return r;
}

std::vector<MountInfo> read_mountinfo(const fs::path& file) {
  auto unescape = [](const std::string& s) {  // mountinfo escapes ' ', '\t', '\n', '\\' as \ooo
    std::string o;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
        o += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        o += s[i];
      }
    }
    return o;
  };
  std::vector<MountInfo> mounts;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point, opts, field;
    f >> id >> parent >> dev >> root >> point >> opts;
    MountInfo m{unescape(point), unescape(root), "", "", opts, ""};
    while (f >> field && field != "-")
      m.optional_fields += (m.optional_fields.empty() ? "" : " ") + field;
    std::string super;
    f >> m.fs_type >> m.source >> super;
    m.source = unescape(m.source);
    m.options += "," + super;
    mounts.push_back(std::move(m));
  }
  return mounts;
}

std::set<fs::path> lit_cgroup_dirs() {
  std::set<fs::path> dirs;
  std::set<fs::path> hierarchies;
  for (const auto& m : read_mountinfo())
    if (m.fs_type == "cgroup" || m.fs_type == "cgroup2") hierarchies.insert(m.mount_point);
  for (const auto& h : hierarchies) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(h / "lit", ec))
      if (e.is_directory()) dirs.insert(e.path());
    // The systemd manager's scopes: lit.slice/lit-<id>.scope.
    for (const auto& e : fs::directory_iterator(h / "lit.slice", ec)) {
      const std::string name = e.path().filename().string();
      if (e.is_directory() && name.starts_with("lit-") && name.ends_with(".scope"))
        dirs.insert(e.path());
    }
  }
  return dirs;
}

bool process_running(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

std::vector<pid_t> cgroup_pids(const fs::path& dir) {
  std::vector<pid_t> pids;
  std::ifstream in(dir / "cgroup.procs");
  for (pid_t p; in >> p;) pids.push_back(p);
  return pids;
}

fs::path fixture(const std::string& name) { return fs::path(LIT_FIXTURES_DIR) / name; }

// ---- LitTest ---------------------------------------------------------------

void LitTest::SetUp() {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (integration tests run real containers)";
  ASSERT_TRUE(fs::exists(LIT_BINARY)) << LIT_BINARY << " not built";
  ASSERT_TRUE(fs::exists(fixture("busybox-docker.tar")))
      << "fixtures missing in " << LIT_FIXTURES_DIR << ": run ctest (fixtures.build) first";
  char tmpl[] = "/tmp/lit-it-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr) << std::strerror(errno);
  base_ = tmpl;
  root_ = base_ / "root";
  run_root_ = base_ / "run";
  cgroups_before_ = lit_cgroup_dirs();
}

void LitTest::TearDown() {
  if (base_.empty()) return;
  check_no_leaks();
  std::error_code ec;
  fs::remove_all(base_, ec);
  EXPECT_FALSE(ec) << "remove " << base_ << ": " << ec.message();
}

Result LitTest::lit(const std::vector<std::string>& args, const RunOptions& opts) {
  std::vector<std::string> argv{LIT_BINARY, "--root", root_.string(), "--run-root",
                                run_root_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  Result r = run_process(argv, opts);
  container_ids();  // remembers the ids, for the leak check
  return r;
}

Result LitTest::run(const std::vector<std::string>& args, const RunOptions& opts) {
  std::vector<std::string> full{"container", "run"};
  full.insert(full.end(), args.begin(), args.end());
  return lit(full, opts);
}

void LitTest::load_test_image() {
  Result r = lit({"image", "load", "-i", fixture("busybox-docker.tar").string()});
  ASSERT_EQ(r.exit_code, 0) << r;
}

std::set<std::string> LitTest::container_ids() const {
  std::set<std::string> ids;
  std::error_code ec;
  // On disk, and in the run root (the records of foreground --rm containers).
  for (const auto& dir : {root_ / "containers", run_root_ / "containers"})
    for (const auto& e : fs::directory_iterator(dir, ec))
      // Not the lock file, nor the name index (.names).
      if (e.is_directory() && !e.path().filename().string().starts_with('.'))
        ids.insert(e.path().filename().string());
  seen_ids_.insert(ids.begin(), ids.end());
  return ids;
}

// A cgroup is this test's when its container id was seen in our root, or when
// one of its processes runs on a rootfs made from our root (a --rm container
// whose record is already gone).
bool LitTest::ours(const fs::path& cgroup) const {
  std::string id = cgroup.filename().string();
  if (id.starts_with("lit-") && id.ends_with(".scope")) id = id.substr(4, id.size() - 10);
  if (seen_ids_.count(id)) return true;
  for (pid_t pid : cgroup_pids(cgroup)) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/mountinfo");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    if (text.find(base_.string()) != std::string::npos) return true;
  }
  return false;
}

std::set<std::string> LitTest::store_snapshot() const {
  std::set<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root_ / "images", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name == "lock" || name.ends_with(".lock")) continue;  // flock files are not content
    std::string rel = fs::relative(it->path(), root_).string();
    std::error_code sec;
    if (it->is_regular_file(sec))
      rel += " " + std::to_string(it->file_size(sec));
    else if (it->is_directory(sec))
      rel += "/";
    files.insert(rel);
  }
  return files;
}

std::set<fs::path> LitTest::new_lit_cgroups() const {
  std::set<fs::path> fresh;
  container_ids();
  for (const auto& dir : lit_cgroup_dirs())
    if (!cgroups_before_.count(dir) && ours(dir)) fresh.insert(dir);
  return fresh;
}

// Reports (as test failures) and then removes what lit left behind, so one
// leaking test does not poison the next.
void LitTest::check_no_leaks() {
  const std::string base = base_.string();
  // Processes still mentioning our state roots (a shim, a stuck lit).
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos || std::stoi(pid) == getpid())
      continue;
    std::ifstream in(e.path() / "cmdline");
    std::string cmd((std::istreambuf_iterator<char>(in)), {});
    if (cmd.find(base) == std::string::npos) continue;
    std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    ADD_FAILURE() << "leaked process " << pid << ": " << cmd;
    kill(std::stoi(pid), SIGKILL);
  }
  // Cgroups lit created during this test and did not remove.
  for (const auto& dir : new_lit_cgroups()) {
    auto pids = cgroup_pids(dir);
    ADD_FAILURE() << "leaked cgroup " << dir << " with " << pids.size() << " processes";
    for (pid_t p : pids) kill(p, SIGKILL);
    for (int i = 0; i < 100 && !cgroup_pids(dir).empty(); ++i) std::this_thread::sleep_for(20ms);
    rmdir(dir.c_str());
    rmdir(dir.parent_path().c_str());  // the `lit` parent too, as lit does; busy is fine
  }
  // Links and lit's nftables table: the test's network namespace is its own,
  // so whatever lit made there is this test's.
  try {
    for (const auto& link : network::lit_links()) {
      ADD_FAILURE() << "leaked link " << link;
      network::delete_link(link);
    }
    network::Firewall fw(base_ / "leak-check" / "firewall.lock");
    if (auto table = fw.table()) {
      ADD_FAILURE() << "leaked nftables table inet lit: " << table->dump();
      fw.delete_table();
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "check links and nftables: " << e.what();
  }
  // Run directories (etc files, rootfs mount point) of containers that are gone.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(run_root_ / "containers", ec)) {
    if (fs::exists(root_ / "containers" / e.path().filename())) continue;
    ADD_FAILURE() << "leaked run directory " << e.path();
    fs::remove_all(e.path(), ec);
  }
  // Mounts under or naming our roots (overlay options name the layer dirs).
  auto mounts = read_mountinfo();
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    bool ours = it->mount_point.starts_with(base) || it->source.find(base) != std::string::npos ||
                it->options.find(base) != std::string::npos;
    if (!ours) continue;
    ADD_FAILURE() << "leaked mount " << it->fs_type << " on " << it->mount_point;
    umount2(it->mount_point.c_str(), MNT_DETACH);
  }
}

}  // namespace lit::test
