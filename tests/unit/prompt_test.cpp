// The prompt builder: what a model is told about one attempt.
#include "harness/prompt.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace swarm;
using namespace swarm::harness;

namespace {

prompt_context sample() {
  prompt_context c;
  c.t.spec.id = "sw-a3f8.1.2";
  c.t.spec.title = "Token generation";
  c.t.spec.description = "Sign tokens with \"HS256\".";
  c.t.spec.files = {"src/auth/token.cpp", "src/auth/*.hpp"};
  c.attempt = 1;
  c.agent = "brave-otter";
  c.workdir = "/work/project";
  c.parents = {{"sw-a3f8", "Auth System", {}}, {"sw-a3f8.1", "JWT Setup", {}}};
  c.dependencies = {{"sw-a3f8.1.1", "Key storage", "keys live in src/auth/keys.cpp"}};
  return c;
}

} // namespace

TEST_CASE("the prompt names the task, its context and its files", "[prompt]") {
  auto p = build_prompt(sample());
  CHECK(p.rfind("# Task sw-a3f8.1.2: Token generation\n", 0) == 0);
  CHECK(p.find("Sign tokens with \"HS256\".") != std::string::npos);
  CHECK(p.find("## Part of\n\n- sw-a3f8: Auth System\n- sw-a3f8.1: JWT Setup\n") !=
        std::string::npos);
  CHECK(p.find("- sw-a3f8.1.1: Key storage — keys live in src/auth/keys.cpp") !=
        std::string::npos);
  CHECK(p.find("## Files\n\n- src/auth/token.cpp\n- src/auth/*.hpp\n") != std::string::npos);
  CHECK(p.find("brave-otter") != std::string::npos);
  CHECK(p.find("/work/project") != std::string::npos);
  // Empty optional sections are left out; a first attempt has no failure to report.
  CHECK(p.find("Previous attempt") == std::string::npos);
  CHECK(p.find("Unread mail") == std::string::npos);
  CHECK(p.find("Relevant memories") == std::string::npos);
}

TEST_CASE("a retry tells the model why the last attempt failed", "[prompt]") {
  auto c = sample();
  c.attempt = 2;
  c.t.result = "exit 1: undefined reference to sign()";
  c.t.failure = "task_error";
  c.inbox = {"from quiet-heron: I renamed sign() to sign_token()"};
  auto p = build_prompt(c);
  CHECK(p.find("## Previous attempt\n\nIt failed (task_error): exit 1: undefined reference "
               "to sign()") != std::string::npos);
  CHECK(p.find("## Unread mail\n\n- from quiet-heron") != std::string::npos);
  auto j = boost::json::parse(build_task_json(c)).as_object();
  CHECK(j.at("previous_failure").at("kind").as_string() == "task_error");
}

TEST_CASE("task.json carries the same facts for programs", "[prompt]") {
  auto j = boost::json::parse(build_task_json(sample())).as_object();
  CHECK(j.at("id").as_string() == "sw-a3f8.1.2");
  CHECK(j.at("title").as_string() == "Token generation");
  CHECK(j.at("files").as_array().size() == 2);
  CHECK(j.at("files").as_array()[1].as_string() == "src/auth/*.hpp");
  CHECK(j.at("attempt").as_int64() == 1);
  CHECK(j.at("agent").as_string() == "brave-otter");
  CHECK(j.at("parents").as_array().size() == 2);
  CHECK(j.at("dependencies").as_array()[0].at("result").as_string() ==
        "keys live in src/auth/keys.cpp");
  CHECK_FALSE(j.contains("previous_failure"));
}

TEST_CASE("a model with the swarm tools is told which to use when", "[prompt]") {
  CHECK(build_prompt(sample()).find("swarm` MCP tools") == std::string::npos);
  auto c = sample();
  c.swarm_tools = true;
  auto p = build_prompt(c);
  auto section = p.find("## Working with the other agents\n\n");
  REQUIRE(section != std::string::npos);
  auto tools = p.substr(section);
  CHECK(tools.find("you act as `brave-otter`") != std::string::npos);
  CHECK(tools.find("Before editing a file not listed in Files, `reserve` it") !=
        std::string::npos);
  CHECK(tools.find("`mail_send` a HANDOFF") != std::string::npos);
  CHECK(tools.find("`mail_send` BLOCKED") != std::string::npos);
  CHECK(tools.find("`memory_add`") != std::string::npos);
  CHECK(tools.find("`task_add` it") != std::string::npos);
  // The closing instruction stays last.
  CHECK(p.substr(p.size() - 49) == "When you are done, say in one line what you did.\n");
}
