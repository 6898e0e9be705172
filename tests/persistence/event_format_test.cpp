// The journal's on-disk format: every event kind round-trips through its struct, and
// bodies read exactly as journals written before the typed events hold them.
#include "persistence/events.hpp"
#include "src/time_units.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

using namespace swarm;
namespace p = swarm::persistence;

namespace {

p::event round_trip(const p::event& e) {
  auto back = p::decode_event(p::to_string(e.kind), e.ts_us, e.json, 1);
  REQUIRE(back);
  CHECK(back->kind == e.kind);
  CHECK(back->ts_us == e.ts_us);
  CHECK(back->body.index() == e.body.index());
  // Every field of these samples differs from its default, so a field read back wrong
  // (or not at all) shows in the text.
  CHECK(p::encode_body(back->body) == e.json);
  return *back;
}

task sample_task() {
  task t;
  t.spec.id = "sw-a3f8.1";
  t.state = task_state::claimed;
  t.attempts = 2;
  t.lease_expires = swarm::from_us(1796571205858562);
  t.result = "half \"done\"";
  t.claim_session = "ab27fc6bec934fde";
  t.failure = "agent_crash";
  t.claim_token = 7;
  return t;
}

// One event of every kind, every field set.
std::vector<p::event> every_kind() {
  std::vector<p::event> out;
  const int64_t ts = 1796570898206962;
  out.push_back(
      p::make_event(p::engine_started{"9ef9fd3825a72307", 695, "vm", "0.1.0"}, ts));
  out.push_back(p::make_event(p::plan_loaded{"plan.md", 3, 7}, ts));
  task_spec spec;
  spec.id = "sw-a8b2.3";
  spec.parent = "sw-a8b2";
  spec.title = "Third";
  spec.description = "line 1\nline 2";
  spec.depends = {"sw-a8b2.2"};
  spec.related = {"sw-a8b2.1"};
  spec.discovered_from = {"sw-0001"};
  spec.skills = {"cpp", "sql"};
  spec.priority = 1;
  spec.files = {"src/db/*.cpp"};
  spec.estimate_minutes = 120;
  spec.source = "plan.md:4";
  out.push_back(p::make_task_created(spec, false, ts));
  auto t = sample_task();
  for (auto k : {p::event_kind::task_claimed, p::event_kind::task_completed,
                 p::event_kind::task_failed, p::event_kind::task_released,
                 p::event_kind::task_rolled_up, p::event_kind::task_renewed,
                 p::event_kind::task_cancelled, p::event_kind::task_reopened})
    out.push_back(p::make_task_update(k, t, "alice", ts));
  out.push_back(p::make_event(
      p::task_updated{
          "sw-a8b2.1", "First, renamed", "d", 3, {"cpp"}, {"a.cpp", "b.cpp"}, 45},
      ts));
  out.push_back(p::make_event(p::task_deferred{"sw-a8b2.2", 1796578126575481}, ts));
  out.push_back(p::make_event(p::dep_added{"sw-3cf6.2", "sw-eccb", "related"}, ts));
  out.push_back(p::make_event(p::dep_removed{"sw-a8b2.2", "sw-a8b2.1"}, ts));
  out.push_back(p::make_event(
      p::agent_registered{"shy-hare", "be4a5d92230d9766", "mock", {"cpp", "sql"}}, ts));
  out.push_back(p::make_event(p::agent_stopped{"solo", "queue drained"}, ts));
  out.push_back(p::make_event(p::agent_heartbeat{"azure-heron"}, ts));
  out.push_back(p::make_event(p::agent_state_changed{"azure-heron", "busy", "sw-1"}, ts));
  out.push_back(p::make_event(p::run_started{"3d52bb662fbfe2d2-1", 2}, ts));
  out.push_back(p::make_event(p::run_finished{"7ee026a42888f963-1", "incomplete",
                                              p::run_totals{3, 1, 2, 6, 8.04939e-4}},
                              ts));
  p::model_started started;
  started.task = "sw-a77a.1";
  started.attempt = 1;
  started.agent = "humble-heron";
  started.session = "bf5e41eaff7d1e66";
  started.pid = 31176;
  started.start_ticks = 219033;
  started.run_dir = "/tmp/x/.swarm/runs/sw-a77a.1/1";
  started.command = "/tmp/x/model.sh";
  out.push_back(p::make_event(started, ts));
  p::model_finished finished;
  finished.task = "sw-4d61.1";
  finished.attempt = 2;
  finished.exit_code = 3;
  finished.signal = 9;
  finished.timed_out = 1;
  finished.duration_ms = 5;
  finished.stdout_bytes = 10;
  finished.stderr_bytes = 11;
  finished.stdout_truncated = true;
  finished.stderr_truncated = true;
  finished.outcome = "timeout";
  out.push_back(p::make_event(finished, ts));
  finished.attempt = 3;
  finished.outcome = "completed";
  finished.usage.emplace();
  finished.usage->input_tokens = 1200;
  finished.usage->output_tokens = 345;
  finished.usage->cache_read_tokens = 27884;
  finished.usage->cache_write_tokens = 5400;
  finished.usage->cost_usd = 0.0731296;
  finished.usage->model = "claude-sonnet-4-5";
  out.push_back(p::make_event(finished, ts));
  out.push_back(p::make_event(p::run_budget_reached{"7ee026a42888f963-2", 1.0, 1.2}, ts));
  p::quality_snapshot quality;
  quality.task = "sw-1.2";
  quality.attempt = 1;
  quality.agent = "alice";
  quality.commit = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
  quality.regressions = 1;
  quality.snapshot.text = R"({"commit":"4b825dc6","checks":[{"name":"test","passed":false}]})";
  quality.worse.text = R"([{"check":"test","kind":"build_broken"}])";
  out.push_back(p::make_event(quality, ts));
  p::quality_baseline base;
  base.integration = "main";
  base.commit = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
  base.by = "operator";
  base.adopted = true;
  base.checks.text = R"([{"name":"test","command":"make test","format":"exit"}])";
  base.snapshot.text = R"({"commit":"4b825dc6","checks":[{"name":"test","passed":true}]})";
  out.push_back(p::make_event(base, ts));
  p::mail_sent mail;
  mail.id = "msg-1";
  mail.type = "custom";
  mail.category = "HANDOFF";
  mail.from = "alice";
  mail.to = {"bob"};
  mail.cc = {"dave"};
  mail.bcc = {"carol"};
  mail.broadcast = true;
  mail.thread = "msg-0";
  mail.subject = "Auth API ready";
  mail.body = "## Done\n";
  mail.payload = R"({"files":["src/auth.cpp"]})";
  mail.importance = "high";
  mail.ack_required = true;
  mail.in_reply_to = "msg-0";
  out.push_back(p::make_event(mail, ts));
  p::mail_sent once = mail; // a broadcast stored once (schema 11)
  once.id = "msg-2";
  once.to.clear();
  once.cc.clear();
  once.bcc.clear();
  once.audience = 3;
  once.joined = {"alice", "bob", "erin"};
  out.push_back(p::make_event(once, ts));
  out.push_back(p::make_event(p::mail_read{{"msg-1", "bob"}}, ts));
  out.push_back(p::make_event(p::mail_acked{{"msg-1", "bob"}}, ts));
  out.push_back(p::make_event(p::mail_followed{"watcher", true}, ts));
  p::reservation_granted granted;
  granted.id = "res-1";
  granted.num = 1;
  granted.agent = "bob";
  granted.task = "sw-1";
  granted.pattern = "src/**";
  granted.type = "edit";
  granted.exclusive = true;
  granted.reason = "why";
  granted.created_us = 1796570898206962;
  granted.expires_us = 1796574498206962;
  out.push_back(p::make_event(granted, ts));
  out.push_back(p::make_event(p::reservation_renewed{"res-3", 1796578126575481}, ts));
  out.push_back(
      p::make_event(p::reservation_released{"res-1", "carol", "taken over"}, ts));
  const p::lease_fields lease{"deploy", "bob", 2, 1796574531532193};
  out.push_back(p::make_event(p::lease_acquired{lease}, ts));
  out.push_back(p::make_event(p::lease_renewed{lease}, ts));
  out.push_back(p::make_event(p::lease_released{lease, "bob", "released"}, ts));
  p::memory_added memory;
  memory.num = 1;
  memory.id = "mem-1";
  memory.kind = "procedural";
  memory.type = "agent_learning";
  memory.content = "abba abba cabbage";
  memory.tags = {"db", "sqlite"};
  memory.agent = "bob";
  memory.task = "sw-1";
  memory.importance = 0.7;
  memory.expires_us = 12;
  memory.embedder = "builtin-hash-v1";
  memory.dim = 2;
  memory.vector = p::encode_vector({0.25f, -1.5f});
  out.push_back(p::make_event(memory, ts));
  out.push_back(p::make_event(p::memory_forgotten{"mem-2", 2, "bob", "forgotten"}, ts));
  out.push_back(p::make_event(p::memory_reinforced{"mem-4", 4, 0.9, {"db"}}, ts));
  out.push_back(p::make_event(p::memory_accessed{{2, 1, 2}}, ts));
  out.push_back(p::make_event(p::memory_reembedded{"mem-1", 1, "builtin-hash-v1:16", 16,
                                                   p::encode_vector({1.0f})},
                              ts));
  out.push_back(p::make_event(
      p::memory_embedder{"command:embed.py", "m", "KEY", "command:embed.py", 8}, ts));
  return out;
}

} // namespace

TEST_CASE("an event of every kind round-trips through its struct", "[persistence]") {
  std::set<p::event_kind> seen;
  for (const auto& e : every_kind()) {
    INFO(p::to_string(e.kind) << " " << e.json);
    round_trip(e);
    seen.insert(e.kind);
  }
  CHECK(seen.size() == p::event_kind_limit - 1);
}

// Bodies copied from journals the engine wrote before the events were typed: each must
// read and re-encode to the same bytes.
TEST_CASE("journal bodies written before the typed events read and re-encode unchanged",
          "[persistence]") {
  const std::
      vector<std::pair<std::string, std::string>>
          golden =
              {
                  {"engine.started",
                   R"({"session":"9ef9fd3825a72307","pid":695,"host":"vm","version":"0.1.0"})"},
                  {"plan.loaded", R"({"path":"plan.md","added":0,"present":7})"},
                  {"task.created",
                   R"({"id":"sw-a8b2.3","parent":"sw-a8b2","title":"Third","description":"","depends":["sw-a8b2.2"],"related":[],"discovered_from":[],"skills":["cpp","sql"],"priority":1,"files":["src/db/*.cpp"],"estimate_minutes":120,"source":"added at run time","leaf":true})"},
                  {"task.claimed",
                   R"({"id":"sw-1d18.1","state":"claimed","attempts":1,"agent":"solo","lease_expires_us":1796571205858562,"result":"","session":"ab27fc6bec934fde","claim_token":1})"},
                  {"task.released",
                   R"({"id":"sw-2231.1","state":"pending","attempts":1,"agent":"bob","lease_expires_us":0,"result":"agent lost: no heartbeat for two intervals","failure":"agent_crash","claim_token":1})"},
                  {"task.rolled_up",
                   R"({"id":"sw-2540","state":"failed","attempts":0,"agent":"","lease_expires_us":0,"result":""})"},
                  {"task.updated",
                   R"({"id":"sw-a8b2.1","title":"First, renamed","description":"","priority":0,"skills":[],"files":[],"estimate_minutes":0})"},
                  {"task.deferred", R"({"id":"sw-a8b2.2","until_us":0})"},
                  {"dep.added",
                   R"({"task":"sw-3cf6.2","depends_on":"sw-eccb","kind":"blocks"})"},
                  {"dep.removed", R"({"task":"sw-a8b2.2","depends_on":"sw-a8b2.1"})"},
                  {"agent.registered",
                   R"({"name":"shy-hare","session":"be4a5d92230d9766","model":"mock","skills":["cpp"]})"},
                  {"agent.stopped", R"({"name":"solo","reason":"queue drained"})"},
                  {"agent.heartbeat", R"({"name":"azure-heron"})"},
                  {"agent.state", R"({"name":"azure-heron","state":"busy","task":""})"},
                  {"run.started", R"({"run":"3d52bb662fbfe2d2-1","agents":2})"},
                  {"run.finished",
                   R"({"run":"7ee026a42888f963-1","outcome":"completed","summary":{"completed":3,"failed":0,"blocked":0,"total":3,"seconds":8.04939E-4}})"},
                  {"model.started",
                   R"({"task":"sw-a77a.1","attempt":1,"agent":"humble-heron","session":"bf5e41eaff7d1e66","pid":31176,"start_ticks":219033,"run_dir":"/tmp/swarm-e2e-72lges/.swarm/runs/sw-a77a.1/1","command":"/tmp/swarm-e2e-72lges/model.sh"})"},
                  {"model.finished",
                   R"({"task":"sw-4d61.1","attempt":1,"exit_code":0,"signal":0,"timed_out":0,"duration_ms":5,"stdout_bytes":0,"stderr_bytes":0,"stdout_truncated":false,"stderr_truncated":false,"outcome":"completed"})"},
                  {"model.finished",
                   R"({"task":"sw-3cf6.1","attempt":1,"exit_code":-1,"signal":9,"outcome":"abandoned: killed at restart"})"},
                  {"mail.sent",
                   R"({"id":"msg-1","type":"custom","category":"HANDOFF","from":"alice","to":["bob"],"cc":[],"bcc":["carol"],"broadcast":false,"thread":"msg-1","subject":"Auth API ready","body":"## Done\n\nThe token endpoint is in `src/auth.cpp`.\n","payload":"{\"files\":[\"src/auth.cpp\"]}","importance":"normal","ack_required":true,"in_reply_to":""})"},
                  {"mail.read", R"({"message":"msg-1","recipient":"bob"})"},
                  {"mail.acked", R"({"message":"msg-1","recipient":"bob"})"},
                  {"mail.followed", R"({"agent":"watcher","on":true})"},
                  {"reservation.granted",
                   R"({"id":"res-1","num":1,"agent":"bob","task":"","pattern":"src/**","type":"edit","exclusive":true,"reason":"","created_us":1796570898206962,"expires_us":1796574498206962})"},
                  {"reservation.renewed",
                   R"({"id":"res-3","expires_us":1796578126575481})"},
                  {"reservation.released",
                   R"({"id":"res-1","by":"","reason":"cleanup"})"},
                  {"lease.acquired",
                   R"({"name":"deploy","holder":"bob","token":2,"expires_us":1796574531532193})"},
                  {"lease.renewed",
                   R"({"name":"deploy","holder":"alice","token":1,"expires_us":1796574570807884})"},
                  {"lease.released",
                   R"({"name":"deploy","holder":"bob","token":2,"expires_us":1796574531532193,"by":"bob","reason":"released"})"},
                  {"memory.added",
                   R"({"num":1,"id":"mem-1","kind":"episodic","type":"episodic","content":"abba abba cabbage","tags":[],"agent":"","task":"","importance":5E-1,"expires_us":0,"embedder":"command:python3 /tmp/swarm-e2e-mXpRiI/embed.py","dim":8,"vector":"rFwxP6xcMT+Qe+w9AAAAAJB77D0AAAAAkHvsPQAAAAA="})"},
                  {"memory.forgotten",
                   R"({"id":"mem-2","num":2,"by":"","reason":"forgotten"})"},
                  {"memory.reinforced",
                   R"({"id":"mem-1","num":1,"importance":9E-1,"tags":["db","sqlite"]})"},
                  {"memory.accessed", R"({"nums":[2,1,2,4]})"},
                  {"memory.reembedded",
                   R"({"id":"mem-1","num":1,"embedder":"command:python3 /tmp/swarm-e2e-mXpRiI/embed.py","dim":8,"vector":"rFwxP6xcMT+Qe+w9AAAAAJB77D0AAAAAkHvsPQAAAAA="})"},
                  {"memory.embedder",
                   R"({"spec":"builtin","model":"","key_env":"","name":"builtin-hash-v1","dim":384})"},
              };
  for (const auto& [kind, body] : golden) {
    INFO(kind << " " << body);
    auto e = p::decode_event(kind, 5, body, 9);
    REQUIRE(e);
    CHECK(p::encode_body(e->body) == body);
  }
}

TEST_CASE("producers' structs write the bodies old journals hold, key for key",
          "[persistence]") {
  CHECK(
      p::make_event(
          p::lease_released{{"deploy", "bob", 2, 1796574531532193}, "bob", "released"}, 1)
          .json ==
      R"({"name":"deploy","holder":"bob","token":2,"expires_us":1796574531532193,"by":"bob","reason":"released"})");

  p::model_finished abandoned;
  abandoned.task = "sw-3cf6.1";
  abandoned.attempt = 1;
  abandoned.exit_code = -1;
  abandoned.signal = 9;
  abandoned.outcome = "abandoned: killed at restart";
  CHECK(
      p::make_event(abandoned, 1).json ==
      R"({"task":"sw-3cf6.1","attempt":1,"exit_code":-1,"signal":9,"outcome":"abandoned: killed at restart"})");

  CHECK(
      p::make_event(p::run_finished{"7ee026a42888f963-1", "completed",
                                    p::run_totals{3, 0, 0, 3, 8.04939e-4}},
                    1)
          .json ==
      R"({"run":"7ee026a42888f963-1","outcome":"completed","summary":{"completed":3,"failed":0,"blocked":0,"total":3,"seconds":8.04939E-4}})");

  CHECK(p::make_event(p::memory_reinforced{"mem-1", 1, 0.9, {"db", "sqlite"}}, 1).json ==
        R"({"id":"mem-1","num":1,"importance":9E-1,"tags":["db","sqlite"]})");

  task t;
  t.spec.id = "sw-2540";
  t.state = task_state::failed;
  CHECK(
      p::make_task_update(p::event_kind::task_rolled_up, t, {}, 1).json ==
      R"({"id":"sw-2540","state":"failed","attempts":0,"agent":"","lease_expires_us":0,"result":""})");

  p::model_finished used;
  used.task = "sw-1";
  used.attempt = 1;
  used.exit_code = 0;
  used.outcome = "completed";
  used.usage.emplace();
  used.usage->input_tokens = 100;
  used.usage->output_tokens = 20;
  used.usage->cost_usd = 0.4;
  CHECK(
      p::make_event(used, 1).json ==
      R"({"task":"sw-1","attempt":1,"exit_code":0,"signal":0,"outcome":"completed","usage":{"input_tokens":100,"output_tokens":20,"cache_read_tokens":0,"cache_write_tokens":0,"cost_usd":4E-1,"model":""}})");
  used.usage->cost_usd.reset();
  CHECK(p::make_event(used, 1).json.find("cost_usd") == std::string::npos);

  // Every message but a broadcast stored once writes the keys it always wrote.
  CHECK(p::make_event(p::mail_sent{}, 1).json.find("audience") == std::string::npos);
  CHECK(p::make_event(p::mail_sent{}, 1).json.find("joined") == std::string::npos);
  CHECK(p::make_event(p::mail_followed{"watcher", true}, 1).json ==
        R"({"agent":"watcher","on":true})");
  CHECK(p::make_event(p::memory_accessed{}, 1).json == R"({"nums":[]})");
}

TEST_CASE("the event writer escapes text as Boost.JSON does", "[persistence]") {
  std::string every;
  for (int c = 1; c < 128; ++c)
    every += static_cast<char>(c);
  every += "ünïcode — ✓";
  auto e = p::make_event(p::agent_stopped{every, std::string{"nul\0inside", 10}}, 1);
  boost::json::object o{{"name", every}, {"reason", std::string{"nul\0inside", 10}}};
  CHECK(e.json == boost::json::serialize(o));
  for (double d : {0.0, 0.5, 1.0, 1e-300, 123456.789, -2.5})
    CHECK(
        p::make_event(p::memory_reinforced{"m", 1, d, {}}, 1).json ==
        boost::json::serialize(boost::json::object{
            {"id", "m"}, {"num", 1}, {"importance", d}, {"tags", boost::json::array{}}}));
}

TEST_CASE("decoding is lenient about missing keys only where journals always were",
          "[persistence]") {
  // Bodies other than the task events: a missing key reads as its default.
  auto lease = p::decode_event("lease.acquired", 1, R"({"name":"deploy"})", 1);
  REQUIRE(lease);
  CHECK(std::get<p::lease_acquired>(lease->body).name == "deploy");
  CHECK(std::get<p::lease_acquired>(lease->body).token == 0);
  auto run = p::decode_event("run.finished", 1, R"({"run":"r"})", 1);
  REQUIRE(run);
  CHECK_FALSE(std::get<p::run_finished>(run->body).summary);

  // Task bodies before schemas 4 and 7.
  auto created = p::decode_event(
      "task.created", 1,
      R"({"id":"a","parent":"","title":"t","description":"","depends":["b"],"skills":[],"priority":2,"files":[],"estimate_minutes":0,"source":"p:1","leaf":true})",
      1);
  REQUIRE(created);
  CHECK(std::get<p::task_created_body>(created->body).spec.depends ==
        std::vector<std::string>{"b"});
  CHECK(std::get<p::task_created_body>(created->body).spec.related.empty());
  auto claimed = p::decode_event(
      "task.claimed", 1,
      R"({"id":"a","state":"claimed","attempts":1,"agent":"x","lease_expires_us":5,"result":""})",
      1);
  REQUIRE(claimed);
  CHECK(std::get<p::task_update_body>(claimed->body).claim_token == 0);

  // A task body missing a key, or any body with a key of the wrong type, is corrupt.
  auto missing = p::decode_event("task.completed", 1, R"({"id":"a"})", 77);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::storage_error);
  CHECK(missing.error().message.find("#77") != std::string::npos);
  CHECK(missing.error().message.find("'state'") != std::string::npos);
  auto bad_state = p::decode_event(
      "task.claimed", 1,
      R"({"id":"a","state":"asleep","attempts":1,"agent":"x","lease_expires_us":5,"result":""})",
      78);
  REQUIRE_FALSE(bad_state);
  CHECK(bad_state.error().message.find("task state") != std::string::npos);
  auto wrong =
      p::decode_event("lease.acquired", 1, R"({"name":"deploy","token":"two"})", 79);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message.find("'token'") != std::string::npos);
  auto nested = p::decode_event("run.finished", 1, R"({"summary":{"total":"x"}})", 80);
  REQUIRE_FALSE(nested);
  CHECK(nested.error().message.find("'total'") != std::string::npos);
  auto not_object = p::decode_event("mail.read", 1, "[1]", 81);
  REQUIRE_FALSE(not_object);
}
