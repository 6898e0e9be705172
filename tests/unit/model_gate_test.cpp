// The gate that pauses the claims of a model whose CLI cannot reach its service.
#include "harness/model_gate.hpp"

#include <catch2/catch.hpp>

using swarm::harness::model_gate;
using namespace std::chrono_literals;

TEST_CASE("model_gate: each outage report pauses longer, up to the cap", "[model_gate]") {
  model_gate gate{30s, 10min};
  const auto t0 = model_gate::clock::time_point{} + 1h;
  CHECK(gate.paused_for(t0) == 0ms);
  auto p = gate.unavailable(t0, "claude: Not logged in");
  CHECK(p.length == 30s);
  CHECK(p.tell);
  CHECK(gate.paused_for(t0 + 10s) == 20s);
  CHECK(gate.paused_for(t0 + 30s) == 0ms);
  // The same words again are not said again; the pause doubles each time.
  std::chrono::milliseconds expected = 60s;
  auto now = t0 + 30s;
  for (int i = 0; i < 6; ++i) {
    p = gate.unavailable(now, "claude: Not logged in");
    CHECK_FALSE(p.tell);
    CHECK(p.length == expected);
    now += p.length;
    expected = std::min<std::chrono::milliseconds>(expected * 2, 10min);
  }
  CHECK(p.length == 10min); // 30 s doubled six times passes the cap
  // Another agent reporting meanwhile does not shorten a longer pause.
  auto later = gate.unavailable(now - 9min, "claude: Not logged in");
  CHECK(later.length >= 9min);
  // New words are said.
  CHECK(gate.unavailable(now, "claude: Credit balance is too low").tell);
}

TEST_CASE("model_gate: an attempt that gets through ends the outage", "[model_gate]") {
  model_gate gate{1s, 8s};
  const auto t0 = model_gate::clock::time_point{} + 1h;
  CHECK_FALSE(gate.worked()); // nothing to end
  gate.unavailable(t0, "codex: Reconnecting... 5/5");
  gate.unavailable(t0 + 1s, "codex: Reconnecting... 5/5");
  CHECK(gate.worked());
  CHECK_FALSE(gate.worked());
  // The backoff starts over, and the same words are worth saying again.
  auto p = gate.unavailable(t0 + 10s, "codex: Reconnecting... 5/5");
  CHECK(p.length == 1s);
  CHECK(p.tell);
}
