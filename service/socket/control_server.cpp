#include "service/socket/control_server.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace swarm {

namespace {

constexpr size_t max_line = 16 * 1024 * 1024; // a request larger than this is refused

expected<sockaddr_un> socket_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return make_error(errc::io_error, "control socket path '" + path + "' is longer than " +
                                        std::to_string(sizeof addr.sun_path - 1) +
                                        " bytes; use a shorter --db or --socket path");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    auto n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

} // namespace

expected<std::unique_ptr<control_server>> control_server::start(const std::string& path,
                                                                handler h) {
  auto addr = socket_address(path);
  if (!addr)
    return addr.error();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return make_error(errc::io_error, std::string{"socket: "} + std::strerror(errno));
  // The socket is made under a name of its own and renamed into place once it listens:
  // a client that finds the file can connect (between bind and listen it would be
  // refused, and take that for "no engine"). A path too long for the extra suffix is
  // bound in place.
  const std::string fresh = path + ".new";
  auto fresh_addr = socket_address(fresh);
  const std::string& bound = fresh_addr ? fresh : path;
  // The caller holds the database lock, so a socket file left here is a dead engine's.
  ::unlink(path.c_str());
  ::unlink(fresh.c_str());
  // Owner only: whoever connects may read and change the swarm (acting as an agent
  // needs its token, README "Identity"). Checked before listening.
  const auto& at = fresh_addr ? *fresh_addr : *addr;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0 ||
      ::chmod(bound.c_str(), 0600) != 0 || ::listen(fd, 64) != 0 ||
      (fresh_addr && ::rename(fresh.c_str(), path.c_str()) != 0)) {
    int err = errno;
    ::close(fd);
    ::unlink(bound.c_str());
    return make_error(errc::io_error,
                      "cannot serve control socket " + path + ": " + std::strerror(err));
  }
  return std::unique_ptr<control_server>{new control_server(path, fd, std::move(h))};
}

control_server::control_server(std::string path, int fd, handler h)
  : path_(std::move(path)), listen_fd_(fd), handler_(std::move(h)) {
  if (::pipe2(wake_pipe_, O_CLOEXEC) != 0)
    wake_pipe_[0] = wake_pipe_[1] = -1;
  acceptor_ = std::thread([this] { accept_loop(); });
}

control_server::~control_server() {
  stopping_ = true;
  if (wake_pipe_[1] >= 0) {
    char c = 1;
    if (::write(wake_pipe_[1], &c, 1) < 0) {
      // The acceptor also polls with a timeout; it will notice stopping_.
    }
  }
  acceptor_.join();
  // New connections fail at once (their clients find no engine and go elsewhere), and
  // ones waiting unaccepted are reset: nothing of theirs was read.
  ::close(listen_fd_);
  ::unlink(path_.c_str());
  // Reading ends (a connection waiting for its next request is done), writing does
  // not: a request being handled still gets its reply. Lost, its client could not tell
  // whether the request took effect.
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (int fd : open_fds_)
      ::shutdown(fd, SHUT_RD);
  }
  for (auto& w : workers_)
    w.thread.join();
  for (int p : wake_pipe_)
    if (p >= 0)
      ::close(p);
}

void control_server::accept_loop() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    int n = ::poll(fds, wake_pipe_[0] >= 0 ? 2 : 1, 500);
    if (n <= 0 || !(fds[0].revents & POLLIN))
      continue;
    reap_finished();
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      continue;
    std::lock_guard<std::mutex> guard{mtx_};
    open_fds_.push_back(fd);
    auto& w = workers_.emplace_back();
    w.thread = std::thread([this, fd, &w] { serve(fd, w.done); });
  }
}

std::optional<std::string> control_server::stranger(int fd) {
  ucred peer{};
  socklen_t size = sizeof peer;
  const auto owner = ::geteuid();
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0 &&
      (peer.uid == owner || peer.uid == 0))
    return std::nullopt;
  return std::string{R"({"id":null,"ok":false,"error":{"code":"forbidden","message":)"} +
         "\"this engine's control socket serves its owner (uid " + std::to_string(owner) +
         ") only; this connection is from uid " + std::to_string(peer.uid) +
         ": use the HTTP API with a token instead\"}}\n";
}

void control_server::reap_finished() {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done.load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void control_server::serve(int fd, std::atomic<bool>& done) {
  // A peer of another user gets the refusal for each request it sends (read first:
  // closing on a request not yet written would leave it a broken pipe, not a reason).
  const auto refused = stranger(fd);
  std::string buffer;
  char chunk[64 * 1024];
  bool open = true;
  while (open && !stopping_) {
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    buffer.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (auto nl = buffer.find('\n'); nl != std::string::npos;
         nl = buffer.find('\n', start)) {
      auto line = buffer.substr(start, nl - start);
      start = nl + 1;
      if (line.empty())
        continue;
      if (!write_all(fd, refused ? *refused : handler_(line) + "\n")) {
        open = false;
        break;
      }
    }
    buffer.erase(0, start);
    if (buffer.size() > max_line) {
      write_all(fd, R"({"id":null,"ok":false,"error":{"code":"bad_request","message":)"
                    R"("request line too long"}})"
                    "\n");
      break;
    }
  }
  std::lock_guard<std::mutex> guard{mtx_};
  open_fds_.remove(fd);
  ::close(fd);
  done = true;
}

expected<std::string> control_call(const std::string& path, const std::string& line) {
  auto addr = socket_address(path);
  if (!addr)
    return addr.error();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return make_error(errc::io_error, std::string{"socket: "} + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) != 0) {
    int err = errno;
    ::close(fd);
    return make_error(errc::engine_unavailable,
                      "no engine listens on " + path + " (" + std::strerror(err) + ")");
  }
  std::string reply;
  if (!write_all(fd, line + "\n")) {
    ::close(fd);
    return make_error(errc::io_error, "could not send the request to " + path);
  }
  char chunk[64 * 1024];
  for (;;) {
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == ECONNRESET && reply.empty()) {
      // Reset with the request unread: the engine closed its socket before accepting
      // this connection (it is stopping). The request never ran.
      ::close(fd);
      return make_error(errc::engine_unavailable,
                        "the engine on " + path + " stopped before it took the request");
    }
    if (n <= 0)
      break;
    reply.append(chunk, static_cast<size_t>(n));
    if (auto nl = reply.find('\n'); nl != std::string::npos) {
      reply.resize(nl);
      ::close(fd);
      return reply;
    }
  }
  ::close(fd);
  // Not engine_unavailable: the request may have taken effect (the engine stopped or
  // died while handling it), so it must not be run again elsewhere.
  return make_error(errc::io_error,
                    "the engine on " + path + " closed the connection without answering: "
                    "it stopped while handling the request, which may or may not have "
                    "taken effect — look (swarm status) before running it again");
}

} // namespace swarm
