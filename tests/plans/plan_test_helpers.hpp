#pragma once
// Helpers shared by the plan loader tests.

#include "plans/plan_loader.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace swarm::plans::test {

inline plan md_ok(std::string_view text, const load_options& opts = {}) {
  auto p = parse_markdown(text, "plan.md", opts);
  INFO((p ? std::string() : p.error().message));
  REQUIRE(p.has_value());
  return std::move(p).value();
}

inline plan json_ok(std::string_view text, const load_options& opts = {}) {
  auto p = parse_json(text, "plan.json", opts);
  INFO((p ? std::string() : p.error().message));
  REQUIRE(p.has_value());
  return std::move(p).value();
}

// The invalid_plan message for a Markdown plan that must not load.
inline std::string md_error(std::string_view text, const load_options& opts = {}) {
  auto p = parse_markdown(text, "plan.md", opts);
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().code == errc::invalid_plan);
  return p.error().message;
}

inline std::string json_error(std::string_view text, const load_options& opts = {}) {
  auto p = parse_json(text, "plan.json", opts);
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().code == errc::invalid_plan);
  return p.error().message;
}

inline const task_spec& by_title(const plan& p, std::string_view title) {
  for (const auto& t : p.tasks)
    if (t.title == title) return t;
  FAIL("no task titled \"" << title << "\"");
  throw; // unreachable: FAIL throws
}

inline bool is_leaf(const plan& p, const task_spec& t) {
  for (const auto& other : p.tasks)
    if (other.parent == t.id) return false;
  return true;
}

// The example plan from the loader's brief.
constexpr std::string_view auth_plan = R"(# Auth System
Everything for login.
## JWT Setup
- Token generation
  priority: P1
  skills: crypto, cpp
  files: src/auth/token.cpp, src/auth/*.hpp
  estimate: 45m
- Validation logic
  depends: Token generation
## OAuth flow
depends: JWT Setup
- Google auth
  - Callback handler
  - Profile sync
)";

} // namespace swarm::plans::test
