#include "plans/plan_loader.hpp"
#include "tests/plans/plan_test_helpers.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace swarm;
using namespace swarm::plans;
using namespace swarm::plans::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const std::string data_dir = std::string(SWARM_TEST_DATA_DIR) + "/plans/";
const std::string examples_dir =
    std::string(SWARM_TEST_DATA_DIR) + "/../../plans/examples/";

size_t leaves(const plan& p) {
  size_t n = 0;
  for (const auto& t : p.tasks)
    n += is_leaf(p, t);
  return n;
}

} // namespace

TEST_CASE("loader: dispatches on extension and content", "[plans][loader]") {
  auto md = load_plan_file(data_dir + "auth.md");
  REQUIRE(md);
  auto js = load_plan_file(data_dir + "auth.json");
  REQUIRE(js);
  CHECK(md->path == data_dir + "auth.md");
  CHECK(md->tasks[2].source == data_dir + "auth.md:4");
  REQUIRE(md->tasks.size() == js->tasks.size());
  CHECK(md->tasks.back().id == js->tasks.back().id);

  // JSON content without a .json extension is still JSON.
  auto path = std::filesystem::temp_directory_path() / "swarm_plan_loader_test.plan";
  {
    std::ofstream out(path);
    out << "\n  [{\"title\": \"Only\"}]\n";
  }
  auto sniffed = load_plan_file(path.string(), load_options{"zz"});
  std::filesystem::remove(path);
  REQUIRE(sniffed);
  CHECK(sniffed->tasks.size() == 1);
  CHECK(sniffed->tasks[0].id == root_id("zz", "Only", 0, 4));
}

TEST_CASE("loader: missing and unreadable files", "[plans][loader]") {
  auto missing = load_plan_file(data_dir + "no-such-plan.md");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::not_found);
  CHECK_THAT(missing.error().message, Contains("no-such-plan.md"));

  auto dir = load_plan_file(data_dir);
  REQUIRE_FALSE(dir);
  CHECK(dir.error().code == errc::io_error);

  auto bad = load_plan_file(data_dir + "bad_priority.md");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_plan);
  CHECK_THAT(bad.error().message,
             StartsWith(data_dir + "bad_priority.md:4: priority \"P7\""));
}

TEST_CASE("loader: the example plans load", "[plans][loader][examples]") {
  auto md = load_plan_file(examples_dir + "demo.md");
  INFO((md ? std::string() : md.error().message));
  REQUIRE(md);
  CHECK(leaves(*md) >= 12);
  CHECK(leaves(*md) <= 20);
  size_t with_depends = 0, with_files = 0, with_estimate = 0;
  for (const auto& t : md->tasks) {
    with_depends += !t.depends.empty();
    with_files += !t.files.empty();
    with_estimate += t.estimate_minutes > 0;
  }
  CHECK(with_depends >= 5);
  CHECK(with_files >= 5);
  CHECK(with_estimate >= 5);

  auto js = load_plan_file(examples_dir + "demo.json");
  INFO((js ? std::string() : js.error().message));
  REQUIRE(js);
  CHECK(leaves(*js) >= 5);
}
