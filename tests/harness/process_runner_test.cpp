// The subprocess runner with real processes: exit statuses, output caps, timeouts,
// process groups, spawn failures, concurrency, shutdown and leftover groups.
#include "tests/support/proc.hpp"
#include "harness/process_runner.hpp"

#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <future>
#include <thread>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using swarm::harness::process_result;
using swarm::harness::process_runner;
using swarm::harness::process_spec;
using clock_type = std::chrono::steady_clock;

// Collects on_exit results from the I/O thread and lets the test wait for them.
class results {
public:
  swarm::harness::exit_callback callback() {
    return [this](const process_result& r) {
      std::lock_guard<std::mutex> lock(mutex_);
      all_.push_back(r);
      changed_.notify_all();
    };
  }
  bool wait_for(size_t n, std::chrono::seconds limit = 60s) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return all_.size() >= n; });
  }
  std::vector<process_result> all() {
    std::lock_guard<std::mutex> lock(mutex_);
    return all_;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return all_.size();
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<process_result> all_;
};

std::vector<std::string> sh(const std::string& script) {
  return {"/bin/sh", "-c", script};
}

process_result run(process_runner& runner, process_spec spec) {
  results got;
  auto pid = runner.start(std::move(spec), got.callback());
  if (!pid) FAIL("start failed: " << pid.error().to_string());
  REQUIRE(got.wait_for(1));
  return got.all().front();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

using swarm::test::alive;
using swarm::test::proc;

std::vector<int> zombie_children() { return swarm::test::children(true); }

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  auto until = clock_type::now() + limit;
  while (clock_type::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

int read_pid(const std::string& path) {
  int pid = 0;
  eventually([&] { return (pid = std::atoi(slurp(path).c_str())) > 0; });
  return pid;
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

} // namespace

TEST_CASE("process_runner reports exit code and output of a child", "[harness][runner]") {
  swarm::test::temp_dir dir;
  process_runner runner;
  process_spec spec;
  spec.argv = sh("echo out; echo err >&2; exit 3");
  spec.stdout_path = dir.file("out.log");
  spec.stderr_path = dir.file("err.log");
  auto r = run(runner, spec);
  CHECK(r.exit_code == 3);
  CHECK(r.signal == 0);
  CHECK_FALSE(r.timed_out);
  CHECK(r.pid > 0);
  CHECK(r.start_ticks > 0);
  CHECK(r.duration_s > 0);
  CHECK(slurp(dir.file("out.log")) == "out\n");
  CHECK(slurp(dir.file("err.log")) == "err\n");
  CHECK(r.stdout_bytes == 4);
  CHECK(r.stderr_bytes == 4);
  CHECK_FALSE(r.stdout_truncated);
  CHECK(r.output_error.empty());
  CHECK(runner.running() == 0);
}

TEST_CASE("process_runner puts each child in its own group with stdin from /dev/null "
          "and no inherited descriptors",
          "[harness][runner]") {
  swarm::test::temp_dir dir;
  int leaked = open("/dev/null", O_RDONLY); // no O_CLOEXEC: the runner must close it
  REQUIRE(leaked > 2);
  process_runner runner;
  process_spec spec;
  // dash's stat line: "pid (sh) state ppid pgrp ..."; fields 5 is the group.
  spec.argv = sh("cut -d' ' -f5 /proc/$$/stat; readlink /proc/$$/fd/0; ls /proc/$$/fd");
  spec.stdout_path = dir.file("out.log");
  auto r = run(runner, spec);
  REQUIRE(r.exit_code == 0);
  std::istringstream lines(slurp(dir.file("out.log")));
  std::string pgrp, stdin_target, fd;
  std::getline(lines, pgrp);
  std::getline(lines, stdin_target);
  CHECK(pgrp == std::to_string(r.pid));
  CHECK(std::stoi(pgrp) != getpgrp());
  CHECK(stdin_target == "/dev/null");
  std::vector<std::string> fds;
  while (std::getline(lines, fd))
    fds.push_back(fd);
  CHECK(fds == std::vector<std::string>{"0", "1", "2"});
  close(leaked);
}

TEST_CASE("process_runner children start with default signal dispositions and no mask",
          "[harness][runner]") {
  swarm::test::temp_dir dir;
  auto old = signal(SIGPIPE, SIG_IGN); // as many servers do; exec would pass it on
  process_runner runner;               // its thread blocks every signal
  process_spec spec;
  spec.argv = {"grep", "-E", "SigBlk|SigIgn", "/proc/self/status"};
  spec.stdout_path = dir.file("out.log");
  auto r = run(runner, spec);
  signal(SIGPIPE, old);
  REQUIRE(r.exit_code == 0);
  CHECK(slurp(dir.file("out.log")) ==
        "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

// The child shares the parent's memory until exec but not its signal table: resetting its
// dispositions must leave the embedding program's alone.
TEST_CASE("process_runner leaves the parent's signal dispositions alone",
          "[harness][runner]") {
  auto old_pipe = signal(SIGPIPE, SIG_IGN);
  auto old_usr1 = signal(SIGUSR1, [](int) {});
  auto handler = signal(SIGUSR1, SIG_IGN);
  signal(SIGUSR1, handler);
  {
    process_runner runner;
    process_spec spec;
    spec.argv = {"/bin/true"};
    REQUIRE(run(runner, spec).exit_code == 0);
  }
  CHECK(signal(SIGPIPE, old_pipe) == SIG_IGN);
  CHECK(signal(SIGUSR1, old_usr1) == handler);
}

TEST_CASE("process_runner keeps exactly the tail of a huge output", "[harness][runner]") {
  swarm::test::temp_dir dir;
  process_runner runner;
  process_spec spec;
  spec.argv = sh(R"(head -c 99999990 /dev/zero | tr '\000' a; printf 0123456789)");
  spec.stdout_path = dir.file("out.log");
  spec.output_cap_bytes = 1'000'000;
  auto start = clock_type::now();
  auto r = run(runner, spec);
  WARN("100 MB through a 1 MB cap took " << seconds_since(start) << " s");
  REQUIRE(r.exit_code == 0);
  CHECK(r.stdout_bytes == 100'000'000);
  CHECK(r.stdout_truncated);
  CHECK_FALSE(r.stderr_truncated);
  CHECK(r.output_error.empty());
  auto kept = slurp(dir.file("out.log"));
  REQUIRE(kept.size() == 1'000'000);
  CHECK(kept.substr(kept.size() - 10) == "0123456789");
  CHECK(kept.find_first_not_of('a') == kept.size() - 10);
}

TEST_CASE("process_runner streams output live within twice the cap",
          "[harness][runner]") {
  swarm::test::temp_dir dir;
  results got;
  process_runner runner;
  process_spec spec;
  spec.argv = sh(R"(head -c 5000000 /dev/zero | tr '\000' b; sleep 30)");
  spec.stdout_path = dir.file("out.log");
  spec.output_cap_bytes = 100'000;
  auto pid = runner.start(spec, got.callback());
  REQUIRE(pid);
  auto size = [&] { return std::filesystem::file_size(dir.file("out.log")); };
  CHECK(eventually([&] { return size() >= 100'000; })); // `tail -f` sees it while it runs
  std::this_thread::sleep_for(200ms);
  CHECK(size() < 200'000);
  CHECK(got.size() == 0);
  runner.terminate(*pid);
  REQUIRE(got.wait_for(1));
  auto r = got.all().front();
  CHECK(r.stdout_bytes == 5'000'000);
  CHECK(slurp(dir.file("out.log")) == std::string(100'000, 'b'));
}

TEST_CASE("process_runner caps small and zero limits exactly", "[harness][runner]") {
  swarm::test::temp_dir dir;
  process_runner runner;
  process_spec spec;
  spec.argv = sh("seq 1 100000; seq 1 3 >&2");
  spec.stdout_path = dir.file("out.log");
  spec.stderr_path = dir.file("err.log");
  SECTION("a cap far below one read") {
    spec.output_cap_bytes = 10;
    auto r = run(runner, spec);
    CHECK(slurp(dir.file("out.log")) == "99\n100000\n");
    CHECK(r.stdout_bytes == 588895);
    CHECK(r.stdout_truncated);
    CHECK(slurp(dir.file("err.log")) == "1\n2\n3\n");
    CHECK_FALSE(r.stderr_truncated);
  }
  SECTION("a cap of zero keeps nothing but counts everything") {
    spec.output_cap_bytes = 0;
    auto r = run(runner, spec);
    CHECK(slurp(dir.file("out.log")).empty());
    CHECK(r.stdout_bytes == 588895);
    CHECK(r.stderr_bytes == 6);
  }
  SECTION("no file: output is counted only") {
    spec.stdout_path.clear();
    auto r = run(runner, spec);
    CHECK(r.stdout_bytes == 588895);
    CHECK_FALSE(std::filesystem::exists(dir.file("out.log")));
  }
}

TEST_CASE("process_runner timeout sends SIGTERM, then SIGKILL to the group",
          "[harness][runner]") {
  process_runner runner;
  process_spec spec;
  spec.timeout = 300ms;
  spec.kill_grace = 300ms;
  auto start = clock_type::now();
  SECTION("a child that ignores SIGTERM is killed") {
    spec.argv = sh("trap '' TERM; sleep 30");
    auto r = run(runner, spec);
    CHECK(r.timed_out);
    CHECK(r.signal == SIGKILL);
    CHECK(r.exit_code == -1);
    CHECK(seconds_since(start) < 20);
  }
  SECTION("a child that honours SIGTERM ends with it") {
    spec.argv = {"sleep", "30"};
    auto r = run(runner, spec);
    CHECK(r.timed_out);
    CHECK(r.signal == SIGTERM);
    CHECK(seconds_since(start) < 20);
  }
}

TEST_CASE("process_runner stops a child silent for the stall timeout, not a talkative one",
          "[harness][runner]") {
  process_runner runner;
  process_spec spec;
  spec.stall_timeout = 500ms;
  spec.kill_grace = 300ms;
  spec.timeout = 60s;
  auto start = clock_type::now();
  SECTION("silent from the start") {
    spec.argv = {"sleep", "30"};
    auto r = run(runner, spec);
    CHECK(r.stalled);
    CHECK_FALSE(r.timed_out);
    CHECK(r.signal == SIGTERM);
    CHECK(seconds_since(start) < 20);
  }
  SECTION("silent after some output, on stderr too") {
    spec.argv = sh("echo working; echo more >&2; sleep 30");
    auto r = run(runner, spec);
    CHECK(r.stalled);
    CHECK(r.signal == SIGTERM);
  }
  SECTION("a child writing more often than the stall timeout runs to its end") {
    spec.stall_timeout = 5s; // 25 times the gap: even a loaded machine keeps within it
    spec.argv = sh("for i in 1 2 3 4 5 6 7 8; do echo tick $i; sleep 0.2; done");
    auto r = run(runner, spec);
    INFO(r.stdout_text << " after " << r.duration_s << " s");
    CHECK_FALSE(r.stalled);
    CHECK(r.exit_code == 0);
    CHECK(r.stdout_bytes == 8 * 7);
  }
}

TEST_CASE("process_runner watch sees every byte and stops the child at its first answer",
          "[harness][runner]") {
  process_runner runner;
  process_spec spec;
  spec.kill_grace = 300ms;
  spec.timeout = 60s;
  auto seen = std::make_shared<std::string>(); // only the I/O thread writes it
  spec.watch = [seen](bool is_stderr, std::string_view bytes) {
    seen->append(is_stderr ? "E:" : "O:").append(bytes);
    return seen->find("offline") != std::string::npos ? std::string{"it said offline"}
                                                      : std::string{};
  };
  SECTION("a child that goes on after the sign is stopped") {
    spec.argv = sh("echo hello; sleep 0.2; echo I am offline >&2; sleep 30");
    auto start = clock_type::now();
    auto r = run(runner, spec);
    CHECK(r.watch_stop == "it said offline");
    CHECK(r.signal == SIGTERM);
    CHECK_FALSE(r.timed_out);
    CHECK(*seen == "O:hello\nE:I am offline\n");
    CHECK(seconds_since(start) < 20);
  }
  SECTION("the sign in a child's last words counts, whichever comes first: its exit or "
          "the SIGTERM") {
    spec.argv = sh("printf 'offline'; exit 3");
    auto r = run(runner, spec);
    CHECK(r.watch_stop == "it said offline");
    CHECK((r.exit_code == 3 || r.signal == SIGTERM));
  }
  SECTION("no sign: the watch changes nothing") {
    spec.argv = sh("echo all good; exit 0");
    auto r = run(runner, spec);
    CHECK(r.watch_stop.empty());
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("process_runner kills background jobs a child leaves behind",
          "[harness][runner]") {
  swarm::test::temp_dir dir;
  process_runner runner;
  process_spec spec;
  SECTION("a job still holding the output pipe") {
    spec.argv = sh("sleep 30 & echo $! > " + dir.file("bg.pid") + "; exit 0");
  }
  SECTION("a job writing elsewhere") {
    spec.argv =
        sh("sleep 30 >/dev/null 2>&1 & echo $! > " + dir.file("bg.pid") + "; exit 0");
  }
  auto start = clock_type::now();
  auto r = run(runner, spec);
  CHECK(r.exit_code == 0);
  CHECK(seconds_since(start) < 20);
  int bg = read_pid(dir.file("bg.pid"));
  REQUIRE(bg > 0);
  CHECK_FALSE(alive(bg));
}

TEST_CASE("process_runner reports a child killed by a signal", "[harness][runner]") {
  process_runner runner;
  process_spec spec;
  spec.argv = sh("kill -SEGV $$");
  auto r = run(runner, spec);
  CHECK(r.signal == SIGSEGV);
  CHECK(r.exit_code == -1);
  CHECK_FALSE(r.timed_out);
}

TEST_CASE("process_runner leaves no zombie children", "[harness][runner]") {
  {
    results got;
    process_runner runner;
    for (auto script :
         {"exit 0", "exit 1", "kill -KILL $$", "sleep 30 & exit 0", "true"}) {
      process_spec spec;
      spec.argv = sh(script);
      REQUIRE(runner.start(spec, got.callback()));
    }
    REQUIRE(got.wait_for(5));
    CHECK(zombie_children().empty());
  }
  CHECK(zombie_children().empty());
}

TEST_CASE("process_runner refuses what it cannot start, naming it", "[harness][runner]") {
  swarm::test::temp_dir dir;
  std::atomic<int> calls{0};
  auto count = [&](const process_result&) { ++calls; };
  {
    process_runner runner;
    process_spec spec;
    SECTION("a program not in PATH") {
      spec.argv = {"swarm-no-such-model-cli", "--help"};
      auto pid = runner.start(spec, count);
      REQUIRE_FALSE(pid);
      CHECK(pid.error().code == swarm::errc::not_found);
      CHECK_THAT(pid.error().message,
                 Catch::Contains("swarm-no-such-model-cli: not found in PATH"));
    }
    SECTION("a file without the execute bit") {
      std::ofstream(dir.file("tool")) << "#!/bin/sh\necho hi\n";
      chmod(dir.file("tool").c_str(), 0644);
      spec.argv = {dir.file("tool")};
      auto pid = runner.start(spec, count);
      REQUIRE_FALSE(pid);
      CHECK(pid.error().code == swarm::errc::bad_request);
      CHECK_THAT(pid.error().message,
                 Catch::Contains(dir.file("tool")) && Catch::Contains("not executable"));
    }
    SECTION("a script the kernel cannot execute") {
      std::ofstream(dir.file("tool")) << "echo no shebang\n";
      chmod(dir.file("tool").c_str(), 0755);
      spec.argv = {dir.file("tool")};
      auto pid = runner.start(spec, count);
      REQUIRE_FALSE(pid);
      CHECK_THAT(pid.error().message,
                 Catch::Contains("cannot execute " + dir.file("tool")) &&
                     Catch::Contains("format error"));
    }
    SECTION("a missing working directory") {
      spec.argv = {"true"};
      spec.cwd = dir.file("missing");
      auto pid = runner.start(spec, count);
      REQUIRE_FALSE(pid);
      CHECK(pid.error().code == swarm::errc::not_found);
      CHECK_THAT(pid.error().message, Catch::Contains(dir.file("missing")));
    }
    SECTION("an output file that cannot be created") {
      spec.argv = {"true"};
      spec.stdout_path = dir.file("missing/out.log");
      auto pid = runner.start(spec, count);
      REQUIRE_FALSE(pid);
      CHECK(pid.error().code == swarm::errc::io_error);
      CHECK_THAT(pid.error().message, Catch::Contains(dir.file("missing/out.log")));
    }
    SECTION("an empty argv") {
      auto pid = runner.start(spec, count);
      REQUIRE_FALSE(pid);
      CHECK(pid.error().code == swarm::errc::bad_request);
    }
    CHECK(runner.running() == 0);
  }
  CHECK(calls == 0);
  CHECK(zombie_children().empty());
}

TEST_CASE("process_runner gives the child its environment and directory",
          "[harness][runner]") {
  swarm::test::temp_dir dir;
  setenv("SWARM_TEST_PARENT_VAR", "inherited", 1);
  setenv("SWARM_TEST_OVERRIDDEN", "parent", 1);
  process_runner runner;
  process_spec spec;
  spec.argv = sh(
      "echo $SWARM_AGENT; echo $SWARM_TEST_PARENT_VAR; echo $SWARM_TEST_OVERRIDDEN; pwd");
  spec.env = {{"SWARM_AGENT", "agent-7"}, {"SWARM_TEST_OVERRIDDEN", "child"}};
  spec.cwd = dir.path().string();
  spec.stdout_path = dir.file("out.log");
  auto r = run(runner, spec);
  REQUIRE(r.exit_code == 0);
  auto expected = "agent-7\ninherited\nchild\n" +
                  std::filesystem::canonical(dir.path()).string() + "\n";
  CHECK(slurp(dir.file("out.log")) == expected);
  unsetenv("SWARM_TEST_PARENT_VAR");
  unsetenv("SWARM_TEST_OVERRIDDEN");
}

TEST_CASE("process_runner looks programs up in the child's PATH", "[harness][runner]") {
  swarm::test::temp_dir dir;
  std::ofstream(dir.file("swarm-fake-tool")) << "#!/bin/sh\necho fake \"$@\"\n";
  chmod(dir.file("swarm-fake-tool").c_str(), 0755);
  process_runner runner;
  process_spec spec;
  spec.argv = {"swarm-fake-tool", "x"};
  spec.env = {{"PATH", dir.path().string() + ":/usr/bin:/bin"}};
  spec.stdout_path = dir.file("out.log");
  auto r = run(runner, spec);
  CHECK(r.exit_code == 0);
  CHECK(slurp(dir.file("out.log")) == "fake x\n");
}

TEST_CASE("process_runner runs 256 children at once", "[harness][runner]") {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur =
      std::max<rlim_t>(files.rlim_cur, std::min<rlim_t>(files.rlim_max, 4096));
  setrlimit(RLIMIT_NOFILE, &files);
  results got;
  process_runner runner;
  auto start = clock_type::now();
  for (int i = 0; i < 256; ++i) {
    process_spec spec;
    spec.argv = {"sleep", "1"};
    auto pid = runner.start(spec, got.callback());
    REQUIRE(pid);
  }
  auto started = seconds_since(start);
  CHECK(runner.running() > 0);
  REQUIRE(got.wait_for(256));
  WARN("256 x sleep 1: all started after " << started << " s, all done after "
                                           << seconds_since(start) << " s");
  for (const auto& r : got.all())
    CHECK(r.exit_code == 0);
  CHECK(runner.running() == 0);
  CHECK(zombie_children().empty());
}

TEST_CASE("process_runner accepts starts from several threads at once",
          "[harness][runner]") {
  results got;
  process_runner runner;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        process_spec spec;
        spec.argv = sh("exit " + std::to_string(t));
        if (!runner.start(spec, got.callback())) ++failures;
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(failures == 0);
  REQUIRE(got.wait_for(100));
  int by_code[4] = {};
  for (const auto& r : got.all())
    ++by_code[r.exit_code];
  CHECK(by_code[0] == 25);
  CHECK(by_code[3] == 25);
}

TEST_CASE("process_runner may be started from inside on_exit", "[harness][runner]") {
  results second;
  process_runner runner;
  std::atomic<bool> chained{false};
  process_spec spec;
  spec.argv = {"true"};
  auto pid = runner.start(spec, [&](const process_result&) {
    process_spec next;
    next.argv = sh("exit 7");
    chained = static_cast<bool>(runner.start(next, second.callback()));
  });
  REQUIRE(pid);
  REQUIRE(second.wait_for(1));
  CHECK(chained);
  CHECK(second.all().front().exit_code == 7);
}

TEST_CASE("process_runner start_async returns while the I/O thread is busy",
          "[harness][runner]") {
  std::mutex mutex;
  std::vector<std::string> events;
  auto log = [&](std::string e) {
    std::lock_guard<std::mutex> lock(mutex);
    events.push_back(std::move(e));
  };
  std::atomic<bool> busy{false}, returned{false}, saw_return{false};
  swarm::expected<swarm::harness::process_started> started =
      swarm::make_error(swarm::errc::internal, "not yet");
  process_result exited;
  process_runner runner;
  process_spec blocker;
  blocker.argv = {"true"};
  // Holds the I/O thread inside on_exit until start_async has returned (or 10 s passed).
  REQUIRE(runner.start(blocker, [&](const process_result&) {
    busy = true;
    saw_return = eventually([&] { return returned.load(); }, 10000ms);
  }));
  REQUIRE(eventually([&] { return busy.load(); }));
  process_spec spec;
  spec.argv = sh("exit 5");
  runner.start_async(
      spec,
      [&](const swarm::expected<swarm::harness::process_started>& s) {
        started = s;
        log("started");
      },
      [&](const process_result& r) {
        exited = r;
        log("exited");
      });
  returned = true;
  REQUIRE(eventually([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return events.size() == 2;
  }));
  CHECK(saw_return);
  CHECK(events == std::vector<std::string>{"started", "exited"});
  REQUIRE(started);
  CHECK(started->pid == exited.pid);
  CHECK(started->start_ticks == exited.start_ticks);
  CHECK(started->start_ticks > 0);
  CHECK(exited.exit_code == 5);
}

TEST_CASE("process_runner start_async reports a failed start to on_started only",
          "[harness][runner]") {
  std::atomic<int> exits{0};
  std::optional<swarm::error> failure;
  std::atomic<bool> called{false};
  {
    process_runner runner;
    process_spec spec;
    spec.argv = {"swarm-no-such-model-cli"};
    runner.start_async(
        spec,
        [&](const swarm::expected<swarm::harness::process_started>& s) {
          if (!s) failure = s.error();
          called = true;
        },
        [&](const process_result&) { ++exits; });
    REQUIRE(eventually([&] { return called.load(); }));
  }
  REQUIRE(failure);
  CHECK(failure->code == swarm::errc::not_found);
  CHECK_THAT(failure->message, Catch::Contains("swarm-no-such-model-cli"));
  CHECK(exits == 0);
}

TEST_CASE("process_runner terminates a running child on request", "[harness][runner]") {
  results got;
  process_runner runner;
  process_spec spec;
  spec.kill_grace = 300ms;
  SECTION("SIGTERM is enough") {
    spec.argv = {"sleep", "30"};
  }
  SECTION("SIGKILL follows after the grace") {
    spec.argv = sh("trap '' TERM; sleep 30");
  }
  auto start = clock_type::now();
  auto pid = runner.start(spec, got.callback());
  REQUIRE(pid);
  runner.terminate(*pid + 1000000);  // not ours: ignored
  std::this_thread::sleep_for(50ms); // let the shell install its trap
  runner.terminate(*pid);
  REQUIRE(got.wait_for(1, 20s));
  auto r = got.all().front();
  CHECK((r.signal == SIGTERM || r.signal == SIGKILL));
  CHECK_FALSE(r.timed_out);
  CHECK(seconds_since(start) < 20);
}

TEST_CASE("process_runner close ends a run blocked on its child and refuses every later "
          "start",
          "[harness][runner]") {
  process_runner runner;
  process_spec spec;
  spec.argv = sh("trap '' TERM; sleep 30"); // only the SIGKILL after the grace ends it
  spec.kill_grace = 200ms;
  std::promise<swarm::expected<process_result>> ended;
  auto blocked = ended.get_future();
  std::thread waiter{[&] { ended.set_value(runner.run(spec)); }};
  for (int i = 0; i < 400 && runner.running() == 0; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(runner.running() == 1);
  std::this_thread::sleep_for(50ms); // let the shell install its trap
  runner.close();
  REQUIRE(blocked.wait_for(20s) == std::future_status::ready);
  waiter.join();
  auto r = blocked.get();
  REQUIRE(r);
  CHECK(r->signal == SIGKILL);
  // Nothing starts any more, whichever way it is asked.
  auto again = runner.run(spec);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == swarm::errc::shutting_down);
  results got;
  CHECK_FALSE(runner.start(spec, got.callback()));
  CHECK(runner.running() == 0);
}

TEST_CASE("process_runner destructor kills and reaps running children",
          "[harness][runner]") {
  swarm::test::temp_dir dir;
  results got;
  auto runner = std::make_unique<process_runner>();
  for (int i = 0; i < 4; ++i) {
    process_spec spec;
    spec.argv = {"sleep", "30"};
    REQUIRE(runner->start(spec, got.callback()));
  }
  process_spec spec;
  spec.argv = sh("sleep 30 & echo $! > " + dir.file("bg.pid") + "; wait");
  REQUIRE(runner->start(spec, got.callback()));
  int bg = read_pid(dir.file("bg.pid"));
  REQUIRE(bg > 0);
  auto start = clock_type::now();
  runner.reset();
  WARN("destroying a runner with 5 live children took " << seconds_since(start) << " s");
  REQUIRE(got.size() == 5);
  for (const auto& r : got.all())
    CHECK(r.signal == SIGKILL);
  CHECK_FALSE(alive(bg));
  CHECK(zombie_children().empty());
}

TEST_CASE("process_runner feeds stdin_bytes to the child, then EOF",
          "[harness][runner]") {
  process_runner runner;
  process_spec spec;
  SECTION("more than a pipe holds, bytes beyond ASCII and NULs included") {
    std::string input(1 << 20, 'x');
    input += "gr\u00f6\u00dfe";
    input += '\0';
    input += "end";
    spec.argv = {"cat"};
    spec.stdin_bytes = input;
    auto r = runner.run(spec);
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK(r->stdout_bytes == input.size());
    CHECK(r->stdout_text == input);
  }
  SECTION("a child that never reads its stdin is not held up") {
    spec.argv = sh("echo done");
    spec.stdin_bytes = std::string(4 << 20, 'y');
    auto r = runner.run(spec);
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK(r->stdout_text == "done\n");
  }
  SECTION("no bytes: stdin is /dev/null") {
    spec.argv = sh("wc -c; readlink /proc/self/fd/0");
    auto r = runner.run(spec);
    REQUIRE(r);
    CHECK(r->stdout_text == "0\n/dev/null\n");
  }
}

TEST_CASE("process_runner run keeps both streams in memory", "[harness][runner]") {
  swarm::test::temp_dir dir;
  process_runner runner;
  process_spec spec;
  spec.argv = sh("echo out; echo err >&2; exit 3");
  auto r = runner.run(spec);
  REQUIRE(r);
  CHECK(r->exit_code == 3);
  CHECK(r->signal == 0);
  CHECK(r->stdout_text == "out\n");
  CHECK(r->stderr_text == "err\n");
  CHECK(r->stdout_bytes == 4);
  CHECK(r->stderr_bytes == 4);
  CHECK_FALSE(r->stdout_truncated);
  CHECK(runner.running() == 0);

  SECTION("several threads at once") {
    std::vector<std::thread> threads;
    std::atomic<int> right{0};
    for (int i = 0; i < 8; ++i)
      threads.emplace_back([&, i] {
        process_spec s;
        s.argv = sh("echo " + std::to_string(i));
        auto got = runner.run(s);
        if (got && got->stdout_text == std::to_string(i) + "\n") ++right;
      });
    for (auto& t : threads)
      t.join();
    CHECK(right == 8);
  }
  SECTION("start() may keep the output in memory too") {
    results got;
    spec.output_in_memory = true;
    REQUIRE(runner.start(spec, got.callback()));
    REQUIRE(got.wait_for(1));
    CHECK(got.all().front().stdout_text == "out\n");
  }
  SECTION("memory and output files together are refused") {
    spec.stdout_path = dir.file("out.log");
    auto refused = runner.run(spec);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == swarm::errc::bad_request);
    CHECK_FALSE(std::filesystem::exists(dir.file("out.log")));
  }
  SECTION("a failed start is returned, naming the program") {
    spec.argv = {"swarm-no-such-model-cli"};
    auto missing = runner.run(spec);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == swarm::errc::not_found);
    CHECK_THAT(missing.error().message, Catch::Contains("swarm-no-such-model-cli"));
  }
  SECTION("from inside on_exit it refuses instead of waiting for itself") {
    results got;
    std::optional<swarm::expected<process_result>> inner;
    process_spec outer;
    outer.argv = {"true"};
    REQUIRE(runner.start(outer, [&](const process_result& r) {
      inner.emplace(runner.run(spec));
      got.callback()(r);
    }));
    REQUIRE(got.wait_for(1));
    REQUIRE(inner);
    REQUIRE_FALSE(*inner);
    CHECK(inner->error().code == swarm::errc::bad_request);
  }
  CHECK(zombie_children().empty());
}

TEST_CASE("process_runner caps output kept in memory", "[harness][runner]") {
  process_runner runner;
  process_spec spec;
  spec.output_cap_bytes = 10;
  SECTION("the last cap bytes are kept, everything is counted") {
    spec.argv = sh("seq 1 100000; seq 1 3 >&2");
    auto r = runner.run(spec);
    REQUIRE(r);
    CHECK(r->stdout_text == "99\n100000\n");
    CHECK(r->stdout_bytes == 588895);
    CHECK(r->stdout_truncated);
    CHECK(r->stderr_text == "1\n2\n3\n");
    CHECK_FALSE(r->stderr_truncated);
  }
  SECTION("a cap of zero keeps nothing") {
    spec.output_cap_bytes = 0;
    spec.argv = sh("echo out; echo err >&2");
    auto r = runner.run(spec);
    REQUIRE(r);
    CHECK(r->stdout_text.empty());
    CHECK(r->stderr_text.empty());
    CHECK(r->stdout_bytes == 4);
  }
  SECTION("kill_past_cap stops a child that would print forever") {
    spec.output_cap_bytes = 100'000;
    spec.kill_past_cap = true;
    auto start = clock_type::now();
    SECTION("on stdout") { spec.argv = {"yes"}; }
    SECTION("on stderr") { spec.argv = sh("yes >&2"); }
    auto r = runner.run(spec);
    REQUIRE(r);
    CHECK(r->signal == SIGKILL);
    CHECK((r->stdout_truncated || r->stderr_truncated));
    CHECK(r->stdout_text.size() <= 100'000);
    CHECK(r->stderr_text.size() <= 100'000);
    CHECK(seconds_since(start) < 20);
  }
  SECTION("kill_past_cap leaves a child within the cap alone") {
    spec.output_cap_bytes = 4;
    spec.kill_past_cap = true;
    spec.argv = sh("printf abcd; sleep 0.2; exit 5");
    auto r = runner.run(spec);
    REQUIRE(r);
    CHECK(r->exit_code == 5);
    CHECK(r->stdout_text == "abcd");
    CHECK_FALSE(r->stdout_truncated);
  }
}

TEST_CASE("process_runner run stops a child at the timeout and keeps what it printed",
          "[harness][runner]") {
  process_runner runner;
  process_spec spec;
  spec.argv = sh("echo thinking >&2; sleep 30 & wait");
  spec.timeout = 300ms;
  spec.kill_grace = 0ms;
  auto start = clock_type::now();
  auto r = runner.run(spec);
  REQUIRE(r);
  CHECK(r->timed_out);
  CHECK(r->signal != 0);
  CHECK(r->stderr_text == "thinking\n");
  // The whole group died: the sleep, holding the pipes, did not keep run() waiting.
  CHECK(seconds_since(start) < 5);
  CHECK(zombie_children().empty());
}

TEST_CASE("kill_leftover_group kills a group only when its leader matches",
          "[harness][runner]") {
  using swarm::harness::kill_leftover_group;
  using swarm::harness::process_start_ticks;
  swarm::test::temp_dir dir;
  std::string script = "sleep 30 & echo $! > " + dir.file("bg.pid") + "; wait";
  const char* argv[] = {"/bin/sh", "-c", script.c_str(), nullptr};
  pid_t leader = fork();
  REQUIRE(leader >= 0);
  if (leader == 0) {
    setpgid(0, 0);
    execv("/bin/sh", const_cast<char* const*>(argv));
    _exit(127);
  }
  setpgid(leader, leader);
  int bg = read_pid(dir.file("bg.pid"));
  REQUIRE(bg > 0);
  int64_t ticks = process_start_ticks(leader);
  REQUIRE(ticks > 0);

  CHECK_FALSE(kill_leftover_group(leader, ticks + 1));
  CHECK(alive(leader));
  CHECK(alive(bg));

  CHECK(kill_leftover_group(leader, ticks));
  int status = 0;
  REQUIRE(waitpid(leader, &status, 0) == leader);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(eventually([&] { return !alive(bg); }));
  CHECK_FALSE(kill_leftover_group(leader, ticks));
  CHECK(process_start_ticks(leader) == 0);
}

TEST_CASE("process_start_ticks reads field 22 of /proc/<pid>/stat", "[harness][runner]") {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i)
    rest >> field;
  CHECK(swarm::harness::process_start_ticks(getpid()) == std::stoll(field));
  CHECK(swarm::harness::process_start_ticks(0) == 0);
  CHECK(swarm::harness::process_start_ticks(-5) == 0);
}

TEST_CASE("process_runner overhead per run of true", "[harness][runner]") {
  process_runner runner;
  constexpr int runs = 1000;
  auto start = clock_type::now();
  for (int i = 0; i < runs; ++i) {
    process_spec spec;
    spec.argv = {"/bin/true"};
    auto r = run(runner, spec);
    REQUIRE(r.exit_code == 0);
  }
  WARN(runs << " sequential runs of /bin/true: " << seconds_since(start) * 1e6 / runs
            << " us per run");
}

// fork's cost grows with the parent's page tables; the runner's spawn should not.
TEST_CASE("process_runner overhead per run of true in a 300 MB process",
          "[harness][runner]") {
  std::vector<char> ballast(300u << 20);
  for (size_t i = 0; i < ballast.size(); i += 4096)
    ballast[i] = 1;
  process_runner runner;
  constexpr int runs = 200;
  auto start = clock_type::now();
  for (int i = 0; i < runs; ++i) {
    process_spec spec;
    spec.argv = {"/bin/true"};
    auto r = run(runner, spec);
    REQUIRE(r.exit_code == 0);
  }
  WARN(runs << " sequential runs of /bin/true with 300 MB resident: "
            << seconds_since(start) * 1e6 / runs << " us per run");
}
