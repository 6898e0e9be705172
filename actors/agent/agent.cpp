#include "actors/agent/agent.hpp"

#include "actors/agent/workspace_actor.hpp"

#include "actors/journal_health.hpp"
#include "harness/learnings.hpp"
#include "harness/prompt.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

namespace swarm {

namespace {

namespace fs = std::filesystem;
using persistence::event_kind;
using persistence::now_us;

// Requests to the task queue carry no timer: the queue is a local actor that answers
// every request (a parked claim within its park limit) or dies, and a dead receiver
// fails the request at once. A timer per request costs a trip through CAF's clock
// thread, which the claim benchmark showed to be a third of the throughput.
constexpr auto queue_timeout = caf::infinite;
constexpr auto report_timeout = std::chrono::minutes(1);
// How much of each output stream the adapter judges (its final result object).
constexpr uint64_t judged_tail_bytes = 64 * 1024;

// The attempt in progress.
struct attempt_state {
  task t;
  harness::model_run run;
  int pid = 0; // 0 until the runner says it started
  std::string command_line;
  std::optional<workspace::task_worktree> wt; // isolation "worktree": where it works
};

struct agent_actor_state {
  task_queue_actor queue;
  coordinator_actor coordinator;
  agent_config cfg;
  std::optional<attempt_state> current;
  // Isolation "worktree" (cfg.repo): this agent's workspace actor, and the task whose
  // work is being committed and merged (its claim is renewed meanwhile).
  workspace_actor workspace;
  std::optional<task> merging;
  // The model's pid while one runs, for the exit hook (which outlives the state).
  std::shared_ptr<std::atomic<int>> running_pid = std::make_shared<std::atomic<int>>(0);
  bool stopping = false;
  bool started = false;      // start_atom came: the work loop runs
  bool winding_down = false; // stop_atom came: finish or hand back, claim nothing more
  bool paused = false; // claims paused for an unavailable model (cfg.gate); claim_atom
                       // resumes them
  std::vector<mail_copy> unread; // pushed or fetched, not yet in a prompt
  // The current task's reservations (its declared files), released when it ends.
  std::vector<std::string> reserved;
  std::string reserved_for; // that task's id
  // Run records go to cfg.persistence through journal_health's helpers, which need
  // these two; a failed write stops the agent before its next claim.
  persistence::persistence_actor persistence;
  journal_health health;
  std::string log_name; // "agent <name>"
  static inline const char* name = "agent";
};

using self_ptr = agent_actor::stateful_pointer<agent_actor_state>;

const std::string& name_of(self_ptr self) { return self->state.cfg.profile.name; }

void stop(self_ptr self, const std::string& reason) {
  self->state.stopping = true;
  self->request(self->state.coordinator, report_timeout, stop_atom_v, name_of(self), reason)
    .then([self](bool) { self->quit(); }, [self](caf::error&) { self->quit(); });
}

void tell_state(self_ptr self, agent_state state, const std::string& task_id, int pid) {
  self->send(self->state.coordinator, agent_state_atom_v, name_of(self), state, task_id,
             static_cast<int32_t>(pid));
}

// Fire-and-forget journal write: run records are diagnostics; the task's own events
// (claimed, completed, failed) carry the acknowledged state.
template <class Body>
void journal(self_ptr self, Body body) {
  journal_async(self, self->state.log_name.c_str(),
                {persistence::make_event(std::move(body), now_us())});
}

// The last `max` bytes of a file ("" when it cannot be read).
std::string tail_of(const std::string& path, uint64_t max) {
  std::ifstream in{path, std::ios::binary | std::ios::ate};
  if (!in)
    return {};
  auto size = static_cast<uint64_t>(in.tellg());
  auto start = size > max ? size - max : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string out(size - start, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
  if (!out.flush())
    throw std::runtime_error("cannot write " + path.string());
}

// The failure kinds tasks record (types.hpp): the adapter's "timeout" is a task timeout.
std::string failure_kind(const harness::model_outcome& o) {
  if (o.failure_type == harness::failure::timeout)
    return "task_timeout";
  return o.failure_type.empty() ? std::string{"task_error"} : o.failure_type;
}

void claim_next(self_ptr self);
void report_to_queue(self_ptr self, const task& t, bool success, const std::string& text,
                     const std::string& failure);

// "src/api/x.py: bob holds src/** (edit, exclusive, task sw-1a2b.3) for another 12 min"
std::string conflict_line(const reservation_conflict& c, int64_t now) {
  const auto& r = c.held;
  std::string line = c.path + ": " + r.agent + " holds " + r.pattern + " (" +
                     to_string(r.type) + (r.exclusive ? ", exclusive" : ", shared");
  if (!r.task.empty()) line += ", task " + r.task;
  const int64_t left_s = std::max<int64_t>(0, to_us(r.expires) - now) / 1'000'000;
  line += ") for another " +
          (left_s >= 60 ? std::to_string(left_s / 60) + " min" : std::to_string(left_s) + " s");
  if (!r.reason.empty()) line += " — " + r.reason;
  if (c.holder_stale) line += " (its agent is stale)";
  return line + ". Coordinate with " + r.agent +
         " through `swarm mail send` before editing.";
}

void send_intent(self_ptr self, const char* type, std::string subject,
                 boost::json::object payload) {
  auto& st = self->state;
  if (!st.cfg.mail) return;
  mail_draft d;
  d.type = type;
  d.category = mail_category::info;
  d.from = name_of(self);
  d.broadcast = true;
  d.importance = mail_importance::low;
  d.subject = std::move(subject);
  d.payload = boost::json::serialize(payload);
  self->request(st.cfg.mail, report_timeout, mail_send_atom_v, std::move(d))
      .then([](mail_message&) {},
            [self](caf::error& err) {
              spdlog::warn("agent {}: intent mail not sent: {}", name_of(self),
                           from_caf(err).to_string());
            });
}

// Announces the end of the task's intent and releases its reservations; then `next`.
void release_reserved(self_ptr self, bool success, std::function<void()> next) {
  auto& st = self->state;
  if (st.reserved.empty()) {
    next();
    return;
  }
  release_request req;
  req.agent = name_of(self);
  req.ids = std::move(st.reserved);
  st.reserved.clear();
  send_intent(self, "agent.intent.complete",
              name_of(self) + (success ? " finished " : " stopped working on ") +
                  st.reserved_for,
              boost::json::object{{"task", st.reserved_for},
                                  {"success", success},
                                  {"reservations", persistence::json_strings(req.ids)}});
  self->request(st.cfg.registry, report_timeout, release_atom_v, std::move(req))
      .then([next](std::vector<reservation>&) { next(); },
            [self, next](caf::error& err) {
              spdlog::warn("agent {}: releasing its reservations failed: {}", name_of(self),
                           from_caf(err).to_string());
              next();
            });
}

// The run is stopping: hands the unfinished claim back to the queue (ready again, the
// attempt not counted as a failure), releases its reservations, then stops.
void give_back(self_ptr self, const task& t, const std::string& why) {
  release_reserved(self, false, [self, t, why] {
    task_report r{t.spec.id, name_of(self), t.attempts, why, {}};
    auto done = [self] {
      tell_state(self, agent_state::idle, {}, 0);
      stop(self, "run stopped");
    };
    self->request(self->state.queue, queue_timeout, give_back_atom_v, std::move(r))
        .then([done](task_change&) { done(); },
              [self, done, id = t.spec.id](caf::error& err) {
                // The claim is gone already (lease expired, reassigned): nothing to hand.
                spdlog::warn("agent {}: handing {} back refused: {}", name_of(self), id,
                             from_caf(err).to_string());
                done();
              });
  });
}

// Reports the attempt's outcome to the queue, then goes on with the next task.
void report(self_ptr self, const task& t, bool success, const std::string& text,
            const std::string& failure) {
  release_reserved(self, success, [self, t, success, text, failure] {
    report_to_queue(self, t, success, text, failure);
  });
}

void report_to_queue(self_ptr self, const task& t, bool success, const std::string& text,
                     const std::string& failure) {
  task_report r{t.spec.id, name_of(self), t.attempts, text, success ? "" : failure};
  auto after = [self, success](bool counted) {
    if (counted)
      self->send(self->state.coordinator, complete_atom_v, name_of(self), success);
    tell_state(self, agent_state::idle, {}, 0);
    if (self->state.stopping)
      return;
    claim_next(self); // stops instead when the run is winding down
  };
  auto on_reply = [after](task_change&) { after(true); };
  auto on_error = [self, after, id = t.spec.id](caf::error& err) {
    // Typically the lease expired and the task went to someone else: move on.
    spdlog::warn("agent {}: report on {} refused: {}", name_of(self), id,
                 from_caf(err).to_string());
    after(false);
  };
  if (success)
    self->request(self->state.queue, queue_timeout, complete_atom_v, std::move(r))
      .then(on_reply, on_error);
  else
    self->request(self->state.queue, queue_timeout, fail_atom_v, std::move(r))
      .then(on_reply, on_error);
}

void add_unread(self_ptr self, mail_copy c) {
  auto& unread = self->state.unread;
  for (const auto& u : unread)
    if (u.m.id == c.m.id) return;
  unread.push_back(std::move(c));
}

// The unread mail as prompt lines, oldest first; each copy is marked read (the model
// sees it now). What needs an ack says how to give it.
std::vector<std::string> take_unread_mail(self_ptr self) {
  std::vector<std::string> lines;
  auto& st = self->state;
  if (!st.cfg.mail) return lines;
  constexpr size_t body_excerpt = 600;
  for (const auto& c : st.unread) {
    const auto& m = c.m;
    std::string line = m.id + " from " + m.from;
    std::string tags = to_string(m.category);
    if (m.importance != mail_importance::normal)
      tags += (tags.empty() ? "" : ", ") + std::string{to_string(m.importance)};
    if (!tags.empty()) line += " [" + tags + "]";
    line += ": " + m.subject;
    if (!m.body.empty())
      line += " — " + (m.body.size() > body_excerpt ? m.body.substr(0, body_excerpt) + "…"
                                                     : m.body);
    if (m.ack_required)
      line += " (acknowledge with `swarm mail ack --agent " + name_of(self) + " --message " +
              m.id + "`)";
    lines.push_back(std::move(line));
    self->request(st.cfg.mail, report_timeout, mark_atom_v, name_of(self), m.id, false)
        .then([](mail_copy&) {}, [](caf::error&) {});
  }
  st.unread.clear();
  return lines;
}

// Writes the prompt and starts the model for a freshly claimed task.
void start_attempt(self_ptr self, claim_result& claimed, std::vector<std::string> conflicts);

// Reserves the claimed task's declared files and announces the intent, then starts
// the attempt with what other agents hold in its prompt. Not reserving (no registry,
// no files, a refused path) does not stop the work.
void reserve_then_start(self_ptr self, claim_result claimed) {
  auto& st = self->state;
  const task& t = claimed.t;
  if (!st.cfg.registry || t.spec.files.empty()) {
    start_attempt(self, claimed, {});
    return;
  }
  reserve_request req;
  req.agent = name_of(self);
  req.task = t.spec.id;
  req.patterns = t.spec.files;
  req.ttl = std::chrono::milliseconds{st.cfg.timeout_ms + st.cfg.kill_grace_ms + 60'000};
  req.reason = t.spec.title;
  self->request(st.cfg.registry, report_timeout, reserve_atom_v, std::move(req))
      .then(
          [self, claimed](std::vector<reservation_grant>& grants) mutable {
            auto& st = self->state;
            const task& t = claimed.t;
            st.reserved.clear();
            st.reserved_for = t.spec.id;
            std::vector<std::string> lines;
            const int64_t now = now_us();
            boost::json::array conflicts;
            for (const auto& g : grants) {
              st.reserved.push_back(g.r.id);
              for (const auto& c : g.conflicts) {
                lines.push_back(conflict_line(c, now));
                conflicts.push_back(boost::json::object{
                    {"path", c.path}, {"agent", c.held.agent}, {"pattern", c.held.pattern},
                    {"task", c.held.task}, {"reservation", c.held.id}});
              }
            }
            send_intent(self, "agent.intent.announce",
                        name_of(self) + " starts " + t.spec.id + ": " + t.spec.title,
                        boost::json::object{{"task", t.spec.id},
                                            {"files", persistence::json_strings(t.spec.files)},
                                            {"reservations", persistence::json_strings(st.reserved)},
                                            {"conflicts", std::move(conflicts)}});
            start_attempt(self, claimed, std::move(lines));
          },
          [self, claimed](caf::error& err) mutable {
            spdlog::warn("agent {}: could not reserve the files of {}: {}", name_of(self),
                         claimed.t.spec.id, from_caf(err).to_string());
            start_attempt(self, claimed,
                          {"(the declared files could not be reserved: " +
                           from_caf(err).message + ")"});
          });
}

void launch_attempt(self_ptr self, claim_result& claimed, std::vector<std::string> conflicts,
                    std::vector<std::string> memories);

// "[agent_learning] Run ctest -L slow before pushing (bob, task sw-1a2b.3, mem-12)"
std::string memory_line(const memory_hit& h) {
  const auto& m = h.m;
  std::string line = "[" + m.type + "] " + m.content + " (";
  if (!m.agent.empty()) line += m.agent + ", ";
  if (!m.task.empty()) line += "task " + m.task + ", ";
  return line + m.id + ")";
}

// Recalls the memories most relevant to the task (title, description, files), then
// launches. A memory failure costs the prompt its memories, never the attempt.
void start_attempt(self_ptr self, claim_result& claimed, std::vector<std::string> conflicts) {
  auto& cfg = self->state.cfg;
  if (!cfg.memory || cfg.memory_k == 0) {
    launch_attempt(self, claimed, std::move(conflicts), {});
    return;
  }
  const auto& spec = claimed.t.spec;
  memory_query q;
  q.text = spec.title + "\n" + spec.description;
  for (const auto& f : spec.files)
    q.text += "\n" + f;
  q.k = cfg.memory_k;
  self->request(cfg.memory, report_timeout, recall_atom_v, std::move(q))
    .then(
      [self, claimed, conflicts](std::vector<memory_hit>& hits) mutable {
        std::vector<std::string> lines;
        for (const auto& h : hits)
          lines.push_back(memory_line(h));
        launch_attempt(self, claimed, std::move(conflicts), std::move(lines));
      },
      [self, claimed, conflicts](caf::error& err) mutable {
        spdlog::warn("agent {}: no memories for {}: {}", name_of(self), claimed.t.spec.id,
                     from_caf(err).to_string());
        launch_attempt(self, claimed, std::move(conflicts), {});
      });
}

// Keeps what an attempt taught: its outcome (episodic) and the model's learnings
// (procedural, de-duplicated by the store). Fire and forget: the report does not wait.
void remember_attempt(self_ptr self, const task& t, const harness::model_outcome& outcome,
                      const std::string& failure, const std::string& output) {
  auto& cfg = self->state.cfg;
  if (!cfg.memory) return;
  std::vector<memory_draft> drafts;
  memory_draft episode;
  episode.type = "episodic";
  episode.agent = name_of(self);
  episode.task = t.spec.id;
  episode.tags = {outcome.success ? "completed" : "failed"};
  episode.content = "Task " + t.spec.id + " \"" + t.spec.title + "\" " +
                    (outcome.success ? "completed" : "failed (" + failure + ")") +
                    " by " + name_of(self) + " on attempt " + std::to_string(t.attempts) +
                    ": " + (outcome.success ? outcome.summary : outcome.reason);
  // A failure is worth more to the next attempt than a success.
  episode.importance = outcome.success ? 0.5 : 0.7;
  drafts.push_back(std::move(episode));
  for (auto& l : harness::extract_learnings(output)) {
    memory_draft d;
    d.type = "agent_learning";
    d.agent = name_of(self);
    d.task = t.spec.id;
    d.content = std::move(l);
    d.importance = 0.7;
    drafts.push_back(std::move(d));
  }
  for (auto& d : drafts)
    self->request(cfg.memory, report_timeout, remember_atom_v, std::move(d))
      .then([](memory_added&) {},
            [self, id = t.spec.id](caf::error& err) {
              spdlog::warn("agent {}: could not remember {}: {}", name_of(self), id,
                           from_caf(err).to_string());
            });
}

// The attempt's worktree is over without work to merge: kept for inspection (a failure;
// retention drops the oldest) or removed.
void drop_worktree(self_ptr self, const std::optional<workspace::task_worktree>& wt,
                   bool keep) {
  if (wt) self->send(self->state.workspace, discard_atom_v, *wt, keep);
}

// Where an isolated attempt works: the worktree's own copy of cfg.workdir (its top
// when the agents work at the repository's top, a subdirectory of it otherwise).
std::string workdir_in(const workspace::task_worktree& wt, const agent_config& cfg) {
  const auto rel = fs::path{cfg.workdir}.lexically_relative(cfg.repo->repo());
  if (rel.empty() || rel == "." || *rel.begin() == "..") return wt.path.string();
  return (wt.path / rel).string();
}

// Prompt files, then the model subprocess, working in `wt` when isolated (else in
// cfg.workdir).
void run_model(self_ptr self, claim_result& claimed, std::vector<std::string> conflicts,
               std::vector<std::string> memories,
               std::optional<workspace::task_worktree> wt) {
  auto& cfg = self->state.cfg;
  const task& t = claimed.t;
  if (self->state.winding_down) {
    drop_worktree(self, wt, false);
    give_back(self, t, "the run stopped before the attempt started");
    return;
  }
  const std::string workdir = wt ? workdir_in(*wt, cfg) : cfg.workdir;
  harness::prompt_context ctx;
  ctx.t = t;
  ctx.attempt = t.attempts;
  ctx.agent = name_of(self);
  ctx.workdir = workdir;
  ctx.parents = std::move(claimed.parents);
  ctx.dependencies = std::move(claimed.dependencies);
  ctx.inbox = take_unread_mail(self);
  ctx.reservation_conflicts = std::move(conflicts);
  ctx.memories = std::move(memories);
  ctx.swarm_tools = cfg.adapter->has_swarm_tools();

  harness::model_run run;
  run.agent = name_of(self);
  run.task_id = t.spec.id;
  run.title = t.spec.title;
  run.attempt = t.attempts;
  run.workdir = workdir;
  auto dir = fs::path{cfg.runs_dir} / t.spec.id / std::to_string(t.attempts);
  run.run_dir = dir.string();
  run.prompt_file = (dir / "prompt.md").string();
  try {
    fs::create_directories(dir);
    write_file(dir / "prompt.md", harness::build_prompt(ctx));
    write_file(dir / "task.json", harness::build_task_json(ctx));
  } catch (const std::exception& e) {
    drop_worktree(self, wt, false);
    report(self, t, false, std::string{"cannot write the prompt: "} + e.what(), "spawn_error");
    return;
  }
  auto cmd = cfg.adapter->command(run);
  if (!cmd) {
    drop_worktree(self, wt, false);
    report(self, t, false, cmd.error().message, harness::failure::spawn_error);
    return;
  }
  harness::process_spec spec;
  spec.argv = std::move(cmd->argv);
  spec.env = cfg.env;
  spec.env.insert(spec.env.end(), cmd->env.begin(), cmd->env.end());
  spec.cwd = workdir;
  spec.stdout_path = (dir / "stdout").string();
  spec.stderr_path = (dir / "stderr").string();
  spec.output_cap_bytes = cfg.output_cap_bytes;
  spec.timeout = std::chrono::milliseconds(cfg.timeout_ms);
  spec.kill_grace = std::chrono::milliseconds(cfg.kill_grace_ms);
  spec.stall_timeout = std::chrono::milliseconds(cfg.stall_timeout_ms);
  spec.watch = cfg.adapter->watch();
  std::string command_line;
  for (const auto& a : spec.argv)
    command_line += (command_line.empty() ? "" : " ") + a.substr(0, 200);
  // The runner's I/O thread forks; this thread goes on at once. Both callbacks come
  // back as messages, the start always before the exit.
  auto me = caf::actor_cast<caf::actor>(self);
  cfg.runner->start_async(
    std::move(spec),
    [me](const expected<harness::process_started>& s) {
      if (s)
        caf::anon_send(me, spawned_atom_v, static_cast<int32_t>(s->pid), s->start_ticks,
                       std::string{});
      else
        caf::anon_send(me, spawned_atom_v, int32_t{0}, int64_t{0}, s.error().message);
    },
    [me](const harness::process_result& r) { caf::anon_send(me, run_done_atom_v, r); });
  self->state.current = attempt_state{t, std::move(run), 0, std::move(command_line),
                                     std::move(wt)};
}

// Isolated: the task's worktree first (fresh from the integration tip), then the model
// in it. A task the integration branch already holds a commit of (merged, then a crash
// cut off its completion) completes without a run: work is merged once.
void launch_attempt(self_ptr self, claim_result& claimed, std::vector<std::string> conflicts,
                    std::vector<std::string> memories) {
  auto& st = self->state;
  if (!st.cfg.repo) {
    run_model(self, claimed, std::move(conflicts), std::move(memories), std::nullopt);
    return;
  }
  if (st.winding_down) {
    give_back(self, claimed.t, "the run stopped before the attempt started");
    return;
  }
  self->request(st.workspace, caf::infinite, prepare_atom_v, claimed.t.spec.id)
    .then(
      [self, claimed, conflicts, memories](workspace_ready& ready) mutable {
        if (ready.merged_commit.empty()) {
          run_model(self, claimed, std::move(conflicts), std::move(memories),
                    std::move(ready.wt));
          return;
        }
        report(self, claimed.t, true,
               "already merged into " + self->state.cfg.repo->integration() + " as " +
                   ready.merged_commit.substr(0, 12) +
                   " (a restart came before its completion was recorded); not run again",
               {});
      },
      [self, claimed](caf::error& err) mutable {
        report(self, claimed.t, false,
               "cannot make the attempt's git worktree: " + from_caf(err).message,
               harness::failure::spawn_error);
      });
}

// Isolated and the model succeeded: commit its work, pass the quality gates, merge it
// through the queue, and only then report the task completed. Not merging fails the
// attempt, with what the retry must know as its reason: quality_failure (the report of
// what got worse) or merge_conflict (the files and the tasks that changed them first).
void deliver_then_report(self_ptr self, const task& t, workspace::task_worktree wt,
                         const std::string& summary) {
  auto& st = self->state;
  st.merging = t;
  self->request(st.workspace, caf::infinite, deliver_atom_v, std::move(wt), summary)
    .then(
      [self, t, summary](delivery& d) {
        self->state.merging.reset();
        if (d.checked) {
          d.checked->attempt = t.attempts;
          journal(self, std::move(*d.checked));
        }
        if (!d.merged) {
          report(self, t, false, d.reason, d.failure);
          return;
        }
        const auto& branch = self->state.cfg.repo->integration();
        if (!d.checkout_behind.empty())
          spdlog::warn("{} merged into {}, but the checkout could not follow: {} (the next "
                       "start finishes it)",
                       t.spec.id, branch, d.checkout_behind);
        report(self, t, true,
               summary + " — merged into " + branch + " at " + d.commit.substr(0, 12), {});
      },
      [self, t](caf::error& err) {
        self->state.merging.reset();
        report(self, t, false, "the model's work could not be committed: " +
                                   from_caf(err).message,
               harness::failure::task_error);
      });
}

// The model started (or could not): journal it, or fail the attempt.
void on_spawned(self_ptr self, int32_t pid, int64_t start_ticks, const std::string& error) {
  auto& st = self->state;
  if (!st.current || st.current->pid != 0)
    return;
  if (pid == 0) {
    auto t = std::move(st.current->t);
    drop_worktree(self, st.current->wt, false);
    st.current.reset();
    report(self, t, false, error, harness::failure::spawn_error);
    return;
  }
  auto& cur = *st.current;
  cur.pid = pid;
  st.running_pid->store(pid);
  persistence::model_started started;
  started.task = cur.t.spec.id;
  started.attempt = cur.t.attempts;
  started.agent = name_of(self);
  started.session = st.cfg.profile.session;
  started.pid = pid;
  started.start_ticks = start_ticks;
  started.run_dir = cur.run.run_dir;
  started.command = cur.command_line;
  journal(self, std::move(started));
  tell_state(self, agent_state::busy, cur.t.spec.id, pid);
  if (st.winding_down) st.cfg.runner->terminate(pid); // the stop came while it started
  // Followers hear the work started (queued behind model.started at the journal).
  if (st.cfg.mail)
    caf::anon_send(st.cfg.mail, system_mail_atom_v, std::string{"task.progress"},
                   cur.t.spec.id + " in progress — " + name_of(self) + "'s model runs (pid " +
                       std::to_string(pid) + "): " + cur.t.spec.title,
                   std::string{},
                   boost::json::serialize(boost::json::object{{"task", cur.t.spec.id},
                                                              {"agent", name_of(self)},
                                                              {"attempt", cur.t.attempts},
                                                              {"pid", pid}}));
}

void claim_next(self_ptr self) {
  // The database failed under this agent: more work would go unrecorded.
  if (self->state.health.broken) {
    stop(self, "its run records could not be journaled");
    return;
  }
  if (self->state.winding_down) {
    stop(self, "run stopped");
    return;
  }
  if (self->state.cfg.meter && self->state.cfg.meter->reached()) {
    stop(self, "the run's budget is spent");
    return;
  }
  if (auto& gate = self->state.cfg.gate) {
    auto wait = gate->paused_for(harness::model_gate::clock::now());
    if (wait.count() > 0) {
      self->state.paused = true;
      self->delayed_send(self, wait, claim_atom_v);
      return;
    }
  }
  // No room on the disk: claim nothing (the attempt's files and records need it); the
  // gate said why in the log once.
  if (auto& storage = self->state.cfg.storage; storage && storage->refusal_logged()) {
    self->state.paused = true;
    self->delayed_send(self, std::chrono::seconds{1}, claim_atom_v);
    return;
  }
  claim_request req{name_of(self), true, self->state.cfg.profile.session, true,
                    self->state.cfg.profile.skills};
  self->request(self->state.queue, queue_timeout, claim_atom_v, std::move(req))
    .then(
      [self](claim_result& r) {
        if (r.claimed && self->state.cfg.meter && self->state.cfg.meter->reached())
          give_back(self, r.t, "the run's budget is spent"); // answered before it was
        else if (r.claimed)
          reserve_then_start(self, std::move(r));
        else if (r.drained)
          stop(self, "queue drained");
        else
          claim_next(self); // a parked claim timed out: ask again
      },
      [self](caf::error& err) {
        auto e = from_caf(err);
        spdlog::error("agent {}: claim failed: {}", name_of(self), e.to_string());
        stop(self, "claim failed: " + e.message);
      });
}

// Claims were paused for an unavailable model: try again (claim_next pauses anew while
// the gate stays shut, e.g. another agent of the model failed meanwhile).
void resume_claims(self_ptr self) {
  if (!self->state.paused) return;
  self->state.paused = false;
  if (!self->state.stopping) claim_next(self);
}

// The model's CLI cannot reach its service: the task goes back to the queue uncounted
// (the task is not at fault), the person hears once what to fix, and this model's agents
// claim nothing until the gate's backoff passed. REQUIRES: cfg.gate.
void hand_back_unavailable(self_ptr self, const task& t, const std::string& why) {
  auto& st = self->state;
  auto pause = st.cfg.gate->unavailable(harness::model_gate::clock::now(), why);
  const auto secs = std::chrono::ceil<std::chrono::seconds>(pause.length).count();
  if (pause.tell)
    spdlog::error("{} — the {} model cannot work; its agents claim nothing for {} s "
                  "(then retry, backing off); fix it and the run goes on",
                  why, st.cfg.adapter->name(), secs);
  else
    spdlog::debug("agent {}: {} (claims paused {} s)", name_of(self), why, secs);
  release_reserved(self, false, [self, t, why] {
    task_report r{t.spec.id, name_of(self), t.attempts, why,
                  harness::failure::model_unavailable};
    auto next = [self] {
      tell_state(self, agent_state::idle, {}, 0);
      if (!self->state.stopping) claim_next(self);
    };
    self->request(self->state.queue, queue_timeout, give_back_atom_v, std::move(r))
        .then([next](task_change&) { next(); },
              [self, next, id = t.spec.id](caf::error& err) {
                spdlog::warn("agent {}: handing {} back refused: {}", name_of(self), id,
                             from_caf(err).to_string());
                next();
              });
  });
}

void on_run_done(self_ptr self, const harness::process_result& r) {
  auto& st = self->state;
  if (!st.current || st.current->pid != r.pid)
    return; // not ours any more (cannot happen: one run at a time)
  auto attempt = std::move(*st.current);
  st.current.reset();
  st.running_pid->store(0);
  if (!r.output_error.empty())
    spdlog::warn("agent {}: output of {} not fully kept: {}", name_of(self),
                 attempt.t.spec.id, r.output_error);
  harness::run_exit ex;
  ex.exit_code = r.exit_code;
  ex.signal = r.signal;
  ex.timed_out = r.timed_out;
  ex.stalled = r.stalled;
  ex.unavailable = r.watch_stop;
  auto dir = fs::path{attempt.run.run_dir};
  auto out_tail = tail_of((dir / "stdout").string(), judged_tail_bytes);
  auto outcome = st.cfg.adapter->judge(attempt.run, ex, out_tail,
                                       tail_of((dir / "stderr").string(), judged_tail_bytes));
  const auto kind = outcome.success ? std::string{} : failure_kind(outcome);
  // Stopped under a stopping run: not the model's failure, nothing to learn from.
  const bool interrupted = st.winding_down && !outcome.success;
  const bool unavailable = kind == harness::failure::model_unavailable;
  if (!interrupted && !unavailable) {
    remember_attempt(self, attempt.t, outcome, kind, out_tail);
    if (st.cfg.gate && st.cfg.gate->worked())
      spdlog::info("the {} model works again", st.cfg.adapter->name());
  }
  persistence::model_finished finished;
  finished.task = attempt.t.spec.id;
  finished.attempt = attempt.t.attempts;
  finished.exit_code = r.exit_code;
  finished.signal = r.signal;
  finished.timed_out = r.timed_out ? 1 : 0;
  finished.duration_ms = static_cast<int64_t>(r.duration_s * 1000);
  finished.stdout_bytes = r.stdout_bytes;
  finished.stderr_bytes = r.stderr_bytes;
  finished.stdout_truncated = r.stdout_truncated;
  finished.stderr_truncated = r.stderr_truncated;
  finished.outcome = outcome.success ? "completed" : interrupted ? "interrupted" : kind;
  finished.usage = st.cfg.adapter->usage((dir / "stdout").string());
  if (finished.usage) {
    self->send(st.coordinator, usage_atom_v, name_of(self), *finished.usage);
    // This run spent the budget: no claims from anyone, at once (parked claims are
    // answered drained); the run loop says so.
    if (st.cfg.meter && st.cfg.meter->add(*finished.usage))
      caf::anon_send(st.queue, stop_atom_v);
  }
  journal(self, std::move(finished));
  if (interrupted) {
    drop_worktree(self, attempt.wt, false);
    give_back(self, attempt.t, "the run stopped: " + outcome.reason);
    return;
  }
  if (unavailable && st.cfg.gate) {
    drop_worktree(self, attempt.wt, false);
    hand_back_unavailable(self, attempt.t, outcome.reason);
    return;
  }
  if (attempt.wt && outcome.success) {
    deliver_then_report(self, attempt.t, std::move(*attempt.wt), outcome.summary);
    return;
  }
  drop_worktree(self, attempt.wt, true); // a failure: kept for inspection
  report(self, attempt.t, outcome.success, outcome.success ? outcome.summary : outcome.reason,
         kind);
}

// The run is stopping (stop_atom).
void wind_down(self_ptr self) {
  auto& st = self->state;
  if (st.winding_down) return;
  st.winding_down = true;
  if (!st.started || st.paused) {
    stop(self, "run stopped");
    return;
  }
  if (st.current && st.current->pid != 0) st.cfg.runner->terminate(st.current->pid);
  // Otherwise: a parked claim is answered drained by the stopping queue (claim_next then
  // stops), and a claim still starting is handed back by launch_attempt.
}

// Heartbeat; while a model runs, also renew the claim's lease. A renewal refused means
// the claim was lost (the lease ran out, the agent was declared stale): the model is
// working for nothing, so it is stopped.
void on_tick(self_ptr self) {
  auto& st = self->state;
  caf::anon_send(st.coordinator, heartbeat_atom_v, name_of(self)); // no reply wanted
  // The claim is held while a model runs and while its work merges.
  const bool running = st.current && st.current->pid != 0;
  const task* held = running ? &st.current->t : st.merging ? &*st.merging : nullptr;
  if (held != nullptr) {
    int pid = running ? st.current->pid : 0;
    self->request(st.queue, queue_timeout, renew_atom_v,
                  task_report{held->spec.id, name_of(self), held->attempts, {}, {}})
      .then([](int64_t) {},
            [self, pid, id = held->spec.id](caf::error& err) {
              spdlog::warn("agent {}: lost the claim on {} ({}){}", name_of(self), id,
                           from_caf(err).to_string(), pid != 0 ? "; stopping its model" : "");
              if (pid != 0) self->state.cfg.runner->terminate(pid);
            });
  }
  self->delayed_send(self, std::chrono::microseconds(st.cfg.heartbeat_us), tick_atom_v);
}

agent_actor::behavior_type agent_impl(self_ptr self, task_queue_actor queue,
                                      coordinator_actor coordinator, agent_config cfg) {
  self->state.queue = std::move(queue);
  self->state.coordinator = std::move(coordinator);
  self->state.cfg = std::move(cfg);
  self->state.persistence = self->state.cfg.persistence;
  self->state.log_name = "agent " + name_of(self);
  // However the actor ends, its model does not outlive it.
  self->attach_functor([runner = self->state.cfg.runner, pid = self->state.running_pid] {
    if (int p = pid->load(); p != 0)
      runner->terminate(p);
  });
  if (auto& repo = self->state.cfg.repo) {
    // Linked: it ends with this agent (after the git command it is in, if any).
    self->state.workspace = spawn_workspace(self->system(), repo, self->state.cfg.quality,
                                            self->state.cfg.runner, name_of(self));
    self->link_to(self->state.workspace);
  }
  return {
    [=](start_atom) {
      self->state.started = true;
      if (auto mail = self->state.cfg.mail) {
        // Mail that came before this agent started goes into its first prompt: fetch
        // it before the first claim. Later mail is pushed (the subscription comes
        // first, so nothing falls between; a message both fetched and pushed is kept
        // once).
        self->send(mail, subscribe_atom_v, name_of(self),
                   new_mail_subscriber_actor{self});
        inbox_filter unread;
        unread.state = copy_state::unread;
        unread.limit = 50;
        self->request(mail, report_timeout, inbox_atom_v, name_of(self), unread)
            .then(
                [self](std::vector<mail_copy>& copies) {
                  for (auto it = copies.rbegin(); it != copies.rend(); ++it) // oldest first
                    add_unread(self, std::move(*it));
                  claim_next(self);
                },
                [self](caf::error&) { claim_next(self); });
      } else {
        claim_next(self);
      }
      self->delayed_send(self, std::chrono::microseconds(self->state.cfg.heartbeat_us),
                         tick_atom_v);
    },
    [=](spawned_atom, int32_t pid, int64_t ticks, const std::string& error) {
      on_spawned(self, pid, ticks, error);
    },
    [=](run_done_atom, const harness::process_result& r) { on_run_done(self, r); },
    [=](stop_atom) { wind_down(self); },
    [=](tick_atom) { on_tick(self); },
    [=](claim_atom) { resume_claims(self); },
    [=](new_mail_atom, mail_copy& c) { add_unread(self, std::move(c)); },
  };
}

} // namespace

agent_actor spawn_agent(caf::actor_system& sys, task_queue_actor queue,
                        coordinator_actor coordinator, agent_config cfg) {
  return sys.spawn(agent_impl, std::move(queue), std::move(coordinator), std::move(cfg));
}

} // namespace swarm
