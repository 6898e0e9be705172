// The command dispatcher (actors/control/) through engine::execute: the reply envelope,
// the argument errors each op answers with (code and message, as documented), and the
// shapes of a few replies.
#include "tests/support/command_session.hpp"

#include <swarm/swarm.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

namespace json = boost::json;

namespace {

struct session : swarm::test::command_session {
  json::object ok(const std::string& op, const std::string& args = "{}") {
    auto reply = run(R"({"id":1,"op":")" + op + R"(","args":)" + args + "}");
    INFO(json::serialize(reply));
    REQUIRE(reply.at("ok") == true);
    return reply.at("result").as_object();
  }
  // "code: message" of a refused request.
  std::string refused(const std::string& op, const std::string& args) {
    auto reply = run(R"({"id":1,"op":")" + op + R"(","args":)" + args + "}");
    INFO(json::serialize(reply));
    REQUIRE(reply.at("ok") == false);
    const auto& e = reply.at("error");
    return std::string{e.at("code").as_string()} + ": " +
           std::string{e.at("message").as_string()};
  }
};

} // namespace

TEST_CASE("dispatcher: the envelope", "[actor][dispatcher]") {
  session s;
  auto pong = s.run(R"({"id":"a-7","op":"ping"})");
  CHECK(pong.at("id") == "a-7");
  CHECK(pong.at("ok") == true);
  CHECK(pong.at("result").at("pong") == true);

  auto error_of = [&](const std::string& request) {
    auto r = s.run(request);
    CHECK(r.at("ok") == false);
    return std::string{r.at("error").at("code").as_string()} + ": " +
           std::string{r.at("error").at("message").as_string()};
  };
  CHECK(error_of("not json") == "bad_request: the request is not a JSON object");
  CHECK(error_of("[1]") == "bad_request: the request is not a JSON object");
  CHECK(error_of(R"({"id":2})") == "bad_request: the request has no \"op\" string");
  CHECK(error_of(R"({"op":"ping","args":[]})") ==
        "bad_request: \"args\" must be an object");
  CHECK(error_of(R"({"op":"nope"})") == "unknown_op: unknown op 'nope'");
  CHECK(s.run(R"({"id":9,"op":"nope"})").at("id") == 9);
}

TEST_CASE("dispatcher: argument errors name the field", "[actor][dispatcher]") {
  session s;
  CHECK(s.refused("task.complete", R"({"agent":"a","attempt":1})") ==
        "bad_request: missing argument 'id'");
  CHECK(s.refused("task.complete", R"({"id":"x","agent":"a","attempt":"1"})") ==
        "bad_request: argument 'attempt' must be a non-negative integer");
  CHECK(s.refused("task.fail", R"({"id":"x","agent":"a"})") ==
        "bad_request: argument 'attempt' must be a non-negative integer");
  CHECK(s.refused("tasks", R"({"ready":"yes"})") ==
        "bad_request: argument 'ready' must be true or false");
  CHECK(s.refused("ready", R"({"sort":"newest"})") ==
        "bad_request: sort 'newest' is not one of priority, oldest, graph");
  CHECK(s.refused("dep.add", R"({"task":"a","on":"b","kind":"after"})") ==
        "bad_request: dependency kind 'after' is not one of blocks, related, "
        "discovered-from");
  CHECK(s.refused("task.defer", R"({"id":"x"})") ==
        "bad_request: missing argument 'until_us'");
  CHECK(s.refused("task.add", R"({"title":"t","skills":"cpp"})") ==
        "bad_request: argument 'skills' must be an array of strings");
  CHECK(s.refused("plan.load", R"({"path":"p.md","max_depth":-1})") ==
        "bad_request: argument 'max_depth' must be a non-negative integer");
  CHECK(s.refused("mail.send", R"({"to":["b"]})") ==
        "bad_request: missing argument 'from'");
  CHECK(s.refused("mail.inbox", R"({"agent":"a","since_us":1.5})") ==
        "bad_request: argument 'since_us' must be an integer");
  CHECK(s.refused("reservation.cleanup", "{}") ==
        "bad_request: missing argument 'older_than_ms'");
  CHECK(s.refused("lease.renew", R"({"name":"n","holder":"h","token":-1})") ==
        "bad_request: argument 'token' must not be negative");
  CHECK(s.refused("memory.add", R"({"content":"c","importance":"high"})") ==
        "bad_request: argument 'importance' must be a number from 0 to 1");
  CHECK(s.refused("memory.search", "{}") == "bad_request: missing argument 'query'");
  // An engine refusal comes through as it is.
  CHECK(s.refused("task.reopen", R"({"id":"sw-none"})").rfind("not_found: ", 0) == 0);
}

TEST_CASE("dispatcher: replies carry the values' shapes", "[actor][dispatcher]") {
  session s;
  const auto plan = s.dir.file("plan.md");
  std::ofstream{plan} << "# Work\n- First\n  estimate: 30m\n- Second\n  depends: First\n";
  auto loaded = s.ok("plan.load", R"({"path":")" + plan + R"("})");
  CHECK(loaded.at("added") == 3);

  auto status = s.ok("status");
  CHECK(status.at("tasks").at("total") == 3);
  CHECK(status.at("run").as_object().contains("db"));

  auto ready = s.ok("ready", R"({"sort":"graph"})");
  CHECK(ready.at("sort") == "graph");
  const auto& first = ready.at("tasks").at(0).as_object();
  CHECK(first.at("title") == "First");
  CHECK(first.at("bottom_level") == 31); // its 30 minutes, then Second's 1
  CHECK(first.at("fan_out") == 1);
  CHECK(s.ok("ready").at("tasks").at(0).as_object().contains("bottom_level") == false);

  auto claimed = s.ok("task.claim", R"({"agent":"w"})");
  CHECK(claimed.at("claimed") == true);
  CHECK(claimed.at("attempt") == 1);
  CHECK(claimed.at("priority") == "P2");
  auto done =
      s.ok("task.complete", R"({"id":")" + std::string{claimed.at("id").as_string()} +
                                R"(","agent":"w","attempt":1})");
  CHECK(done.at("state") == "completed");
  CHECK(done.at("now_ready").as_array().size() == 1);
  CHECK(s.ok("task.claim", R"({"agent":"nobody-else"})").at("claimed") == true);
  CHECK(s.ok("task.claim", R"({"agent":"w"})") == json::object{{"claimed", false}});
}

TEST_CASE("dispatcher: an agent's current task, its progress, and the work it finds",
          "[actor][dispatcher]") {
  session s;
  s.ok("agent.register", R"({"name":"w"})");
  auto base = s.ok("task.add", R"({"title":"Base"})");
  const std::string base_id{base.at("id").as_string()};
  s.ok("task.complete",
       R"({"id":")" + base_id + R"(","agent":"w","attempt":)" +
           std::to_string(
               s.ok("task.claim", R"({"agent":"w"})").at("attempt").as_int64()) +
           R"(,"result":"base built"})");
  auto work = s.ok("task.add", R"({"title":"Work","depends":[")" + base_id + R"("]})");
  const std::string id{work.at("id").as_string()};

  // No claim: no task, and work found then is added unlinked.
  CHECK(s.ok("task.current", R"({"agent":"w"})") ==
        json::object{{"agent", "w"}, {"task", nullptr}});
  CHECK(s.ok("task.add", R"({"title":"Loose","priority":4,"agent":"w"})")
            .at("discovered_from") == json::array{});

  auto claimed = s.ok("task.claim", R"({"agent":"w"})");
  REQUIRE(claimed.at("id") == json::value(id));
  s.ok("reservation.reserve", R"({"agent":"w","patterns":["src/a.cpp"]})");
  s.ok("agent.register", R"({"name":"boss"})");
  s.ok("mail.send", R"({"from":"boss","to":["w"],"subject":"hi"})");

  auto current = s.ok("task.current", R"({"agent":"w"})");
  CHECK(current.at("task").at("id") == json::value(id));
  CHECK(current.at("attempt") == 1);
  CHECK(current.at("depends").at(0).at("result") == "base built");
  CHECK(current.at("reservations").at(0).at("pattern") == "src/a.cpp");
  CHECK(current.at("unread_mail") == 1);

  // Progress extends the claim's lease and keeps the note as working memory.
  const auto lease_before =
      s.ok("tasks", R"({"id":")" + id + R"("})").at("lease_expires_us");
  auto progress =
      s.ok("task.progress",
           R"({"id":")" + id + R"(","agent":"w","attempt":1,"note":"half way"})");
  CHECK(progress.at("lease_expires_us").as_int64() >= lease_before.as_int64());
  CHECK(progress.at("note").at("kind") == "working");
  CHECK(progress.at("note").at("task") == json::value(id));
  auto notes = s.ok("memory.list", R"({"task":")" + id + R"("})");
  REQUIRE(notes.at("memories").as_array().size() == 1);
  CHECK(notes.at("memories").at(0).at("content") == "half way");
  CHECK(
      s.refused("task.progress", R"({"id":")" + id + R"(","agent":"other","attempt":1})")
          .rfind("not_claimant: ", 0) == 0);
  CHECK(s.refused("task.current", "{}") == "bad_request: missing argument 'agent'");

  // Work found meanwhile is linked to the claimed task.
  auto found = s.ok("task.add", R"({"title":"Found","agent":"w"})");
  CHECK(found.at("discovered_from") == json::array{json::value(id)});
  CHECK(s.ok("tasks", R"({"id":")" + std::string{found.at("id").as_string()} + R"("})")
            .at("discovered_from") == json::array{json::value(id)});
}
