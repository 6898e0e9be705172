#pragma once
// The status board: what `status` answers — task counts and the agent list — kept
// ready for any thread, so reading it costs a copy under a mutex, not two actor round
// trips (GET /api/status is the call a dashboard and every monitor make most).
//
// Writers: the task queue (counts, after each journal batch it sent has committed or
// failed, and on its tick) and the coordinator (its listing, after each message that
// changed an agent). Readers: the engine's status(), on API and transport threads.
// What a reader sees is what the owning actor held at its last publish: a change
// answered to its caller (after commit) has been published before that answer.
// Thread-safe; shared by the engine and the two actors (shared_ptr).

#include <swarm/types.hpp>

#include <mutex>
#include <utility>
#include <vector>

namespace swarm {

class status_board {
public:
  void publish(const task_counts& c) {
    std::lock_guard<std::mutex> lock{mtx_};
    counts_ = c;
  }
  void publish(std::vector<agent_status> agents) {
    std::lock_guard<std::mutex> lock{mtx_};
    agents_ = std::move(agents);
  }

  task_counts counts() const {
    std::lock_guard<std::mutex> lock{mtx_};
    return counts_;
  }
  std::vector<agent_status> agents() const {
    std::lock_guard<std::mutex> lock{mtx_};
    return agents_;
  }

private:
  mutable std::mutex mtx_;
  task_counts counts_;
  std::vector<agent_status> agents_;
};

} // namespace swarm
