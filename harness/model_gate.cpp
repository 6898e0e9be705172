#include "harness/model_gate.hpp"

#include <algorithm>

namespace swarm::harness {

model_gate::pause model_gate::unavailable(clock::time_point now,
                                          const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  until_ = std::max(until_, now + next_);
  next_ = std::min(max_, next_ * 2);
  pause p;
  p.length = std::chrono::ceil<std::chrono::milliseconds>(until_ - now);
  p.tell = message != told_;
  told_ = message;
  return p;
}

bool model_gate::worked() {
  std::lock_guard<std::mutex> lock(mutex_);
  const bool was_down = !told_.empty();
  told_.clear();
  next_ = first_;
  return was_down;
}

std::chrono::milliseconds model_gate::paused_for(clock::time_point now) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (until_ <= now) return std::chrono::milliseconds{0};
  return std::chrono::ceil<std::chrono::milliseconds>(until_ - now);
}

} // namespace swarm::harness
