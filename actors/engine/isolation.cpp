// The engine's isolated agents (agent_options::isolation "worktree"): the repository
// they share, and their quality gates with the baseline each task is compared with:
// taken at a run's start (or the one recorded last, when it still applies) or recorded
// on demand (record_quality_baseline), journaled as quality.baseline.
#include "actors/engine/engine_impl.hpp"

#include "harness/process_runner.hpp"
#include "persistence/journal_feed.hpp"
#include "quality/snapshot.hpp"
#include "workspace/git.hpp"
#include "workspace/shared_repo.hpp"

#include <swarm/json.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>

namespace swarm {

namespace {

namespace fs = std::filesystem;

// The repository isolated agents share, opened once per engine: an interrupted merge
// finished, what a crash left cleaned, and what was done said.
expected<std::shared_ptr<workspace::shared_repo>>
open_shared_repo(harness::process_runner& runner, const std::string& workdir,
                 const agent_options& a) {
  workspace::shared_repo_options o;
  o.integration = a.integration_branch;
  auto strategy = workspace::parse_merge_strategy(a.merge_strategy);
  if (!strategy)
    return make_error(errc::bad_request, "merge strategy '" + a.merge_strategy +
                                             "' is not one of rebase, merge");
  o.strategy = *strategy;
  o.keep_failed = a.keep_failed;
  workspace::startup_report found;
  auto repo = workspace::shared_repo::open(runner, workdir, o, &found);
  if (!repo) return repo.error();
  const auto& r = found.repaired;
  if (r.had_pending)
    spdlog::info("finished a merge into {} that a crash interrupted ({})",
                 (*repo)->integration(),
                 r.was_published ? "its checkout updated now" : "it had not moved: undone");
  if (!r.note.empty()) spdlog::info("merge record dropped: {}", r.note);
  const auto& c = found.cleaned;
  const size_t cleaned = c.stray_dirs.size() + c.branchless_worktrees.size() +
                         c.merged.size() + c.stale_entries.size();
  if (cleaned > 0 || !r.rebases_aborted.empty())
    spdlog::info("cleaned {} worktree(s) and branch(es) left by an earlier run{}", cleaned,
                 r.rebases_aborted.empty() ? ""
                                           : " (" + std::to_string(r.rebases_aborted.size()) +
                                                 " rebase(s) aborted)");
  if (!found.retired.empty())
    spdlog::info("removed {} kept failed worktree(s) beyond the {} kept",
                 found.retired.size(), a.keep_failed);
  return repo;
}

// The quality gates of isolated agents: the checks, and their baseline taken now on the
// integration branch's tip, in a worktree of its own (the user's checkout may hold
// uncommitted work). Checks that fail there are the baseline, not an error.
expected<std::shared_ptr<const quality::gate_set>>
take_baseline(harness::process_runner& runner, workspace::shared_repo& repo,
              std::vector<quality::check_spec> specs) {
  auto wt = repo.create(runner, "swarm", "quality-baseline");
  if (!wt) return wt.error();
  spdlog::info("quality baseline: running {} check(s) on {} at {}", specs.size(),
               repo.integration(), wt->base.substr(0, 12));
  auto snap = quality::take_snapshot(runner, specs, wt->path.string(), wt->base);
  if (auto removed = repo.finish(runner, *wt, true); !removed)
    spdlog::warn("could not remove the baseline's worktree: {}", removed.error().message);
  if (!snap) return snap.error();
  for (const auto& c : snap->checks)
    spdlog::info("quality baseline: {} {}{}, {} error(s), {} warning(s)", c.name,
                 c.passed ? "passed" : "failed",
                 c.tests ? " (" + std::to_string(c.tests->failed) + " of " +
                               std::to_string(c.tests->total) + " tests failing)"
                         : std::string{},
                 c.errors, c.warnings);
  return std::make_shared<const quality::gate_set>(
      quality::gate_set{std::move(specs), std::move(*snap)});
}

// A baseline as the journal keeps it.
persistence::event baseline_event(const workspace::shared_repo& repo,
                                  const quality::gate_set& gates, std::string by,
                                  bool adopted) {
  persistence::quality_baseline b;
  b.integration = repo.integration();
  b.commit = gates.baseline.commit;
  b.by = std::move(by);
  b.adopted = adopted;
  b.checks.text = boost::json::serialize(boost::json::value_from(gates.specs));
  b.snapshot.text = boost::json::serialize(boost::json::value_from(gates.baseline));
  return persistence::make_event(std::move(b), persistence::now_us());
}

// The gates of the newest recorded baseline when it was taken at `tip` with `specs`
// (then it is what a baseline taken now would find); else null.
std::shared_ptr<const quality::gate_set>
recorded_gates(const persistence::journal_feed& feed, const std::string& tip,
               const std::vector<quality::check_spec>& specs) {
  auto newest = feed.read_kind("quality.baseline", 1);
  if (!newest || newest->empty()) return nullptr;
  boost::json::error_code ec;
  auto body = boost::json::parse(newest->back().body, ec);
  if (ec || !body.is_object()) return nullptr;
  const auto& o = body.as_object();
  const auto* commit = o.if_contains("commit");
  const auto* checks = o.if_contains("checks");
  const auto* snap = o.if_contains("snapshot");
  if (commit == nullptr || !commit->is_string() || commit->get_string() != tip ||
      checks == nullptr || *checks != boost::json::value_from(specs) || snap == nullptr)
    return nullptr;
  auto baseline = from_json<quality::snapshot>(*snap);
  if (!baseline) return nullptr;
  return std::make_shared<const quality::gate_set>(
      quality::gate_set{specs, std::move(*baseline)});
}

} // namespace

expected<std::string> agents_workdir(const agent_options& a) {
  std::error_code ec;
  auto dir = fs::absolute(a.workdir.empty() ? fs::current_path(ec) : fs::path{a.workdir}, ec);
  if (ec || !fs::is_directory(dir, ec))
    return make_error(errc::bad_request,
                      "the agents' working directory '" + dir.string() + "' does not exist");
  return dir.string();
}

expected<std::shared_ptr<workspace::shared_repo>>
engine::impl::shared_repo_for(const std::string& workdir, const agent_options& a) {
  if (!repo) {
    auto opened = open_shared_repo(*runner, workdir, a);
    if (!opened) return opened.error();
    repo = std::move(*opened);
  }
  return repo;
}

expected<std::shared_ptr<const quality::gate_set>>
engine::impl::gates_at_start(workspace::shared_repo& repo,
                             const std::vector<quality_check>& checks) {
  auto specs = quality::specs_of(checks);
  if (!specs) return specs.error();
  auto tip = workspace::resolve_commit(*runner, repo.repo(), "refs/heads/" + repo.integration());
  if (tip) {
    if (auto known = recorded_gates(*feed, *tip, *specs)) {
      spdlog::info("quality baseline: the one recorded for {} at {} (swarm quality baseline)",
                   repo.integration(), tip->substr(0, 12));
      return known;
    }
  }
  auto made = take_baseline(*runner, repo, std::move(*specs));
  if (!made) return made.error();
  if (auto kept = journal({baseline_event(repo, **made, "swarm", false)}); !kept)
    return kept.error();
  return made;
}

expected<journal_entry> engine::record_quality_baseline(const agent_options& a) {
  auto& im = *impl_;
  if (im.opts.inspect_only)
    return make_error(errc::invalid_state, "an engine opened inspect_only records nothing");
  if (a.quality_checks.empty())
    return make_error(errc::bad_request,
                      "no quality checks to run: add [quality.<name>] tables to swarm.toml "
                      "(e.g. [quality.test] with command = \"make test\")");
  auto specs = quality::specs_of(a.quality_checks);
  if (!specs) return specs.error();
  auto workdir = agents_workdir(a);
  if (!workdir) return workdir.error();
  std::lock_guard<std::mutex> one_at_a_time{im.baseline_mtx};
  // Its own runner, which shutdown closes: the request runs on a transport's thread,
  // and the transport is joined before the engine's runner goes.
  auto runner = std::make_shared<harness::process_runner>();
  std::shared_ptr<workspace::shared_repo> repo;
  std::shared_ptr<quality::gate_board> board;
  {
    std::lock_guard<std::mutex> guard{im.mtx};
    if (im.closing)
      return make_error(errc::shutting_down, "the engine is stopping: no baseline now");
    if (!im.runner) im.runner = std::make_shared<harness::process_runner>();
    auto opened = im.shared_repo_for(*workdir, a);
    if (!opened) return opened.error();
    repo = std::move(*opened);
    board = im.quality;
    im.baseline_runner = runner;
  }
  auto taken = [&]() -> expected<std::shared_ptr<const quality::gate_set>> {
    if (!a.integration_branch.empty() && a.integration_branch != repo->integration())
      return make_error(errc::bad_request,
                        "this engine's agents merge into '" + repo->integration() +
                            "': a baseline of '" + a.integration_branch +
                            "' would not be theirs; leave the integration branch out, or "
                            "record it once they stopped");
    return take_baseline(*runner, *repo, std::move(*specs));
  }();
  std::lock_guard<std::mutex> guard{im.mtx};
  im.baseline_runner.reset();
  if (!taken) return taken.error();
  if (im.closing) // its checks were stopped halfway: what they found is no baseline
    return make_error(errc::shutting_down,
                      "the engine stopped while the quality checks ran: no baseline recorded");
  if (auto kept = im.journal({baseline_event(*repo, **taken, "operator", board != nullptr)});
      !kept)
    return kept.error();
  // Committed: from now on the running agents judge with it.
  if (board) board->replace(*taken);
  auto newest = im.feed->read_kind("quality.baseline", 1);
  if (!newest) return newest.error();
  if (newest->empty())
    return make_error(errc::internal, "the baseline was committed but cannot be read back");
  return std::move(newest->back());
}

} // namespace swarm
