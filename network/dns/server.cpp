#include "network/dns/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "network/dns/config.hpp"
#include "network/dns/config_lines.hpp"
#include "network/dns/name_table.hpp"
#include "network/dns/packet.hpp"
#include "runtime/process/identity.hpp"
#include "runtime/util/fs.hpp"

namespace lit::network::dns {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kUpstreamTimeout = std::chrono::seconds(2);
constexpr uint32_t kTtl = 5;  // short: containers come and go
constexpr size_t kMaxUdp = 512;

sockaddr_in address(uint32_t ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(ip);
  return a;
}

// A socket on addr:port; IP_FREEBIND lets it bind before the bridge has the address.
UniqueFd bound_socket(int type, uint32_t ip, int port) {
  UniqueFd fd(::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd.get(), IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
  sockaddr_in a = address(ip, port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) return {};
  if (type == SOCK_STREAM && ::listen(fd.get(), 64) < 0) return {};
  return fd;
}

struct Listener {
  uint32_t ip;
  UniqueFd udp, tcp;
};

// A TCP client: reads one length-prefixed query, gets one answer.
struct TcpClient {
  uint64_t serial;  // fds are reused; a late upstream answer must not reach a newer client
  UniqueFd fd;
  uint32_t listen_ip;
  uint32_t peer_ip;
  std::vector<uint8_t> in;
  Clock::time_point deadline;
};

// A query forwarded upstream, waiting for its answer.
struct Pending {
  uint16_t client_id;
  Query query;
  int udp_fd = -1;  // answer over this listener's UDP socket to `client`...
  sockaddr_in client{};
  uint64_t tcp_client = 0;  // ...or over this TCP connection (its serial)
  Clock::time_point deadline;
};

// One running container whose names (its file under names/,
// network/dns_service.hpp) are in the tables as `number`'s, and, when the
// file names the container's init, a pidfd of it: the names are served only
// while that very process lives, so a container killed with its supervisor
// stops being served at once, whoever removes its file later.
struct Owner {
  uint32_t number = 0;
  UniqueFd pidfd;
};

// The file's "pid PID START_TIME" line, if any.
std::optional<std::pair<pid_t, uint64_t>> init_of(std::string_view text) {
  std::optional<std::pair<pid_t, uint64_t>> out;
  each_config_line(text, [&](std::string_view kind, std::string_view pid, std::string_view start,
                             std::string_view) {
    if (kind != "pid" || out) return;
    pid_t p = 0;
    uint64_t t = 0;
    std::from_chars(pid.data(), pid.data() + pid.size(), p);
    std::from_chars(start.data(), start.data() + start.size(), t);
    out.emplace(p, t);
  });
  return out;
}

// A container id as a file name: no temporary file of an atomic write.
bool is_owner_name(std::string_view name) {
  return !name.empty() && name.find('.') == std::string_view::npos;
}

class Server {
 public:
  Server(std::string config_path, int port)
      : path_(std::move(config_path)),
        names_dir_(std::filesystem::path(path_).parent_path() / "names"),
        port_(port) {}

  int run() {
    namespace fs = std::filesystem;
    inotify_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!inotify_ || !epoll_) return 1;
    std::string dir = fs::path(path_).parent_path().string();
    constexpr uint32_t kChanges = IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM;
    config_watch_ = ::inotify_add_watch(inotify_.get(), dir.c_str(), kChanges);
    if (config_watch_ < 0) return 1;
    ::mkdir(names_dir_.c_str(), 0700);  // watched before it is read: no file is missed
    names_watch_ = ::inotify_add_watch(inotify_.get(), names_dir_.c_str(), kChanges);
    upstream_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!upstream_) return 0;
    if (!read_config()) return 0;
    load_all_owners();
    if (!rebuild()) return 0;
    while (!listeners_.empty()) {
      poll_once();
      expire();
    }
    return 0;
  }

 private:
  // False when the config is gone (lit stopped the server on purpose).
  bool read_config() {
    try {
      tables_.update(0, read_file(path_));
      return true;
    } catch (const std::exception&) {
      listeners_.clear();
      return false;
    }
  }

  void load_all_owners() {
    for (const auto& [id, o] : owners_) tables_.remove(o.number);
    owners_.clear();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(names_dir_, ec))
      load_owner(entry.path().filename().string());
  }

  void drop_owner(std::map<std::string, Owner>::iterator it) {
    tables_.remove(it->second.number);
    owners_.erase(it);  // its pidfd closed, it leaves the epoll set
  }

  // (Re)reads one container's file; gone, or its init gone, its names go.
  void load_owner(const std::string& id) {
    if (!is_owner_name(id)) return;
    std::string text;
    try {
      text = read_file(names_dir_ / id);
    } catch (const std::exception&) {
      text.clear();
    }
    UniqueFd pidfd;
    const auto init = init_of(text);
    if (init) pidfd = runtime::open_pidfd(init->first, init->second);
    if (text.empty() || (init && !pidfd)) {
      if (auto it = owners_.find(id); it != owners_.end()) drop_owner(it);
      return;
    }
    Owner& o = owners_[id];
    if (o.number == 0) o.number = ++owner_numbers_;
    o.pidfd = std::move(pidfd);
    if (o.pidfd) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = o.number;
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, o.pidfd.get(), &ev);
    }
    tables_.update(o.number, text);
  }

  // Seals the tables after changes; false when no network is left (time to go).
  bool rebuild() {
    tables_.seal();
    turns_.assign(tables_.names.size(), 0);
    std::map<uint32_t, Listener> next;
    for (uint32_t ip : tables_.listen) {
      if (auto it = listeners_.find(ip); it != listeners_.end()) {
        next.emplace(ip, std::move(it->second));
        continue;
      }
      Listener l{ip, bound_socket(SOCK_DGRAM, ip, port_), bound_socket(SOCK_STREAM, ip, port_)};
      if (l.udp) next.emplace(ip, std::move(l));
    }
    listeners_ = std::move(next);
    // Each container that starts or stops changes the tables: give the old
    // tables' memory back.
    ::malloc_trim(0);
    return !listeners_.empty();
  }

  void poll_once() {
    std::vector<pollfd> fds;
    std::vector<std::pair<int, uint32_t>> roles;  // kind (0 udp, 1 tcp listen, 2 tcp client), ip
    fds.push_back({inotify_.get(), POLLIN, 0});
    fds.push_back({epoll_.get(), POLLIN, 0});
    fds.push_back({upstream_.get(), POLLIN, 0});
    for (auto& [ip, l] : listeners_) {
      fds.push_back({l.udp.get(), POLLIN, 0});
      fds.push_back({l.tcp.get(), POLLIN, 0});
    }
    for (auto& c : tcp_) fds.push_back({c->fd.get(), POLLIN, 0});
    int n = ::poll(fds.data(), fds.size(), timeout_ms());
    if (n <= 0) return;
    if (fds[0].revents || fds[1].revents) on_change();
    if (fds[2].revents) on_upstream();
    size_t i = 3;
    for (auto& [ip, l] : listeners_) {
      if (i < fds.size() && fds[i].revents) on_udp(l);
      if (i + 1 < fds.size() && fds[i + 1].revents) on_accept(l);
      i += 2;
    }
    for (size_t k = 0; k < tcp_.size() && i < fds.size(); ++i) {
      if (fds[i].revents && !on_tcp(*tcp_[k])) {
        tcp_.erase(tcp_.begin() + static_cast<long>(k));
        continue;
      }
      ++k;
    }
  }

  int timeout_ms() const {
    auto next = Clock::time_point::max();
    for (const auto& [id, p] : pending_) next = std::min(next, p.deadline);
    for (const auto& c : tcp_) next = std::min(next, c->deadline);
    if (next == Clock::time_point::max()) return -1;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
    return static_cast<int>(std::max<long>(0, ms) + 1);
  }

  // Files changed, or containers' inits exited: the tables are built once
  // for everything that happened since the last time.
  void on_change() {
    bool config = false, rescan = false;
    alignas(inotify_event) char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(inotify_.get(), buf, sizeof buf)) > 0) {
      for (char* p = buf; p < buf + n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(p);
        p += sizeof(inotify_event) + ev->len;
        if (ev->mask & IN_Q_OVERFLOW) rescan = config = true;
        if (ev->len == 0) continue;
        const std::string name(ev->name);
        if (ev->wd == config_watch_ && name == "config") config = true;
        if (ev->wd == names_watch_ && !rescan) load_owner(name);
      }
    }
    epoll_event events[64];
    int dead = 0;
    while ((dead = ::epoll_wait(epoll_.get(), events, 64, 0)) > 0) {
      for (int i = 0; i < dead; ++i) {
        auto it = std::find_if(owners_.begin(), owners_.end(), [&](const auto& o) {
          return o.second.number == events[i].data.u32;
        });
        if (it != owners_.end()) drop_owner(it);
      }
    }
    if (rescan) load_all_owners();
    if (config && !read_config()) return;
    rebuild();
  }

  // The reply to a query on `ip`, or nullopt when it must go upstream.
  // The names a client sees: those of the network it asked on, then those of
  // the other networks its container is attached to.
  std::pair<size_t, size_t> find_name(uint32_t ip, uint32_t client, const std::string& name) const {
    auto found = tables_.names.find(ip, name);
    if (found.first != found.second) return found;
    for (uint32_t other : tables_.scopes_of(client))
      if (found = tables_.names.find(other, name); found.first != found.second) return found;
    return found;
  }

  std::optional<std::vector<uint8_t>> answer(uint32_t ip, uint32_t client, const Query& q) {
    if (q.opcode != 0) return build_error(q, Rcode::NotImp);
    const auto [first, last] = find_name(ip, client, q.question.name);
    if (first == last) {
      if (tables_.upstreams.empty()) return build_error(q, Rcode::ServFail);
      return std::nullopt;
    }
    if (q.question.type != kTypeA && q.question.type != kTypeAny)
      return build_error(q, Rcode::NoError);
    std::vector<uint32_t> addrs;
    for (size_t i = first; i < last; ++i)  // two files may list one address
      if (std::find(addrs.begin(), addrs.end(), tables_.names.address(i)) == addrs.end())
        addrs.push_back(tables_.names.address(i));
    size_t turn = turns_[first]++ % addrs.size();  // round robin over replicas
    std::rotate(addrs.begin(), addrs.begin() + static_cast<long>(turn), addrs.end());
    if (addrs.size() > 25) addrs.resize(25);  // stays under 512 bytes over UDP
    return build_a_answer(q, addrs, kTtl);
  }

  void on_udp(Listener& l) {
    uint8_t buf[kMaxUdp * 8];
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n =
          ::recvfrom(l.udp.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) return;
      std::span<const uint8_t> msg(buf, static_cast<size_t>(n));
      auto q = parse_query(msg);
      std::vector<uint8_t> reply;
      if (!q) {
        auto id = message_id(msg);
        if (!id || (buf[2] & 0x80)) continue;  // not even a header, or a response: drop
        reply = build_format_error(*id);
      } else if (auto r = answer(l.ip, ntohl(from.sin_addr.s_addr), *q)) {
        reply = std::move(*r);
      } else {
        Pending p{q->id, *q, l.udp.get(), from, 0, Clock::now() + kUpstreamTimeout};
        forward(msg, std::move(p));
        continue;
      }
      ::sendto(l.udp.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }

  void forward(std::span<const uint8_t> msg, Pending p) {
    uint16_t id = 0;
    do {
      if (::getrandom(&id, sizeof id, 0) != sizeof id) id = static_cast<uint16_t>(id + 1);
    } while (pending_.count(id));
    std::vector<uint8_t> out(msg.begin(), msg.end());
    set_message_id(out, id);
    for (uint32_t up : tables_.upstreams) {
      sockaddr_in a = address(up, 53);
      ::sendto(upstream_.get(), out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&a),
               sizeof a);
    }
    pending_.emplace(id, std::move(p));
  }

  void reply_to(const Pending& p, std::vector<uint8_t> msg) {
    set_message_id(msg, p.client_id);
    if (p.udp_fd >= 0) {
      ::sendto(p.udp_fd, msg.data(), msg.size(), 0, reinterpret_cast<const sockaddr*>(&p.client),
               sizeof p.client);
      return;
    }
    for (auto& c : tcp_)
      if (c->serial == p.tcp_client) send_tcp(c->fd.get(), msg);
  }

  void on_upstream() {
    uint8_t buf[65536];
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n =
          ::recvfrom(upstream_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) return;
      auto id = message_id(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
      if (!id) continue;
      auto it = pending_.find(*id);
      if (it == pending_.end()) continue;  // late, or a second upstream's copy
      reply_to(it->second, std::vector<uint8_t>(buf, buf + n));
      pending_.erase(it);
    }
  }

  void expire() {
    auto now = Clock::now();
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      reply_to(it->second, build_error(it->second.query, Rcode::ServFail));
      it = pending_.erase(it);
    }
    std::erase_if(tcp_, [&](const auto& c) { return c->deadline <= now; });
  }

  void on_accept(Listener& l) {
    for (;;) {
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      UniqueFd fd(::accept4(l.tcp.get(), reinterpret_cast<sockaddr*>(&peer), &len,
                            SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (!fd) return;
      auto c = std::make_unique<TcpClient>();
      c->serial = ++serials_;
      c->fd = std::move(fd);
      c->listen_ip = l.ip;
      c->peer_ip = ntohl(peer.sin_addr.s_addr);
      c->deadline = Clock::now() + std::chrono::seconds(5);
      tcp_.push_back(std::move(c));
    }
  }

  static void send_tcp(int fd, const std::vector<uint8_t>& msg) {
    std::vector<uint8_t> framed = {static_cast<uint8_t>(msg.size() >> 8),
                                   static_cast<uint8_t>(msg.size())};
    framed.insert(framed.end(), msg.begin(), msg.end());
    [[maybe_unused]] ssize_t n = ::send(fd, framed.data(), framed.size(), MSG_NOSIGNAL);
  }

  // False when the connection is done (closed or broken).
  bool on_tcp(TcpClient& c) {
    uint8_t buf[4096];
    ssize_t n = ::read(c.fd.get(), buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EAGAIN)) return false;
    if (n > 0) c.in.insert(c.in.end(), buf, buf + n);
    while (c.in.size() >= 2) {
      size_t len = (static_cast<size_t>(c.in[0]) << 8) | c.in[1];
      if (c.in.size() < 2 + len) break;
      std::span<const uint8_t> msg(c.in.data() + 2, len);
      auto q = parse_query(msg);
      if (!q) {
        auto id = message_id(msg);
        if (id) send_tcp(c.fd.get(), build_format_error(*id));
      } else if (auto r = answer(c.listen_ip, c.peer_ip, *q)) {
        send_tcp(c.fd.get(), *r);
      } else {
        Pending p{q->id, *q, -1, {}, c.serial, Clock::now() + kUpstreamTimeout};
        forward(msg, std::move(p));
      }
      c.in.erase(c.in.begin(), c.in.begin() + static_cast<long>(2 + len));
      c.deadline = Clock::now() + std::chrono::seconds(5);
    }
    return true;
  }

  std::string path_;
  std::filesystem::path names_dir_;
  int port_;
  UniqueFd inotify_, epoll_, upstream_;
  int config_watch_ = -1, names_watch_ = -1;
  std::map<std::string, Owner> owners_;  // by container id
  uint32_t owner_numbers_ = 0;           // the last given (0 is the config)
  ServerTables tables_;
  std::map<uint32_t, Listener> listeners_;
  std::vector<std::unique_ptr<TcpClient>> tcp_;
  std::map<uint16_t, Pending> pending_;
  std::vector<uint32_t> turns_;  // per name (its first entry): the next replica to put first
  uint64_t serials_ = 0;
};

}  // namespace

int run_server(const std::string& config_path, int port) { return Server(config_path, port).run(); }

}  // namespace lit::network::dns
