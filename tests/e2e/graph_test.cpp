// `swarm graph`: the critical path and per-task levels of the remaining work.

#include "tests/e2e/e2e_support.hpp"

namespace {
using namespace e2e;
} // namespace

TEST_CASE("swarm graph prints the critical path and levels", "[e2e][graph]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Build\n"
                              "- Design\n  estimate: 1h\n"
                              "- Backend\n  estimate: 2h\n  depends: Design\n"
                              "- Frontend\n  estimate: 30m\n  depends: Design\n"
                              "- Release\n  estimate: 15m\n  depends: Backend, Frontend\n");
  REQUIRE(swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);
  auto r = swarm(dir.path(), {"graph", "--json"});
  INFO(r);
  REQUIRE(r.exit_code == 0);
  auto v = parse_json(r.out);
  CHECK(int_at(v, "critical_length") == 60 + 120 + 15);
  std::vector<std::string> titles;
  std::map<std::string, std::string> title_of;
  for (const auto& t : v.at("tasks").as_array())
    title_of[str_at(t, "id")] = str_at(t, "title");
  for (const auto& id : v.at("critical_path").as_array())
    titles.push_back(title_of[std::string{id.as_string()}]);
  CHECK(titles == std::vector<std::string>{"Design", "Backend", "Release"});
  for (const auto& t : v.at("tasks").as_array()) {
    if (str_at(t, "title") == "Frontend") {
      CHECK(int_at(t, "top_level") == 60);
      CHECK(int_at(t, "bottom_level") == 45);
      CHECK(int_at(t, "depth") == 1);
      CHECK(int_at(t, "fan_out") == 1);
    }
    if (str_at(t, "title") == "Design") {
      CHECK(int_at(t, "fan_out") == 3);
    }
  }
  auto human = swarm(dir.path(), {"graph"});
  INFO(human);
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("critical path: 195") != std::string::npos);
}

TEST_CASE("swarm ready sorts by priority, age or the graph", "[e2e][graph]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Work\n"
                              "- Docs\n  priority: P3\n  estimate: 5m\n"
                              "- Quick fix\n  priority: P0\n  estimate: 5m\n"
                              "- Core\n  priority: P2\n  estimate: 10m\n"
                              "- On top of core\n  estimate: 1h\n  depends: Core\n");
  REQUIRE(swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);
  auto order = [&](const std::string& sort) {
    auto r = swarm(dir.path(), {"ready", "--sort", sort, "--json"});
    INFO(r);
    REQUIRE(r.exit_code == 0);
    auto v = parse_json(r.out);
    std::vector<std::string> titles;
    for (const auto& t : v.at("tasks").as_array())
      titles.push_back(str_at(t, "title"));
    return titles;
  };
  CHECK(order("priority") == std::vector<std::string>{"Quick fix", "Core", "Docs"});
  CHECK(order("oldest") == std::vector<std::string>{"Docs", "Quick fix", "Core"});
  // Core heads a 70-minute chain; the two 5-minute tasks tie, then priority decides.
  CHECK(order("graph") == std::vector<std::string>{"Core", "Quick fix", "Docs"});
  auto bad = swarm(dir.path(), {"ready", "--sort", "random"});
  CHECK(bad.exit_code == 2);
}

TEST_CASE("swarm graph --groups shows the plan at a glance", "[e2e][graph]") {
  temp_dir dir;
  write_text(dir / "plan.json", R"({"tasks": [
    {"title": "API", "children": [
      {"title": "Schema", "estimate": "1h"},
      {"title": "Handlers", "depends": ["Schema"]}]},
    {"title": "UI", "children": [
      {"title": "Pages", "depends": ["Handlers"]},
      {"title": "Styles"}]}]})");
  REQUIRE(swarm(dir.path(), {"load", "plan.json"}).exit_code == 0);
  auto r = swarm(dir.path(), {"graph", "--groups", "2", "--json"});
  INFO(r);
  REQUIRE(r.exit_code == 0);
  auto v = parse_json(r.out);
  CHECK(int_at(v, "tasks") == 6);
  CHECK(int_at(v, "level") == 0);
  const auto& groups = v.at("groups").as_array();
  REQUIRE(groups.size() == 2);
  CHECK(str_at(groups[0], "title") == "API");
  CHECK(int_at(groups[0], "tasks") == 3);
  CHECK(int_at(groups[1].at("leaves"), "ready") == 1); // Styles
  const auto& links = v.at("links").as_array();
  REQUIRE(links.size() == 1);
  CHECK(str_at(links[0], "from") == str_at(groups[0], "id"));
  CHECK(str_at(links[0], "to") == str_at(groups[1], "id"));
  CHECK(int_at(v, "critical_length") == 60 + 1 + 1);
  CHECK(v.at("critical_path").as_array().size() == 2);

  auto human = swarm(dir.path(), {"graph", "--groups", "4"});
  INFO(human);
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("6 tasks in 4 groups") != std::string::npos);
  CHECK(human.out.find("Handlers") != std::string::npos);
  CHECK(swarm(dir.path(), {"graph", "--groups", "0"}).exit_code == 2);
}
