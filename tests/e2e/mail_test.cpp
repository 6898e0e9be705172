// `swarm mail`: send, inbox, read, ack, reply, thread, unacked — on the database
// directly and through a running engine, and across a crash.

#include "tests/e2e/e2e_support.hpp"

#include <chrono>
#include <set>

namespace {
using namespace e2e;
using namespace std::chrono_literals;

} // namespace

TEST_CASE("mail works on the database without an engine", "[e2e][mail]") {
  temp_dir dir;
  register_agents(dir, {"alice", "bob", "carol"});

  write_text(dir / "body.md", "## Done\n\nThe token endpoint is in `src/auth.cpp`.\n");
  auto sent =
      ok_json(dir, {"mail", "send", "--from", "alice", "--to", "bob", "--bcc", "carol",
                    "--category", "handoff", "--subject", "Auth API ready", "--body-file",
                    "body.md", "--payload", R"({"files":["src/auth.cpp"]})"});
  const std::string id = str_at(sent, "id");
  CHECK(str_at(sent, "category") == "HANDOFF");
  CHECK(sent.at("ack_required").as_bool());
  CHECK(str_at(sent, "thread") == id);
  CHECK(str_at(sent, "body").find("src/auth.cpp") != std::string::npos);
  CHECK(sent.at("bcc").as_array().size() == 1); // the sender sees its bcc

  auto inbox = ok_json(dir, {"mail", "inbox", "--agent", "bob", "--state", "unread"});
  REQUIRE(inbox.at("messages").as_array().size() == 1);
  const auto& copy = inbox.at("messages").as_array()[0];
  CHECK(str_at(copy, "state") == "unread");
  CHECK(copy.at("bcc").as_array().empty()); // bob does not see who else got it
  CHECK(copy.at("payload").at("files").as_array().size() == 1);
  auto carol = ok_json(dir, {"mail", "inbox", "--agent", "carol"});
  CHECK(carol.at("messages").as_array()[0].at("bcc").as_array().empty());

  // Only a recipient may read or ack.
  auto outsider = swarm(dir.path(), {"mail", "ack", "--agent", "alice", "--message", id});
  CHECK(outsider.exit_code == 1);
  CHECK(outsider.err.find("only a recipient") != std::string::npos);

  auto read = ok_json(dir, {"mail", "read", "--agent", "bob", "--message", id});
  CHECK(str_at(read, "state") == "read");
  auto unacked = ok_json(dir, {"mail", "unacked"});
  CHECK(unacked.at("messages").as_array().size() == 2); // bob and carol
  auto owed = swarm(dir.path(), {"mail", "unacked"});
  CHECK(owed.out.find("bob              owes alice") != std::string::npos);
  auto acked = ok_json(dir, {"mail", "ack", "--agent", "bob", "--message", id});
  CHECK(str_at(acked, "state") == "acked");
  CHECK(int_at(acked, "read_us") == int_at(read, "read_us")); // the first read counts

  auto reply = ok_json(dir, {"mail", "reply", id, "--from", "bob", "--body", "On it"});
  CHECK(str_at(reply, "subject") == "Re: Auth API ready");
  CHECK(str_at(reply, "thread") == id);
  CHECK(reply.at("ack_required").as_bool());
  auto thread = ok_json(dir, {"mail", "thread", str_at(reply, "id")});
  CHECK(str_at(thread, "id") == id);
  CHECK(thread.at("messages").as_array().size() == 2);

  auto broadcast =
      ok_json(dir, {"mail", "send", "--from", "carol", "--broadcast", "--subject",
                    "Release at noon", "--importance", "urgent"});
  // Stored once, listing nobody: it reaches everyone registered but its sender.
  CHECK(broadcast.at("to").as_array().empty());
  CHECK(broadcast.at("broadcast").as_bool());
  for (const char* who : {"alice", "bob"}) {
    auto urgent = ok_json(dir, {"mail", "inbox", "--agent", who, "--urgent"});
    CHECK(urgent.at("messages").as_array().size() == 1);
  }
  CHECK(ok_json(dir, {"mail", "inbox", "--agent", "carol", "--urgent"})
            .at("messages")
            .as_array()
            .empty());
  // Its copies get a row once read; the thread counts the rest as unread.
  ok_json(dir, {"mail", "read", "--agent", "bob", "--message", str_at(broadcast, "id")});
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM message_copies WHERE message = '" +
                                str_at(broadcast, "id") + "'") == 1);
  auto found = ok_json(dir, {"mail", "search", "noon", "--agent", "alice"});
  CHECK(found.at("messages").as_array().size() == 1);

  // Bad input: a clear reason, nothing stored.
  const auto before = query_int(dir.db(), "SELECT COUNT(*) FROM messages");
  auto unknown = swarm(dir.path(), {"mail", "send", "--from", "alice", "--to", "bob,zed",
                                    "--subject", "Hi"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("'zed' is not a registered agent") != std::string::npos);
  auto empty = swarm(
      dir.path(), {"mail", "send", "--from", "alice", "--to", "bob", "--subject", " "});
  CHECK(empty.exit_code == 2);
  CHECK(empty.err.find("needs a subject") != std::string::npos);
  write_text(dir / "huge.md", std::string(300 * 1024, 'x'));
  auto huge = swarm(dir.path(), {"mail", "send", "--from", "alice", "--to", "bob",
                                 "--subject", "Log", "--body-file", "huge.md"});
  CHECK(huge.exit_code == 1);
  CHECK(huge.err.find("the limit is 262144 bytes") != std::string::npos);
  CHECK(query_int(dir.db(), "SELECT COUNT(*) FROM messages") == before);

  auto human = swarm(dir.path(), {"mail", "inbox", "--agent", "bob"});
  INFO(human);
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("Auth API ready") != std::string::npos);

  auto replay = swarm(dir.path(), {"replay", "--verify"});
  INFO(replay);
  CHECK(replay.exit_code == 0);
}

TEST_CASE("mail sent to a running engine survives its crash and is acked afterwards",
          "[e2e][mail]") {
  temp_dir dir;
  register_agents(dir, {"lead", "worker"});
  write_text(dir / "plan.md", "# Slow\n- One\n- Two\n");
  process run{dir.path(), {"run", "plan.md", "--agents", "1", "--work-ms", "5000-6000"}};
  wait_for_engine(dir, run);
  auto sent =
      ok_json(dir, {"mail", "send", "--from", "lead", "--to", "worker", "--category",
                    "BLOCKED", "--subject", "Waiting on the schema"});
  const std::string id = str_at(sent, "id");
  // Acknowledged means committed: kill the engine at once.
  run.kill_hard();
  auto inbox = ok_json(dir, {"mail", "inbox", "--agent", "worker"});
  REQUIRE(inbox.at("messages").as_array().size() == 1);
  CHECK(str_at(inbox.at("messages").as_array()[0], "id") == id);
  CHECK(str_at(inbox.at("messages").as_array()[0], "state") == "unread");
  auto acked = ok_json(dir, {"mail", "ack", "--agent", "worker", "--message", id});
  CHECK(str_at(acked, "state") == "acked");
  auto again = ok_json(dir, {"mail", "inbox", "--agent", "worker", "--state", "acked"});
  CHECK(again.at("messages").as_array().size() == 1);
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("mail search: full text, fields, best match first, only one's own mail",
          "[e2e][mail]") {
  temp_dir dir;
  register_agents(dir, {"alice", "bob", "carol"});
  auto send = [&](const char* from, const char* to, const char* subject,
                  const char* body) {
    return str_at(ok_json(dir, {"mail", "send", "--from", from, "--to", to, "--subject",
                                subject, "--body", body}),
                  "id");
  };
  const auto bug =
      send("alice", "bob", "Token refresh bug", "the token expired too early");
  const auto lunch =
      send("carol", "alice", "Lunch", "a token of thanks, nothing else here");
  const auto secret =
      send("carol", "bob", "Token rotation plan", "rotate every token nightly");
  auto ids = [&](const char* agent, const char* query) {
    std::vector<std::string> out;
    auto v = ok_json(dir, {"mail", "search", query, "--agent", agent});
    for (const auto& m : v.at("messages").as_array())
      out.push_back(str_at(m, "id"));
    return out;
  };
  // alice sent `bug` and received `lunch`; `secret` is not hers.
  auto alice = ids("alice", "token");
  CHECK(alice.size() == 2);
  CHECK(std::find(alice.begin(), alice.end(), secret) == alice.end());
  // A subject hit outranks a body-only hit.
  CHECK(alice.front() == bug);
  CHECK(ids("bob", "subject:rotation") == std::vector<std::string>{secret});
  CHECK(ids("bob", "\"token expired\"") == std::vector<std::string>{bug});
  CHECK(ids("bob", "token from:carol") == std::vector<std::string>{secret});
  CHECK(ids("alice", "thanks") == std::vector<std::string>{lunch});
  CHECK(ids("carol", "nothing-matches-this").empty());
  auto odd = swarm(dir.path(), {"mail", "search", "NEAR( OR", "--agent", "bob"});
  CHECK(odd.exit_code == 0); // operators are plain words: no match, no crash
  auto bad = swarm(dir.path(), {"mail", "search", "colour:red", "--agent", "bob"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("unknown search field") != std::string::npos);
}

TEST_CASE("an agent's unread mail goes into its next prompt, fetched at start and pushed "
          "while it runs",
          "[e2e][mail]") {
  temp_dir dir;
  register_agents(dir, {"lead", "worker"});
  ok_json(dir,
          {"mail", "send", "--from", "lead", "--to", "worker", "--category", "HANDOFF",
           "--subject", "Use the v2 schema", "--body", "Tables are in db/v2.sql"});
  write_text(dir / "plan.md", "# Work\n- One\n- Two\n  depends: One\n");
  process run{
      dir.path(),
      {"run", "plan.md", "--agents", "1", "--name", "worker", "--work-ms", "1500-1600"}};
  // Once the first task is claimed, mail the worker again: it is pushed to the harness
  // and lands in the second task's prompt.
  REQUIRE(poll_until(20s, [&] {
    if (!run.running()) FAIL("the run ended early: " << run.result());
    return query_int(dir.db(),
                     "SELECT COUNT(*) FROM events WHERE kind = 'task.claimed'") > 0;
  }));
  ok_json(dir, {"mail", "send", "--from", "lead", "--to", "worker", "--subject",
                "Also update the README", "--importance", "high"});
  // A low-importance broadcast (what the harness's intents are) is not pushed.
  ok_json(dir, {"mail", "send", "--from", "lead", "--broadcast", "--subject",
                "lead is editing docs/", "--importance", "low"});
  auto finished = run.wait(60s);
  INFO(finished);
  REQUIRE(finished.exit_code == 0);
  auto prompt_of = [&](const std::string& title) {
    auto id =
        query_strings(dir.db(), "SELECT id FROM tasks WHERE title = '" + title + "'");
    REQUIRE(id.size() == 1);
    return read_text(dir.path() / ".swarm" / "runs" / id[0] / "1" / "prompt.md");
  };
  const auto first = prompt_of("One"), second = prompt_of("Two");
  INFO(first);
  INFO(second);
  CHECK(first.find("## Unread mail") != std::string::npos);
  CHECK(first.find("Use the v2 schema") != std::string::npos);
  CHECK(first.find("swarm mail ack --agent worker --message msg-1") != std::string::npos);
  CHECK(first.find("Also update the README") == std::string::npos);
  CHECK(second.find("Also update the README") != std::string::npos);
  CHECK(second.find("[high]") != std::string::npos);
  CHECK(second.find("Use the v2 schema") == std::string::npos); // shown once
  CHECK(second.find("lead is editing docs/") == std::string::npos);
  // Shown in a prompt = read; the HANDOFF still waits for its ack. The broadcast waits
  // in the inbox, unread.
  auto inbox = ok_json(dir, {"mail", "inbox", "--agent", "worker", "--state", "unread"});
  REQUIRE(inbox.at("messages").as_array().size() == 1);
  CHECK(str_at(inbox.at("messages").as_array()[0], "subject") == "lead is editing docs/");
  auto unacked = ok_json(dir, {"mail", "unacked"});
  CHECK(unacked.at("messages").as_array().size() == 1);
}

TEST_CASE("mail export writes one Markdown file per thread, the same bytes each time",
          "[e2e][mail]") {
  temp_dir dir;
  register_agents(dir, {"alice", "bob"});
  auto first = ok_json(dir, {"mail", "send", "--from", "alice", "--to", "bob",
                             "--subject", "Plan", "--body", "Step one"});
  ok_json(dir,
          {"mail", "reply", str_at(first, "id"), "--from", "bob", "--body", "Agreed"});
  ok_json(dir, {"mail", "send", "--from", "bob", "--to", "alice", "--thread",
                "feature/auth", "--subject", "Auth", "--body", "Tokens"});
  auto out = ok_json(dir, {"mail", "export", "audit"});
  CHECK(int_at(out, "threads") == 2);
  const auto thread_file = dir.path() / "audit" / (str_at(first, "id") + ".md");
  const auto text = read_text(thread_file);
  CHECK(text.rfind("---\n{\"thread\":", 0) == 0);
  CHECK(text.find("Step one") < text.find("Agreed"));
  ok_json(dir, {"mail", "export", "audit"});
  CHECK(read_text(thread_file) == text);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path() / "audit"))
    files += e.path().extension() == ".md";
  CHECK(files == 2);
}

TEST_CASE("a follower gets the swarm's own event mail", "[e2e][mail]") {
  temp_dir dir;
  register_agents(dir, {"watcher"});
  auto f = ok_json(dir, {"mail", "follow", "--agent", "watcher"});
  CHECK(f.at("following").as_bool());
  CHECK(swarm(dir.path(), {"mail", "follow", "--agent", "nobody"}).exit_code == 1);
  write_text(dir / "plan.md", "# P\n- One\n- Two\n  depends: One\n");
  auto run = swarm(dir.path(), {"run", "plan.md", "--agents", "1", "--name", "solo",
                                "--work-ms", "5-10"});
  INFO(run);
  REQUIRE(run.exit_code == 0);
  auto inbox = ok_json(dir, {"mail", "inbox", "--agent", "watcher", "--limit", "100"});
  std::multiset<std::string> types;
  for (const auto& m : inbox.at("messages").as_array()) {
    CHECK(str_at(m, "from") == "swarm");
    CHECK(str_at(m, "thread") == "swarm-events");
    types.insert(str_at(m, "type"));
  }
  CHECK(types.count("agent.started") == 1);
  CHECK(types.count("task.claimed") == 2);
  CHECK(types.count("task.progress") == 2); // each model started
  CHECK(types.count("task.completed") == 2);
  CHECK(types.count("agent.stopped") == 1);
  ok_json(dir, {"mail", "follow", "--agent", "watcher", "--stop"});
  CHECK(swarm(dir.path(), {"run", "plan.md", "--agents", "1"}).exit_code == 0);
  auto after = ok_json(dir, {"mail", "inbox", "--agent", "watcher", "--limit", "100"});
  CHECK(after.at("messages").as_array().size() == inbox.at("messages").as_array().size());
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
  auto reserved = swarm(dir.path(), {"agent", "register", "swarm"});
  CHECK(reserved.exit_code == 2);
}
