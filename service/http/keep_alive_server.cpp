#include "service/http/keep_alive_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

namespace swarm::http {

namespace {

// poll() on one descriptor for `events`, up to `ms` (retrying EINTR); the revents, or 0
// on a timeout or a failure.
short wait_for(int fd, short events, int ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int r = ::poll(&p, 1, ms);
    if (r > 0) return p.revents;
    if (r == 0 || errno != EINTR) return 0;
  }
}

int to_ms(time_t sec, time_t usec) {
  return static_cast<int>(sec * 1000 + usec / 1000);
}

void address_of(const sockaddr_storage& a, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
    ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    port = ntohs(v4.sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    port = ntohs(v6.sin6_port);
  }
  ip = text;
}

// One connection's stream (see the header). Owned by its worker; not thread-safe.
class socket_stream final : public httplib::Stream {
public:
  socket_stream(socket_t fd, int read_timeout_ms, int write_timeout_ms)
      : fd_(fd), read_timeout_ms_(read_timeout_ms), write_timeout_ms_(write_timeout_ms) {}

  // A request begins: its response's first write (the head) is held.
  void begin_response() { hold_next_ = true; }

  // Sends what is held. False when the connection failed.
  bool flush() {
    if (failed_) return false;
    if (held_.empty()) return true;
    if (!send_all(held_.data(), held_.size(), nullptr, 0)) return fail();
    held_.clear();
    return true;
  }

  bool has_buffered_input() const { return in_pos_ < in_end_; }

  // Waits for the next request's first bytes with a blocking recv (the socket's receive
  // timeout is `slice`: one system call that wakes with the data), checking `go_on`
  // after each quiet slice. False when the peer closed, failed, or go_on said stop.
  template <class GoOn> bool await_request(GoOn go_on) {
    if (has_buffered_input()) return true;
    if (!flush()) return false;
    for (;;) {
      const ssize_t n = ::recv(fd_, in_, sizeof in_, 0);
      if (n > 0) {
        in_pos_ = 0;
        in_end_ = static_cast<size_t>(n);
        return true;
      }
      if (n == 0) return false;
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !go_on()) return false;
    }
  }

  bool is_readable() const override {
    return has_buffered_input() || (wait_for(fd_, POLLIN, read_timeout_ms_) & POLLIN);
  }

  // Open, the peer still there (a closed peer reads as end of file), and room to write
  // within the write timeout.
  bool is_writable() const override {
    if (failed_) return false;
    // The head is held: the socket was last read from, and the send shows a gone peer.
    if (!held_.empty()) return true;
    const short now = wait_for(fd_, POLLIN | POLLOUT, 0);
    if (now & (POLLERR | POLLHUP | POLLNVAL)) return false;
    if (now & POLLIN) {
      char c;
      if (::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0) return false;
    }
    return (now & POLLOUT) || (wait_for(fd_, POLLOUT, write_timeout_ms_) & POLLOUT);
  }

  ssize_t read(char* ptr, size_t size) override {
    if (!has_buffered_input()) {
      if (!flush()) return -1; // nothing held may wait on the peer
      const ssize_t n = fill();
      if (n <= 0) return n;
    }
    const size_t k = std::min(size, in_end_ - in_pos_);
    std::memcpy(ptr, in_ + in_pos_, k);
    in_pos_ += k;
    return static_cast<ssize_t>(k);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (failed_) return -1;
    if (hold_next_) {
      hold_next_ = false;
      held_.append(ptr, size);
      return static_cast<ssize_t>(size);
    }
    if (!send_all(held_.data(), held_.size(), ptr, size)) return fail();
    held_.clear();
    return static_cast<ssize_t>(size);
  }

  // Both ends, asked of the socket once per connection (httplib asks for every request).
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    if (!remote_) remote_ = end_of(::getpeername);
    ip = remote_->first;
    port = remote_->second;
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (!local_) local_ = end_of(::getsockname);
    ip = local_->first;
    port = local_->second;
  }

  socket_t socket() const override { return fd_; }

private:
  // Reads what has arrived into the buffer, waiting up to the read timeout for the
  // first byte: its size, 0 at the peer's end, -1 on a timeout or failure.
  ssize_t fill() {
    for (;;) {
      const ssize_t n = ::recv(fd_, in_, sizeof in_, MSG_DONTWAIT);
      if (n >= 0) {
        in_pos_ = 0;
        in_end_ = static_cast<size_t>(n);
        return n;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!(wait_for(fd_, POLLIN, read_timeout_ms_) & (POLLIN | POLLHUP | POLLERR)))
        return -1;
    }
  }

  // Sends a then b whole, in as few system calls as the socket takes.
  bool send_all(const char* a, size_t an, const char* b, size_t bn) {
    while (an + bn > 0) {
      iovec parts[2];
      int count = 0;
      if (an > 0) parts[count++] = {const_cast<char*>(a), an};
      if (bn > 0) parts[count++] = {const_cast<char*>(b), bn};
      msghdr m{};
      m.msg_iov = parts;
      m.msg_iovlen = static_cast<size_t>(count);
      const ssize_t n = ::sendmsg(fd_, &m, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false; // EAGAIN here is SO_SNDTIMEO: the peer took nothing for that long
      }
      size_t sent = static_cast<size_t>(n);
      const size_t from_a = std::min(sent, an);
      a += from_a;
      an -= from_a;
      sent -= from_a;
      b += sent;
      bn -= sent;
    }
    return true;
  }

  using end = std::pair<std::string, int>;
  end end_of(int (*ask)(int, sockaddr*, socklen_t*)) const {
    end e{{}, 0};
    sockaddr_storage a{};
    socklen_t n = sizeof a;
    if (ask(fd_, reinterpret_cast<sockaddr*>(&a), &n) == 0) address_of(a, e.first, e.second);
    return e;
  }

  ssize_t fail() {
    failed_ = true;
    held_.clear();
    return -1;
  }

  socket_t fd_;
  int read_timeout_ms_;
  int write_timeout_ms_;
  char in_[16 * 1024];
  size_t in_pos_ = 0, in_end_ = 0;
  std::string held_;
  bool hold_next_ = false;
  mutable std::optional<end> remote_, local_;
  bool failed_ = false;
};

} // namespace

bool keep_alive_server::process_and_close_socket(socket_t sock) {
  const timeval send_limit{write_timeout_sec_, static_cast<suseconds_t>(write_timeout_usec_)};
  ::setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &send_limit, sizeof send_limit);
  // Blocking receives wake at least this often, to notice a stop (reads within a
  // request wait with poll() and the read timeout instead).
  const timeval slice{0, 50'000};
  ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof slice);
  socket_stream stream(sock, to_ms(read_timeout_sec_, read_timeout_usec_),
                       to_ms(write_timeout_sec_, write_timeout_usec_));
  // The next request has begun to arrive; false once the peer closed, the server
  // stops, or after keep_alive_timeout_sec_ of silence.
  const auto next_request = [&] {
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::seconds(keep_alive_timeout_sec_);
    return stream.await_request([&] {
      return svr_sock_ != INVALID_SOCKET && std::chrono::steady_clock::now() < until;
    });
  };
  bool ok = false;
  for (size_t left = keep_alive_max_count_; left > 0 && next_request(); --left) {
    bool closed = false;
    stream.begin_response();
    ok = process_request(stream, left == 1, closed, nullptr);
    ok = stream.flush() && ok;
    if (!ok || closed) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

} // namespace swarm::http
