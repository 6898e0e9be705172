// Identity in the dispatcher (README "Identity"): every agent gets a token at
// registration (only its hash is stored); a request acting as agent X needs X's token
// or the operator token, else it is `forbidden` and nothing changes; an unknown token
// is `unauthorized`; a request without a token is the transport's default (trusted for
// engine::execute, nobody for the control socket).
#include "actors/control/acting_as.hpp"
#include "actors/control/dispatcher.hpp"
#include "tests/support/command_session.hpp"

#include <swarm/swarm.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace json = boost::json;

namespace {

// `v` without the values computed from the clock ("expires_in_ms").
void drop_clock(json::value& v) {
  if (v.is_object()) {
    v.as_object().erase("expires_in_ms");
    for (auto& kv : v.as_object())
      drop_clock(kv.value());
  } else if (v.is_array()) {
    for (auto& x : v.as_array())
      drop_clock(x);
  }
}

struct session : swarm::test::command_session {
  // The reply to `op` with `args`, sent with `token` ("" : none, trusted).
  json::object as(const std::string& token, const std::string& op, json::object args) {
    json::object request{{"id", 1}, {"op", op}, {"args", std::move(args)}};
    if (!token.empty()) request["token"] = token;
    return run(json::value(std::move(request)));
  }
  json::object ok(const std::string& token, const std::string& op, json::object args) {
    auto reply = as(token, op, std::move(args));
    INFO(op << ": " << json::serialize(reply));
    REQUIRE(reply.at("ok") == true);
    return reply.at("result").as_object();
  }
  // The same with no token on a transport that trusts nobody (the control socket's).
  json::object anonymous(const std::string& op, json::object args) {
    json::object request{{"id", 1}, {"op", op}, {"args", std::move(args)}};
    return json::parse(swarm::dispatch_command(*engine, json::serialize(request),
                                               std::nullopt))
        .as_object();
  }
  std::string registered(const std::string& name) {
    auto a = ok("", "agent.register", {{"name", name}});
    REQUIRE(a.contains("token"));
    return std::string{a.at("token").as_string()};
  }
  // Everything a refused request might have changed.
  json::array snapshot() {
    json::array out;
    for (const auto& [op, args] : std::vector<std::pair<const char*, json::object>>{
             {"events", {{"limit", 10000}}},
             {"tasks", {}},
             {"reservation.list", {{"expired", true}}},
             {"lease.list", {{"all", true}}},
             {"mail.list", {{"limit", 1000}}},
             {"memory.list", {{"limit", 1000}}},
             {"agents", {}}})
      out.push_back(ok("", op, args));
    json::value all = std::move(out);
    drop_clock(all);
    return std::move(all.as_array());
  }
};

std::string code_of(const json::object& reply) {
  INFO(json::serialize(reply));
  REQUIRE(reply.at("ok") == false);
  return std::string{reply.at("error").at("code").as_string()};
}

std::string message_of(const json::object& reply) {
  return std::string{reply.at("error").at("message").as_string()};
}

} // namespace

TEST_CASE("every op acts as an agent, as nobody, edits the plan, or only as the operator",
          "[actor][identity]") {
  const auto& rules = swarm::acting_rules();
  const auto& nobody = swarm::acting_as_nobody();
  const auto& boss = swarm::operator_only();
  const auto& edits = swarm::plan_edits();
  for (const auto& op : swarm::command_ops()) {
    INFO(op);
    const int tables = static_cast<int>(rules.count(op)) +
                       static_cast<int>(std::count(nobody.begin(), nobody.end(), op)) +
                       static_cast<int>(std::count(boss.begin(), boss.end(), op)) +
                       static_cast<int>(std::count(edits.begin(), edits.end(), op));
    CHECK(tables == 1);
  }
  CHECK(rules.size() + nobody.size() + boss.size() + edits.size() ==
        swarm::command_ops().size());
}

TEST_CASE("registering gives a token shown once, and only its hash is kept", "[actor][identity]") {
  session s;
  auto a = s.ok("", "agent.register", {{"name", "alice"}});
  const std::string token{a.at("token").as_string()};
  CHECK(token.size() == 64);
  CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);
  const auto agents = s.ok("", "agents", {});
  for (const auto& listed : agents.at("agents").as_array())
    CHECK_FALSE(listed.as_object().contains("token"));
  CHECK_FALSE(s.ok("", "status", {}).at("agents").at(0).as_object().contains("token"));
  const auto events = json::serialize(s.ok("", "events", {}));
  CHECK(events.find(token) == std::string::npos);
  CHECK(events.find("token_hash") != std::string::npos);
  CHECK(s.ok(token, "ping", {}).at("pong") == true);
}

TEST_CASE("an acting op with another agent's token, or none, is forbidden and changes nothing",
          "[actor][identity]") {
  session s;
  const auto alice = s.registered("alice");
  s.registered("bob");
  // Bob holds a claim, a reservation, a lease, unread mail and a memory.
  s.ok("", "task.add", {{"title", "Work"}});
  auto claim = s.ok("", "task.claim", {{"agent", "bob"}});
  const std::string task{claim.at("id").as_string()};
  s.ok("", "reservation.reserve", {{"agent", "bob"}, {"patterns", {"src/a.cpp"}}});
  s.ok("", "lease.acquire", {{"name", "slot:a"}, {"holder", "bob"}});
  auto mail = s.ok("", "mail.send", {{"from", "alice"}, {"to", {"bob"}}, {"subject", "hi"}});
  const std::string message{mail.at("id").as_string()};
  auto memory = s.ok("", "memory.add", {{"content", "bob knows"}, {"agent", "bob"}});
  const std::string memory_id{memory.at("id").as_string()};

  // Plausible arguments acting as bob, for every acting op.
  const std::map<std::string, json::object> acting_as_bob = {
      {"mail.send", {{"from", "bob"}, {"to", {"alice"}}, {"subject", "x"}}},
      {"mail.reply", {{"message", message}, {"from", "bob"}, {"body", "x"}}},
      {"mail.inbox", {{"agent", "bob"}}},
      {"mail.read", {{"agent", "bob"}, {"message", message}}},
      {"mail.ack", {{"agent", "bob"}, {"message", message}}},
      {"mail.thread", {{"id", message}, {"agent", "bob"}}},
      {"mail.search", {{"query", "hi"}, {"agent", "bob"}}},
      {"mail.follow", {{"agent", "bob"}}},
      {"mail.list", {{"agent", "bob"}}},
      {"reservation.reserve", {{"agent", "bob"}, {"patterns", {"src/b.cpp"}}}},
      {"reservation.renew", {{"agent", "bob"}}},
      {"reservation.release", {{"agent", "bob"}, {"all", true}}},
      {"reservation.check", {{"agent", "bob"}, {"paths", {"src/a.cpp"}}}},
      {"lease.acquire", {{"name", "slot:b"}, {"holder", "bob"}}},
      {"lease.renew", {{"name", "slot:a"}, {"holder", "bob"}}},
      {"lease.release", {{"name", "slot:a"}, {"holder", "bob"}}},
      {"task.claim", {{"agent", "bob"}}},
      {"task.complete", {{"id", task}, {"agent", "bob"}, {"attempt", 1}}},
      {"task.fail", {{"id", task}, {"agent", "bob"}, {"attempt", 1}}},
      {"task.progress", {{"id", task}, {"agent", "bob"}, {"attempt", 1}, {"note", "n"}}},
      {"task.current", {{"agent", "bob"}}},
      {"task.add", {{"title", "Found"}, {"agent", "bob"}}},
      {"agent.register", {{"name", "bob"}}},
      {"agent.heartbeat", {{"name", "bob"}}},
      {"agent.state", {{"name", "bob"}, {"state", "stuck"}}},
      {"memory.add", {{"content", "as bob"}, {"agent", "bob"}}},
      {"memory.forget", {{"id", memory_id}, {"by", "bob"}}},
  };
  REQUIRE(acting_as_bob.size() == swarm::acting_rules().size());

  const auto before = s.snapshot();
  for (const auto& [op, args] : acting_as_bob) {
    INFO(op);
    REQUIRE(swarm::acting_rules().count(op) == 1);
    auto wrong = s.as(alice, op, args);
    CHECK(code_of(wrong) == "forbidden");
    CHECK(message_of(wrong).find("acting as 'bob'") == 0);
    CHECK(message_of(wrong).find("needs bob's token or the operator token; this request "
                                 "carries alice's token") != std::string::npos);
    auto none = s.anonymous(op, args);
    CHECK(code_of(none) == "forbidden");
    CHECK(message_of(none).find("this request carries no token") != std::string::npos);
  }
  // Only the operator may mint a dashboard session.
  auto link = s.as(alice, "dashboard.link", {});
  CHECK(code_of(link) == "forbidden");
  CHECK(message_of(link).find("needs the operator token") != std::string::npos);
  CHECK(code_of(s.anonymous("dashboard.link", {})) == "forbidden");
  // Nor record a quality baseline: its checks are shell commands the engine would run.
  const json::object checks{
      {"checks", json::array{json::object{{"name", "x"}, {"command", "touch pwned"}}}}};
  auto gates = s.as(alice, "quality.baseline", checks);
  CHECK(code_of(gates) == "forbidden");
  CHECK(message_of(gates).find("runs the shell commands it is given: it needs the operator "
                               "token") != std::string::npos);
  CHECK(code_of(s.anonymous("quality.baseline", checks)) == "forbidden");
  // A token nobody holds.
  CHECK(code_of(s.as(std::string(64, 'f'), "ping", {})) == "unauthorized");
  CHECK(code_of(s.as(std::string(64, 'f'), "mail.inbox", {{"agent", "bob"}})) ==
        "unauthorized");
  CHECK(s.snapshot() == before);
}

TEST_CASE("an agent's own token acts as it, the operator token acts as anyone",
          "[actor][identity]") {
  session s;
  const auto alice = s.registered("alice");
  const auto bob = s.registered("bob");
  auto op = swarm::operator_token(s.engine->opts());
  REQUIRE(op);

  auto sent = s.ok(alice, "mail.send", {{"from", "alice"}, {"to", {"bob"}}, {"subject", "a"}});
  CHECK(sent.at("from") == "alice");
  CHECK(s.ok(bob, "mail.inbox", {{"agent", "bob"}}).at("messages").as_array().size() == 1);
  s.ok(alice, "reservation.reserve", {{"agent", "alice"}, {"patterns", {"src/x"}}});
  s.ok(*op, "mail.send", {{"from", "bob"}, {"to", {"alice"}}, {"subject", "as bob"}});
  s.ok(*op, "lease.acquire", {{"name", "slot:z"}, {"holder", "bob"}});
  // Acting as nobody: any known caller, or none on the socket.
  s.ok(alice, "tasks", {});
  CHECK(s.anonymous("ping", {}).at("ok") == true);
  // A new name is open to anyone; registering an existing one again acts as it.
  s.ok(alice, "agent.register", {{"name", "carol"}});
  CHECK(code_of(s.as(alice, "agent.register", {{"name", "bob"}})) == "forbidden");
  auto again = s.ok(alice, "agent.register", {{"name", "alice"}});
  const std::string renewed{again.at("token").as_string()};
  CHECK(renewed != alice);
  CHECK(code_of(s.as(alice, "ping", {})) == "unauthorized"); // the old one stopped
  s.ok(renewed, "agent.heartbeat", {{"name", "alice"}});
  // An agent forgets a shared learning only on the record.
  auto learned = s.ok(renewed, "memory.add", {{"content", "shared"}, {"agent", "alice"}});
  const std::string mem{learned.at("id").as_string()};
  auto unsigned_forget = s.as(bob, "memory.forget", {{"id", mem}});
  CHECK(code_of(unsigned_forget) == "forbidden");
  CHECK(message_of(unsigned_forget).find("say by=\"bob\"") != std::string::npos);
  CHECK(s.ok(bob, "memory.forget", {{"id", mem}, {"by", "bob"}}).at("id").as_string() == mem);
  // A malformed credential.
  auto bad = s.run(R"({"op":"ping","token":7})");
  CHECK(code_of(bad) == "bad_request");
}

TEST_CASE("an agent's token may not edit the plan, the operator's and the socket's may",
          "[actor][identity]") {
  session s;
  const auto alice = s.registered("alice");
  s.registered("bob");
  auto first = s.ok("", "task.add", {{"title", "First"}});
  auto second = s.ok("", "task.add", {{"title", "Second"}});
  const std::string a{first.at("id").as_string()}, b{second.at("id").as_string()};
  s.ok("", "task.claim", {{"agent", "bob"}}); // bob's claim is among what must not change
  const std::vector<std::pair<const char*, json::object>> edits = {
      {"plan.load", {{"text", "# Plan\n\n- [ ] More\n"}}},
      {"task.cancel", {{"id", a}}},
      {"task.update", {{"id", b}, {"title", "Renamed"}}},
      {"task.move", {{"id", b}, {"parent", a}}},
      {"task.defer", {{"id", b}, {"until", "2099-01-01T00:00:00Z"}}},
      {"task.reopen", {{"id", a}}},
      {"dep.add", {{"task", b}, {"depends_on", a}}},
      {"dep.rm", {{"task", b}, {"depends_on", a}}},
      {"reservation.cleanup", {}},
      {"mail.export", {{"dir", "/tmp/swarm-identity-test-export"}}},
  };
  REQUIRE(edits.size() == swarm::plan_edits().size());
  s.snapshot(); // the first memory read journals the embedder in use (memory.embedder)
  const auto before = s.snapshot();
  for (const auto& [op, args] : edits) {
    INFO(op);
    auto refused = s.as(alice, op, args);
    CHECK(code_of(refused) == "forbidden");
    CHECK(message_of(refused).find("needs the operator token; this request carries "
                                   "alice's token") != std::string::npos);
  }
  CHECK(s.snapshot() == before);
  auto op = swarm::operator_token(s.engine->opts());
  REQUIRE(op);
  s.ok(*op, "task.update", {{"id", b}, {"title", "Renamed"}});
  CHECK(s.anonymous("task.cancel", {{"id", b}}).at("ok") == true);
}

TEST_CASE("tokens survive a restart and the journal's replay", "[actor][identity]") {
  swarm::test::temp_dir dir;
  swarm::options o;
  o.db_path = dir.file(".swarm/swarm.db");
  std::string bob;
  {
    auto e = swarm::engine::open(o);
    REQUIRE(e);
    auto reply = json::parse((*e)->execute(R"({"op":"agent.register","args":{"name":"bob"}})"));
    bob = std::string{reply.at("result").at("token").as_string()};
  }
  auto e = swarm::engine::open(o);
  REQUIRE(e);
  auto who = (*e)->identify(bob);
  REQUIRE(who);
  CHECK(who->agent == "bob");
  CHECK_FALSE(who->is_operator);
  auto op = swarm::operator_token(o);
  REQUIRE(op);
  auto boss = (*e)->identify(*op);
  REQUIRE(boss);
  CHECK(boss->is_operator);
  CHECK((*e)->identify("nope").error().code == swarm::errc::unauthorized);
  auto replay = swarm::verify_replay(o.db_path);
  REQUIRE(replay);
  CHECK(replay->match);
}
