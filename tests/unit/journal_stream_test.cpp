// The journal's text forms: a journal event's one JSON shape (and its spliced text),
// its Server-Sent Events frame, and the engine metrics as Prometheus text.
#include "service/http/event_stream.hpp"
#include "service/http/metrics_text.hpp"

#include <swarm/json.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace swarm;
namespace json = boost::json;

namespace {

journal_entry sample_entry() {
  journal_entry e;
  e.seq = 42;
  e.ts = timestamp{std::chrono::microseconds{1765050000000000}};
  e.kind = "task.completed";
  e.body = R"({"id":"sw-1.2","state":"completed","agent":"a\nb"})";
  return e;
}

} // namespace

TEST_CASE("journal entry: one JSON shape, and its text splices the stored body",
          "[journal]") {
  const auto e = sample_entry();
  auto v = json::value_from(e);
  CHECK(v.at("seq") == 42);
  CHECK(v.at("ts_us") == 1765050000000000);
  CHECK(v.at("kind") == "task.completed");
  CHECK(v.at("body").at("id") == "sw-1.2");
  CHECK(journal_entry_json(e) == json::serialize(v));
  auto back = from_json<journal_entry>(v);
  REQUIRE(back);
  CHECK(back->seq == 42);
  CHECK(back->ts == e.ts);
  CHECK(back->body == e.body);

  journal_page p{{e}, 50};
  auto page = json::value_from(p);
  CHECK(page.at("last_seq") == 50);
  CHECK(page.at("events").as_array().size() == 1);
}

TEST_CASE("journal entry: its SSE frame is id, event, data on one line",
          "[journal][http]") {
  const auto e = sample_entry();
  const auto frame = http::sse_frame(e);
  CHECK(frame == "id: 42\nevent: task.completed\ndata: " + journal_entry_json(e) + "\n\n");
  // The body's newline is escaped in JSON: the data field is one line.
  CHECK(frame.find('\n') == std::string("id: 42").size());
}

TEST_CASE("metrics: Prometheus text with HELP and TYPE for every family",
          "[metrics][http]") {
  engine_metrics m;
  m.tasks.ready = 3;
  m.tasks.completed = 7;
  m.agents = {{"idle", 2}, {"busy", 1}};
  m.model_runs = {{"completed", 5}, {"we\"ird", 1}};
  m.claims_total = 9;
  m.completions_total = 7;
  m.mail_messages_total = 4;
  m.reservations_active = 2;
  m.journal_events_total = 120;
  m.journal_last_seq = 120;
  m.journal_bytes = 4096;
  m.commit_latency.buckets = {{0.0005, 1}, {0.001, 3}};
  m.commit_latency.count = 4;
  m.commit_latency.sum_seconds = 0.25;
  m.usage.input_tokens = 1200;
  m.usage.output_tokens = 345;
  m.usage.cache_read_tokens = 800;
  m.usage.cost_usd = 0.5;
  m.quality_snapshots_total = 6;
  m.quality_regressed_total = 2;
  m.quality_baselines_total = 1;
  m.quality = {{"test", "baseline", true, 0, 3, 0}, {"test", "latest", false, 1, 5, 2}};
  const auto text = http::prometheus_text(m);
  auto has = [&](const std::string& line) {
    INFO(line);
    CHECK(text.find(line + "\n") != std::string::npos);
  };
  has("# TYPE swarm_tasks gauge");
  has("swarm_tasks{state=\"ready\"} 3");
  has("swarm_tasks{state=\"completed\"} 7");
  has("swarm_tasks{state=\"cancelled\"} 0");
  CHECK(text.find("state=\"total\"") == std::string::npos);
  has("# TYPE swarm_agents gauge");
  has("swarm_agents{state=\"busy\"} 1");
  has("# TYPE swarm_claims_total counter");
  has("swarm_claims_total 9");
  has("swarm_completions_total 7");
  has("# TYPE swarm_model_runs_total counter");
  has("swarm_model_runs_total{outcome=\"completed\"} 5");
  has("swarm_model_runs_total{outcome=\"we\\\"ird\"} 1");
  has("swarm_mail_messages_total 4");
  has("# TYPE swarm_model_tokens_total counter");
  has("swarm_model_tokens_total{kind=\"input\"} 1200");
  has("swarm_model_tokens_total{kind=\"output\"} 345");
  has("swarm_model_tokens_total{kind=\"cache_read\"} 800");
  has("swarm_model_tokens_total{kind=\"cache_write\"} 0");
  has("# TYPE swarm_model_cost_usd_total counter");
  has("swarm_model_cost_usd_total 0.5");
  has("# TYPE swarm_reservations_active gauge");
  has("swarm_reservations_active 2");
  has("swarm_journal_events_total 120");
  has("swarm_journal_last_seq 120");
  has("swarm_journal_bytes 4096");
  has("# TYPE swarm_commit_latency_seconds histogram");
  has("swarm_commit_latency_seconds_bucket{le=\"0.0005\"} 1");
  has("swarm_commit_latency_seconds_bucket{le=\"0.001\"} 3");
  has("swarm_commit_latency_seconds_bucket{le=\"+Inf\"} 4");
  has("swarm_commit_latency_seconds_sum 0.25");
  has("swarm_commit_latency_seconds_count 4");
  has("# TYPE swarm_quality_snapshots_total counter");
  has("swarm_quality_snapshots_total 6");
  has("swarm_quality_regressed_total 2");
  has("swarm_quality_baselines_total 1");
  has("# TYPE swarm_quality_check_passed gauge");
  has("swarm_quality_check_passed{check=\"test\",of=\"baseline\"} 1");
  has("swarm_quality_check_passed{check=\"test\",of=\"latest\"} 0");
  has("swarm_quality_errors{check=\"test\",of=\"latest\"} 1");
  has("swarm_quality_warnings{check=\"test\",of=\"baseline\"} 3");
  has("swarm_quality_failing_tests{check=\"test\",of=\"latest\"} 2");
  // Every family has its HELP line before its TYPE line.
  size_t helps = 0, types = 0;
  for (size_t at = 0; (at = text.find("# HELP ", at)) != std::string::npos; ++at)
    ++helps;
  for (size_t at = 0; (at = text.find("# TYPE ", at)) != std::string::npos; ++at)
    ++types;
  CHECK(helps == 20);
  CHECK(types == 20);
}
