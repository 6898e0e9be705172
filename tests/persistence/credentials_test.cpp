// Credentials (README "Identity"): tokens and their SHA-256 hashes, the credential
// board's lookup, the agent.registered event's token_hash (old events without it still
// decode), and the migration that gives an older database the agents.token_hash column.
#include "actors/credential_board.hpp"
#include "persistence/credentials.hpp"
#include "persistence/database.hpp"
#include "persistence/events.hpp"
#include "persistence/reader.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <set>

using namespace swarm;
using namespace swarm::persistence;

TEST_CASE("a token is 64 fresh hex digits and its hash is SHA-256", "[persistence][identity]") {
  // FIPS 180-2's test vectors.
  CHECK(token_hash("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(token_hash("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto t = make_token();
    REQUIRE(t);
    CHECK(t->size() == 64);
    CHECK(t->find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(token_hash(*t).size() == 64);
    CHECK(token_hash(*t) != *t);
    seen.insert(*t);
  }
  CHECK(seen.size() == 50);
}

TEST_CASE("the credential board finds an agent by its token's hash, and a new one replaces it",
          "[persistence][identity]") {
  credential_board board;
  board.publish("alice", token_hash("a1"));
  board.publish("bob", token_hash("b1"));
  CHECK(board.agent_of(token_hash("a1")) == std::optional<std::string>{"alice"});
  CHECK(board.agent_of(token_hash("b1")) == std::optional<std::string>{"bob"});
  CHECK_FALSE(board.agent_of(token_hash("nobody")));
  CHECK(board.has_token("alice"));
  CHECK_FALSE(board.has_token("carol"));
  board.publish("alice", token_hash("a2")); // registered again
  CHECK_FALSE(board.agent_of(token_hash("a1")));
  CHECK(board.agent_of(token_hash("a2")) == std::optional<std::string>{"alice"});
  board.publish("bob", ""); // no token
  CHECK_FALSE(board.agent_of(token_hash("b1")));
  CHECK_FALSE(board.has_token("bob"));
}

TEST_CASE("agent.registered carries the token hash, and an old event without it decodes",
          "[persistence][identity]") {
  auto e = make_event(agent_registered{"alice", "", "outside", {"cpp"}, token_hash("t")}, 5);
  const auto body = encode_body(e);
  CHECK(body.find(token_hash("t")) != std::string::npos);
  CHECK(body.find("\"t\"") == std::string::npos);
  auto back = decode_event("agent.registered", 5, body, 1);
  REQUIRE(back);
  CHECK(std::get<agent_registered>(back->body).token_hash == token_hash("t"));

  auto old = decode_event("agent.registered", 5,
                          R"({"name":"bob","session":"","model":"outside","skills":[]})", 2);
  REQUIRE(old);
  CHECK(std::get<agent_registered>(old->body).name == "bob");
  CHECK(std::get<agent_registered>(old->body).token_hash.empty());
}

TEST_CASE("a database from before tokens opens and gains agents.token_hash",
          "[persistence][identity]") {
  test::temp_dir dir;
  auto path = dir.file("s/swarm.db");
  {
    auto db = open_database(path, sync_mode::normal);
    REQUIRE(db);
    // Back to version 8: the column did not exist, an agent was registered then.
    (*db)->exec("ALTER TABLE agents DROP COLUMN token_hash");
    // ... nor those of later versions (schema 10: usage).
    for (const char* c : {"usage_runs", "input_tokens", "output_tokens", "cache_read_tokens",
                          "cache_write_tokens", "cost_usd"})
      (*db)->exec(std::string{"ALTER TABLE agents DROP COLUMN "} + c);
    for (const char* c : {"has_usage", "input_tokens", "output_tokens", "cache_read_tokens",
                          "cache_write_tokens", "cost_usd", "usage_model"})
      (*db)->exec(std::string{"ALTER TABLE model_runs DROP COLUMN "} + c);
    // ... nor schema 12's (the mail router's indexes) ...
    (*db)->exec("DROP INDEX messages_broadcasts");
    (*db)->exec("DROP INDEX messages_need_ack");
    // ... and schema 11's (broadcasts stored once).
    (*db)->exec("ALTER TABLE messages DROP COLUMN audience");
    (*db)->exec("DROP TABLE mail_roster");
    (*db)->exec("UPDATE meta SET value = '8' WHERE key = 'schema_version'");
    (*db)->exec("INSERT INTO agents(name, session, model, skills, state, registered_us,"
                " stopped_us, reason, completed, failed, last_heartbeat_us)"
                " VALUES('old', '', 'outside', '[]', 'idle', 1, 0, '', 0, 0, 1)");
  }
  auto db = open_database(path, sync_mode::normal);
  REQUIRE(db);
  CHECK(schema_version(**db) == current_schema_version);
  CHECK(current_schema_version >= 9);
  auto agents = read_agents(**db);
  REQUIRE(agents);
  REQUIRE(agents->size() == 1);
  CHECK(agents->front().name == "old");
  CHECK(agents->front().token_hash.empty());
}
