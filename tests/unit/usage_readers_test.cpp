// Tokens and cost from what each model CLI prints (harness/usage_readers.hpp), on the
// real-format samples in tests/data/usage/ (their README says where each shape comes
// from); the run meter that sums a run's usage against its budget; the JSON shape.
#include "harness/model_adapter.hpp"
#include "harness/run_meter.hpp"
#include "harness/usage_readers.hpp"

#include <swarm/json.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace swarm;
using namespace swarm::harness;
namespace fs = std::filesystem;

namespace {

std::string sample(const char* name) {
  return std::string{SWARM_TEST_DATA_DIR} + "/usage/" + name;
}

} // namespace

TEST_CASE("usage: claude's stream-json result, summed over modelUsage, with its cost",
          "[usage]") {
  auto u = claude_usage(sample("claude-stream.jsonl"));
  REQUIRE(u);
  CHECK(u->input_tokens == 9 + 2311);
  CHECK(u->output_tokens == 498 + 157);
  CHECK(u->cache_read_tokens == 27884);
  CHECK(u->cache_write_tokens == 5400);
  REQUIRE(u->cost_usd);
  CHECK(*u->cost_usd == Approx(0.0731296));
  CHECK(u->model == "claude-sonnet-4-5-20250929, claude-haiku-4-5-20251001");
  CHECK(u->runs == 1);
  CHECK(u->total_tokens() == 2320 + 655 + 27884 + 5400);
}

TEST_CASE("usage: a claude result without modelUsage reads its usage, null caches as 0",
          "[usage]") {
  auto u = claude_usage(sample("claude-result-usage-only.json"));
  REQUIRE(u);
  CHECK(u->input_tokens == 1200);
  CHECK(u->output_tokens == 345);
  CHECK(u->cache_read_tokens == 800);
  CHECK(u->cache_write_tokens == 0);
  REQUIRE(u->cost_usd);
  CHECK(*u->cost_usd == Approx(0.0123));
  CHECK(u->model.empty());
}

TEST_CASE("usage: codex's turn.completed events, summed over two turns", "[usage]") {
  auto u = codex_usage(sample("codex-exec.jsonl"));
  REQUIRE(u);
  // Cached tokens are inside codex's input_tokens: input is what was not cached.
  CHECK(u->input_tokens == (24763 - 24448) + (31002 - 24832));
  CHECK(u->cache_read_tokens == 24448 + 24832);
  CHECK(u->output_tokens == 122 + 845);
  CHECK(u->cache_write_tokens == 0);
  CHECK_FALSE(u->cost_usd); // codex reports no cost
  CHECK(u->runs == 1);
}

TEST_CASE("usage: gemini's stats, summed over its two models, no cost", "[usage]") {
  auto u = gemini_usage(sample("gemini-output.json"));
  REQUIRE(u);
  CHECK(u->input_tokens == (3102 - 0 + 0) + (30122 - 21378 + 126));
  CHECK(u->output_tokens == (41 + 269) + (612 + 1150));
  CHECK(u->cache_read_tokens == 21378);
  CHECK(u->cache_write_tokens == 0);
  CHECK_FALSE(u->cost_usd);
  CHECK(u->model == "gemini-2.5-flash-lite, gemini-2.5-pro");
}

TEST_CASE("usage: the mock's simulated result line reads as claude's, without a cost",
          "[usage]") {
  auto u = claude_usage(sample("mock-result.jsonl"));
  REQUIRE(u);
  CHECK(u->input_tokens == 412);
  CHECK(u->output_tokens == 1377);
  CHECK(u->cache_write_tokens == 206);
  CHECK_FALSE(u->cost_usd);
  CHECK(u->model == "swarm-mock-agent (simulated)");
}

TEST_CASE("usage: absent or malformed reports are no usage, not an error", "[usage]") {
  CHECK_FALSE(claude_usage(sample("claude-truncated.jsonl")));
  CHECK_FALSE(claude_usage(sample("command-plain.txt")));
  CHECK_FALSE(claude_usage(sample("codex-exec.jsonl")));
  CHECK_FALSE(codex_usage(sample("claude-stream.jsonl")));
  CHECK_FALSE(gemini_usage(sample("gemini-error.json")));
  CHECK_FALSE(gemini_usage(sample("claude-stream.jsonl")));
  CHECK_FALSE(claude_usage(sample("no-such-file")));
  CHECK_FALSE(codex_usage(sample("no-such-file")));
  CHECK_FALSE(gemini_usage(sample("no-such-file")));
}

TEST_CASE("usage: each adapter reads its own CLI's format", "[usage]") {
  adapter_options o;
  auto usage_of = [&](const char* spec, const char* file) {
    auto a = make_adapter(spec, o);
    REQUIRE(a);
    return (*a)->usage(sample(file));
  };
  CHECK(usage_of("claude", "claude-stream.jsonl")->cost_usd);
  CHECK(usage_of("codex", "codex-exec.jsonl")->output_tokens == 967);
  CHECK(usage_of("gemini", "gemini-output.json")->cache_read_tokens == 21378);
  CHECK(usage_of("mock", "mock-result.jsonl")->input_tokens == 412);
  // A command model: only a claude-format result line counts.
  CHECK(usage_of("command:./agent.sh", "claude-result-usage-only.json")->output_tokens == 345);
  CHECK_FALSE(usage_of("command:./agent.sh", "command-plain.txt"));
}

TEST_CASE("usage: lines are read whole across buffers, and over-long ones skipped",
          "[usage]") {
  auto dir = fs::temp_directory_path() / ("swarm-usage-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto path = (dir / "stdout").string();
  {
    std::ofstream out{path, std::ios::binary};
    // A long message line (bigger than the 64 KiB read buffer) before the result, and a
    // last line without its newline.
    out << R"({"type":"assistant","text":")" << std::string(200 * 1024, 'x') << "\"}\n";
    out << R"({"type":"result","total_cost_usd":0.4,"usage":{"input_tokens":10,)"
        << R"("output_tokens":5}})";
  }
  auto u = claude_usage(path);
  REQUIRE(u);
  CHECK(*u->cost_usd == Approx(0.4));
  CHECK(u->input_tokens == 10);
  std::vector<size_t> lengths;
  for_each_line(path, [&](std::string_view l) { lengths.push_back(l.size()); }, 1024);
  REQUIRE(lengths.size() == 1); // the long line skipped
  CHECK(lengths[0] > 50);
  fs::remove_all(dir);
}

TEST_CASE("run meter: the spend counts what earlier runs spent, and says 'reached' once",
          "[usage][budget]") {
  run_meter m{1.00};
  CHECK_FALSE(m.begin("run-1", 0.0));
  model_usage u;
  u.input_tokens = 100;
  u.cost_usd = 0.40;
  u.runs = 1;
  CHECK_FALSE(m.add(u)); // 0.40
  CHECK_FALSE(m.add(u)); // 0.80
  model_usage no_cost;
  no_cost.output_tokens = 7;
  no_cost.runs = 1;
  CHECK_FALSE(m.add(no_cost)); // tokens only: the spend stays
  CHECK_FALSE(m.reached());
  CHECK(m.add(u)); // 1.20 >= 1.00: said once
  CHECK(m.reached());
  CHECK_FALSE(m.add(u));
  auto b = m.budget();
  CHECK(b.limit_usd == 1.00);
  CHECK(b.spent_usd == Approx(1.60));
  CHECK(b.reached);
  CHECK(m.usage().runs == 5);
  CHECK(m.usage().input_tokens == 400);
  CHECK(m.usage().output_tokens == 7);
  // A run resuming one that spent the budget starts reached.
  CHECK(m.begin("run-2", 1.60));
  CHECK(m.reached());
  CHECK(m.usage().runs == 0);
  CHECK_FALSE(m.add(u));
  // No limit: never reached, the usage still summed.
  run_meter free{0};
  free.begin("run-3", 100);
  CHECK_FALSE(free.add(u));
  CHECK_FALSE(free.reached());
  CHECK(free.usage().cost_usd);
}

TEST_CASE("usage: one JSON shape, and sums add costs only where reported", "[usage][json]") {
  model_usage a;
  a.input_tokens = 1;
  a.output_tokens = 2;
  a.cache_read_tokens = 3;
  a.cache_write_tokens = 4;
  a.model = "claude-x";
  a.runs = 1;
  auto v = boost::json::value_from(a);
  CHECK(v.at("total_tokens").to_number<int64_t>() == 10);
  CHECK(v.as_object().if_contains("cost_usd") == nullptr);
  CHECK(v.at("model").as_string() == "claude-x");
  auto back = from_json<model_usage>(v);
  REQUIRE(back);
  CHECK(back->cache_write_tokens == 4);
  CHECK_FALSE(back->cost_usd);
  model_usage total;
  add_usage(total, a);
  CHECK_FALSE(total.cost_usd);
  a.cost_usd = 0.25;
  add_usage(total, a);
  REQUIRE(total.cost_usd);
  CHECK(*total.cost_usd == Approx(0.25));
  CHECK(total.runs == 2);
  CHECK(total.model.empty());
  auto priced = from_json<model_usage>(boost::json::value_from(total));
  REQUIRE(priced);
  CHECK(*priced->cost_usd == Approx(0.25));
  // An attempt without usage has no "usage" key, and reads back without one.
  task_attempt t;
  auto tv = boost::json::value_from(t);
  CHECK(tv.as_object().if_contains("usage") == nullptr);
  t.usage = a;
  auto with = from_json<task_attempt>(boost::json::value_from(t));
  REQUIRE(with);
  REQUIRE(with->usage);
  CHECK(with->usage->input_tokens == 1);
}
