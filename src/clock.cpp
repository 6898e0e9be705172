#include "src/clock.hpp"

#include <chrono>

namespace swarm {

int64_t clock_now_us() {
  using namespace std::chrono;
  struct anchor {
    system_clock::time_point wall = system_clock::now();
    steady_clock::time_point steady = steady_clock::now();
  };
  static const anchor at_start;
  const auto now = at_start.wall + duration_cast<system_clock::duration>(
                                       steady_clock::now() - at_start.steady);
  return duration_cast<microseconds>(now.time_since_epoch()).count();
}

} // namespace swarm
