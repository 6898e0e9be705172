#include "cli/stop_signals.hpp"

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <pthread.h>
#include <unistd.h>

namespace swarm::cli {

namespace {

sigset_t stop_set() {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGINT);
  sigaddset(&s, SIGTERM);
  return s;
}

} // namespace

stop_signals::stop_signals() {
  const sigset_t s = stop_set();
  pthread_sigmask(SIG_BLOCK, &s, &old_mask_);
  watcher_ = std::thread([this] { watch(); });
}

stop_signals::~stop_signals() {
  done_ = true;
  watcher_.join();
  // A signal that came after the watcher ended stays blocked: unblocking would deliver
  // it with its default action and kill a command that already finished its work.
  sigset_t pending;
  if (sigpending(&pending) == 0 &&
      (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM)))
    return;
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void stop_signals::on_first(std::function<void(int)> handler) {
  int pending = 0;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    handler_ = handler;
    pending = pending_;
    pending_ = 0;
  }
  if (pending != 0) handler(pending);
}

void stop_signals::watch() {
  const sigset_t s = stop_set();
  int seen = 0;
  const timespec tick{0, 200'000'000};
  while (!done_) {
    siginfo_t info;
    const int sig = sigtimedwait(&s, &info, &tick);
    if (sig < 0) continue; // EAGAIN (the tick) or EINTR
    if (++seen > 1) {
      static const char msg[] = "swarm: second signal: stopping at once; the next start "
                                "recovers the claims\n";
      (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
      std::_Exit(130);
    }
    std::function<void(int)> handler;
    {
      std::lock_guard<std::mutex> lock{mutex_};
      handler = handler_;
      if (!handler) pending_ = sig;
    }
    if (handler) handler(sig);
  }
}

} // namespace swarm::cli
