#pragma once
// The engine's clock: unix µs as the wall clock read once, when the process first asks,
// advanced by the monotonic clock from then on. Leases, claims, heartbeats, TTLs and
// back-offs are all measured with it, so a step of the wall clock (NTP, a VM resumed,
// an operator's `date -s`) neither expires a lease early nor keeps a dead one alive;
// the journal's times stay wall times as of the start. A restart reads the wall clock
// again: expiries stored in the journal are then compared with it. Any thread.

#include <cstdint>

namespace swarm {

int64_t clock_now_us();

} // namespace swarm
