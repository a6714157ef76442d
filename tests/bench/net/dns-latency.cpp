// dns-latency SERVER NAME COUNT: sends COUNT A queries for NAME to SERVER:53
// over UDP, one at a time, and prints "p50 p90 p99 answered" (microseconds,
// queries answered with at least one address). Benchmark helper only: the
// network-bench script compiles it with g++; a query unanswered in 1 s counts
// as lost, and any lost or empty answer makes the exit status 1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

std::vector<uint8_t> query(uint16_t id, const std::string& name) {
  std::vector<uint8_t> q = {uint8_t(id >> 8), uint8_t(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    if (dot > start) {
      q.push_back(uint8_t(dot - start));
      q.insert(q.end(), name.begin() + long(start), name.begin() + long(dot));
    }
    start = dot + 1;
  }
  q.insert(q.end(), {0, 0, 1, 0, 1});  // root, QTYPE A, QCLASS IN
  return q;
}

// True when REPLY answers ID with NOERROR and at least one record.
bool answered(const uint8_t* r, ssize_t n, uint16_t id) {
  if (n < 12) return false;
  bool same_id = ((r[0] << 8) | r[1]) == id;
  bool noerror = (r[3] & 0x0f) == 0;
  return same_id && (r[2] & 0x80) && noerror && ((r[6] << 8) | r[7]) > 0;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: dns-latency SERVER NAME COUNT\n");
    return 2;
  }
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(53);
  if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) {
    std::fprintf(stderr, "dns-latency: bad IPv4 address %s\n", argv[1]);
    return 2;
  }
  int count = std::atoi(argv[3]);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
    std::perror("dns-latency: socket");
    return 2;
  }
  std::vector<double> us;
  int good = 0;
  uint8_t reply[1500];
  for (int i = 0; i < count; ++i) {
    uint16_t id = uint16_t(i * 7919 + 1);
    auto q = query(id, argv[2]);
    auto t0 = std::chrono::steady_clock::now();
    if (send(fd, q.data(), q.size(), 0) != ssize_t(q.size())) continue;
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    auto t1 = std::chrono::steady_clock::now();
    if (!answered(reply, n, id)) continue;
    ++good;
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  close(fd);
  if (us.empty()) {
    std::printf("nan nan nan 0\n");
    return 1;
  }
  std::printf("%.1f %.1f %.1f %d\n", percentile(us, 0.5), percentile(us, 0.9), percentile(us, 0.99),
              good);
  return good == count ? 0 : 1;
}
