#pragma once
// The control endpoint: JSON lines over a Unix socket, for its owner only (mode 0600,
// and peers of another user are refused: SO_PEERCRED). One acceptor thread; one thread
// per connection (connections are CLI invocations and scripts: few, short). Each line
// is handed to `handler` (the engine's command dispatcher) and its reply written back
// as one line. Plain C++: no CAF here — the handler talks to the actors.

#include "actors/engine/transport.hpp"

#include <swarm/error.hpp>

#include <atomic>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace swarm {

class control_server final : public transport {
public:
  using handler = std::function<std::string(const std::string&)>;

  // Binds `path` (replacing a stale socket file) and starts serving.
  static expected<std::unique_ptr<control_server>> start(const std::string& path,
                                                          handler h);
  // Stops accepting and removes the file (a connection not yet accepted is reset: its
  // request never ran), ends every connection's reading while a request being handled
  // still writes its reply, then joins.
  ~control_server() override;
  control_server(const control_server&) = delete;
  control_server& operator=(const control_server&) = delete;

  const std::string& path() const { return path_; }
  const std::string& where() const override { return path_; }

private:
  control_server(std::string path, int fd, handler h);
  void accept_loop();
  void serve(int fd, std::atomic<bool>& done);
  void reap_finished();
  // The refusal line for a peer of another user (SO_PEERCRED: neither this process's
  // user nor root), else nullopt: the socket's mode keeps others out, this too when a
  // directory or umask let them reach it.
  static std::optional<std::string> stranger(int fd);

  std::string path_;
  int listen_fd_;
  int wake_pipe_[2] = {-1, -1};
  handler handler_;
  std::atomic<bool> stopping_{false};
  std::mutex mtx_;
  struct worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::list<worker> workers_; // finished ones are joined by the acceptor
  std::list<int> open_fds_;
  std::thread acceptor_;
};

// One request/reply exchange with the engine serving `path`. errc::engine_unavailable
// when no engine took the request (none listens, or it stopped before accepting it);
// errc::io_error when the connection ended without a reply after the engine took it —
// the request may have run, so it must not be sent elsewhere.
expected<std::string> control_call(const std::string& path, const std::string& line);

} // namespace swarm
