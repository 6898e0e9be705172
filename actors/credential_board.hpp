#pragma once
// The credential board: which agent each token hash belongs to, kept ready for any
// thread, so telling who sent a request costs a hash and a lookup under a mutex, not an
// actor round trip (engine::identify, on every transport's thread).
//
// Writer: the coordinator, at start (the agents the projection knows) and after each
// registration, before the registration is answered — a token is usable once its
// owner holds it. Registering again replaces the agent's hash: the old token stops
// working. Thread-safe; shared by the engine and the coordinator (shared_ptr).

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace swarm {

class credential_board {
public:
  // `hash` is now `agent`'s only token hash ("" clears it).
  void publish(const std::string& agent, const std::string& hash) {
    std::lock_guard<std::mutex> lock{mtx_};
    if (auto old = hash_of_.find(agent); old != hash_of_.end()) {
      agent_of_.erase(old->second);
      hash_of_.erase(old);
    }
    if (hash.empty()) return;
    hash_of_[agent] = hash;
    agent_of_[hash] = agent;
  }

  // The agent whose token hashes to `hash`, if any.
  std::optional<std::string> agent_of(const std::string& hash) const {
    std::lock_guard<std::mutex> lock{mtx_};
    auto it = agent_of_.find(hash);
    if (it == agent_of_.end()) return std::nullopt;
    return it->second;
  }

  bool has_token(const std::string& agent) const {
    std::lock_guard<std::mutex> lock{mtx_};
    return hash_of_.count(agent) > 0;
  }

private:
  mutable std::mutex mtx_;
  std::unordered_map<std::string, std::string> agent_of_; // hash -> agent
  std::map<std::string, std::string> hash_of_;            // agent -> hash
};

} // namespace swarm
