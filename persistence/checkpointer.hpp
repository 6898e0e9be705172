#pragma once
// Moves committed WAL frames into the database file on its own connection and thread,
// so the writer never waits for a checkpoint's fsync. Owned by the persistence actor.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace swarm::persistence {

class checkpointer {
public:
  explicit checkpointer(std::string db_path);
  ~checkpointer(); // stops and joins
  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;

  // The writer committed something; a checkpoint will follow shortly.
  void note_commit() { dirty_.store(true, std::memory_order_relaxed); }

private:
  void loop();

  std::string path_;
  std::atomic<bool> dirty_{false};
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace swarm::persistence
