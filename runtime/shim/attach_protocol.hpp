#pragma once
// The attach socket's wire format, between lit-shim (the server, one per
// detached container) and `lit attach` (a client). Both ways: frames of one
// kind byte, a 4-byte big-endian payload length, then the payload.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/util/fs.hpp"

namespace lit::shim::attach {

// Shim to client.
constexpr char kStdout = '1';  // the container's output as it arrives (all of it with a tty)
constexpr char kStderr = '2';
constexpr char kExit = 'x';  // the main process exited: its exit code, as decimal text
// Client to shim.
constexpr char kStdin = 'i';   // bytes for the container's stdin (or its pty)
constexpr char kEof = 'e';     // the client's stdin ended
constexpr char kResize = 'w';  // the client's terminal size: "ROWS COLS"

constexpr size_t kHeader = 5;
constexpr uint32_t kMaxPayload = 1U << 20;

inline std::string frame(char kind, std::string_view payload) {
  std::string out(kHeader, '\0');
  out[0] = kind;
  auto n = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<char>((n >> (24 - 8 * i)) & 0xff);
  out.append(payload);
  return out;
}

struct Frame {
  char kind = 0;
  std::string payload;
};

// Takes the first whole frame off `buf`; nullopt while it is incomplete.
// `bad` is set when the length is beyond kMaxPayload (a broken peer).
inline std::optional<Frame> take_frame(std::string& buf, bool& bad) {
  if (buf.size() < kHeader) return std::nullopt;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(buf[1 + i]);
  if (n > kMaxPayload) {
    bad = true;
    return std::nullopt;
  }
  if (buf.size() < kHeader + n) return std::nullopt;
  Frame f{buf[0], buf.substr(kHeader, n)};
  buf.erase(0, kHeader + n);
  return f;
}

// The socket's address. A path too long for sun_path (deep test roots) is
// reached through its directory, held open in `dir`, as /proc/self/fd/N/NAME.
inline bool socket_address(const std::string& path, sockaddr_un& addr, UniqueFd& dir) {
  addr = {};
  addr.sun_family = AF_UNIX;
  std::string target = path;
  if (target.size() >= sizeof addr.sun_path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return false;
    dir.reset(::open(path.substr(0, slash).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return false;
    target = "/proc/self/fd/" + std::to_string(dir.get()) + path.substr(slash);
    if (target.size() >= sizeof addr.sun_path) return false;
  }
  target.copy(addr.sun_path, target.size());
  return true;
}

}  // namespace lit::shim::attach
