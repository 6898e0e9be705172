#pragma once
// SIGINT and SIGTERM as a graceful stop. The first signal calls the handler set by
// on_first (on the watcher thread; a signal that came before it was set is handed to it
// when it is set); the second ends the process at once with exit code 130 — safe, since
// the journal has every acknowledged change and the next start recovers the claims and
// kills leftover models.
//
// Construct it before anything starts a thread (the engine): it blocks both signals in
// the calling thread, threads started later inherit the block, and only its watcher
// thread takes them (model subprocesses get a clean mask from the process runner).
// The destructor stops the watcher and restores the mask. Main thread only.

#include <atomic>
#include <csignal>
#include <functional>
#include <mutex>
#include <thread>

namespace swarm::cli {

class stop_signals {
public:
  stop_signals();
  ~stop_signals();
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

  void on_first(std::function<void(int signal)> handler);

private:
  void watch();

  sigset_t old_mask_;
  std::mutex mutex_;
  std::function<void(int)> handler_; // guarded by mutex_
  int pending_ = 0;                  // a first signal with no handler yet; guarded
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

} // namespace swarm::cli
