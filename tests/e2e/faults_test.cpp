// Faults the engine must meet with one clear line and nothing lost or changed: a
// foreign file or a directory where the database should be, a full disk, a read-only
// mount, a wall clock that steps. The disk faults use a real tmpfs mounted on the test's
// .swarm (the suite runs as root, as CI does); the clock steps use Debian's libfaketime
// on the engine's process only.

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/served.hpp"
#include "tests/support/small_disk.hpp"

namespace {

using namespace e2e;

// A tmpfs of `mib` MiB mounted on DIR/.swarm for the test's life.
struct small_disk : swarm::test::small_disk {
  small_disk(const temp_dir& dir, int mib)
      : swarm::test::small_disk(dir.path() / ".swarm", mib) {}
};

// The one line a refused command prints.
void refused_in_one_line(const outcome& r, const std::string& words) {
  INFO(r);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, words));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

std::vector<std::string> task_titles(const temp_dir& dir) {
  std::vector<std::string> out;
  const auto listed = ok_json(dir, {"tasks"});
  for (const auto& t : listed.at("tasks").as_array()) out.push_back(str_at(t, "title"));
  return out;
}

} // namespace

TEST_CASE("faults: a foreign file where the database should be is refused, untouched",
          "[e2e][faults]") {
  temp_dir dir;
  fs::create_directories(dir / ".swarm");
  const std::string foreign = "not a database, someone's notes\n";
  write_text(dir / ".swarm" / "swarm.db", foreign);
  for (const std::vector<std::string> args :
       {std::vector<std::string>{"status"}, {"task", "add", "X"}}) {
    auto r = e2e::swarm(dir.path(), args);
    INFO(r);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "file is not a database — it is another program's file or it is "
                          "damaged: move it away"));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1); // one line
  }
  CHECK(read_text(dir / ".swarm" / "swarm.db") == foreign);
}

TEST_CASE("faults: a directory where the database should be is refused", "[e2e][faults]") {
  temp_dir dir;
  fs::create_directories(dir / ".swarm" / "swarm.db");
  for (const std::vector<std::string> args :
       {std::vector<std::string>{"status"}, {"task", "add", "X"}}) {
    auto r = e2e::swarm(dir.path(), args);
    INFO(r);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "is a directory, not a database file"));
  }
  CHECK(fs::is_empty(dir / ".swarm" / "swarm.db"));
}

TEST_CASE("faults: a full disk refuses writes in one line, reads go on, and writes resume "
          "when space returns",
          "[e2e][faults]") {
  temp_dir dir;
  small_disk disk{dir, 64};
  REQUIRE(e2e::swarm(dir.path(), {"task", "add", "Before"}).exit_code == 0);

  auto check_full_then_free = [&](const char* phase) {
    INFO(phase);
    disk.fill(4 << 20); // 4 MiB left: below the 16 MiB reserve
    std::this_thread::sleep_for(300ms); // the guard reads the free space every 200 ms
    refused_in_one_line(e2e::swarm(dir.path(), {"task", "add", "Refused"}), "no room to write");
    refused_in_one_line(e2e::swarm(dir.path(), {"mail", "send", "--from", "alice", "--to", "alice",
                                           "--subject", "x"}),
                        "no room to write");
    // Reads go on, and show nothing of the refused writes.
    auto titles = task_titles(dir);
    CHECK(std::find(titles.begin(), titles.end(), "Refused") == titles.end());
    CHECK(e2e::swarm(dir.path(), {"status"}).exit_code == 0);
    disk.free_again();
    std::this_thread::sleep_for(300ms); // the guard reads the free space every 200 ms
    auto again = e2e::swarm(dir.path(), {"task", "add", std::string{"After "} + phase});
    INFO(again);
    CHECK(again.exit_code == 0);
  };
  register_agents(dir, {"alice"});
  check_full_then_free("without an engine");
  {
    served engine{dir};
    check_full_then_free("with an engine");
    CHECK(engine.proc.running()); // it stayed up
  }
  auto titles = task_titles(dir);
  for (const char* t : {"Before", "After without an engine", "After with an engine"})
    CHECK(std::find(titles.begin(), titles.end(), t) != titles.end());
  CHECK(std::find(titles.begin(), titles.end(), "Refused") == titles.end());
  CHECK(e2e::swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("faults: a commit that meets a full disk waits for space and goes through, "
          "with no restart",
          "[e2e][faults]") {
  temp_dir dir;
  small_disk disk{dir, 128};
  // 50,000 tasks: about 30 MB of journal and projections in one load, more than is left.
  {
    std::string plan = "# Big\n";
    for (int a = 1; a <= 50; ++a) {
      plan += "\n## Area " + std::to_string(a) + "\n\n";
      for (int t = 1; t <= 1000; ++t)
        plan += "- Task " + std::to_string(a) + "." + std::to_string(t) +
                ": long enough to take some room in the journal and the projections\n";
    }
    write_text(dir / "plan.md", plan);
  }
  served engine{dir};
  disk.fill(20 << 20); // 20 MiB left: above the 16 MiB reserve, so the guard lets it in
  process load{dir.path(), {"load", "plan.md", "--json"}};
  // The engine says it waits for room (its log), and refuses other writes meanwhile.
  REQUIRE(poll_until(60s, [&] {
    if (!load.running()) FAIL("the load ended before meeting the full disk: " << load.result());
    return contains(engine.proc.result().err, "no room to commit the journal");
  }));
  refused_in_one_line(e2e::swarm(dir.path(), {"task", "add", "Refused"}), "no room to write");
  CHECK(e2e::swarm(dir.path(), {"status"}).exit_code == 0); // reads go on
  CHECK(load.running()); // not answered: not committed
  disk.free_again();
  auto loaded = load.wait(120s);
  INFO(loaded);
  CHECK(loaded.exit_code == 0);
  // Writes resume without a restart.
  std::this_thread::sleep_for(300ms); // the guard reads the free space every 200 ms
  auto after = e2e::swarm(dir.path(), {"task", "add", "After"});
  INFO(after);
  CHECK(after.exit_code == 0);
  CHECK(engine.proc.running());
  CHECK(contains(engine.proc.result().err, "there is room again"));
  engine.proc.signal(SIGTERM);
  CHECK(engine.proc.wait(60s).exit_code == 0);
  // Everything is there once: the plan's 50,000 tasks and the one added after.
  CHECK(query_int(dir.db(), "SELECT count(*) FROM tasks WHERE title LIKE 'Task %'") == 50000);
  CHECK(query_int(dir.db(), "SELECT count(*) FROM tasks WHERE title = 'After'") == 1);
  CHECK(query_int(dir.db(), "SELECT count(*) FROM tasks WHERE title = 'Refused'") == 0);
  CHECK(e2e::swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("faults: a read-only mount still reads, and refuses writes in one line",
          "[e2e][faults]") {
  temp_dir dir;
  small_disk disk{dir, 64};
  REQUIRE(e2e::swarm(dir.path(), {"task", "add", "Kept"}).exit_code == 0);
  disk.remount(true);
  auto titles = task_titles(dir);
  CHECK(titles == std::vector<std::string>{"Kept"});
  auto replay = e2e::swarm(dir.path(), {"replay", "--verify"});
  INFO(replay);
  CHECK(replay.exit_code == 0);
  refused_in_one_line(e2e::swarm(dir.path(), {"task", "add", "Refused"}), "Read-only file system");
  disk.remount(false);
  REQUIRE(e2e::swarm(dir.path(), {"task", "add", "Later"}).exit_code == 0);
  CHECK(task_titles(dir) == (std::vector<std::string>{"Kept", "Later"}));
}

namespace {

// Under AddressSanitizer (make test-asan) a preloaded library comes before ASan's
// runtime, which ASan refuses by default; libfaketime replaces only clock calls, so ASan
// still sees every allocation. The options the suite runs with are kept.
std::string asan_after_preload() {
  const char* given = std::getenv("ASAN_OPTIONS");
  std::string options = given != nullptr ? given : "";
  return "ASAN_OPTIONS=" + options + (options.empty() ? "" : ":") +
         "verify_asan_link_order=0";
}

// `swarm serve` whose wall clock (and only its) the test steps through libfaketime; the
// monotonic clock stays true.
struct stepped_engine {
  explicit stepped_engine(const temp_dir& dir)
      : offset{dir / "faketime-offset"},
        proc{dir.path(),
             {"serve", "--listen", "127.0.0.1:0"},
             {},
             {"LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
              "FAKETIME_DONT_FAKE_MONOTONIC=1", "FAKETIME_NO_CACHE=1",
              "FAKETIME_TIMESTAMP_FILE=" + offset.string(), asan_after_preload()}} {
    INFO("needs Debian's faketime package (scripts/setup-deps installs it)");
    REQUIRE(fs::exists("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"));
    step("+0");
    wait_for_engine(dir, proc);
  }
  void step(const std::string& by) { write_text(offset, by + "\n"); }
  fs::path offset;
  process proc;
};

} // namespace

TEST_CASE("faults: a wall clock stepped forward expires no lease and stales no agent",
          "[e2e][faults]") {
  temp_dir dir;
  register_agents(dir, {"alice", "bob"});
  stepped_engine engine{dir};
  REQUIRE(e2e::swarm(dir.path(), {"lease", "acquire", "build", "--holder", "alice", "--ttl", "1h"})
            .exit_code == 0);
  engine.step("+7200"); // two hours ahead, at once
  std::this_thread::sleep_for(2500ms);
  auto taken =
      e2e::swarm(dir.path(), {"lease", "acquire", "build", "--holder", "bob", "--ttl", "1h"});
  INFO(taken);
  CHECK(taken.exit_code == 1);
  CHECK(contains(taken.err, "held by alice"));
  const auto agents = ok_json(dir, {"agents"});
  for (const auto& a : agents.at("agents").as_array())
    CHECK(str_at(a, "state") != "offline");
  CHECK(engine.proc.running());
}

TEST_CASE("faults: a wall clock stepped back keeps a lease's expiry on time",
          "[e2e][faults]") {
  temp_dir dir;
  register_agents(dir, {"alice", "bob"});
  stepped_engine engine{dir};
  REQUIRE(e2e::swarm(dir.path(), {"lease", "acquire", "slot", "--holder", "alice", "--ttl", "2s"})
            .exit_code == 0);
  engine.step("-7200");
  CHECK(poll_until(10s, [&] {
    return e2e::swarm(dir.path(), {"lease", "acquire", "slot", "--holder", "bob", "--ttl", "1h"})
               .exit_code == 0;
  }));
}
