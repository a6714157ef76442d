#pragma once
// DNS on the wire for integration tests: queries over UDP and TCP, their
// replies decoded, and a fake upstream resolver the test runs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "network/dns/packet.hpp"

namespace lit::test {

using namespace lit::network::dns;

inline sockaddr_in addr(const char* ip, int port = 53) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

inline std::vector<uint8_t> make_query(uint16_t id, const std::string& name,
                                       uint16_t type = kTypeA) {
  std::vector<uint8_t> m = {
      static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = std::min(name.find('.', start), name.size());
    m.push_back(static_cast<uint8_t>(dot - start));
    m.insert(m.end(), name.begin() + static_cast<long>(start),
             name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  m.push_back(0);
  m.insert(m.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
  return m;
}

struct Reply {
  int rcode = -1;  // -1: no reply
  std::vector<std::string> addresses;
};

inline Reply decode(const std::vector<uint8_t>& m, size_t question_size) {
  Reply r;
  if (m.size() < 12) return r;
  r.rcode = m[3] & 0x0F;
  int answers = (m[6] << 8) | m[7];
  size_t at = 12 + question_size;
  for (int i = 0; i < answers && at + 16 <= m.size(); ++i, at += 16)
    r.addresses.push_back(std::to_string(m[at + 12]) + "." + std::to_string(m[at + 13]) + "." +
                          std::to_string(m[at + 14]) + "." + std::to_string(m[at + 15]));
  return r;
}

inline Reply ask_udp(const char* server, const std::string& name, uint16_t type = kTypeA,
                     timeval tv = {4, 0}, int port = 53) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto q = make_query(0x4242, name, type);
  sockaddr_in a = addr(server, port);
  sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  std::vector<uint8_t> buf(4096);
  ssize_t n = recv(fd, buf.data(), buf.size(), 0);
  close(fd);
  if (n <= 0) return {};
  buf.resize(static_cast<size_t>(n));
  EXPECT_EQ(message_id(buf), 0x4242);
  return decode(buf, q.size() - 12);
}

inline Reply ask_tcp(const char* server, const std::string& name) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{4, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a = addr(server);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    close(fd);
    return {};
  }
  auto q = make_query(7, name);
  std::vector<uint8_t> framed = {static_cast<uint8_t>(q.size() >> 8),
                                 static_cast<uint8_t>(q.size())};
  framed.insert(framed.end(), q.begin(), q.end());
  send(fd, framed.data(), framed.size(), 0);
  std::vector<uint8_t> buf(4096);
  size_t got = 0;
  while (got < 2 || got < 2 + ((static_cast<size_t>(buf[0]) << 8) | buf[1])) {
    ssize_t n = recv(fd, buf.data() + got, buf.size() - got, 0);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fd);
  if (got < 2) return {};
  std::vector<uint8_t> msg(buf.begin() + 2, buf.begin() + static_cast<long>(got));
  return decode(msg, q.size() - 12);
}

// A resolver the test controls, on UDP port 53 of `ip`: example.test is
// 192.0.2.7, everything else NXDOMAIN.
class FakeUpstream {
 public:
  explicit FakeUpstream(const char* ip) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = addr(ip);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    timeval tv{0, 100000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeUpstream() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int queries() const { return queries_; }

 private:
  void serve() {
    while (!stop_) {
      uint8_t buf[512];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      ++queries_;
      auto q = parse_query(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
      if (!q) continue;
      auto reply = q->question.name == "example.test" ? build_a_answer(*q, {0xC0000207}, 60)
                                                      : build_error(*q, Rcode::NxDomain);
      sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

}  // namespace lit::test
