#pragma once
// HTTP/1.1 over a plain TCP socket to 127.0.0.1: what a test needs to see the
// connection itself (pipelined requests, 100-continue, a stream's first bytes) and
// what a benchmark needs to send requests back to back without a client library in the
// way. No Catch2 here: failures are return values, so a benchmark can use it too.
//
// One thread at a time. Receives wait at most the timeout given at connect. The
// destructor closes the socket.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace swarm::test {

class raw_http {
public:
  // Connects (TCP_NODELAY); connected() says whether it did.
  raw_http(int port, int timeout_seconds = 20) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval limit{timeout_seconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~raw_http() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_http(const raw_http&) = delete;
  raw_http& operator=(const raw_http&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Sends all of `bytes`.
  bool send(const std::string& bytes) {
    for (size_t sent = 0; sent < bytes.size();) {
      const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  struct response {
    int status = 0;
    std::string head; // status line and headers, without the blank line
    std::string body;
    // A header's value ("" when absent); the name as the server wrote it.
    std::string header(std::string_view name) const {
      for (size_t at = head.find("\r\n"); at != std::string::npos;
           at = head.find("\r\n", at + 2)) {
        const std::string_view line{head.data() + at + 2,
                                    std::min(head.find("\r\n", at + 2), head.size()) - at - 2};
        if (line.size() > name.size() + 1 && line.compare(0, name.size(), name) == 0 &&
            line[name.size()] == ':')
          return std::string{line.substr(name.size() + 2)};
      }
      return {};
    }
  };

  // The next whole response: its head, then Content-Length bytes of body (none without
  // one). Unset when the connection ended or timed out first.
  std::optional<response> read_response() {
    response r;
    if (!read_until("\r\n\r\n", r.head)) return std::nullopt;
    r.head.resize(r.head.size() - 4);
    if (r.head.compare(0, 9, "HTTP/1.1 ") != 0) return std::nullopt;
    r.status = std::atoi(r.head.c_str() + 9);
    const auto length = r.header("Content-Length");
    const size_t n = length.empty() ? 0 : std::stoul(length);
    while (buffer_.size() < n)
      if (!fill()) return std::nullopt;
    take(n, r.body);
    return r;
  }

  // What arrives up to and including `marker`; unset when the connection ended or timed
  // out first.
  std::optional<std::string> read_until(const std::string& marker) {
    std::string out;
    if (!read_until(marker, out)) return std::nullopt;
    return out;
  }

private:
  bool read_until(const std::string& marker, std::string& out) {
    size_t at;
    while ((at = buffer_.find(marker)) == std::string::npos)
      if (!fill()) return false;
    take(at + marker.size(), out);
    return true;
  }

  // The first n bytes received, out of the buffer.
  void take(size_t n, std::string& out) {
    out.assign(buffer_, 0, n);
    buffer_.erase(0, n);
  }

  bool fill() {
    char chunk[16384];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

} // namespace swarm::test
