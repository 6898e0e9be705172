#pragma once
// Whether the agents running one model may claim work: when the model's CLI says it
// cannot reach its service (model_unavailable: not logged in, no key, offline, rate
// limited), claims pause for a backoff that doubles per repeat up to a cap, and reset
// once an attempt gets through. Telling the person what to fix happens once per distinct
// message, not once per agent or attempt.
//
// Shared by the agents added together (they share one adapter) and touched from
// whichever scheduler threads run them: every member is guarded by one mutex. Plain C++;
// times are passed in, so tests need no clock.

#include <chrono>
#include <mutex>
#include <string>

namespace swarm::harness {

class model_gate {
public:
  using clock = std::chrono::steady_clock;

  // REQUIRES: 0 < first <= max.
  model_gate(std::chrono::milliseconds first, std::chrono::milliseconds max)
      : first_(first), max_(max), next_(first) {}

  struct pause {
    std::chrono::milliseconds length{0}; // claims pause this long from now
    bool tell = false; // a message not said since the model last worked: say it
  };

  // The model said `message` at `now`: claims pause until now + the current backoff (an
  // existing longer pause stands), and the next backoff doubles, up to the max.
  pause unavailable(clock::time_point now, const std::string& message);

  // An attempt got through (any outcome but model_unavailable): the backoff resets.
  // True when that ends an outage (worth saying).
  bool worked();

  // How long claims stay paused from `now`; zero: claim.
  std::chrono::milliseconds paused_for(clock::time_point now) const;

private:
  mutable std::mutex mutex_;
  const std::chrono::milliseconds first_, max_;
  std::chrono::milliseconds next_;
  clock::time_point until_{};
  std::string told_; // the last message said; empty while the model works
};

} // namespace swarm::harness
