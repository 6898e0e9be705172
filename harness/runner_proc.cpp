#include "harness/runner_proc.hpp"

#include "harness/process_runner.hpp"
#include "harness/unique_fd.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace swarm::harness {

namespace detail {

// The command name (field 2) may hold spaces and parentheses, so parsing starts after the
// last ')'.
std::optional<proc_stat> read_proc_stat(int pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  char buf[1024];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return std::nullopt;
  proc_stat st;
  int ppid = 0;
  long long ticks = 0;
  // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice num_threads itrealvalue starttime
  int got = std::sscanf(p + 1,
                        " %c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
                        "%*d %*d %*d %lld",
                        &st.state, &ppid, &st.pgrp, &ticks);
  if (got != 4) return std::nullopt;
  st.start_ticks = ticks;
  return st;
}

// "kill(-pgid, 0) succeeds" is not enough: it counts zombies.
bool group_has_live_member(int pgid) {
  if (::kill(-pgid, 0) != 0 && errno == ESRCH) return false;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return false;
  bool alive = false;
  while (dirent* e = ::readdir(dir)) {
    int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    auto st = read_proc_stat(pid);
    if (st && st->pgrp == pgid && st->state != 'Z' && st->state != 'X') {
      alive = true;
      break;
    }
  }
  ::closedir(dir);
  return alive;
}

} // namespace detail

int64_t process_start_ticks(int pid) {
  if (pid <= 0) return 0;
  auto st = detail::read_proc_stat(pid);
  return st ? st->start_ticks : 0;
}

bool kill_leftover_group(int pgid, int64_t start_ticks) {
  if (pgid <= 1 || pgid == ::getpgrp()) return false;
  if (auto st = detail::read_proc_stat(pgid)) {
    // The pid is in use: only by our leader, started when recorded, still leading.
    if (start_ticks <= 0 || st->start_ticks != start_ticks || st->pgrp != pgid)
      return false;
  } else if (!detail::group_has_live_member(pgid)) {
    return false; // the leader is gone and nothing of its group is left
  }
  // A leaderless group's id cannot have been reused: Linux hands out no pid that is
  // still some process's group id, so every member is a leftover.
  return ::kill(-pgid, SIGKILL) == 0;
}

} // namespace swarm::harness
