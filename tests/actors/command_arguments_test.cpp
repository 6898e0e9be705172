// Unknown arguments are refused by every op of the command protocol, before anything
// reaches the engine (dispatch_support.hpp's gate), and the refusal lists what the op
// takes — the names its handler reads.
#include "actors/control/dispatcher.hpp"
#include "tests/support/command_session.hpp"

#include <swarm/swarm.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <string>

namespace json = boost::json;

namespace {

using session = swarm::test::command_session;

std::string message_of(const json::object& reply) {
  INFO(json::serialize(reply));
  REQUIRE(reply.at("ok") == false);
  CHECK(reply.at("error").at("code") == "bad_request");
  return std::string{reply.at("error").at("message").as_string()};
}

} // namespace

TEST_CASE("every op refuses an argument it does not read, and changes nothing",
          "[actor][dispatcher]") {
  session s;
  auto added = s.run({{"op", "task.add"}, {"args", {{"title", "Kept"}}}});
  REQUIRE(added.at("ok") == true);
  const auto before = s.run({{"op", "tasks"}}).at("result");

  const auto ops = swarm::command_ops();
  REQUIRE(ops.size() > 40);
  for (const auto& op : ops) {
    INFO(op);
    // With only the stray argument: it is named first, even before a missing one.
    const auto message = message_of(s.run({{"op", op}, {"args", {{"zz_stray", 1}}}}));
    CHECK(message.rfind("unknown argument 'zz_stray' for op '" + op + "'; it takes", 0) ==
          0);
  }
  CHECK(s.run({{"op", "tasks"}}).at("result") == before);
}

TEST_CASE("the refusal lists what the op reads, from all its decoders",
          "[actor][dispatcher]") {
  session s;
  CHECK(
      message_of(s.run({{"op", "task.cancel"}, {"args", {{"id", "x"}, {"why", "y"}}}})) ==
      "unknown argument 'why' for op 'task.cancel'; it takes: id, reason");
  CHECK(message_of(s.run({{"op", "status"}, {"args", {{"verbose", true}}}})) ==
        "unknown argument 'verbose' for op 'status'; it takes no arguments");
  // task.update reads task_update's fields and the id: all of them are taken.
  const auto update = message_of(
      s.run({{"op", "task.update"}, {"args", {{"id", "x"}, {"tittle", "typo"}}}}));
  CHECK(
      update ==
      "unknown argument 'tittle' for op 'task.update'; it takes: description, estimate, "
      "files, id, priority, skills, title");
  // A wrong type is still refused as before, naming the field.
  CHECK(message_of(s.run({{"op", "task.add"}, {"args", {{"title", 5}}}})) ==
        "argument 'title' must be a string");
}

TEST_CASE("a request holds only id, op, args and token", "[actor][dispatcher]") {
  session s;
  CHECK(
      message_of(s.run({{"op", "ping"}, {"arg", {{"x", 1}}}})) ==
      "unknown key 'arg' in the request; it takes id, op, args and token (the op's "
      "arguments go inside args)");
}
