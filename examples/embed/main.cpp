// A small program driving swarm through its public API only (include/swarm/).
// Usage: embed_example [WORKDIR]  — writes a plan there, runs it with 3 simulated agents,
// then claims and completes one more task by hand, and prints what happened.
#include <swarm/swarm.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

namespace {

int report(const swarm::error& e) {
  std::fprintf(stderr, "embed_example: %s\n", e.to_string().c_str());
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : ".";
  std::string plan_path = dir + "/plan.md";
  std::ofstream{plan_path} << "# Release notes\n"
                              "- Collect merged changes\n"
                              "- Write the summary\n"
                              "  depends: Collect merged changes\n"
                              "- Publish\n"
                              "  depends: Write the summary\n";

  swarm::options opts;
  opts.db_path = dir + "/.swarm/swarm.db";
  opts.strategy = swarm::claim_strategy::graph_prioritized; // longest chain first
  auto engine = swarm::engine::open(opts);
  if (!engine)
    return report(engine.error());
  auto& e = **engine;

  auto loaded = e.load_plan(plan_path);
  if (!loaded)
    return report(loaded.error());
  std::printf("loaded %llu task(s)\n", static_cast<unsigned long long>(loaded->added));

  swarm::agent_options agents;
  agents.min_work = std::chrono::milliseconds{5};
  agents.max_work = std::chrono::milliseconds{20};
  agents.workdir = dir; // the mock model edits the files tasks declare, here
  if (auto names = e.add_agents(3, agents); !names)
    return report(names.error());
  auto summary = e.run_until_done();
  if (!summary)
    return report(summary.error());
  std::printf("run: %s, %llu/%llu completed in %.2fs\n", summary->success ? "ok" : "incomplete",
              static_cast<unsigned long long>(summary->tasks.completed),
              static_cast<unsigned long long>(summary->tasks.total()),
              summary->elapsed_seconds);
  // Values are typed: enums print with to_string, times are std::chrono.
  if (auto list = e.agents())
    for (const auto& a : *list) {
      const auto ago = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now() - a.last_heartbeat);
      std::printf("  %s: %s, %llu completed, last heartbeat %lld ms ago\n", a.name.c_str(),
                  swarm::to_string(a.state), static_cast<unsigned long long>(a.completed),
                  static_cast<long long>(ago.count()));
    }

  // Bring-your-own-worker: add a task, claim it and complete it by hand.
  if (auto more = e.add_task({"Tweet the release"}); !more)
    return report(more.error());
  auto claimed = e.claim("me");
  if (!claimed)
    return report(claimed.error());
  if (!*claimed) {
    std::fprintf(stderr, "embed_example: expected a ready task\n");
    return 1;
  }
  auto done = e.complete((*claimed)->t.spec.id, "me", (*claimed)->attempt, "posted");
  if (!done)
    return report(done.error());
  std::printf("completed %s by hand: %s\n", done->t.spec.id.c_str(),
              swarm::to_string(done->t.state));
  return summary->success && done->t.state == swarm::task_state::completed ? 0 : 1;
}
