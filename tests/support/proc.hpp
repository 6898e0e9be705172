#pragma once
// What /proc says about processes, for tests of subprocess handling.

#include <fcntl.h>
#include <filesystem>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace swarm::test {

// State and parent of /proc/<pid>/stat; state '\0' when there is no such process.
struct proc_info {
  char state = '\0';
  int ppid = 0;
};

inline proc_info proc(int pid) {
  // Plain read(2): the process may die between open and read, which fails with ESRCH, and
  // libstdc++'s filebuf turns that into an exception rather than an empty read.
  std::string text;
  int fd = ::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[512];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0)
      text.append(buf, static_cast<size_t>(n));
    ::close(fd);
  }
  // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
  auto close = text.rfind(')');
  proc_info info;
  if (close == std::string::npos)
    return info;
  std::istringstream rest(text.substr(close + 1));
  rest >> info.state >> info.ppid;
  return info;
}

// Exists and is neither a zombie nor dead (a killed orphan may linger as a zombie when
// init does not reap, which happens in containers).
inline bool alive(int pid) {
  char s = proc(pid).state;
  return s != '\0' && s != 'Z' && s != 'X';
}

// Children of this process still in the process table; only zombies when asked.
inline std::vector<int> children(bool zombies_only = false) {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator{"/proc", ec}) {
    int pid = std::atoi(entry.path().filename().c_str());
    if (pid <= 0)
      continue;
    auto info = proc(pid);
    if (info.ppid == ::getpid() && (!zombies_only || info.state == 'Z'))
      out.push_back(pid);
  }
  return out;
}

} // namespace swarm::test
