// The ready list's orders (strategies/ready_order.hpp): priority, plan order, and graph
// levels with their tie-breaks; every sort stable.
#include "strategies/ready_order.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace swarm;
using namespace swarm::strategies;

namespace {

task ready_task(std::string id, int priority) {
  task t;
  t.spec.id = std::move(id);
  t.spec.priority = priority;
  t.state = task_state::ready;
  return t;
}

graph_report::row level(std::string id, double bottom, uint32_t fan_out) {
  graph_report::row r;
  r.id = std::move(id);
  r.bottom_level = bottom;
  r.fan_out = fan_out;
  return r;
}

std::vector<std::string> ids(const std::vector<ready_entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries)
    out.push_back(e.t->spec.id);
  return out;
}

using names = std::vector<std::string>;

} // namespace

TEST_CASE("ready order: names parse and print", "[strategies][ready]") {
  for (auto o : {ready_order::priority, ready_order::oldest, ready_order::graph})
    CHECK(parse_ready_order(to_string(o)) == o);
  CHECK_FALSE(parse_ready_order("newest"));
  CHECK_FALSE(parse_ready_order(""));
}

TEST_CASE("ready order: priority first, plan order among equals", "[strategies][ready]") {
  const std::vector<task> ready{ready_task("a", 2), ready_task("b", 0),
                                ready_task("c", 2), ready_task("d", 0)};
  CHECK(ids(order_ready(ready, ready_order::priority, {})) == names{"b", "d", "a", "c"});
  CHECK(ids(order_ready(ready, ready_order::oldest, {})) == names{"a", "b", "c", "d"});
  for (const auto& e : order_ready(ready, ready_order::priority, {level("a", 9, 9)}))
    CHECK(e.level == nullptr); // levels are only read for graph order
}

TEST_CASE("ready order: graph — chain, then fan-out, then priority, then plan order",
          "[strategies][ready]") {
  const std::vector<task> ready{ready_task("short", 0),  ready_task("long", 3),
                                ready_task("wide", 2),   ready_task("narrow", 2),
                                ready_task("urgent", 1), ready_task("new", 0)};
  const std::vector<graph_report::row> levels{
      level("long", 10, 0),  level("short", 1, 0),  level("wide", 5, 4),
      level("narrow", 5, 1), level("urgent", 5, 1), level("elsewhere", 99, 99)};
  auto entries = order_ready(ready, ready_order::graph, levels);
  // "new" has no row yet (added between the reads): a leaf with nothing behind it, so
  // it sorts with zeros, after "short" (1) whatever its priority.
  CHECK(ids(entries) == names{"long", "wide", "urgent", "narrow", "short", "new"});
  REQUIRE(entries.front().level != nullptr);
  CHECK(entries.front().level->bottom_level == 10);
  CHECK(entries.back().level == nullptr);
}
