// Pages of the task list (actors/task_queue/task_listing.hpp): the cursor walk, the
// exact total, search, and a cursor no page gave.
#include "actors/task_queue/task_listing.hpp"
#include "tests/support/task_graph_oracle.hpp"

#include <catch2/catch.hpp>

using namespace swarm;
using namespace swarm::test;

namespace {

std::vector<std::string> page_ids(const task_page& p) {
  std::vector<std::string> out;
  for (const auto& t : p.tasks)
    out.push_back(t.spec.id);
  return out;
}

// a .. j, each after the one before but "a"; c and h mention "Parser".
task_graph letters() {
  task_graph g;
  std::vector<task_spec> specs;
  std::string prev;
  for (char c = 'a'; c <= 'j'; ++c) {
    auto s =
        spec(std::string(1, c), c == 'a' || c == 'e' ? std::vector<std::string>{}
                                                     : std::vector<std::string>{prev});
    if (c == 'c') s.title = "Write the PARSER";
    if (c == 'h') s.description = "the parser's tests";
    prev = s.id;
    specs.push_back(s);
  }
  add_ok(g, specs);
  return g;
}

} // namespace

TEST_CASE("task pages walk every match once, in insertion order", "[task_listing]") {
  const auto g = letters();
  task_query q;
  q.limit = 3;
  std::vector<std::string> walked;
  for (int pages = 0; pages < 10; ++pages) {
    auto p = list_tasks(g, q);
    REQUIRE(p);
    CHECK(p->total == 10);
    auto ids = page_ids(*p);
    walked.insert(walked.end(), ids.begin(), ids.end());
    if (p->next_cursor.empty()) break;
    q.cursor = p->next_cursor;
  }
  CHECK(walked == strings{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"});

  // No limit: everything, and no next page.
  auto all = list_tasks(g, {});
  REQUIRE(all);
  CHECK(all->tasks.size() == 10);
  CHECK(all->next_cursor.empty());
  // An exact fit ends without a next page.
  task_query ten;
  ten.limit = 10;
  CHECK(list_tasks(g, ten)->next_cursor.empty());
}

TEST_CASE("task pages filter by state and text, and count every match",
          "[task_listing]") {
  const auto g = letters();
  task_query ready;
  ready.state = task_state::ready;
  ready.limit = 1;
  auto p = list_tasks(g, ready);
  REQUIRE(p);
  CHECK(p->total == 2); // a and e
  CHECK(page_ids(*p) == strings{"a"});
  ready.cursor = p->next_cursor;
  p = list_tasks(g, ready);
  CHECK(page_ids(*p) == strings{"e"});
  CHECK(p->next_cursor.empty());

  task_query text;
  text.text = "parser"; // title of c (any case), description of h
  p = list_tasks(g, text);
  CHECK(page_ids(*p) == strings{"c", "h"});
  CHECK(p->total == 2);
  text.text = "J"; // the id
  CHECK(page_ids(*list_tasks(g, text)) == strings{"j"});
  text.text = "nothing like it";
  p = list_tasks(g, text);
  CHECK(p->tasks.empty());
  CHECK(p->total == 0);
  CHECK(p->next_cursor.empty());
}

TEST_CASE("a cursor no page gave is refused", "[task_listing]") {
  const auto g = letters();
  for (const char* bad : {"x", "-1", "99", "3a", " 3"}) {
    task_query q;
    q.cursor = bad;
    auto p = list_tasks(g, q);
    INFO(bad);
    REQUIRE_FALSE(p);
    CHECK(p.error().code == errc::bad_request);
  }
}

TEST_CASE("case-insensitive search", "[task_listing]") {
  CHECK(contains_ignoring_case("Write the Parser", "PARSER"));
  CHECK(contains_ignoring_case("abc", ""));
  CHECK_FALSE(contains_ignoring_case("ab", "abc"));
}
