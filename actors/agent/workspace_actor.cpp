#include "actors/agent/workspace_actor.hpp"

#include "harness/model_adapter.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <spdlog/spdlog.h>

namespace swarm {

namespace {

struct workspace_state {
  std::shared_ptr<workspace::shared_repo> repo;
  std::shared_ptr<quality::gate_board> gates;
  std::shared_ptr<harness::process_runner> runner;
  std::string agent;
  static inline const char* name = "workspace";
};

using self_ptr = workspace_actor::stateful_pointer<workspace_state>;

caf::error failed(const error& e) {
  return caf::make_error(caf::sec::runtime_error, e.to_string());
}

// Keeps or removes a worktree whose work is over; a failure to is only logged (the next
// start cleans what is left).
void finish(self_ptr self, const workspace::task_worktree& wt, bool remove) {
  auto& st = self->state;
  if (auto done = st.repo->finish(*st.runner, wt, remove); !done)
    spdlog::warn("agent {}: could not {} the worktree {}: {}", st.agent,
                 remove ? "remove" : "keep", wt.path.string(), done.error().message);
}

caf::result<workspace_ready> prepare(self_ptr self, const std::string& task) {
  auto& st = self->state;
  workspace_ready out;
  auto merged = st.repo->merged_commit(*st.runner, task);
  if (!merged) return failed(merged.error());
  out.merged_commit = *merged;
  if (!out.merged_commit.empty()) return out;
  auto wt = st.repo->create(*st.runner, st.agent, task);
  if (!wt) return failed(wt.error());
  out.wt = std::move(*wt);
  return out;
}

// The quality gates on the committed work in `wt`: "" when nothing got worse than the
// baseline, else the report for the retry prompt (checks that could not run count as
// worse: the work is unproven). The snapshot goes into `out` for the journal.
std::string judge(self_ptr self, const workspace::task_worktree& wt,
                  const std::string& commit, delivery& out) {
  auto& st = self->state;
  const auto gates = st.gates ? st.gates->current() : nullptr;
  if (!gates || gates->specs.empty()) return {};
  auto now = quality::take_snapshot(*st.runner, gates->specs, wt.path.string(), commit);
  if (!now) return "the quality checks could not run on this work: " + now.error().message;
  const auto& base = gates->baseline;
  auto worse = quality::compare(base, *now, gates->specs);
  out.checked = quality_record(*now, worse, wt.task, wt.agent);
  if (worse.empty()) return {};
  return "the work made the quality checks worse than the baseline (" +
         st.repo->integration() + " at " + base.commit.substr(0, 12) +
         "), so it was not merged:\n" + quality::report(base, *now, worse);
}

caf::result<delivery> deliver(self_ptr self, const workspace::task_worktree& wt,
                              const std::string& summary) {
  auto& st = self->state;
  auto committed = workspace::commit_task(*st.runner, wt, summary);
  if (!committed) {
    finish(self, wt, false);
    return failed(committed.error());
  }
  delivery out;
  out.files = committed->files;
  if (auto worse = judge(self, wt, committed->commit, out); !worse.empty()) {
    out.failure = harness::failure::quality_failure;
    out.reason = std::move(worse);
    finish(self, wt, false);
    return out;
  }
  auto merged = st.repo->merge(*st.runner, wt);
  if (!merged) {
    // Refused (the user's checkout is in the way) or git failed: not merged, kept.
    out.failure = harness::failure::merge_conflict;
    out.reason = "the work did not merge into " + st.repo->integration() + ": " +
                 merged.error().message;
    finish(self, wt, false);
    return out;
  }
  if (merged->plan.conflict) {
    out.failure = harness::failure::merge_conflict;
    out.reason = merged->plan.conflict->to_error(wt).message;
    finish(self, wt, false);
    return out;
  }
  out.merged = true;
  out.commit = merged->plan.new_tip;
  out.checkout_behind = merged->checkout_behind;
  finish(self, wt, true);
  return out;
}

workspace_actor::behavior_type workspace_impl(self_ptr self,
                                              std::shared_ptr<workspace::shared_repo> repo,
                                              std::shared_ptr<quality::gate_board> gates,
                                              std::shared_ptr<harness::process_runner> runner,
                                              std::string agent) {
  self->state.repo = std::move(repo);
  self->state.gates = std::move(gates);
  self->state.runner = std::move(runner);
  self->state.agent = std::move(agent);
  return {
    [=](prepare_atom, const std::string& task) { return prepare(self, task); },
    [=](deliver_atom, const workspace::task_worktree& wt, const std::string& summary) {
      return deliver(self, wt, summary);
    },
    [=](discard_atom, const workspace::task_worktree& wt, bool keep) {
      finish(self, wt, !keep);
    },
  };
}

} // namespace

persistence::quality_snapshot quality_record(const quality::snapshot& s,
                                             const std::vector<quality::regression>& worse,
                                             std::string task, std::string agent) {
  persistence::quality_snapshot r;
  r.task = std::move(task);
  r.agent = std::move(agent);
  r.commit = s.commit;
  r.regressions = worse.size();
  r.snapshot.text = boost::json::serialize(boost::json::value_from(s));
  r.worse.text = boost::json::serialize(boost::json::value_from(worse));
  return r;
}

workspace_actor spawn_workspace(caf::actor_system& sys,
                                std::shared_ptr<workspace::shared_repo> repo,
                                std::shared_ptr<quality::gate_board> gates,
                                std::shared_ptr<harness::process_runner> runner,
                                std::string agent) {
  return sys.spawn<caf::detached>(workspace_impl, std::move(repo), std::move(gates),
                                  std::move(runner), std::move(agent));
}

} // namespace swarm
