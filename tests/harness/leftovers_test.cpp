// Leftover model processes of a dead swarm (kill_leftover_group): found by process
// group, pid reuse safe.
#include "harness/process_runner.hpp"
#include "tests/support/proc.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;

using swarm::test::alive;

// Starts a group led by a shell that leaves a background `sleep` behind; returns
// (leader, member). The leader stays until `leader_exits` says otherwise.
std::pair<int, int> group_with_member(bool leader_exits) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t leader = ::fork();
  REQUIRE(leader >= 0);
  if (leader == 0) {
    ::setpgid(0, 0);
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    const char* script =
      leader_exits ? "sleep 300 & echo $!" : "sleep 300 & echo $!; exec sleep 300";
    ::execl("/bin/sh", "sh", "-c", script, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(leader, leader);
  ::close(fds[1]);
  char buf[32] = {};
  auto n = ::read(fds[0], buf, sizeof buf - 1);
  ::close(fds[0]);
  REQUIRE(n > 0);
  if (leader_exits) {
    int status = 0;
    ::waitpid(leader, &status, 0); // the leader is gone, its background job is not
  }
  return {leader, std::stoi(buf)};
}

} // namespace

bool gone_soon(int pid) {
  for (int i = 0; i < 200 && alive(pid); ++i)
    std::this_thread::sleep_for(10ms);
  return !alive(pid);
}

TEST_CASE("a leaderless group left by a dead swarm is killed", "[harness][leftovers]") {
  auto [leader, member] = group_with_member(true);
  REQUIRE(alive(member));
  // The leader is gone (as PR_SET_PDEATHSIG leaves it); its background job is the
  // leftover. Its recorded start time no longer matters.
  CHECK(swarm::harness::kill_leftover_group(leader, 12345));
  CHECK(gone_soon(member));
}

TEST_CASE("a live group whose leader started when recorded is killed whole",
          "[harness][leftovers]") {
  auto [leader, member] = group_with_member(false);
  auto ticks = swarm::harness::process_start_ticks(leader);
  REQUIRE(ticks > 0);
  CHECK(swarm::harness::kill_leftover_group(leader, ticks));
  int status = 0;
  REQUIRE(::waitpid(leader, &status, 0) == leader);
  CHECK(WIFSIGNALED(status));
  CHECK(gone_soon(member));
}

TEST_CASE("a pid now used by another process is left alone", "[harness][leftovers]") {
  auto [leader, member] = group_with_member(false);
  auto ticks = swarm::harness::process_start_ticks(leader);
  CHECK_FALSE(swarm::harness::kill_leftover_group(leader, ticks + 1));
  CHECK(alive(leader));
  CHECK(alive(member));
  ::kill(-leader, SIGKILL);
  int status = 0;
  ::waitpid(leader, &status, 0);
  CHECK(gone_soon(member));
}
