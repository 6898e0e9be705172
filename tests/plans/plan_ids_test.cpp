#include "plans/plan_builder.hpp"
#include "plans/plan_cycles.hpp"
#include "plans/plan_loader.hpp"
#include "src/hash.hpp"
#include "tests/plans/plan_test_helpers.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <set>

using namespace swarm;
using namespace swarm::plans;
using namespace swarm::plans::test;

TEST_CASE("ids: FNV-1a 64 matches the reference values", "[plans][ids]") {
  CHECK(swarm::fnv1a_64("") == 0xcbf29ce484222325ull);
  CHECK(swarm::fnv1a_64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(swarm::fnv1a_64("foobar") == 0x85944171f73967e8ull);
  CHECK(detail::mix64(0) == 0);
  CHECK(detail::root_hash_hex("", 0).size() == 16);
}

TEST_CASE("ids: root_id hashes the normalised title and occurrence", "[plans][ids]") {
  auto id = root_id("sw", "Auth System", 0, 4);
  CHECK(id.size() == 7);
  CHECK(id.rfind("sw-", 0) == 0);
  CHECK(id == "sw-" + detail::root_hash_hex("auth system", 0).substr(0, 4));
  CHECK(root_id("sw", "  auth \t SYSTEM ", 0, 4) == id);
  CHECK(root_id("sw", "Auth System", 1, 4) != id);
  CHECK(root_id("sw", "Auth Systems", 0, 4) != id);
  CHECK(root_id("sw", "Auth System", 0, 6).substr(0, 7) == id);
  CHECK(root_id("xy", "Auth System", 0, 4).substr(3) == id.substr(3));
  CHECK(root_id("sw", "Auth System", 0, 99).size() == 3 + 16);
}

TEST_CASE("ids: looks_like_task_id", "[plans][ids]") {
  for (auto good : {"sw-a3f8", "sw-a3f8.1.2", "my_app2-00zz", "a-b", "sw-1.10.300"})
    CHECK(looks_like_task_id(good));
  for (auto bad :
       {"", "sw", "sw-", "-a3f8", "Sw-a3f8", "sw-A3F8", "sw-a3f8.", "sw-a3f8.x",
        "sw-a3f8..1", "2sw-a3f8", "sw a3f8", "sw-a3f8 ", "auth flow"})
    CHECK_FALSE(looks_like_task_id(bad));
}

TEST_CASE("ids: colliding prefixes lengthen, later roots only", "[plans][ids]") {
  std::vector<std::string> hex = {"abcd111111111111", "abcd211111111111",
                                  "abcd111111111112", "ffff000000000000",
                                  "abcd211111111112"};
  CHECK(detail::unique_prefixes(hex) ==
        std::vector<std::string>{"abcd", "abcd2", "abcd1", "ffff", "abcd21"});
  // Equal hashes still end up distinct.
  auto same = detail::unique_prefixes({"abcd111111111111", "abcd111111111111"});
  CHECK(same[0] != same[1]);
}

TEST_CASE("ids: a real collision in a plan", "[plans][ids]") {
  // "Task 349" and "Task 393" hash to 499358... and 499355...
  REQUIRE(detail::root_hash_hex("task 349", 0).substr(0, 6) == "499358");
  REQUIRE(detail::root_hash_hex("task 393", 0).substr(0, 6) == "499355");
  auto p = md_ok("# Task 349\n- Sub\n# Task 393\n- Sub\n");
  CHECK(p.tasks[0].id == "sw-4993");
  CHECK(p.tasks[1].id == "sw-4993.1");
  CHECK(p.tasks[2].id == "sw-49935"); // 5 digits: unique among the plan's ids
  CHECK(p.tasks[3].id == "sw-49935.1");
  // Swapping the order swaps who keeps the short id: document order decides.
  auto q = md_ok("# Task 393\n# Task 349\n");
  CHECK(q.tasks[0].id == "sw-4993");
  CHECK(q.tasks[1].id == "sw-49935");
  // Non-root tasks never count: only roots compete for hash prefixes.
  auto r = md_ok("# Task 349\n## Task 393\n");
  CHECK(r.tasks[1].id == "sw-4993.1");
}

TEST_CASE("ids: the same text gives the same ids", "[plans][ids]") {
  auto a = md_ok(auth_plan);
  auto b = md_ok(auth_plan);
  REQUIRE(a.tasks.size() == b.tasks.size());
  for (size_t i = 0; i < a.tasks.size(); ++i)
    CHECK(a.tasks[i].id == b.tasks[i].id);
  // Roots are independent of each other, and of their descriptions.
  auto c = md_ok("# Other root\nnew words\n" + std::string(auth_plan));
  CHECK(c.tasks[1].id == a.tasks[0].id);
}

TEST_CASE("ids: different or repeated titles give different ids", "[plans][ids]") {
  auto p = md_ok("- Alpha\n- Beta\n- Alpha\n- alpha\n");
  CHECK(p.tasks[0].id != p.tasks[1].id);
  CHECK(p.tasks[0].id != p.tasks[2].id);
  CHECK(p.tasks[2].id != p.tasks[3].id);
  CHECK(p.tasks[2].id == root_id("sw", "Alpha", 1, 4));
  CHECK(p.tasks[3].id == root_id("sw", "Alpha", 2, 4));
}

TEST_CASE("ids: root id length grows with the number of roots", "[plans][ids]") {
  CHECK(detail::root_id_length(0) == 4);
  CHECK(detail::root_id_length(1) == 4);
  CHECK(detail::root_id_length(36) == 4);
  CHECK(detail::root_id_length(37) == 5);
  CHECK(detail::root_id_length(145) == 5);
  CHECK(detail::root_id_length(146) == 6);
  CHECK(detail::root_id_length(1000) == 7);
  CHECK(detail::root_id_length(100000) == 10);
  CHECK(detail::root_id_length(SIZE_MAX) == 16);

  // Monotonic, and the least length meeting the 1% birthday bound.
  auto meets = [](size_t n, unsigned len) {
    long double pairs =
        static_cast<long double>(n) * (static_cast<long double>(n) - 1) / 2;
    return pairs / std::pow(16.0L, static_cast<long double>(len)) <= 0.01L;
  };
  unsigned last = detail::root_id_length(0);
  auto check = [&](size_t n) {
    unsigned len = detail::root_id_length(n);
    INFO("roots: " << n << ", length: " << len);
    CHECK(len >= last);
    CHECK(len >= detail::min_root_id_length);
    CHECK(len <= detail::max_root_id_length);
    if (len < detail::max_root_id_length) CHECK(meets(n, len));
    if (len > detail::min_root_id_length) CHECK_FALSE(meets(n, len - 1));
    last = len;
  };
  for (size_t n = 1; n <= 20000; ++n)
    check(n);
  for (size_t n = 20000; n < SIZE_MAX / 3; n = n * 3 / 2)
    check(n);
  check(SIZE_MAX);
}

TEST_CASE("ids: a plan with 40 roots gets 5-digit root ids", "[plans][ids]") {
  auto plan_of = [](int roots) {
    std::string text;
    for (int i = 0; i < roots; ++i)
      text += "- Root " + std::to_string(i) + "\n  - Child\n";
    return text;
  };
  auto p = md_ok(plan_of(40));
  auto q = md_ok(plan_of(40));
  REQUIRE(p.tasks.size() == 80);
  REQUIRE(q.tasks.size() == 80);
  std::set<std::string> ids;
  for (size_t i = 0; i < p.tasks.size(); ++i) {
    const auto& t = p.tasks[i];
    CHECK(t.id == q.tasks[i].id);
    ids.insert(t.id);
    if (t.parent.empty())
      CHECK(t.id == root_id("sw", t.title, 0, 5));
    else
      CHECK(t.id == t.parent + ".1");
  }
  CHECK(ids.size() == 80);
  // At 36 roots the ids stay at 4 digits.
  for (const auto& t : md_ok(plan_of(36)).tasks)
    if (t.parent.empty()) CHECK(t.id == root_id("sw", t.title, 0, 4));
  // JSON plans follow the same rule.
  std::string json = "[";
  for (int i = 0; i < 40; ++i)
    json +=
        (i ? ", " : "") + std::string("{\"title\": \"Root ") + std::to_string(i) + "\"}";
  auto j = json_ok(json + "]");
  for (size_t i = 0; i < j.tasks.size(); ++i)
    CHECK(j.tasks[i].id == p.tasks[2 * i].id);
}

TEST_CASE("ids: new_root_id for a root added at run time", "[plans][ids]") {
  auto none = [](std::string_view) { return false; };
  const std::string hex = detail::root_hash_hex("auth system", 0);

  SECTION("the length follows the root count, the title is normalised") {
    CHECK(new_root_id("sw", "Auth System", 0, none) == "sw-" + hex.substr(0, 4));
    CHECK(new_root_id("sw", "  auth \t SYSTEM ", 35, none) == "sw-" + hex.substr(0, 4));
    CHECK(new_root_id("sw", "Auth System", 36, none) == "sw-" + hex.substr(0, 5));
    CHECK(new_root_id("sw", "Auth System", 999, none) == "sw-" + hex.substr(0, 7));
    CHECK(new_root_id("web", "Auth System", 0, none) ==
          root_id("web", "Auth System", 0, 4));
    CHECK(new_root_id("sw", "Auth System", 0, {}) == "sw-" + hex.substr(0, 4));
  }
  SECTION("an id that exists lengthens, deterministically") {
    std::set<std::string, std::less<>> taken = {"sw-" + hex.substr(0, 4),
                                                "sw-" + hex.substr(0, 5)};
    std::vector<std::string> asked;
    auto exists = [&](std::string_view id) {
      asked.emplace_back(id);
      return taken.count(id) > 0;
    };
    auto id = new_root_id("sw", "Auth System", 3, exists);
    CHECK(id == "sw-" + hex.substr(0, 6));
    CHECK(asked == std::vector<std::string>{"sw-" + hex.substr(0, 4),
                                            "sw-" + hex.substr(0, 5),
                                            "sw-" + hex.substr(0, 6)});
    CHECK(new_root_id("sw", "Auth System", 3, exists) == id);
  }
  SECTION("when every prefix exists, digits are appended as for equal hashes") {
    auto all_prefixes = [&](std::string_view id) {
      return id.size() <= 3 + 16 || id == "sw-" + hex + "0";
    };
    CHECK(new_root_id("sw", "Auth System", 0, all_prefixes) == "sw-" + hex + "1");
  }
  SECTION("a root added after a plan's roots never takes one of their ids") {
    auto p = md_ok("# Auth System\n- Login\n# Billing\n");
    auto in_plan = [&](std::string_view id) {
      for (const auto& t : p.tasks)
        if (t.id == id) return true;
      return false;
    };
    auto id = new_root_id("sw", "auth system", 2, in_plan);
    CHECK(id == "sw-" + hex.substr(0, 5));
    CHECK_FALSE(in_plan(id));
  }
}

TEST_CASE("cycles: find_dependency_cycles on its own", "[plans][cycles]") {
  // 0 root { 1, 2 }, 3 leaf, 4 leaf
  std::vector<int32_t> parent = {-1, 0, 0, -1, -1};
  SECTION("none") {
    std::vector<std::vector<uint32_t>> deps = {{3}, {}, {1}, {4}, {}};
    CHECK(find_dependency_cycles(parent, deps).empty());
  }
  SECTION("a dependency on a parent waits for its children") {
    std::vector<std::vector<uint32_t>> deps = {{}, {}, {3}, {0}, {}};
    CHECK(find_dependency_cycles(parent, deps) ==
          std::vector<std::vector<uint32_t>>{{0, 2, 3}});
  }
  SECTION("a parent's dependency holds back its children") {
    std::vector<std::vector<uint32_t>> deps = {{4}, {}, {}, {}, {1}};
    CHECK(find_dependency_cycles(parent, deps) ==
          std::vector<std::vector<uint32_t>>{{0, 4, 1}});
  }
  SECTION("deep hierarchies and long chains do not overflow the stack") {
    const uint32_t n = 200000;
    std::vector<int32_t> deep(n);
    std::vector<std::vector<uint32_t>> none(n);
    for (uint32_t i = 0; i < n; ++i)
      deep[i] = static_cast<int32_t>(i) - 1; // a 200,000-level hierarchy
    CHECK(find_dependency_cycles(deep, none).empty());

    std::vector<int32_t> flat(n, -1);
    std::vector<std::vector<uint32_t>> chain(n);
    for (uint32_t i = 0; i + 1 < n; ++i)
      chain[i] = {i + 1};
    CHECK(find_dependency_cycles(flat, chain).empty());
    chain[n - 1] = {0};
    auto cycles = find_dependency_cycles(flat, chain);
    REQUIRE(cycles.size() == 1);
    CHECK(cycles[0].size() == n);
  }
}
