#include "harness/leftovers.hpp"

#include "harness/process_runner.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace swarm::harness {

namespace {

// The process group of `pid` from /proc/<pid>/stat (field 5), or 0.
int process_group(const std::string& pid) {
  std::ifstream in{"/proc/" + pid + "/stat"};
  std::string stat;
  if (!std::getline(in, stat))
    return 0;
  // The command name (field 2) may hold spaces and parentheses: skip past the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream rest{stat.substr(close + 1)};
  std::string state;
  int ppid = 0, pgrp = 0;
  rest >> state >> ppid >> pgrp;
  return state == "Z" ? 0 : pgrp;
}

int members_of(int pgid) {
  int n = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator{"/proc", ec}) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    if (process_group(name) == pgid)
      ++n;
  }
  return n;
}

} // namespace

int kill_leftovers(int pgid, int64_t start_ticks) {
  if (pgid <= 1)
    return 0;
  const auto leader_ticks = process_start_ticks(pgid);
  if (leader_ticks != 0 && leader_ticks != start_ticks)
    return 0; // the pid was reused by something unrelated
  int n = members_of(pgid);
  if (n > 0 && ::kill(-pgid, SIGKILL) != 0 && errno != ESRCH)
    return 0;
  return n;
}

} // namespace swarm::harness
