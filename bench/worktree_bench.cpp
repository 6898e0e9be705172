// Worktree isolation overhead (workspace/): on a generated repository of --files files
// (committed once, then packed like a real clone), --agents threads each create their
// task's worktree, edit one file and commit, all at once; the merge queue then merges
// them one at a time (--strategy rebase|merge), each merge also bringing the user's
// checkout (the repository itself, on main) along; then every worktree is removed, in
// parallel again. Prints per-task p50/p99 of each step in ms, the wall time of each
// phase, and merges per second. Everything runs through one process_runner, as in the
// engine.
//
//   swarm_worktree_bench [--files 10000] [--agents 32] [--strategy rebase] [--keep DIR]

#include "bench/bench_support.hpp"
#include "harness/process_runner.hpp"
#include "workspace/git.hpp"
#include "workspace/merge.hpp"
#include "workspace/worktree.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
namespace ws = swarm::workspace;

namespace {

const std::string program = "swarm_worktree_bench";

void git_or_die(swarm::harness::process_runner& runner, const fs::path& dir,
                std::vector<std::string> args) {
  auto r = ws::run_git(runner, dir.string(), args);
  if (!r) bench::die(program, r.error().message);
  if (r->exit_code != 0)
    bench::die(program, "git " + args.front() + " failed: " + r->err);
}

std::string file_name(size_t i) {
  return "dir" + std::to_string(i / 100) + "/file" + std::to_string(i % 100) + ".txt";
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string json_ms(const std::vector<double>& v) {
  auto p = bench::summarize(v);
  return "{\"p50\": " + std::to_string(p.p50) + ", \"p99\": " + std::to_string(p.p99) +
         "}";
}

} // namespace

int main(int argc, char** argv) {
  size_t files = 10000, agents = 32;
  std::string strategy_name = "rebase", keep;
  bench::args a(argc, argv, program,
                "[--files N] [--agents N] [--strategy rebase|merge] [--keep DIR]");
  while (a.next()) {
    if (a.is("--files"))
      files = a.number();
    else if (a.is("--agents"))
      agents = a.number();
    else if (a.is("--strategy"))
      strategy_name = a.value();
    else if (a.is("--keep"))
      keep = a.value();
    else
      a.unknown();
  }
  const auto strategy = ws::parse_merge_strategy(strategy_name);
  if (!strategy) a.bad("--strategy is rebase or merge, not '" + strategy_name + "'");
  if (agents == 0 || agents > files) a.bad("--agents must be between 1 and --files");

  fs::path base = keep;
  if (base.empty()) {
    std::string pattern =
        (fs::temp_directory_path() / "swarm-worktree-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) bench::die(program, "mkdtemp failed");
    base = pattern;
  }
  const fs::path repo = base / "repo";
  swarm::harness::process_runner runner;

  const auto setup_start = bench::clock::now();
  fs::create_directories(repo);
  git_or_die(runner, repo, {"init", "-q", "-b", "main"});
  for (size_t i = 0; i < files; ++i)
    write(repo / file_name(i), "file " + std::to_string(i) + "\nline two\nline three\n");
  git_or_die(runner, repo, {"add", "-A"});
  git_or_die(runner, repo,
             {"-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c",
              "commit.gpgSign=false", "commit", "-q", "-m", "generated"});
  git_or_die(runner, repo, {"repack", "-adq"});
  git_or_die(runner, repo, {"prune"});
  const double setup_s = bench::seconds_since(setup_start);

  // Agents: create -> edit one file -> commit, all at once.
  std::vector<ws::task_worktree> worktrees(agents);
  std::vector<double> create_ms(agents), commit_ms(agents), merge_ms, remove_ms(agents);
  std::vector<std::string> failures(agents);
  const auto total_start = bench::clock::now();
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < agents; ++i)
      threads.emplace_back([&, i] {
        auto t0 = bench::clock::now();
        auto wt = ws::create_worktree(runner, repo.string(), "agent-" + std::to_string(i),
                                      "task-" + std::to_string(i));
        create_ms[i] = bench::millis_since(t0);
        if (!wt) return void(failures[i] = wt.error().to_string());
        // Spread over the tree so that no two agents touch one file.
        write(wt->path / file_name(i * (files / agents)),
              "edited by agent " + std::to_string(i) + "\n");
        t0 = bench::clock::now();
        auto c = ws::commit_task(runner, *wt);
        commit_ms[i] = bench::millis_since(t0);
        if (!c) return void(failures[i] = c.error().to_string());
        if (!c->committed) return void(failures[i] = "nothing committed");
        worktrees[i] = std::move(*wt);
      });
    for (auto& t : threads)
      t.join();
  }
  for (const auto& f : failures)
    if (!f.empty()) bench::die(program, f);
  const double parallel_s = bench::seconds_since(total_start);

  // The merge queue: one at a time, each onto the tip the previous one left.
  const auto merge_start = bench::clock::now();
  for (const auto& wt : worktrees) {
    const auto t0 = bench::clock::now();
    auto m = ws::merge_task(runner, wt, {*strategy, {}});
    merge_ms.push_back(bench::millis_since(t0));
    if (!m) bench::die(program, m.error().to_string());
    if (m->plan.conflict) bench::die(program, m->plan.conflict->to_error(wt).to_string());
    if (!m->moved || !m->checkout_behind.empty())
      bench::die(program, "task " + wt.task + " did not merge: " + m->checkout_behind);
  }
  const double merge_s = bench::seconds_since(merge_start);

  const auto remove_start = bench::clock::now();
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < agents; ++i)
      threads.emplace_back([&, i] {
        const auto t0 = bench::clock::now();
        auto r = ws::remove_worktree(runner, worktrees[i]);
        remove_ms[i] = bench::millis_since(t0);
        if (!r) failures[i] = r.error().to_string();
      });
    for (auto& t : threads)
      t.join();
  }
  for (const auto& f : failures)
    if (!f.empty()) bench::die(program, f);
  const double remove_s = bench::seconds_since(remove_start);
  const double total_s = bench::seconds_since(total_start);

  // The user's checkout holds every edit and nothing else.
  auto status = ws::run_git(runner, repo.string(), {"status", "--porcelain"});
  if (!status || status->exit_code != 0 || !status->out.empty())
    bench::die(program, "the checkout is not clean after the merges: " +
                            (status ? status->out : status.error().message));
  auto count =
      ws::run_git(runner, repo.string(), {"rev-list", "--count", "--no-merges", "main"});
  if (!count || std::stoul(count->out) != agents + 1)
    bench::die(program, "main does not hold one commit per agent");

  std::cout << "{\"bench\": \"worktree\", \"files\": " << files
            << ", \"agents\": " << agents << ", \"strategy\": \"" << strategy_name
            << "\", \"setup_s\": " << setup_s
            << ",\n \"create_ms\": " << json_ms(create_ms)
            << ", \"commit_ms\": " << json_ms(commit_ms)
            << ",\n \"merge_ms\": " << json_ms(merge_ms)
            << ", \"remove_ms\": " << json_ms(remove_ms)
            << ",\n \"create_commit_phase_s\": " << parallel_s
            << ", \"merge_phase_s\": " << merge_s << ", \"remove_phase_s\": " << remove_s
            << ", \"total_s\": " << total_s
            << ", \"merges_per_s\": " << static_cast<double>(agents) / merge_s << "}\n";
  if (keep.empty()) {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  return 0;
}
