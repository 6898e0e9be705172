// Run directories' retention: `swarm gc` prunes those of finished tasks by count
// (--keep) or age (--older-than), --dry-run only says which, unfinished tasks keep
// theirs, and a run keeps the newest --keep-runs as it goes and at its end.

#include "tests/e2e/e2e_support.hpp"

#include <algorithm>
#include <set>
#include <thread>

namespace {

using namespace e2e;

std::set<std::string> run_dirs(const temp_dir& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator{dir / ".swarm" / "runs", ec})
    out.insert(e.path().filename().string());
  return out;
}

const std::vector<std::string> mock_run{"run", "plan.md", "--agents", "2", "--work-ms",
                                        "1-5"};

} // namespace

TEST_CASE("gc: finished tasks' run directories beyond --keep or older than --older-than "
          "go, unfinished ones stay, --dry-run removes nothing",
          "[e2e][gc]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  REQUIRE(e2e::swarm(dir.path(), mock_run).exit_code == 0);
  const auto finished = run_dirs(dir);
  REQUIRE(finished.size() == 4); // one per leaf
  // A ready task with a directory (an earlier attempt's), and one of a task nobody knows.
  const auto ready = str_at(ok_json(dir, {"task", "add", "Later"}), "id");
  fs::create_directories(dir / ".swarm" / "runs" / ready / "1");
  fs::create_directories(dir / ".swarm" / "runs" / "sw-gone.1" / "1");

  auto usage = e2e::swarm(dir.path(), {"gc"});
  CHECK(usage.exit_code == 2);
  CHECK(contains(usage.err, "--keep N"));

  auto dry = ok_json(dir, {"gc", "--keep", "2", "--dry-run"});
  CHECK(dry.at("dry_run").as_bool());
  CHECK(dry.at("removed").as_array().size() == 3); // of 4 finished + 1 unknown
  CHECK(run_dirs(dir).size() == 6);

  auto done = ok_json(dir, {"gc", "--keep", "2"});
  CHECK(done.at("removed").as_array().size() == 3);
  CHECK(int_at(done, "kept") == 3);
  CHECK(int_at(done, "bytes_freed") > 0);
  auto left = run_dirs(dir);
  CHECK(left.size() == 3);
  CHECK(left.count(ready) == 1); // unfinished: kept whatever the count

  // By age: the two finished ones left, one of them made old.
  std::string old;
  for (const auto& d : left)
    if (d != ready) old = d;
  fs::last_write_time(dir / ".swarm" / "runs" / old,
                      fs::file_time_type::clock::now() - std::chrono::hours{24 * 10});
  auto aged = ok_json(dir, {"gc", "--older-than", "7d"});
  REQUIRE(aged.at("removed").as_array().size() == 1);
  CHECK(aged.at("removed").as_array()[0].as_string() == old);
  CHECK(run_dirs(dir).count(ready) == 1);
}

TEST_CASE("gc: a run keeps the newest --keep-runs finished tasks' run directories",
          "[e2e][gc]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  auto args = mock_run;
  args.insert(args.end(), {"--keep-runs", "1"});
  auto r = e2e::swarm(dir.path(), args);
  INFO(r);
  REQUIRE(r.exit_code == 0);
  CHECK(run_dirs(dir).size() == 1);
  CHECK(contains(r.err, "removed the run directories of 3 finished task(s)"));
}

// Without retention during the run, every leaf's directory would be there until the
// run's end: 24 at once.
TEST_CASE("gc: a long run prunes run directories as tasks finish and not only at its end",
          "[e2e][gc]") {
  temp_dir dir;
  std::string plan = "# Many\n\n";
  for (int i = 1; i <= 24; ++i)
    plan += "- Leaf " + std::to_string(i) + "\n";
  write_text(dir / "plan.md", plan);
  process run(dir.path(), {"run", "plan.md", "--agents", "1", "--work-ms", "150-150",
                           "--keep-runs", "2"});
  size_t most = 0;
  while (run.running()) {
    most = std::max(most, run_dirs(dir).size());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto r = run.wait(std::chrono::seconds(60));
  INFO(r);
  REQUIRE(r.exit_code == 0);
  CHECK(most < 24);
  CHECK(run_dirs(dir).size() == 2);
}
