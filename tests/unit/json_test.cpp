// The JSON shapes of the public types (include/swarm/json.hpp): every type round-trips
// through value_from and back (from_json and Boost's value_to), the derived keys are
// written and ignored, and a bad field is an error value naming it.
#include <swarm/json.hpp>

#include "src/time_units.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <tuple>

using namespace swarm;
namespace json = boost::json;

// Every field of each type, for comparing a value with its round trip. In swarm itself
// (not an unnamed namespace) so that the tuple comparisons find the operators by ADL.
namespace swarm {

auto fields(const task_spec& s) {
  return std::tie(s.id, s.parent, s.title, s.description, s.depends, s.related,
                  s.discovered_from, s.skills, s.priority, s.files, s.estimate_minutes,
                  s.source);
}
auto fields(const task& t) {
  return std::tuple_cat(fields(t.spec),
                        std::tie(t.state, t.leaf, t.attempts, t.claimed_by,
                                 t.claim_session, t.lease_expires, t.claim_token,
                                 t.result, t.failure, t.updated, t.deferred_until));
}
auto fields(const task_change& c) {
  return std::tuple_cat(fields(c.t), std::tie(c.now_ready));
}
auto fields(const claimed_task& c) {
  return std::tuple_cat(fields(c.t), std::tie(c.attempt));
}
auto fields(const task_counts& c) {
  return std::tie(c.pending, c.ready, c.claimed, c.completed, c.failed, c.blocked,
                  c.cancelled);
}
auto fields(const new_task& t) {
  return std::tie(t.title, t.description, t.parent, t.prefix, t.depends, t.skills,
                  t.files, t.priority, t.estimate_minutes);
}
auto fields(const task_update& u) {
  return std::tie(u.title, u.description, u.priority, u.skills, u.files,
                  u.estimate_minutes);
}
auto fields(const plan_report& p) {
  return std::tie(p.path, p.added, p.already_present, p.total);
}
auto fields(const plan_options& p) {
  return std::tie(p.prefix, p.max_depth);
}
auto fields(const graph_report::row& r) {
  return std::tie(r.id, r.title, r.state, r.leaf, r.weight, r.top_level, r.bottom_level,
                  r.depth, r.fan_out);
}
bool operator==(const graph_report::row& a, const graph_report::row& b) {
  return fields(a) == fields(b);
}
auto fields(const graph_report& g) {
  return std::tie(g.critical_length, g.critical_path, g.tasks);
}
auto fields(const agent_status& a) {
  return std::tie(a.name, a.model, a.state, a.current_task, a.completed, a.failed,
                  a.skills, a.outside, a.pid, a.last_heartbeat);
}
bool operator==(const agent_status& a, const agent_status& b) {
  return fields(a) == fields(b);
}
bool operator==(const task_counts& a, const task_counts& b) {
  return fields(a) == fields(b);
}
auto fields(const status_report& s) {
  return std::tie(s.tasks, s.agents, s.run_state, s.session);
}
auto fields(const progress& p) {
  return std::tie(p.tasks, p.elapsed_seconds);
}
auto fields(const run_summary& s) {
  return std::tie(s.tasks, s.elapsed_seconds, s.success, s.agents, s.stopped, s.returned);
}
auto fields(const replay_report& r) {
  return std::tie(r.events, r.rows_compared, r.match, r.difference);
}
auto fields(const error& e) {
  return std::tie(e.code, e.message);
}
auto fields(const mail_message& m) {
  return std::tie(m.id, m.type, m.category, m.from, m.to, m.cc, m.bcc, m.broadcast,
                  m.thread, m.subject, m.body, m.payload, m.importance, m.ack_required,
                  m.in_reply_to, m.created);
}
auto fields(const mail_copy& c) {
  return std::tuple_cat(fields(c.m),
                        std::tie(c.recipient, c.state, c.read, c.acked));
}
auto fields(const mail_draft& d) {
  return std::tie(d.type, d.category, d.from, d.to, d.cc, d.bcc, d.broadcast, d.thread,
                  d.subject, d.body, d.payload, d.importance, d.ack_required,
                  d.in_reply_to);
}
auto fields(const inbox_filter& f) {
  return std::tie(f.state, f.urgent_only, f.since, f.thread, f.type, f.limit);
}
auto fields(const reservation& r) {
  return std::tie(r.id, r.agent, r.task, r.pattern, r.type, r.exclusive, r.reason,
                  r.created, r.renewed, r.expires);
}
auto fields(const reservation_conflict& c) {
  return std::tuple_cat(fields(c.held), std::tie(c.path, c.holder_stale));
}
bool operator==(const reservation_conflict& a, const reservation_conflict& b) {
  return fields(a) == fields(b);
}
auto fields(const reservation_grant& g) {
  return std::tuple_cat(fields(g.r), std::tie(g.refreshed, g.conflicts));
}
auto fields(const reserve_request& r) {
  return std::tie(r.agent, r.task, r.patterns, r.type, r.exclusive, r.ttl, r.reason);
}
auto fields(const release_request& r) {
  return std::tie(r.agent, r.ids, r.patterns, r.all, r.force);
}
auto fields(const lease& l) {
  return std::tie(l.name, l.holder, l.token, l.acquired, l.expires);
}
auto fields(const lease_grant& g) {
  return std::tuple_cat(fields(g.l), std::tie(g.acquired));
}
auto fields(const memory_record& m) {
  return std::tie(m.id, m.kind, m.type, m.content, m.tags, m.agent, m.task, m.importance,
                  m.created, m.expires, m.access_count, m.last_access);
}
auto fields(const memory_draft& d) {
  return std::tie(d.type, d.kind, d.content, d.tags, d.agent, d.task, d.importance,
                  d.ttl);
}
auto fields(const memory_added& a) {
  return std::tuple_cat(fields(a.m), std::tie(a.deduplicated));
}
auto fields(const memory_query& q) {
  return std::tie(q.text, q.mode, q.k, q.type, q.agent, q.task, q.tags);
}
auto fields(const memory_hit& h) {
  return std::tuple_cat(fields(h.m), std::tie(h.score, h.relevance, h.similarity,
                                              h.vector_rank, h.text_rank));
}
auto fields(const memory_stats& s) {
  return std::tie(s.total, s.episodic, s.working, s.procedural, s.embedder, s.dimension,
                  s.index_path, s.index_size, s.index_state, s.reembedded);
}

} // namespace swarm

namespace {

int64_t in_an_hour_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>((system_clock::now() + hours(1)).time_since_epoch())
      .count();
}

// x -> JSON -> T, both ways in: from_json (with the message) and Boost's value_to.
template <class T> void round_trips(const T& x) {
  const json::value v = json::value_from(x);
  INFO(json::serialize(v));
  auto back = from_json<T>(v);
  REQUIRE(back.has_value());
  CHECK(fields(*back) == fields(x));
  CHECK(fields(json::value_to<T>(v)) == fields(x));
  auto tried = json::try_value_to<T>(v);
  REQUIRE(tried.has_value());
  CHECK(fields(*tried) == fields(x));
}

task_spec a_spec() {
  task_spec s;
  s.id = "sw-a3f8.1.2";
  s.parent = "sw-a3f8.1";
  s.title = "Write the schema";
  s.description = "Tables *and* indexes";
  s.depends = {"sw-a3f8.1.1"};
  s.related = {"sw-a3f8.2"};
  s.discovered_from = {"sw-a3f8.3"};
  s.skills = {"sql", "cpp"};
  s.priority = 1;
  s.files = {"db/**"};
  s.estimate_minutes = 45;
  s.source = "plan.md:12";
  return s;
}

task a_task() {
  task t;
  t.spec = a_spec();
  t.state = task_state::claimed;
  t.leaf = false;
  t.attempts = 2;
  t.claimed_by = "bob";
  t.claim_session = "0123456789abcdef";
  t.lease_expires = swarm::from_us(1'700'000'000'000'001);
  t.claim_token = 7;
  t.result = "half done";
  t.failure = "task_timeout";
  t.updated = swarm::from_us(1'700'000'000'000'002);
  t.deferred_until = swarm::from_us(1'700'000'000'000'003);
  return t;
}

agent_status an_agent() {
  agent_status a;
  a.name = "bob";
  a.model = "mock";
  a.state = agent_state::busy;
  a.current_task = "sw-1.1";
  a.completed = 3;
  a.failed = 1;
  a.skills = {"cpp"};
  a.outside = true;
  a.pid = 4242;
  a.last_heartbeat = swarm::from_us(1'700'000'000'000'000);
  return a;
}

task_counts some_counts() {
  return task_counts{1, 2, 3, 4, 5, 6, 7};
}

mail_message a_message() {
  mail_message m;
  m.id = "msg-3";
  m.type = "task.handoff";
  m.category = mail_category::handoff;
  m.from = "alice";
  m.to = {"bob"};
  m.cc = {"carol"};
  m.bcc = {"dave"};
  m.broadcast = true;
  m.thread = "msg-1";
  m.subject = "Over to you";
  m.body = "The *rest*";
  m.payload = R"({"task":"sw-1.2","files":["a.c"]})";
  m.importance = mail_importance::high;
  m.ack_required = true;
  m.in_reply_to = "msg-2";
  m.created = swarm::from_us(1'700'000'000'000'000);
  return m;
}

reservation a_reservation(std::string id, std::string agent) {
  reservation r;
  r.id = std::move(id);
  r.agent = std::move(agent);
  r.task = "sw-1.1";
  r.pattern = "src/**";
  r.type = reservation_type::read;
  r.exclusive = false;
  r.reason = "refactor";
  r.created = swarm::from_us(1'700'000'000'000'000);
  r.renewed = swarm::from_us(1'700'000'000'000'001);
  r.expires = swarm::from_us(in_an_hour_us());
  return r;
}

memory_record a_memory() {
  memory_record m;
  m.id = "mem-4";
  m.kind = memory_kind::procedural;
  m.type = "agent_learning";
  m.content = "Run the migrations first";
  m.tags = {"db", "ci"};
  m.agent = "bob";
  m.task = "sw-1.1";
  m.importance = 0.75;
  m.created = swarm::from_us(1'700'000'000'000'000);
  m.expires = swarm::from_us(in_an_hour_us());
  m.access_count = 9;
  m.last_access = swarm::from_us(1'700'000'000'000'005);
  return m;
}

} // namespace

TEST_CASE("json: task values round-trip", "[json]") {
  round_trips(a_spec());
  round_trips(a_task());
  round_trips(task_change{a_task(), {"sw-a3f8.1.3", "sw-a3f8.2"}});
  round_trips(claimed_task{a_task(), 3});
  round_trips(some_counts());
  round_trips(new_task{"Add caching",
                       "Redis",
                       "sw-1",
                       "api",
                       {"sw-1.1"},
                       {"cpp"},
                       {"src/cache/**"},
                       0,
                       90});
  task_update u;
  u.title = "Renamed";
  u.priority = 4;
  u.files = std::vector<std::string>{};
  round_trips(u);
  round_trips(task_update{});
  round_trips(plan_report{"/tmp/plan.md", 5, 2, 7});
  round_trips(plan_options{"api", 3});
  round_trips(plan_options{});

  graph_report g;
  g.critical_length = 4.5;
  g.critical_path = {"sw-1.1", "sw-1.2"};
  g.tasks = {
      graph_report::row{"sw-1", "Root", task_state::pending, false, 0, 0, 4.5, 0, 2},
      graph_report::row{"sw-1.1", "A", task_state::ready, true, 1.5, 0, 4.5, 1, 1}};
  round_trips(g);
}

TEST_CASE("json: agents, runs and errors round-trip", "[json]") {
  round_trips(an_agent());
  round_trips(
      status_report{some_counts(), {an_agent(), agent_status{}}, run_state::running, "ab12"});
  round_trips(progress{some_counts(), 12.5});
  round_trips(run_summary{some_counts(), 3.25, true, {an_agent()}});
  round_trips(run_summary{some_counts(), 1.5, false, {}, true, {"sw-1.1", "sw-1.2"}});
  round_trips(replay_report{120, 340, false, "tasks row sw-1 differs"});

  const error e{errc::not_claimant, "bob does not hold sw-1"};
  auto v = json::value_from(e);
  CHECK(v ==
        json::parse(R"({"code":"not_claimant","message":"bob does not hold sw-1"})"));
  CHECK(fields(json::value_to<error>(v)) == fields(e));
  CHECK_FALSE(json::try_value_to<error>(json::parse(R"({"code":"nope"})")).has_value());
}

TEST_CASE("json: mail values round-trip", "[json]") {
  round_trips(a_message());
  round_trips(mail_copy{a_message(), "bob", copy_state::acked,
                        swarm::from_us(1'700'000'000'100'000),
                        swarm::from_us(1'700'000'000'200'000)});
  mail_draft d;
  d.type = "task.handoff";
  d.category = mail_category::handoff;
  d.from = "alice";
  d.to = {"bob"};
  d.cc = {"carol"};
  d.bcc = {"dave"};
  d.broadcast = true;
  d.thread = "t-1";
  d.subject = "s";
  d.body = "b";
  d.payload = R"({"x":1})";
  d.importance = mail_importance::urgent;
  d.ack_required = true;
  d.in_reply_to = "msg-1";
  round_trips(d);
  round_trips(inbox_filter{
      copy_state::read, true, swarm::from_us(1'700'000'000'000'000), "t-1", "custom", 7});
}

TEST_CASE("json: reservation and lease values round-trip", "[json]") {
  const auto mine = a_reservation("res-1", "bob");
  const auto theirs = a_reservation("res-2", "alice");
  round_trips(mine);
  round_trips(reservation_conflict{"src/a.c", theirs, true});
  round_trips(
      reservation_grant{mine, true, {reservation_conflict{"src/**", theirs, false}}});
  round_trips(reserve_request{
      "bob", "sw-1.1", {"src/**", "docs/*.md"}, reservation_type::create, false,
      std::chrono::milliseconds{60'000}, "new module"});
  round_trips(reserve_request{"bob", "", {"a"}, reservation_type::read, std::nullopt,
                              std::chrono::milliseconds{1}, ""});
  round_trips(release_request{"bob", {"res-1"}, {"src/**"}, true, true});
  const lease l{"slot:build", "bob", 12, swarm::from_us(1'700'000'000'000'000),
                swarm::from_us(in_an_hour_us())};
  round_trips(l);
  round_trips(lease_grant{false, l});
}

TEST_CASE("json: memory values round-trip", "[json]") {
  round_trips(a_memory());
  round_trips(memory_draft{
      "agent_learning", memory_kind::procedural, "text", {"t"}, "bob", "sw-1", 0.25,
      std::chrono::milliseconds{5000}});
  round_trips(memory_added{a_memory(), true});
  round_trips(
      memory_query{"how to migrate", search_mode::vector, 5, "procedural", "bob", "sw-1", {"db"}});
  round_trips(memory_hit{a_memory(), 0.8, 0.9, 0.7, 1, 2});
  round_trips(memory_stats{10, 5, 3, 2, "builtin-hash-v1", 384, ".swarm/swarm.db.hnsw",
                           10, "loaded", 1});
}

TEST_CASE("json: the shapes the protocol and scripts read", "[json]") {
  auto t = json::value_from(a_task()).as_object();
  CHECK(t.at("priority") == "P1");
  CHECK(t.at("state") == "claimed");
  CHECK(t.at("estimate_minutes") == 45);

  auto counts = json::value_from(some_counts()).as_object();
  CHECK(counts.at("total") == 28); // derived: written, not read

  auto agent = json::value_from(an_agent()).as_object();
  CHECK(agent.at("id") == "bob");

  auto claimed = json::value_from(claimed_task{a_task(), 3}).as_object();
  CHECK(claimed.at("claimed") == true);
  CHECK(claimed.at("attempt") == 3);

  // The payload is JSON in a message, text in a draft; an empty one is {}.
  auto m = json::value_from(a_message()).as_object();
  CHECK(m.at("payload").at("task") == "sw-1.2");
  mail_message plain;
  CHECK(json::value_from(plain).at("payload") == json::object{});
  plain.payload = "not json";
  CHECK(json::value_from(plain).at("payload") == "not json");

  auto r = json::value_from(a_reservation("res-1", "bob")).as_object();
  CHECK(r.at("expires_in_ms").as_int64() > 3'500'000);
  CHECK(r.at("expires_in_ms").as_int64() <= 3'600'000);
  auto expired = a_reservation("res-1", "bob");
  expired.expires = swarm::from_us(1);
  CHECK(json::value_from(expired).at("expires_in_ms") == 0);

  auto mem = a_memory();
  CHECK(json::value_from(mem).as_object().contains("expires_in_ms"));
  mem.expires = swarm::from_us(0);
  CHECK_FALSE(json::value_from(mem).as_object().contains("expires_in_ms"));

  auto stats = json::value_from(memory_stats{}).as_object();
  CHECK(stats.at("index").as_object().contains("path"));

  // Whole numbers in the graph are integers.
  graph_report::row row;
  row.weight = 30;
  row.bottom_level = 2.5;
  auto g = json::value_from(row).as_object();
  CHECK(g.at("weight").is_int64());
  CHECK(g.at("bottom_level").is_double());

  // Request names: "estimate", "urgent", "query"; unset update fields are absent.
  CHECK(json::value_from(new_task{}).as_object().contains("estimate"));
  CHECK(json::value_from(inbox_filter{}).as_object().contains("urgent"));
  CHECK(json::value_from(memory_query{}).as_object().contains("query"));
  CHECK(json::value_from(task_update{}).as_object().empty());
}

TEST_CASE("json: a bad field is an error value naming it", "[json]") {
  auto message = [](auto r) { return r.has_value() ? std::string{} : r.error().message; };
  CHECK(message(from_json<mail_draft>(json::parse(R"({"to":["bob"]})"))) ==
        "missing argument 'from'");
  CHECK(message(from_json<mail_draft>(json::parse(R"({"from":"a","to":"bob"})"))) ==
        "argument 'to' must be an array of strings");
  CHECK(message(from_json<mail_draft>(json::parse(R"({"from":"a","broadcast":1})"))) ==
        "argument 'broadcast' must be true or false");
  CHECK(message(from_json<new_task>(json::parse(R"({"title":"t","estimate":-3})"))) ==
        "argument 'estimate' must be a non-negative integer");
  CHECK(message(from_json<new_task>(json::parse(R"({"title":7})"))) ==
        "argument 'title' must be a string");
  CHECK(message(from_json<memory_draft>(
            json::parse(R"({"content":"c","importance":"high"})"))) ==
        "argument 'importance' must be a number from 0 to 1");
  CHECK(message(from_json<inbox_filter>(json::parse(R"({"since_us":"yesterday"})"))) ==
        "argument 'since_us' must be an integer");
  CHECK(message(from_json<task>(json::parse(R"({"state":"done"})"))).find("'state'") !=
        std::string::npos);
  CHECK(message(from_json<status_report>(json::parse(R"({"run":[]})"))) ==
        "argument 'run' must be an object");
  CHECK(message(from_json<reserve_request>(json::parse("[1]"))) ==
        "the value is not a JSON object");
  // The first problem is the one reported; the code is bad_request.
  auto both = from_json<release_request>(json::parse(R"({"ids":3})"));
  REQUIRE_FALSE(both.has_value());
  CHECK(both.error().code == errc::bad_request);
  CHECK(both.error().message == "missing argument 'agent'");
  // Boost's own entry points carry only a code.
  CHECK_FALSE(json::try_value_to<new_task>(json::parse("{}")).has_value());
  CHECK_THROWS(json::value_to<new_task>(json::parse("{}")));
  // Null is missing; unknown keys are ignored.
  auto lenient =
      from_json<reservation>(json::parse(R"({"id":"res-1","task":null,"x":1})"));
  REQUIRE(lenient.has_value());
  CHECK(lenient->task.empty());
}
