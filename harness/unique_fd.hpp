#pragma once
// Descriptor ownership for the subprocess runner's pieces (harness/runner_*.cpp): an
// owned descriptor, closed when it goes away, and close-on-exec pipes that stay clear of
// the standard streams. Internal to harness/; plain C++, no thread of its own.

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <system_error>
#include <utility>

namespace swarm::harness::detail {

inline std::string errno_text(int err) {
  return std::system_category().message(err);
}

class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~unique_fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

private:
  int fd_ = -1;
};

// Moves `fd` to a number above stdin/stdout/stderr (close-on-exec), so dup2 onto 0..2 in
// the child can never clobber it, even in a program that closed its standard streams.
inline unique_fd above_stdio(unique_fd fd) {
  if (fd.get() > 2) return fd;
  return unique_fd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
}

struct pipe_pair {
  unique_fd read_end, write_end;
};

// Both ends close-on-exec; the write end (the one a child gets) above the standard
// streams.
inline std::optional<pipe_pair> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  pipe_pair p{unique_fd(fds[0]), above_stdio(unique_fd(fds[1]))};
  if (!p.write_end.valid()) return std::nullopt;
  return p;
}

} // namespace swarm::harness::detail
