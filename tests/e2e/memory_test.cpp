// `swarm memory add|search|list|forget|stats`: on the database without an engine and
// through a running one, procedural de-duplication, working memory expiry, the HNSW
// index file (loaded, repaired, rebuilt), durability across a crash, and an external
// embedder by command with re-embedding when the embedder changes.

#include "tests/e2e/e2e_support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {
using namespace e2e;
using namespace std::chrono_literals;

const char* slow_plan = "# Slow\n- One\n- Two\n";

json::value memory(const temp_dir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), "memory");
  return ok_json(dir, std::move(args));
}

json::value search(const temp_dir& dir, const std::string& query, const std::string& mode,
                   std::vector<std::string> more = {}) {
  std::vector<std::string> args{"search", query, "--mode", mode};
  args.insert(args.end(), more.begin(), more.end());
  return memory(dir, std::move(args));
}

std::vector<std::string> ids_of(const json::value& v, const char* key) {
  std::vector<std::string> out;
  for (const auto& m : v.at(key).as_array())
    out.push_back(str_at(m, "id"));
  return out;
}

std::vector<std::string> listed(const temp_dir& dir,
                                std::vector<std::string> filters = {}) {
  filters.insert(filters.begin(), "list");
  return ids_of(memory(dir, std::move(filters)), "memories");
}

std::vector<std::string> found(const temp_dir& dir, const std::string& query,
                               const std::string& mode,
                               std::vector<std::string> more = {}) {
  return ids_of(search(dir, query, mode, std::move(more)), "results");
}

// The best hit's id; empty when nothing matched.
std::string top(const std::vector<std::string>& ids) {
  return ids.empty() ? "" : ids[0];
}

std::vector<std::string> strings_of(const json::value& v, const char* key) {
  std::vector<std::string> out;
  for (const auto& s : v.at(key).as_array())
    out.emplace_back(s.as_string());
  return out;
}

double number_at(const json::value& v, const char* key) {
  INFO("key " << key << " in " << json::serialize(v));
  return v.at(key).to_number<double>();
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

fs::path index_file(const temp_dir& dir) {
  return dir.path() / ".swarm" / "swarm.db.hnsw";
}
fs::path meta_file(const temp_dir& dir) {
  return dir.path() / ".swarm" / "swarm.db.hnsw.meta";
}

std::string index_state(const temp_dir& dir) {
  return str_at(memory(dir, {"stats"}).at("index"), "state");
}

// Requires a refusal with exit code `code` whose first stderr line names `field`; the
// engine's refusals are that one line, the argument parser's add a pointer to --help.
enum class said_by { engine, parser };
void refused(const temp_dir& dir, std::vector<std::string> args, int code,
             const std::string& field, said_by who = said_by::engine) {
  args.insert(args.begin(), "memory");
  auto r = swarm(dir.path(), args);
  INFO(r);
  CHECK(r.exit_code == code);
  CHECK(r.out.empty());
  CHECK(contains(first_line(r.err), field));
  if (who == said_by::engine) {
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(contains(r.err, code == 2 ? "[bad_request]" : "["));
  }
}

// What a scenario shows, engine or not: outputs without times and access counts.
struct transcript {
  std::vector<std::string> lines;
  void memory_line(const json::value& m) {
    std::string tags;
    for (const auto& t : strings_of(m, "tags"))
      tags += t + ",";
    lines.push_back(str_at(m, "id") + " " + str_at(m, "kind") + "/" + str_at(m, "type") +
                    " [" + tags + "] " + str_at(m, "agent") + " " + str_at(m, "task") +
                    " " + std::to_string(number_at(m, "importance")) + " " +
                    str_at(m, "content"));
  }
};

// Adds, de-duplicates, searches, lists and forgets, recording what each step showed.
transcript scenario(const temp_dir& dir) {
  transcript t;
  auto add = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "add");
    auto m = memory(dir, std::move(args));
    t.memory_line(m);
    t.lines.push_back(m.at("deduplicated").as_bool() ? "deduplicated" : "new");
  };
  add({"--type", "episodic", "--content", "Deployed the billing service to staging",
       "--tags", "deploy", "--agent", "alice", "--task", "sw-1.1"});
  add({"--type", "agent_learning", "--content",
       "Run the database migrations inside one transaction", "--importance", "0.8"});
  add({"--type", "working", "--content", "Bisecting the flaky login test right now",
       "--ttl", "30m", "--tags", "ci"});
  add({"--type", "agent_learning", "--content",
       "run the DATABASE migrations, inside one transaction!", "--tags", "db"});
  for (const char* mode : {"vector", "text", "hybrid"})
    for (const char* query :
         {"database migrations", "flaky login test", "billing deploy"}) {
      auto s = search(dir, query, mode);
      CHECK(str_at(s, "mode") == mode);
      for (const auto& r : s.at("results").as_array()) {
        t.memory_line(r);
        char buf[64];
        std::snprintf(buf, sizeof buf, "relevance %.4f ranks %lld %lld",
                      number_at(r, "relevance"),
                      static_cast<long long>(int_at(r, "vector_rank")),
                      static_cast<long long>(int_at(r, "text_rank")));
        t.lines.push_back(buf);
      }
    }
  for (const auto& id : listed(dir))
    t.lines.push_back("listed " + id);
  t.memory_line(memory(dir, {"forget", "mem-1", "--agent", "alice"}));
  auto again = swarm(dir.path(), {"memory", "forget", "mem-1"});
  t.lines.push_back("again " + std::to_string(again.exit_code) + " " +
                    first_line(again.err));
  for (const auto& id : listed(dir))
    t.lines.push_back("listed " + id);
  auto stats = memory(dir, {"stats"});
  for (const char* key : {"total", "episodic", "working", "procedural", "dimension"})
    t.lines.push_back(std::string(key) + " " + std::to_string(int_at(stats, key)));
  t.lines.push_back(str_at(stats, "embedder"));
  return t;
}

} // namespace

TEST_CASE("memory commands on the database without an engine", "[e2e][memory]") {
  temp_dir dir;
  auto ep =
      memory(dir, {"add", "--type", "episodic", "--content",
                   "Deployed the billing service to staging", "--tags", "deploy,staging",
                   "--task", "sw-1.1", "--agent", "alice", "--importance", "0.6"});
  CHECK(str_at(ep, "id") == "mem-1");
  CHECK(str_at(ep, "kind") == "episodic");
  CHECK(str_at(ep, "type") == "episodic");
  CHECK(str_at(ep, "content") == "Deployed the billing service to staging");
  CHECK(strings_of(ep, "tags") == std::vector<std::string>{"deploy", "staging"});
  CHECK(str_at(ep, "agent") == "alice");
  CHECK(str_at(ep, "task") == "sw-1.1");
  CHECK(number_at(ep, "importance") == Approx(0.6));
  CHECK(int_at(ep, "created_us") > 0);
  CHECK(int_at(ep, "expires_us") == 0);
  CHECK(int_at(ep, "access_count") == 0);
  CHECK(int_at(ep, "last_access_us") == 0);
  CHECK(ep.as_object().if_contains("expires_in_ms") == nullptr);
  CHECK_FALSE(ep.at("deduplicated").as_bool());

  auto w = memory(dir, {"add", "--type", "working", "--content",
                        "Bisecting the flaky login test right now", "--ttl", "30m",
                        "--tags", "ci"});
  CHECK(str_at(w, "id") == "mem-2");
  CHECK(str_at(w, "kind") == "working");
  CHECK(int_at(w, "expires_us") - int_at(w, "created_us") == 30LL * 60 * 1'000'000);
  CHECK(int_at(w, "expires_in_ms") > 29LL * 60 * 1000);
  CHECK(int_at(w, "expires_in_ms") <= 30LL * 60 * 1000);
  CHECK(number_at(w, "importance") == Approx(0.5));
  CHECK(str_at(w, "agent").empty());

  auto pr = memory(dir, {"add", "--type", "procedural", "--content",
                         "Always run migrations inside a transaction", "--tags", "db"});
  CHECK(str_at(pr, "id") == "mem-3");
  CHECK(str_at(pr, "kind") == "procedural");
  CHECK(int_at(pr, "expires_us") == 0);

  auto learning = memory(dir, {"add", "--type", "agent_learning", "--content",
                               "Mock the payment gateway in unit tests"});
  CHECK(str_at(learning, "id") == "mem-4");
  CHECK(str_at(learning, "kind") == "procedural");
  CHECK(str_at(learning, "type") == "agent_learning");

  auto note = memory(dir, {"add", "--type", "codebase_knowledge", "--content",
                           "The auth module lives in src/auth", "--task", "sw-1.2"});
  CHECK(str_at(note, "id") == "mem-5");
  CHECK(str_at(note, "kind") == "episodic");
  CHECK(str_at(note, "type") == "codebase_knowledge");

  auto scratch = memory(dir, {"add", "--type", "scratchpad", "--kind", "working",
                              "--content", "Halfway through the parser rewrite"});
  CHECK(str_at(scratch, "id") == "mem-6");
  CHECK(str_at(scratch, "kind") == "working");
  CHECK(int_at(scratch, "expires_in_ms") > 59LL * 60 * 1000); // the default: 1 h

  // Newest first, and every filter.
  CHECK(listed(dir) ==
        std::vector<std::string>{"mem-6", "mem-5", "mem-4", "mem-3", "mem-2", "mem-1"});
  CHECK(listed(dir, {"--limit", "2"}) == std::vector<std::string>{"mem-6", "mem-5"});
  CHECK(listed(dir, {"--type", "procedural"}) ==
        std::vector<std::string>{"mem-4", "mem-3"});
  CHECK(listed(dir, {"--type", "agent_learning"}) == std::vector<std::string>{"mem-4"});
  CHECK(listed(dir, {"--type", "working"}) == std::vector<std::string>{"mem-6", "mem-2"});
  CHECK(listed(dir, {"--tags", "deploy"}) == std::vector<std::string>{"mem-1"});
  CHECK(listed(dir, {"--tags", "staging,deploy"}) == std::vector<std::string>{"mem-1"});
  CHECK(listed(dir, {"--tags", "deploy,ci"}).empty());
  CHECK(listed(dir, {"--task", "sw-1.2"}) == std::vector<std::string>{"mem-5"});
  CHECK(listed(dir, {"--agent", "alice"}) == std::vector<std::string>{"mem-1"});
  auto human = swarm(dir.path(), {"memory", "list", "--type", "agent_learning"});
  CHECK(human.exit_code == 0);
  CHECK(contains(human.out, "mem-4  procedural/agent_learning"));
  CHECK(contains(human.out, "Mock the payment gateway in unit tests"));

  // Search: the shape, each mode, and the filters.
  auto s = search(dir, "billing staging", "text");
  CHECK(str_at(s, "query") == "billing staging");
  CHECK(str_at(s, "mode") == "text");
  REQUIRE_FALSE(s.at("results").as_array().empty());
  const auto& best = s.at("results").as_array()[0];
  CHECK(str_at(best, "id") == "mem-1");
  CHECK(number_at(best, "relevance") == Approx(1.0));
  CHECK(number_at(best, "score") > 0.0);
  CHECK(int_at(best, "text_rank") == 1);
  CHECK(int_at(best, "vector_rank") == 0);
  CHECK(str_at(best, "content") == "Deployed the billing service to staging");
  CHECK(int_at(best, "access_count") >= 1);
  for (const char* mode : {"vector", "hybrid"}) {
    auto ids = found(dir, "flaky login test", mode);
    REQUIRE_FALSE(ids.empty());
    CHECK(ids[0] == "mem-2");
  }
  auto v = search(dir, "payment gateway mocks", "vector");
  REQUIRE_FALSE(v.at("results").as_array().empty());
  CHECK(str_at(v.at("results").as_array()[0], "id") == "mem-4");
  CHECK(number_at(v.at("results").as_array()[0], "similarity") > 0.1);
  CHECK(int_at(v.at("results").as_array()[0], "vector_rank") == 1);
  // Filters apply to both lists (vector hits may include faint, unrelated ones).
  auto episodes = search(dir, "migrations transaction", "hybrid", {"--type", "episodic"});
  for (const auto& r : episodes.at("results").as_array())
    CHECK(str_at(r, "kind") == "episodic");
  CHECK(top(found(dir, "login test", "hybrid", {"--type", "working"})) == "mem-2");
  for (const auto& id : found(dir, "login test", "vector", {"--type", "working"}))
    CHECK((id == "mem-2" || id == "mem-6"));
  CHECK(found(dir, "billing", "text", {"--tags", "ci"}).empty());
  CHECK(found(dir, "auth module", "hybrid", {"--task", "sw-1.2", "--k", "1"}) ==
        std::vector<std::string>{"mem-5"});
  CHECK(found(dir, "zebra quantum", "text").empty());

  auto stats = memory(dir, {"stats"});
  CHECK(int_at(stats, "total") == 6);
  CHECK(int_at(stats, "episodic") == 2);
  CHECK(int_at(stats, "working") == 2);
  CHECK(int_at(stats, "procedural") == 2);
  CHECK(str_at(stats, "embedder") == "builtin-hash-v1");
  CHECK(int_at(stats, "dimension") == 384);
  CHECK(int_at(stats.at("index"), "size") == 6);
  const auto path = str_at(stats.at("index"), "path");
  CHECK(fs::equivalent(fs::absolute(dir.path() / path), index_file(dir)));
  CHECK(int_at(stats, "reembedded") == 0);

  // Forget: the memory comes back once, then it is unknown.
  auto gone = memory(dir, {"forget", "mem-1", "--agent", "alice"});
  CHECK(str_at(gone, "id") == "mem-1");
  CHECK(str_at(gone, "content") == "Deployed the billing service to staging");
  auto again = swarm(dir.path(), {"memory", "forget", "mem-1"});
  CHECK(again.exit_code == 1);
  CHECK(again.out.empty());
  CHECK(contains(again.err, "mem-1"));
  CHECK(contains(again.err, "not_found"));
  CHECK(std::count(again.err.begin(), again.err.end(), '\n') == 1);
  CHECK(found(dir, "billing staging", "text").empty());
  for (const auto& id : found(dir, "billing staging", "hybrid"))
    CHECK(id != "mem-1");
  CHECK(listed(dir, {"--agent", "alice"}).empty());
  CHECK(int_at(memory(dir, {"stats"}), "total") == 5);

  // Bad input: exit 2, the first line of stderr names the field, nothing stored.
  refused(dir, {"add", "--type", "episodic", "--content", ""}, 2, "content");
  refused(dir, {"add", "--type", "episodic", "--content", "  \n "}, 2, "content");
  refused(dir, {"add", "--type", "episodic", "--content", "x", "--importance", "2"}, 2,
          "importance", said_by::parser);
  refused(dir, {"add", "--type", "episodic", "--content", "x", "--ttl", "10m"}, 2, "ttl");
  refused(dir, {"add", "--type", "agent_learning", "--content", "x", "--ttl", "10m"}, 2,
          "ttl");
  refused(dir, {"add", "--type", "working", "--content", "x", "--ttl", "soon"}, 2, "ttl",
          said_by::parser);
  refused(dir, {"add", "--type", "Two Words", "--content", "x"}, 2, "type");
  refused(dir, {"add", "--type", "note", "--kind", "semantic", "--content", "x"}, 2,
          "kind");
  refused(dir, {"add", "--type", "episodic", "--content", "x", "--tags", "two words"}, 2,
          "tags");
  refused(dir, {"search", "billing", "--mode", "fuzzy"}, 2, "mode", said_by::parser);
  refused(dir, {"search", "billing", "--k", "0"}, 2, "--k", said_by::parser);
  refused(dir, {"search", " ", "--mode", "text"}, 2, "query");
  refused(dir, {"list", "--limit", "0"}, 2, "limit", said_by::parser);
  CHECK(listed(dir).size() == 5);
  CHECK(query_int(dir.db(), "SELECT count(*) FROM memories") == 5);
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("a procedural memory is stored once and reinforced", "[e2e][memory]") {
  temp_dir dir;
  auto first = memory(dir, {"add", "--type", "agent_learning", "--content",
                            "Use WAL mode and a busy timeout for SQLite", "--tags", "db",
                            "--importance", "0.4"});
  CHECK(str_at(first, "id") == "mem-1");
  CHECK_FALSE(first.at("deduplicated").as_bool());

  auto same = memory(dir, {"add", "--type", "agent_learning", "--content",
                           "use wal mode, and a BUSY timeout for sqlite!!", "--tags",
                           "sqlite,db", "--importance", "0.9"});
  CHECK(str_at(same, "id") == "mem-1");
  CHECK(same.at("deduplicated").as_bool());
  CHECK(str_at(same, "content") == "Use WAL mode and a busy timeout for SQLite");
  CHECK(strings_of(same, "tags") == std::vector<std::string>{"db", "sqlite"});
  CHECK(number_at(same, "importance") == Approx(0.9));
  // A lower importance does not lower it.
  auto weaker =
      memory(dir, {"add", "--type", "agent_learning", "--content",
                   "Use WAL mode and a busy timeout for SQLite.", "--importance", "0.1"});
  CHECK(str_at(weaker, "id") == "mem-1");
  CHECK(weaker.at("deduplicated").as_bool());
  CHECK(number_at(weaker, "importance") == Approx(0.9));

  auto other = memory(dir, {"add", "--type", "agent_learning", "--content",
                            "Render the invoice PDF on a background worker"});
  CHECK(str_at(other, "id") == "mem-2");
  CHECK_FALSE(other.at("deduplicated").as_bool());
  // The same words under another type, or as an episode, are another memory.
  auto pattern = memory(dir, {"add", "--type", "solution_pattern", "--content",
                              "Use WAL mode and a busy timeout for SQLite"});
  CHECK(str_at(pattern, "id") == "mem-3");
  CHECK_FALSE(pattern.at("deduplicated").as_bool());
  auto episode = memory(dir, {"add", "--type", "episodic", "--content",
                              "Use WAL mode and a busy timeout for SQLite"});
  CHECK(str_at(episode, "id") == "mem-4");
  CHECK_FALSE(episode.at("deduplicated").as_bool());

  CHECK(listed(dir) == std::vector<std::string>{"mem-4", "mem-3", "mem-2", "mem-1"});
  auto listing = memory(dir, {"list", "--type", "agent_learning"});
  REQUIRE(listing.at("memories").as_array().size() == 2);
  const auto& kept = listing.at("memories").as_array()[1];
  CHECK(strings_of(kept, "tags") == std::vector<std::string>{"db", "sqlite"});
  CHECK(number_at(kept, "importance") == Approx(0.9));
  CHECK(found(dir, "sqlite", "text", {"--tags", "sqlite"}) ==
        std::vector<std::string>{"mem-1"}); // the merged tags are searchable
  auto stats = memory(dir, {"stats"});
  CHECK(int_at(stats, "procedural") == 3);
  CHECK(int_at(stats, "episodic") == 1);
  CHECK(query_int(dir.db(), "SELECT count(*) FROM memories") == 4);
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("working memory expires from search, list and stats, then from the database",
          "[e2e][memory]") {
  temp_dir dir;
  memory(dir, {"add", "--type", "episodic", "--content", "The parser handles tabs now"});
  // Seen by search, list and stats before it expires. Each command starts an engine: on
  // a machine too slow to run the three within the time to live (a sanitizer build
  // under load), the note expires first, and the test tries again with twice the time.
  std::string id;
  int64_t added = 0;
  for (int ttl_s = 2;; ttl_s *= 2) {
    INFO("time to live " << ttl_s << " s");
    const auto start = std::chrono::steady_clock::now();
    auto w = memory(dir, {"add", "--type", "working", "--content",
                          "Temporary scratch note about the parser", "--ttl",
                          std::to_string(ttl_s) + "s"});
    ++added;
    id = str_at(w, "id");
    CHECK(id == "mem-" + std::to_string(added + 1));
    CHECK(int_at(w, "expires_in_ms") <= ttl_s * 1000);
    const std::vector<std::string> just{id};
    const bool seen = found(dir, "scratch note", "text") == just &&
                      listed(dir, {"--type", "working"}) == just &&
                      int_at(memory(dir, {"stats"}), "working") == 1;
    if (seen) break;
    // Nothing but its expiry may hide it.
    REQUIRE(std::chrono::steady_clock::now() - start >= std::chrono::seconds(ttl_s));
    REQUIRE(ttl_s < 64);
  }

  REQUIRE(poll_until(150s, [&] { return listed(dir, {"--type", "working"}).empty(); }));
  for (const char* mode : {"vector", "text", "hybrid"}) {
    INFO(mode);
    auto ids = found(dir, "temporary scratch note about the parser", mode);
    CHECK(std::find(ids.begin(), ids.end(), id) == ids.end());
  }
  CHECK(listed(dir) == std::vector<std::string>{"mem-1"});
  auto stats = memory(dir, {"stats"});
  CHECK(int_at(stats, "total") == 1);
  CHECK(int_at(stats, "working") == 0);
  // Read-only commands change nothing: the row waits for a writable engine. (A note
  // that expired during an earlier try may be gone: the next add's engine swept it.)
  CHECK(query_int(dir.db(), "SELECT count(*) FROM memories WHERE id = '" + id + "'") == 1);

  memory(dir,
         {"add", "--type", "episodic", "--content", "Tabs are expanded to 4 spaces"});
  CHECK(query_int(dir.db(), "SELECT count(*) FROM memories WHERE kind = 'working'") == 0);
  CHECK(query_int(dir.db(), "SELECT count(*) FROM memories") == 2);
  CHECK(query_int(dir.db(), "SELECT count(*) FROM events WHERE kind = 'memory.forgotten' "
                            "AND body LIKE '%expired%'") == added);
  CHECK(swarm(dir.path(), {"memory", "forget", id}).exit_code == 1);
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("the memory index file is loaded, rebuilt when missing and repaired when stale",
          "[e2e][memory]") {
  temp_dir dir;
  const std::vector<std::string> texts{
      "Deployed the billing service to staging",
      "Run database migrations inside one transaction",
      "The login page button colour is wrong in dark mode",
      "Retry flaky network tests with exponential backoff",
  };
  for (const auto& t : texts)
    memory(dir, {"add", "--type", "episodic", "--content", t});
  CHECK(fs::exists(index_file(dir)));
  CHECK(fs::exists(meta_file(dir)));
  auto stats = memory(dir, {"stats"});
  CHECK(str_at(stats.at("index"), "state") == "loaded");
  CHECK(int_at(stats.at("index"), "size") == 4);
  auto vector_best = [&](const std::string& query) {
    auto ids = found(dir, query, "vector");
    return ids.empty() ? std::string{} : ids[0];
  };

  // Missing: rebuilt from the vectors in the database, and saved at once (the file is
  // a cache of committed vectors: a read-only engine writes it too).
  fs::remove(index_file(dir));
  stats = memory(dir, {"stats"});
  CHECK(str_at(stats.at("index"), "state") == "rebuilt");
  CHECK(int_at(stats.at("index"), "size") == 4);
  CHECK(fs::exists(index_file(dir)));
  CHECK(index_state(dir) == "loaded");
  CHECK(vector_best("billing service staging deploy") == "mem-1");
  CHECK(vector_best("dark mode login button") == "mem-3");
  // The same through a search, the first command after the loss.
  fs::remove(index_file(dir));
  CHECK(vector_best("flaky network tests backoff") == "mem-4");
  CHECK(index_state(dir) == "loaded");

  // Unreadable: rebuilt too.
  write_text(index_file(dir), "not an index at all");
  CHECK(index_state(dir) == "rebuilt");
  CHECK(index_state(dir) == "loaded");
  CHECK(vector_best("database migrations in a transaction") == "mem-2");

  // Of the float encoding earlier versions wrote (a meta naming no encoding): rebuilt,
  // not misread.
  auto meta = json::parse(read_text(meta_file(dir))).as_object();
  CHECK(meta.at("encoding").as_string() == "int8-scaled");
  meta.erase("encoding");
  write_text(meta_file(dir), json::serialize(meta));
  CHECK(index_state(dir) == "rebuilt");
  CHECK(index_state(dir) == "loaded");

  // Stale: a memory added and one forgotten since the file was saved.
  const auto aside = dir.path() / "aside";
  fs::create_directories(aside);
  fs::copy_file(index_file(dir), aside / "index");
  fs::copy_file(meta_file(dir), aside / "meta");
  auto added = memory(dir, {"add", "--type", "episodic", "--content",
                            "Cache the exchange rates for one hour"});
  CHECK(str_at(added, "id") == "mem-5");
  memory(dir, {"forget", "mem-2"});
  fs::copy_file(aside / "index", index_file(dir), fs::copy_options::overwrite_existing);
  fs::copy_file(aside / "meta", meta_file(dir), fs::copy_options::overwrite_existing);
  stats = memory(dir, {"stats"});
  CHECK(str_at(stats.at("index"), "state") == "repaired");
  CHECK(int_at(stats.at("index"), "size") == 4);
  CHECK(vector_best("exchange rates cache hour") == "mem-5");
  auto ids = found(dir, "database migrations transaction", "vector");
  CHECK(std::find(ids.begin(), ids.end(), "mem-2") == ids.end());
  CHECK(index_state(dir) == "loaded");

  // Stale the other way: only a memory added, found by the first vector search.
  fs::copy_file(index_file(dir), aside / "index", fs::copy_options::overwrite_existing);
  fs::copy_file(meta_file(dir), aside / "meta", fs::copy_options::overwrite_existing);
  memory(dir, {"add", "--type", "episodic", "--content", "Rotate the API keys monthly"});
  fs::copy_file(aside / "index", index_file(dir), fs::copy_options::overwrite_existing);
  fs::copy_file(aside / "meta", meta_file(dir), fs::copy_options::overwrite_existing);
  CHECK(vector_best("rotate API keys") == "mem-6");
  stats = memory(dir, {"stats"});
  CHECK(str_at(stats.at("index"), "state") == "loaded");
  CHECK(int_at(stats.at("index"), "size") == 5);
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("a memory acknowledged by a running engine survives its crash",
          "[e2e][memory]") {
  temp_dir dir;
  write_text(dir / "plan.md", slow_plan);
  {
    process run{dir.path(),
                {"run", "plan.md", "--agents", "1", "--work-ms", "30000-30000"}};
    wait_for_engine(dir, run);
    auto m = memory(dir, {"add", "--type", "agent_learning", "--content",
                          "Pin the compiler version in the CI images", "--tags", "ci"});
    CHECK(str_at(m, "id") == "mem-1");
    CHECK(found(dir, "compiler version", "hybrid") == std::vector<std::string>{"mem-1"});
    run.kill_hard(); // acknowledged means committed
  }
  // The index was due to be saved 30 s after the change: none was.
  CHECK_FALSE(fs::exists(index_file(dir)));
  CHECK(index_state(dir) == "rebuilt");
  for (const char* mode : {"vector", "text", "hybrid"}) {
    INFO(mode);
    auto ids = found(dir, "pin the compiler version", mode);
    REQUIRE_FALSE(ids.empty());
    CHECK(ids[0] == "mem-1");
  }
  auto stats = memory(dir, {"stats"});
  CHECK(int_at(stats, "procedural") == 1);
  CHECK(int_at(stats.at("index"), "size") == 1);
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("an external embedder by command, then re-embedding with the built-in one",
          "[e2e][memory]") {
  temp_dir dir;
  // 8 dimensions: how often each of the letters a to h occurs.
  const auto script = dir.path() / "embed.py";
  write_text(script, "import json, sys\n"
                     "text = sys.stdin.read().lower()\n"
                     "print(json.dumps([float(text.count(c)) for c in 'abcdefgh']))\n");
  const std::string spec = "command:python3 " + script.string();
  auto a = memory(dir, {"add", "--type", "episodic", "--content", "abba abba cabbage",
                        "--embedder", spec});
  CHECK(str_at(a, "id") == "mem-1");
  auto b = memory(dir, {"add", "--type", "episodic", "--content", "feed the hedge of fog",
                        "--embedder", spec});
  CHECK(str_at(b, "id") == "mem-2");

  CHECK(top(found(dir, "a cab", "vector", {"--embedder", spec})) == "mem-1");
  CHECK(top(found(dir, "hedgehog feeding", "vector", {"--embedder", spec})) == "mem-2");
  // The choice is stored: later commands use it without the flag.
  auto by_stored = search(dir, "hedgehog feeding", "vector");
  REQUIRE_FALSE(by_stored.at("results").as_array().empty());
  const auto& hit = by_stored.at("results").as_array()[0];
  CHECK(str_at(hit, "id") == "mem-2");
  CHECK(number_at(hit, "similarity") > 0.9);
  auto stats = memory(dir, {"stats"});
  CHECK(str_at(stats, "embedder").rfind("command:", 0) == 0);
  CHECK(contains(str_at(stats, "embedder"), "embed.py"));
  CHECK(int_at(stats, "dimension") == 8);
  CHECK(query_int(dir.db(), "SELECT count(*) FROM memories WHERE dim = 8") == 2);

  // A read-only engine cannot re-embed: it says so instead of answering wrongly.
  auto ro = swarm(dir.path(), {"memory", "stats", "--embedder", "builtin"});
  CHECK(ro.exit_code == 1);
  CHECK(contains(ro.err, "embedder"));

  // A writable one re-embeds every stored memory with the new embedder.
  auto c = memory(dir, {"add", "--type", "episodic", "--content",
                        "the built-in embedder hashes words", "--embedder", "builtin"});
  CHECK(str_at(c, "id") == "mem-3");
  CHECK(query_int(dir.db(),
                  "SELECT count(*) FROM events WHERE kind = 'memory.reembedded'") == 2);
  CHECK(query_int(dir.db(),
                  "SELECT count(*) FROM memories WHERE dim = 384 AND embedder = "
                  "'builtin-hash-v1'") == 3);
  stats = memory(dir, {"stats"});
  CHECK(str_at(stats, "embedder") == "builtin-hash-v1");
  CHECK(int_at(stats, "dimension") == 384);
  CHECK(int_at(stats, "reembedded") == 0); // done by the previous engine
  CHECK(int_at(stats.at("index"), "size") == 3);
  CHECK(top(found(dir, "abba abba cabbage", "vector")) == "mem-1");
  CHECK(top(found(dir, "feed the hedge", "vector")) == "mem-2");

  // Through a running engine the count of re-embedded memories shows in stats.
  write_text(dir / "plan.md", slow_plan);
  {
    process run{dir.path(),
                {"run", "plan.md", "--agents", "1", "--work-ms", "30000-30000",
                 "--embedder", spec}};
    wait_for_engine(dir, run);
    auto s = memory(dir, {"stats"});
    CHECK(int_at(s, "reembedded") == 3);
    CHECK(int_at(s, "dimension") == 8);
    CHECK(int_at(s.at("index"), "size") == 3);
    CHECK(top(found(dir, "a cab", "vector")) == "mem-1");
    run.kill_hard();
  }
  CHECK(int_at(memory(dir, {"stats"}), "dimension") == 8);
  CHECK(query_int(dir.db(), "SELECT count(*) FROM memories WHERE dim = 8") == 3);
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("another dimension of the built-in embedder re-embeds every memory",
          "[e2e][memory]") {
  temp_dir dir;
  memory(dir, {"add", "--type", "episodic", "--content", "abba abba cabbage"});
  memory(dir, {"add", "--type", "episodic", "--content", "feed the hedge of fog",
               "--embedder", "builtin:16"});
  CHECK(query_int(dir.db(), "SELECT count(*) FROM memories WHERE dim = 16") == 2);
  auto stats = memory(dir, {"stats"});
  CHECK(int_at(stats, "dimension") == 16);
  CHECK(int_at(stats.at("index"), "size") == 2);
  CHECK(top(found(dir, "abba abba cabbage", "vector")) == "mem-1");
  CHECK(top(found(dir, "feed the hedge of fog", "vector")) == "mem-2");
  // Read-only with yet another dimension: refused, not an index without the memories.
  auto ro = swarm(dir.path(), {"memory", "stats", "--embedder", "builtin:32"});
  CHECK(ro.exit_code == 1);
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}

TEST_CASE("memory commands through a running engine give the same results as without",
          "[e2e][memory]") {
  temp_dir plain;
  auto without = scenario(plain);
  CHECK(swarm(plain.path(), {"replay", "--verify"}).exit_code == 0);

  temp_dir dir;
  write_text(dir / "plan.md", slow_plan);
  transcript with;
  {
    process run{dir.path(),
                {"run", "plan.md", "--agents", "1", "--work-ms", "30000-30000"}};
    wait_for_engine(dir, run);
    with = scenario(dir);
    CHECK(run.running()); // it was the engine that answered
    run.kill_hard();
  }
  CHECK(with.lines == without.lines);
  CHECK(listed(dir) == listed(plain));
  CHECK(swarm(dir.path(), {"replay", "--verify"}).exit_code == 0);
}
