// swarm_harness_bench: what the agent harness costs per task, and whether many models
// really run at once.
//
//   overhead   --tasks N flat tasks, one agent, model `command:true`: wall time per
//              task of engine::run_until_done (claim, prompt files, spawn, wait, judge,
//              journal, report — all durable), minus the bare cost of starting and
//              reaping /bin/true, measured alone in the same process (posix_spawn +
//              waitpid, N times). The difference is the harness's own overhead.
//   concurrent --concurrent M tasks, M agents, model `command:sleep 1`: wall time from
//              run start to the last completion; ideal is 1 s.
//
// Prints one JSON object. Run a Release build:
//   swarm_harness_bench [--tasks 500] [--concurrent 256] [--dir DIR] [--keep]
// --dir puts the database and run directories under DIR (default /tmp): on a VM whose
// disk makes every mkdir/create cost ~0.5 ms, /dev/shm separates the harness's own cost
// from the file system's (each attempt creates 2 directories and 4 files).

#include "bench_support.hpp"

#include <swarm/swarm.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using clock_type = bench::clock;

[[noreturn]] void die(const std::string& what) {
  bench::die("swarm_harness_bench", what);
}

// A plan of n independent tasks.
std::string write_plan(const fs::path& dir, const std::string& name, size_t n) {
  auto path = dir / name;
  std::ofstream out{path};
  out << "# " << name << "\n";
  for (size_t i = 0; i < n; ++i)
    out << "- task " << i << "\n";
  return path.string();
}

struct run_figures {
  double seconds = 0;
  uint64_t completed = 0;
};

run_figures run(const fs::path& dir, const std::string& plan, size_t agents,
                const std::string& model) {
  swarm::options o;
  o.db_path = (dir / ".swarm" / "swarm.db").string();
  auto e = swarm::engine::open(o);
  if (!e)
    die("open: " + e.error().to_string());
  if (auto r = (*e)->load_plan(plan); !r)
    die("load: " + r.error().to_string());
  swarm::agent_options a;
  a.model = model;
  a.workdir = dir.string();
  if (auto r = (*e)->add_agents(agents, a); !r)
    die("agents: " + r.error().to_string());
  auto t0 = clock_type::now();
  auto s = (*e)->run_until_done();
  run_figures f;
  f.seconds = bench::seconds_since(t0);
  if (!s)
    die("run: " + s.error().to_string());
  if (!s->success)
    die("run: not every task completed");
  f.completed = s->tasks.completed;
  return f;
}

// Seconds to posix_spawn + waitpid /bin/true n times.
double bare_spawn_seconds(size_t n) {
  char arg0[] = "true";
  char* argv[] = {arg0, nullptr};
  auto t0 = clock_type::now();
  for (size_t i = 0; i < n; ++i) {
    pid_t pid = 0;
    if (posix_spawnp(&pid, "true", nullptr, nullptr, argv, environ) != 0)
      die("posix_spawnp true failed");
    int status = 0;
    waitpid(pid, &status, 0);
  }
  return bench::seconds_since(t0);
}

} // namespace

int main(int argc, char** argv) {
  size_t tasks = 500, concurrent = 256;
  bool keep = false;
  std::string base = "/tmp";
  bench::args a(argc, argv, "swarm_harness_bench",
                 "[--tasks N] [--concurrent M] [--dir DIR] [--keep]");
  while (a.next()) {
    if (a.is("--tasks"))
      tasks = a.number();
    else if (a.is("--concurrent"))
      concurrent = a.number();
    else if (a.is("--dir"))
      base = a.value();
    else if (a.is("--keep"))
      keep = true;
    else
      a.unknown();
  }
  std::string pattern = base + "/swarm-harness-bench-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr)
    die("mkdtemp failed in " + base);
  fs::path root{pattern};
  fs::create_directories(root / "overhead");
  fs::create_directories(root / "concurrent");

  auto seq = run(root / "overhead", write_plan(root / "overhead", "trivial.md", tasks), 1,
                 "command:true");
  double bare = bare_spawn_seconds(tasks);
  auto par = run(root / "concurrent", write_plan(root / "concurrent", "sleepers.md", concurrent),
                 concurrent, "command:sleep 1");

  double per_task_ms = seq.seconds / static_cast<double>(tasks) * 1000;
  double bare_ms = bare / static_cast<double>(tasks) * 1000;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"bench\":\"harness\",\"tasks\":%zu,\"per_task_ms\":%.3f,"
                "\"bare_spawn_ms\":%.3f,\"overhead_ms\":%.3f,\"concurrent\":%zu,"
                "\"concurrent_sleep_1s_wall_s\":%.3f,\"dir\":\"%s\"}",
                tasks, per_task_ms, bare_ms, per_task_ms - bare_ms, concurrent, par.seconds,
                root.string().c_str());
  std::cout << buf << std::endl;
  if (!keep) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  return 0;
}
