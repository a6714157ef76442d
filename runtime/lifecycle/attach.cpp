#include "runtime/lifecycle/attach.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "runtime/lifecycle/control.hpp"
#include "runtime/process/pty.hpp"
#include "runtime/process/supervise.hpp"
#include "runtime/shim/attach_protocol.hpp"
#include "runtime/state/liveness.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/io.hpp"

namespace lit::runtime {

namespace attach = shim::attach;

namespace {

// docker's messages, which scripts match.
void check_attachable(const ContainerRecord& r) {
  ContainerState st = observed_state(r);
  if (st.status == ContainerStatus::Restarting)
    throw Error("cannot attach to a restarting container, wait until it is running");
  if (st.status != ContainerStatus::Running)
    throw Error("cannot attach to a stopped container, start it first");
  if (st.paused) throw Error("cannot attach to a paused container, unpause it first");
  if (st.shim_pid == 0)
    throw Error("cannot attach to container " + r.name +
                ": it runs in the foreground of another lit command");
}

// The supervisor makes its socket right after the start: a container started
// a moment ago may not have it yet.
UniqueFd connect_attach(const Paths& paths, const ContainerRecord& r) {
  const std::string path = paths.attach_socket(r.id).string();
  sockaddr_un addr{};
  UniqueFd dir;
  if (!attach::socket_address(path, addr, dir))
    throw Error("attach to " + r.name, path, ENAMETOOLONG);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (;;) {
    UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s) throw Error::sys("create socket", path, errno);
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return s;
    int err = errno;
    bool later = err == ENOENT || err == ECONNREFUSED;
    if (!later || std::chrono::steady_clock::now() > deadline)
      throw Error::sys("attach to " + r.name, path, err);
    check_attachable(r);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// docker's escape proxy: bytes that may begin the detach keys are held back
// until they do not (then sent) or they complete them (detach).
class EscapeProxy {
 public:
  explicit EscapeProxy(std::vector<unsigned char> keys) : keys_(std::move(keys)) {}
  // What to send of `in`; sets `detach` when the keys are complete.
  std::string feed(std::string_view in, bool& detach) {
    std::string out;
    for (char ch : in) {
      if (keys_.empty()) {
        out += ch;
        continue;
      }
      held_ += ch;
      if (static_cast<unsigned char>(ch) != keys_[held_.size() - 1]) {
        out += held_;
        held_.clear();
      } else if (held_.size() == keys_.size()) {
        detach = true;
        return out;
      }
    }
    return out;
  }

 private:
  std::vector<unsigned char> keys_;
  std::string held_;
};

bool send_frame(int sock, char kind, std::string_view payload) {
  return write_all(sock, attach::frame(kind, payload));
}

void send_window_size(int sock) {
  if (auto ws = terminal_size(); ws && ws->ws_row > 0)
    send_frame(sock, attach::kResize,
               std::to_string(ws->ws_row) + " " + std::to_string(ws->ws_col));
}

class Session {
 public:
  Session(const Paths& paths, const ContainerRecord& r, const AttachOptions& o)
      : paths_(paths),
        record_(r),
        tty_(r.spec.process.terminal),
        stdin_(r.spec.process.stdin_open && !o.no_stdin) {
    std::vector<unsigned char> keys = parse_detach_keys(o.detach_keys);
    if (keys.empty()) {
      if (!o.detach_keys.empty())
        std::fprintf(stderr, "lit: warning: invalid detach keys %s, using ctrl-p,ctrl-q\n",
                     o.detach_keys.c_str());
      keys = {16, 17};
    }
    escape_.emplace(tty_ ? keys : std::vector<unsigned char>{});
    if (tty_)
      signals_.emplace(std::initializer_list<int>{SIGWINCH});
    else if (o.sig_proxy)
      signals_.emplace(
          std::initializer_list<int>{SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2});
  }

  int run() {
    sock_ = connect_attach(paths_, record_);
    std::optional<RawTerminal> raw;
    if (tty_ && stdin_) raw.emplace();
    if (tty_) send_window_size(sock_.get());
    while (!code_) {
      pollfd fds[3] = {{sock_.get(), POLLIN, 0},
                       {stdin_ ? STDIN_FILENO : -1, POLLIN, 0},
                       {signals_ ? signals_->fd() : -1, POLLIN, 0}};
      if (::poll(fds, 3, -1) < 0 && errno != EINTR) throw Error::sys("poll", "attach", errno);
      if (fds[2].revents) on_signal();
      if (fds[1].revents && !on_input()) {
        raw.reset();
        std::fputs("read escape sequence\n", stderr);
        return 1;
      }
      if (fds[0].revents && !on_output()) break;
    }
    raw.reset();
    // The supervisor went away without a word: the record has the exit.
    return code_ ? *code_ : wait_container(paths_, record_);
  }

 private:
  // False once the socket is closed.
  bool on_output() {
    char buf[65536];
    ssize_t n = ::read(sock_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return false;
    in_.append(buf, static_cast<size_t>(n));
    bool bad = false;
    while (auto f = attach::take_frame(in_, bad)) {
      if (f->kind == attach::kStdout) (void)write_all(STDOUT_FILENO, f->payload);
      if (f->kind == attach::kStderr) (void)write_all(STDERR_FILENO, f->payload);
      if (f->kind == attach::kExit) {
        int c = 0;
        std::from_chars(f->payload.data(), f->payload.data() + f->payload.size(), c);
        code_ = c;
      }
    }
    return !bad;
  }

  // False when the detach keys were typed.
  bool on_input() {
    char buf[65536];
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) {
      stdin_ = false;  // the container's stdin stays open unless it is StdinOnce
      send_frame(sock_.get(), attach::kEof, {});
      return true;
    }
    bool detach = false;
    std::string out = escape_->feed(std::string_view(buf, static_cast<size_t>(n)), detach);
    if (!out.empty()) send_frame(sock_.get(), attach::kStdin, out);
    return !detach;
  }

  void on_signal() {
    int sig = signals_->next();
    if (sig == SIGWINCH) {
      send_window_size(sock_.get());
    } else if (sig != 0) {
      try {
        kill_container(paths_, record_, sig);
      } catch (const Error&) {  // it exited meanwhile: its exit code is on its way
      }
    }
  }

  const Paths& paths_;
  const ContainerRecord& record_;
  const bool tty_;
  bool stdin_;
  std::optional<EscapeProxy> escape_;
  std::optional<ForwardedSignals> signals_;
  UniqueFd sock_;
  std::string in_;
  std::optional<int> code_;
};

}  // namespace

std::vector<unsigned char> parse_detach_keys(const std::string& text) {
  std::vector<unsigned char> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    if (comma == std::string::npos) comma = text.size();
    std::string key = text.substr(at, comma - at);
    at = comma + 1;
    if (key.size() == 1) {
      out.push_back(static_cast<unsigned char>(key[0]));
      continue;
    }
    if (key.size() != 6 || key.compare(0, 5, "ctrl-") != 0) return {};
    char c = key[5];
    if (c >= 'a' && c <= 'z')
      out.push_back(static_cast<unsigned char>(c - 'a' + 1));
    else if (c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' || c == '_')
      out.push_back(static_cast<unsigned char>(c == '@' ? 0 : c - '[' + 27));
    else
      return {};
  }
  return out;
}

int attach_container(const Paths& paths, const ContainerRecord& record, const AttachOptions& o) {
  check_attachable(record);
  bool stdin_attached = record.spec.process.stdin_open && !o.no_stdin;
  if (record.spec.process.terminal && stdin_attached && !::isatty(STDIN_FILENO))
    throw Error("the input device is not a TTY").with_hint("attach with --no-stdin");
  return Session(paths, record, o).run();
}

}  // namespace lit::runtime
