#pragma once
// What the subprocess runner reads from /proc: one process's state, group and start time,
// and whether anything of a process group is still alive. Internal to harness/; plain
// C++, safe from any thread (nothing is cached).

#include <cstdint>
#include <optional>

namespace swarm::harness::detail {

struct proc_stat {
  char state = '?'; // R, S, D, Z (zombie), X (dead), ...
  int pgrp = 0;
  int64_t start_ticks = 0; // clock ticks after boot: names the process across pid reuse
};

// Fields 3 (state), 5 (pgrp) and 22 (starttime) of /proc/<pid>/stat; nullopt when there
// is no such process.
std::optional<proc_stat> read_proc_stat(int pid);

// True when some process of group `pgid` is still alive. Zombies count as gone: a killed
// member lingers as one until its parent (often init) reaps it, and some init processes
// in containers never reap.
bool group_has_live_member(int pgid);

} // namespace swarm::harness::detail
