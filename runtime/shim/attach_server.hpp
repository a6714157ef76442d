#pragma once
// The attach endpoint of one detached container, served by its lit-shim: a
// unix socket in the container's run directory. Every connected client (a
// `lit attach`) gets the container's output as it arrives, and what clients
// send goes to the container's stdin (its pipe, or its pty master with a tty).
// There is no daemon: the shim's poll loop drives it (see attach_protocol.hpp
// for the frames). Nothing here ever blocks the container: a client that does
// not read is dropped once far behind.
#include <poll.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/util/fs.hpp"

namespace lit::shim {

class AttachServer {
 public:
  AttachServer() = default;
  ~AttachServer();
  AttachServer(const AttachServer&) = delete;
  AttachServer& operator=(const AttachServer&) = delete;

  // Listens on `path` (a stale socket there is replaced); false if it cannot.
  bool listen(const std::string& path);

  // Where client input goes for this run of the container: the stdin pipe's
  // write end or the pty master (-1: nowhere, input is dropped). With
  // `stdin_once` (docker's StdinOnce) the first client whose stdin ends
  // closes the container's stdin: `on_stdin_end` is called.
  struct Input {
    int fd = -1;
    bool pty = false;
    bool stdin_once = false;
  };
  void set_input(Input in, std::function<void()> on_stdin_end);

  // The descriptors to poll, appended to `fds`; then handle() with the same
  // slice once poll returned.
  void add_pollfds(std::vector<pollfd>& fds) const;
  void handle(const pollfd* fds, size_t count);

  // Output of the container (kind: attach::kStdout or kStderr) to every client.
  void broadcast(char kind, std::string_view data);
  // The container exited with `code`: told to every client, who are then let go.
  void finish(int code);

 private:
  struct Client {
    UniqueFd fd;
    std::string in, out;  // received, not yet parsed; to send
  };
  void accept_clients();
  void read_client(Client& c);
  void write_client(Client& c);
  void on_frame(char kind, const std::string& payload);
  void flush_input();

  std::string path_;
  UniqueFd listen_;
  std::vector<Client> clients_;
  Input input_;
  std::function<void()> on_stdin_end_;
  std::string pending_input_;  // for the container, waiting for room in its pipe
  bool close_input_ = false;   // StdinOnce: close it once pending_input_ is written
};

}  // namespace lit::shim
