// The HTTP API's resources against a real `swarm serve` on 127.0.0.1 port 0 (CONTRACT
// "Helper B"): task pages and search, attempts of a run that failed, adding and moving
// tasks, mail, reservations, leases, memory — and bad bodies that change nothing.

#include "tests/e2e/served.hpp"

#include <set>

namespace {

using namespace e2e;

// A command over POST /api/command that must succeed; its result.
json::value run_op(const served& s, const std::string& op, const json::object& args) {
  auto r = s.command(json::serialize(json::object{{"op", op}, {"args", args}}));
  REQUIRE(r);
  INFO(op << ": " << r->body);
  REQUIRE(r->status == 200);
  return parse_json(r->body).at("result");
}

// The body of a 200 answer.
json::value ok_body(const httplib::Result& r) {
  REQUIRE(r);
  INFO("status " << r->status << ", body: " << r->body);
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  return parse_json(r->body);
}

// The error of an error answer: its status, and the control socket's error body.
struct api_error {
  int status;
  std::string code, message;
};

api_error error_of(const httplib::Result& r) {
  REQUIRE(r);
  INFO("body: " << r->body);
  auto v = parse_json(r->body);
  CHECK(v.at("ok") == false);
  CHECK(v.at("id").is_null());
  return {r->status, str_at(v.at("error"), "code"), str_at(v.at("error"), "message")};
}

// What the database holds, to show a refused request changed nothing.
struct db_snapshot {
  int64_t events;
  std::vector<std::string> states;
  bool operator==(const db_snapshot& o) const {
    return events == o.events && states == o.states;
  }
};

db_snapshot snapshot(const temp_dir& dir) {
  return {query_int(dir.db(), "SELECT COUNT(*) FROM events"),
          query_strings(dir.db(),
                        "SELECT id || ':' || state || ':' || priority || ':' || "
                        "title FROM tasks ORDER BY rowid")};
}

std::string db_state(const temp_dir& dir, const std::string& id) {
  auto s = query_strings(dir.db(), "SELECT state FROM tasks WHERE id = '" + id + "'");
  REQUIRE(s.size() == 1);
  return s.front();
}

// A plan of n leaf tasks under one heading; every seventh has "needle" in its title.
std::string numbered_plan(int n) {
  std::string plan = "# Numbered\n\n## All\n";
  for (int i = 0; i < n; ++i)
    plan += "- Item " + std::to_string(i) + (i % 7 == 0 ? " Needle" : "") + "\n";
  return plan;
}

std::string task_id_titled(const served& s, const std::string& title) {
  auto list = ok_body(s.get("/api/tasks?q=" + title)); // a title of plain letters
  for (const auto& t : list.at("tasks").as_array())
    if (str_at(t, "title") == title) return str_at(t, "id");
  FAIL("no task titled " << title);
  return {};
}

} // namespace

TEST_CASE("http api: task pages walk every task once, with an exact total and search",
          "[e2e][http]") {
  temp_dir dir;
  write_text(dir / "plan.md", numbered_plan(40));
  served s{dir};
  REQUIRE(swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);
  const int64_t all = 42; // the plan's root and heading, and 40 items

  auto first = ok_body(s.get("/api/tasks?limit=5"));
  CHECK(int_at(first, "total") == all);
  CHECK(first.at("tasks").as_array().size() == 5);
  REQUIRE(first.at("next_cursor").is_string());

  // The cursor walk: each task once, in insertion order, then null.
  std::vector<std::string> walked;
  std::string cursor;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = ok_body(s.get("/api/tasks?limit=5" +
                              (cursor.empty() ? std::string{} : "&cursor=" + cursor)));
    CHECK(int_at(page, "total") == all);
    for (const auto& t : page.at("tasks").as_array())
      walked.push_back(str_at(t, "id"));
    if (page.at("next_cursor").is_null()) break;
    cursor = std::string{page.at("next_cursor").as_string()};
  }
  const auto in_db = query_strings(dir.db(), "SELECT id FROM tasks ORDER BY rowid");
  CHECK(walked == in_db);
  CHECK(std::set<std::string>(walked.begin(), walked.end()).size() == walked.size());

  // Everything without a limit, as before.
  auto everything = ok_body(s.get("/api/tasks"));
  CHECK(everything.at("tasks").as_array().size() == static_cast<size_t>(all));
  CHECK(everything.at("next_cursor").is_null());

  // Search: case-insensitive, in id, title or description; total counts every match.
  auto needles = ok_body(s.get("/api/tasks?q=nEeDlE&limit=2"));
  CHECK(int_at(needles, "total") == 6); // items 0, 7, 14, 21, 28, 35
  CHECK(needles.at("tasks").as_array().size() == 2);
  std::string next{needles.at("next_cursor").as_string()};
  auto more = ok_body(s.get("/api/tasks?q=needle&limit=10&cursor=" + next));
  CHECK(more.at("tasks").as_array().size() == 4);
  CHECK(more.at("next_cursor").is_null());
  for (const auto& t : more.at("tasks").as_array())
    CHECK(contains(str_at(t, "title"), "Needle"));

  // With a state: the total is the state's count in status.
  auto ready = ok_body(s.get("/api/tasks?state=ready&limit=3"));
  CHECK(int_at(ready, "total") == task_counts(ok_body(s.get("/api/status"))).ready);
  for (const auto& t : ready.at("tasks").as_array())
    CHECK(str_at(t, "state") == "ready");

  // The CLI's list reads the same op.
  CHECK(ok_json(dir, {"tasks"}).at("tasks").as_array().size() ==
        static_cast<size_t>(all));

  auto bad_cursor = error_of(s.get("/api/tasks?cursor=zebra"));
  CHECK(bad_cursor.status == 400);
  CHECK(contains(bad_cursor.message, "cursor 'zebra'"));
  auto bad_param = error_of(s.get("/api/tasks?colour=red"));
  CHECK(bad_param.status == 400);
  CHECK(contains(bad_param.message, "'colour'"));
}

TEST_CASE("http api: the graph whole and at a glance", "[e2e][http]") {
  temp_dir dir;
  write_text(dir / "plan.md", numbered_plan(40));
  served s{dir};
  REQUIRE(swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);

  auto whole = ok_body(s.get("/api/graph"));
  CHECK(whole.at("tasks").as_array().size() == 42);
  // 40 items do not fit in 10 groups: their heading, one generation below the root.
  auto glance = ok_body(s.get("/api/graph/summary?max_groups=10"));
  CHECK(int_at(glance, "tasks") == 42);
  CHECK(int_at(glance, "level") == 1);
  REQUIRE(glance.at("groups").as_array().size() == 1);
  const auto& all = glance.at("groups").as_array()[0];
  CHECK(str_at(all, "title") == "All");
  CHECK(int_at(all, "tasks") == 41);
  CHECK(int_at(all.at("leaves"), "ready") == 40);
  CHECK(ok_body(s.get("/api/graph/summary")).at("groups").as_array().size() == 40);
  CHECK(ok_json(dir, {"graph", "--groups", "10"}) == glance);

  auto zero = error_of(s.get("/api/graph/summary?max_groups=0"));
  CHECK(zero.status == 400);
  CHECK(contains(zero.message, "max_groups"));
}

TEST_CASE("http api: attempts of a failed run, then reopen, cancel and illegal moves",
          "[e2e][http]") {
  temp_dir dir;
  write_text(dir / "plan.md", "# Tiny\n\n- Doomed\n- Spare\n");
  auto run = swarm(dir.path(),
                   {"run", "plan.md", "--agents", "1", "--model", "mock", "--work-ms",
                    "1-5", "--fail-rate", "1", "--max-attempts", "2"},
                   120s);
  INFO(run);
  REQUIRE(run.exit_code == 1); // nothing completed

  served s{dir};
  const auto doomed = task_id_titled(s, "Doomed");
  const auto spare = task_id_titled(s, "Spare");
  REQUIRE(str_at(ok_body(s.get("/api/tasks/" + doomed)), "state") == "failed");

  auto attempts = ok_body(s.get("/api/tasks/" + doomed + "/attempts"));
  CHECK(str_at(attempts, "task") == doomed);
  const auto& list = attempts.at("attempts").as_array();
  REQUIRE(list.size() == 2);
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& a = list[i];
    CHECK(int_at(a, "attempt") == static_cast<int64_t>(i + 1));
    CHECK(str_at(a, "outcome") == "failed");
    CHECK(str_at(a, "failure") == "task_error");
    CHECK(int_at(a, "exit_code") == 1);
    CHECK(int_at(a, "finished_us") >= int_at(a, "started_us"));
    CHECK(int_at(a, "pid") > 0);
    CHECK_FALSE(str_at(a, "agent").empty());
    // stdout's result line, then stderr's progress line.
    const auto tail = str_at(a, "output_tail");
    CHECK(contains(tail, "injected failure"));
    CHECK(contains(tail, "works on " + doomed));
    CHECK(tail.size() <= 4096);
  }
  auto unknown = error_of(s.get("/api/tasks/sw-nope/attempts"));
  CHECK(unknown.status == 404);
  CHECK(unknown.code == "not_found");

  // Reopen: the failed task is ready again (the database stores ready as pending).
  auto reopened = ok_body(s.patch("/api/tasks/" + doomed, R"({"state":"ready"})"));
  CHECK(str_at(reopened, "id") == doomed);
  CHECK(str_at(reopened, "state") == "ready");
  CHECK(reopened.at("now_ready").is_array());
  CHECK(db_state(dir, doomed) == "pending");

  // An illegal move: 409 naming the current state and the legal moves; unchanged.
  const auto before = snapshot(dir);
  auto illegal = error_of(s.patch("/api/tasks/" + doomed, R"({"state":"completed"})"));
  CHECK(illegal.status == 409);
  CHECK(illegal.code == "invalid_state");
  CHECK(contains(illegal.message, "is ready"));
  CHECK(contains(illegal.message, "only to cancelled"));
  CHECK(snapshot(dir) == before);

  // A failed task cannot be cancelled; reopened, it can — with a reason — and then it
  // may only go back to ready.
  auto finished = error_of(s.patch("/api/tasks/" + spare, R"({"state":"cancelled"})"));
  CHECK(finished.status == 409);
  CHECK(contains(finished.message,
                 "is failed; it cannot move to cancelled, only to ready"));
  ok_body(s.patch("/api/tasks/" + spare, R"({"state":"ready"})"));
  auto cancelled = ok_body(
      s.patch("/api/tasks/" + spare, R"({"state":"cancelled","reason":"not needed"})"));
  CHECK(str_at(cancelled, "state") == "cancelled");
  CHECK(db_state(dir, spare) == "cancelled");
  auto again = error_of(s.patch("/api/tasks/" + spare, R"({"state":"claimed"})"));
  CHECK(again.status == 409);
  CHECK(contains(again.message, "is cancelled"));
  CHECK(contains(again.message, "only to ready"));

  // Priority through task.update, and deferral.
  auto prioritised = ok_body(s.patch("/api/tasks/" + doomed, R"({"priority":0})"));
  CHECK(str_at(prioritised, "priority") == "P0");
  CHECK(query_int(dir.db(), "SELECT priority FROM tasks WHERE id = '" + doomed + "'") ==
        0);
  const int64_t later = 4102444800000000; // 2100-01-01
  auto deferred = ok_body(s.patch(
      "/api/tasks/" + doomed, "{\"deferred_until_us\":" + std::to_string(later) + "}"));
  CHECK(int_at(deferred, "deferred_until_us") == later);

  // One change at a time.
  const auto settled = snapshot(dir);
  auto mixed =
      error_of(s.patch("/api/tasks/" + doomed, R"({"state":"cancelled","priority":1})"));
  CHECK(mixed.status == 400);
  CHECK(contains(mixed.message, "'state' cannot be combined with 'priority'"));
  auto stray = error_of(s.patch("/api/tasks/" + doomed, R"({"reason":"why"})"));
  CHECK(stray.status == 400);
  CHECK(contains(stray.message, "unknown argument 'reason' for op 'task.update'"));
  CHECK(snapshot(dir) == settled);
}

TEST_CASE("http api: POST /api/tasks adds a task, and bad bodies change nothing",
          "[e2e][http]") {
  temp_dir dir;
  served s{dir};
  auto added =
      ok_body(s.post("/api/tasks", R"({"title":"From the board","priority":1})"));
  const auto id = str_at(added, "id");
  CHECK(str_at(added, "title") == "From the board");
  CHECK(str_at(added, "priority") == "P1");
  CHECK(added.at("now_ready").is_array());
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM tasks WHERE id = '" + id + "'") == 1);

  const auto before = snapshot(dir);
  struct bad {
    std::string name, method, path, body;
    int status;
    std::string code, says;
  };
  const std::string huge =
      R"({"title":"Big","description":")" + std::string(1024 * 1024 + 1, 'x') + "\"}";
  for (const auto& b : {
           bad{"malformed JSON", "POST", "/api/tasks", "{\"title\":", 400, "bad_request",
               "not JSON"},
           bad{"not an object", "POST", "/api/tasks", "[1]", 400, "bad_request",
               "JSON object"},
           bad{"unknown field", "POST", "/api/tasks", R"({"title":"X","colour":"red"})",
               400, "bad_request",
               "unknown argument 'colour' for op 'task.add'; it takes: "},
           bad{"wrong type", "POST", "/api/tasks", R"({"title":7})", 400, "bad_request",
               "'title'"},
           bad{"over 1 MiB", "POST", "/api/tasks", huge, 413, "bad_request", "limit"},
           bad{"patch unknown field", "PATCH", "/api/tasks/" + id, R"({"colour":"red"})",
               400, "bad_request", "unknown argument 'colour' for op 'task.update'"},
           bad{"patch wrong type", "PATCH", "/api/tasks/" + id, R"({"priority":"high"})",
               400, "bad_request", "priority"},
           bad{"patch bad state", "PATCH", "/api/tasks/" + id, R"({"state":"sleeping"})",
               400, "bad_request", "task state"},
           bad{"patch malformed", "PATCH", "/api/tasks/" + id, "{", 400, "bad_request",
               "not JSON"},
           bad{"command unknown key", "POST", "/api/command",
               R"({"op":"task.add","args":{"title":"X"},"extra":1})", 400, "bad_request",
               "unknown key 'extra'"},
           bad{"command unknown argument", "POST", "/api/command",
               R"({"op":"task.cancel","args":{"id":")" + id + R"(","force":true}})", 400,
               "bad_request",
               "unknown argument 'force' for op 'task.cancel'; it takes: id, "
               "reason"},
       }) {
    INFO(b.name);
    auto r = b.method == "POST" ? s.post(b.path, b.body) : s.patch(b.path, b.body);
    auto e = error_of(r);
    CHECK(e.status == b.status);
    CHECK(e.code == b.code);
    CHECK(contains(e.message, b.says));
    CHECK(snapshot(dir) == before);
  }
  CHECK(str_at(ok_body(s.get("/api/tasks/" + id)), "state") == "ready");
}

TEST_CASE("http api: mail, reservations, leases and memory", "[e2e][http]") {
  temp_dir dir;
  served s{dir};
  for (const char* name : {"alice", "bob", "carol"})
    run_op(s, "agent.register", {{"name", name}});
  auto first = run_op(s, "mail.send", {{"from", "alice"},
                                       {"to", json::array{"bob"}},
                                       {"bcc", json::array{"carol"}},
                                       {"subject", "Schema handoff"},
                                       {"body", "The schema is ready for review"},
                                       {"category", "HANDOFF"}});
  const auto thread = str_at(first, "thread");
  run_op(s,
      "mail.reply",
      {{"message", str_at(first, "id")}, {"from", "bob"}, {"body", "Looking at it now"}});
  run_op(s, "mail.send", {{"from", "carol"},
                          {"to", json::array{"alice"}},
                          {"subject", "Lunch"},
                          {"body", "Pizza?"}});

  // The operator's view: every message, newest first, bcc hidden.
  auto mail = ok_body(s.get("/api/mail"));
  const auto& messages = mail.at("messages").as_array();
  REQUIRE(messages.size() == 3);
  CHECK(str_at(messages[0], "subject") == "Lunch");
  for (const auto& m : messages)
    CHECK(m.at("bcc").as_array().empty());
  auto found = ok_body(s.get("/api/mail?q=schema"));
  REQUIRE(found.at("messages").as_array().size() >= 1);
  for (const auto& m : found.at("messages").as_array())
    CHECK(str_at(m, "thread") == thread);
  auto bobs = ok_body(s.get("/api/mail?agent=bob"));
  CHECK(bobs.at("messages").as_array().size() == 2);
  CHECK(ok_body(s.get("/api/mail?thread=" + thread)).at("messages").as_array().size() ==
        2);

  auto threads = ok_body(s.get("/api/mail/threads")).at("threads").as_array();
  REQUIRE(threads.size() == 2);
  CHECK(str_at(threads[0], "subject") == "Lunch");
  const auto& handoff = threads[1];
  CHECK(str_at(handoff, "thread") == thread);
  CHECK(str_at(handoff, "subject") == "Schema handoff");
  CHECK(int_at(handoff, "messages") == 2);
  CHECK(int_at(handoff, "unread") == 3); // bob's and carol's copies, alice's of the reply
  CHECK(int_at(handoff, "unacked") ==
        3); // the handoff needs an ack; the reply inherits it
  CHECK(int_at(handoff, "last_us") > 0);

  auto conversation = ok_body(s.get("/api/mail/" + thread));
  CHECK(conversation.at("messages").as_array().size() == 2);

  // Reservations with their conflicts, leases, memory.
  run_op(s, "reservation.reserve",
            {{"agent", "alice"}, {"patterns", json::array{"src/**"}}, {"task", "t-1"}});
  run_op(s, "reservation.reserve",
            {{"agent", "bob"}, {"patterns", json::array{"src/a.cpp"}}});
  auto reservations = ok_body(s.get("/api/reservations"));
  const auto& held = reservations.at("reservations").as_array();
  REQUIRE(held.size() == 2);
  for (const auto& r : held)
    CHECK(int_at(r, "expires_us") > 0);
  const auto& conflicts = reservations.at("conflicts").as_array();
  REQUIRE(conflicts.size() == 1);
  CHECK(str_at(conflicts[0], "pattern_a") == "src/**");
  CHECK(str_at(conflicts[0], "pattern_b") == "src/a.cpp");
  auto for_task = ok_body(s.get("/api/reservations?task=t-1"));
  CHECK(for_task.at("reservations").as_array().size() == 1);
  CHECK(ok_body(s.get("/api/reservations?agent=bob"))
            .at("reservations")
            .as_array()
            .size() == 1);

  run_op(s, "lease.acquire", {{"name", "slot:build"}, {"holder", "alice"}});
  auto leases = ok_body(s.get("/api/leases")).at("leases").as_array();
  REQUIRE(leases.size() == 1);
  CHECK(str_at(leases[0], "holder") == "alice");

  run_op(s, "memory.add",
            {{"content", "The schema lives in db/schema.sql"}, {"agent", "alice"}});
  run_op(s, "memory.add", {{"content", "Use ccache for builds"}, {"type", "working"}});
  auto memories = ok_body(s.get("/api/memory"));
  CHECK(memories.at("memories").as_array().size() == 2);
  CHECK(ok_body(s.get("/api/memory?kind=working")).at("memories").as_array().size() == 1);
  auto search = ok_body(s.get("/api/memory?q=schema&k=1"));
  CHECK(str_at(search, "query") == "schema");
  REQUIRE(search.at("results").as_array().size() == 1);
  CHECK(contains(str_at(search.at("results").as_array()[0], "content"), "schema"));

  auto bad = error_of(s.get("/api/memory?q=x&limit=3"));
  CHECK(bad.status == 400);
  CHECK(contains(bad.message, "'limit'"));
  auto nowhere = error_of(s.get("/api/nothing"));
  CHECK(nowhere.status == 404);
  CHECK(contains(nowhere.message, "/api/mail/threads"));
}
