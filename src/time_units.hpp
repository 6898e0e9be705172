#pragma once
// The public API's times are std::chrono (swarm::timestamp, std::chrono::milliseconds);
// the engine computes with, stores and sends integers — unix microseconds, and
// milliseconds where a key says `_ms`. These convert at that edge, in one place.
// Internal (not installed); inline, no state: any thread.

#include <swarm/types.hpp>

#include <chrono>
#include <cstdint>

namespace swarm {

// Unix µs of a moment; 0 for the epoch ("none" / "never").
constexpr int64_t to_us(timestamp t) noexcept {
  return t.time_since_epoch().count();
}
// A duration in whole µs (milliseconds convert exactly).
constexpr int64_t to_us(std::chrono::microseconds d) noexcept {
  return d.count();
}

// The moment `us` unix µs; the epoch for 0.
constexpr timestamp from_us(int64_t us) noexcept {
  return timestamp{std::chrono::microseconds{us}};
}

} // namespace swarm
