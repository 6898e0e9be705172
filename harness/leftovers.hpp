#pragma once
// Model processes left behind by a swarm process that died. Plain C++, Linux (/proc).

#include <cstdint>

namespace swarm::harness {

// Kills (SIGKILL) what is left of process group `pgid`, whose leader a dead swarm
// started at `start_ticks`:
// * the leader still runs with the same start time: the whole group;
// * the leader is gone (PR_SET_PDEATHSIG took it when swarm died) but members of the
//   group remain — background jobs of the model: the group. No new group can have
//   this id while the old one has members (Linux does not hand out a pid still used as
//   a process group id), so every member found is a leftover;
// * the leader's pid now names an unrelated process: nothing.
// Returns how many processes were found and signalled.
int kill_leftovers(int pgid, int64_t start_ticks);

} // namespace swarm::harness
