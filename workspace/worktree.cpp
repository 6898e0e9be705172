#include "workspace/worktree.hpp"

#include "src/hash.hpp"
#include "workspace/git.hpp"

#include <cstdio>
#include <fstream>
#include <mutex>
#include <system_error>

namespace fs = std::filesystem;

namespace swarm::workspace {

namespace {

constexpr size_t max_name_bytes = 200;

bool ref_safe_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// Made of ref-safe bytes and none of git's forbidden shapes.
bool acceptable_as_is(std::string_view name) {
  for (char c : name)
    if (!ref_safe_byte(c)) return false;
  return name.front() != '.' && name.front() != '-' && name.back() != '.' &&
         name.find("..") == std::string_view::npos && !ends_with(name, ".lock");
}

// One line for a trailer or subject: control bytes become spaces.
std::string one_line(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return out;
}

// Adds "/.swarm/" to the repository's info/exclude unless git ignores `root` already.
// Threads creating worktrees at once may both append: a repeated line is harmless, and
// the mutex keeps this process's appends whole.
expected<void> exclude_root(harness::process_runner& runner, const fs::path& top,
                            const fs::path& root) {
  auto rel = root.lexically_relative(top);
  if (rel.empty() || *rel.begin() != ".swarm") return {}; // a root the caller chose
  auto ignored = run_git(runner, top.string(), {"check-ignore", "-q", "--", ".swarm/"});
  if (!ignored) return ignored.error();
  if (ignored->exit_code == 0) return {};
  auto common = common_dir(runner, top.string());
  if (!common) return common.error();
  static std::mutex appending;
  std::lock_guard lock{appending};
  std::error_code ec;
  fs::create_directories(*common / "info", ec);
  std::ofstream out(*common / "info" / "exclude", std::ios::app);
  out << "\n# swarm's state and task worktrees\n/.swarm/\n";
  if (!out.flush())
    return make_error(errc::io_error, "cannot append /.swarm/ to " +
                                          (*common / "info" / "exclude").string());
  return {};
}

// The worktree at `path`: git's entry and the directory, or a directory git does not
// know; then the agent's directory above it when that is left empty.
expected<void> remove_tree(harness::process_runner& runner, const std::string& repo,
                           const fs::path& path) {
  auto trees = list_worktrees(runner, repo);
  if (!trees) return trees.error();
  std::error_code ec;
  const auto target = fs::weakly_canonical(path, ec);
  for (const auto& t : *trees) {
    if (t.bare || fs::weakly_canonical(t.path, ec) != target) continue;
    // Twice forced: also when locked or holding changes. Without its directory only
    // git's entry is left, which prune removes.
    const bool present = fs::is_directory(path, ec);
    auto rm = run_git_waiting(runner, repo,
                              present ? std::vector<std::string>{"worktree", "remove",
                                                                 "--force", "--force",
                                                                 path.string()}
                                      : std::vector<std::string>{"worktree", "prune"});
    if (!rm) return rm.error();
    if (rm->exit_code != 0)
      return make_error(
          errc::io_error,
          failure_message("cannot remove the worktree " + path.string(), *rm));
  }
  if (fs::exists(path, ec)) fs::remove_all(path, ec);
  if (ec)
    return make_error(errc::io_error,
                      "cannot remove " + path.string() + ": " + ec.message());
  fs::remove(path.parent_path(), ec); // fails, as it should, while not empty
  return {};
}

} // namespace

std::string task_commit_message(std::string_view what, std::string_view task,
                                std::string_view agent, const std::string& body) {
  std::string message =
      "swarm: " + std::string{what} + " " + one_line(task) + " by " + one_line(agent);
  if (!body.empty()) message += "\n\n" + body;
  return message + "\n\nSwarm-Task: " + one_line(task) +
         "\nSwarm-Agent: " + one_line(agent) + "\n";
}

expected<std::string> ref_component(std::string_view raw, std::string_view field) {
  if (raw.empty())
    return make_error(errc::bad_request, std::string{field} +
                                             " name is empty: name the " +
                                             std::string{field});
  if (raw.size() > max_name_bytes)
    return make_error(errc::bad_request,
                      std::string{field} + " name is " + std::to_string(raw.size()) +
                          " bytes long; use at most " + std::to_string(max_name_bytes));
  if (acceptable_as_is(raw)) return std::string{raw};
  std::string s;
  for (char c : raw)
    s += ref_safe_byte(c) ? c : '-';
  for (size_t at; (at = s.find("..")) != std::string::npos;)
    s.erase(at, 1);
  for (bool changed = true; changed && !s.empty();) {
    changed = false;
    if (s.front() == '.' || s.front() == '-')
      s.erase(0, 1), changed = true;
    else if (s.back() == '.')
      s.pop_back(), changed = true;
    else if (ends_with(s, ".lock"))
      s.resize(s.size() - 5), changed = true;
  }
  if (s.size() > 64) s.resize(64);
  while (!s.empty() && s.back() == '.')
    s.pop_back(); // the cut may end on a '.'
  char hash[9];
  std::snprintf(hash, sizeof hash, "%08x", static_cast<unsigned>(fnv1a_32(raw)));
  return s.empty() ? std::string{hash} : s + "-" + hash;
}

expected<std::string> task_branch(std::string_view agent, std::string_view task) {
  auto a = ref_component(agent, "agent");
  if (!a) return a.error();
  auto t = ref_component(task, "task");
  if (!t) return t.error();
  return "swarm/" + *a + "/" + *t;
}

expected<std::string> current_branch(harness::process_runner& runner,
                                     const std::string& dir) {
  auto top = top_level(runner, dir);
  if (!top) return top.error();
  auto r = run_git(runner, dir, {"symbolic-ref", "-q", "--short", "HEAD"});
  if (!r) return r.error();
  if (r->exit_code != 0 || first_line(r->out).empty())
    return make_error(errc::invalid_state,
                      top->string() + " has a detached HEAD: check out the integration "
                                      "branch or name it (--integration-branch)");
  return first_line(r->out);
}

expected<std::vector<git_worktree>> list_worktrees(harness::process_runner& runner,
                                                   const std::string& dir) {
  auto r = run_git_waiting(runner, dir, {"worktree", "list", "--porcelain", "-z"});
  if (!r) return r.error();
  if (r->exit_code != 0)
    return make_error(errc::io_error,
                      failure_message("cannot list the worktrees of " + dir, *r));
  // Records of "key value" fields, each ended by NUL; an empty field ends a worktree.
  std::vector<git_worktree> out;
  for (const auto& field : split_fields(r->out)) {
    auto space = field.find(' ');
    auto key = field.substr(0, space);
    auto value = space == std::string::npos ? std::string{} : field.substr(space + 1);
    if (key == "worktree")
      out.push_back({fs::path{value}, {}, {}, false, false});
    else if (out.empty())
      continue;
    else if (key == "HEAD")
      out.back().head = value;
    else if (key == "branch")
      out.back().branch = value;
    else if (key == "bare")
      out.back().bare = true;
    else if (key == "prunable")
      out.back().prunable = true;
  }
  return out;
}

expected<std::vector<std::string>> identity_args(harness::process_runner& runner,
                                                 const std::string& dir,
                                                 const identity& fallback) {
  auto r = run_git(runner, dir, {"config", "--get-regexp", "^user\\.(name|email)$"});
  if (!r) return r.error();
  bool name = false, email = false; // exit 1 with no output: neither is set
  for (const auto& line : split_fields(r->out, '\n')) {
    if (line.rfind("user.name ", 0) == 0 && line.size() > 10) name = true;
    if (line.rfind("user.email ", 0) == 0 && line.size() > 11) email = true;
  }
  std::vector<std::string> args;
  if (!name) args.insert(args.end(), {"-c", "user.name=" + fallback.name});
  if (!email) args.insert(args.end(), {"-c", "user.email=" + fallback.email});
  return args;
}

expected<task_worktree> create_worktree(harness::process_runner& runner,
                                        const std::string& repo, std::string_view agent,
                                        std::string_view task,
                                        const worktree_options& options) {
  auto branch = task_branch(agent, task);
  if (!branch) return branch.error();
  auto top = top_level(runner, repo);
  if (!top) return top.error();
  task_worktree wt;
  wt.agent = agent;
  wt.task = task;
  wt.branch = *branch;
  wt.repo = *top;
  if (options.integration.empty()) {
    auto current = current_branch(runner, top->string());
    if (!current) return current.error();
    wt.integration = *current;
  } else {
    wt.integration = options.integration;
  }
  auto tip = resolve_commit(runner, top->string(), "refs/heads/" + wt.integration);
  if (!tip)
    return make_error(tip.error().code, "no integration branch '" + wt.integration +
                                            "' in " + top->string() +
                                            ": name an existing branch");
  wt.base = *tip;
  const fs::path root = options.root.empty()
                            ? *top / ".swarm" / "worktrees"
                            : fs::absolute(options.root).lexically_normal();
  // The branch's components, already ref-safe, are safe as path components too.
  const auto agent_dir = wt.branch.substr(6, wt.branch.find('/', 6) - 6);
  wt.path = root / agent_dir / wt.branch.substr(wt.branch.rfind('/') + 1);
  if (auto ex = exclude_root(runner, *top, root); !ex) return ex.error();

  // A retry recreates: whatever an earlier attempt left goes first.
  if (auto gone = remove_worktree(runner, top->string(), wt.path, {}); !gone)
    return gone.error();
  std::error_code ec;
  fs::create_directories(wt.path.parent_path(), ec);
  if (ec)
    return make_error(errc::io_error, "cannot create " + wt.path.parent_path().string() +
                                          ": " + ec.message());
  auto add = run_git_waiting(runner, top->string(),
                             {"-c", "gc.auto=0", "worktree", "add", "-q", "-B", wt.branch,
                              wt.path.string(), wt.base});
  if (!add) return add.error();
  if (add->exit_code != 0) {
    (void)remove_worktree(runner, top->string(), wt.path, {}); // leave nothing half made
    return make_error(errc::io_error,
                      failure_message("cannot create the worktree " + wt.path.string() +
                                          " on branch " + wt.branch,
                                      *add));
  }
  return wt;
}

expected<commit_result> commit_task(harness::process_runner& runner,
                                    const task_worktree& wt, const std::string& summary,
                                    const identity& fallback) {
  const auto dir = wt.path.string();
  // The whole tree; .swarm/ is unstaged below. (An exclude pathspec would not do: git
  // add fails on it when .swarm/ is ignored and yet in the index.)
  auto add = run_git_waiting(runner, dir, {"add", "-A"});
  if (!add) return add.error();
  if (add->exit_code != 0)
    return make_error(errc::io_error,
                      failure_message("git add -A failed in " + dir, *add));
  auto staged =
      run_git(runner, dir, {"diff", "--cached", "--name-only", "-z", "--no-renames"});
  if (!staged) return staged.error();
  if (staged->exit_code != 0)
    return make_error(
        errc::io_error,
        failure_message("cannot list the staged changes in " + dir, *staged));
  commit_result result;
  bool swarm_staged = false; // staged by the model itself, before us
  for (auto& path : split_fields(staged->out)) {
    if (path == ".swarm" || path.rfind(".swarm/", 0) == 0)
      swarm_staged = true;
    else
      result.files.push_back(std::move(path));
  }
  if (swarm_staged) {
    auto reset = run_git_waiting(runner, dir, {"reset", "-q", "--", ":(top).swarm"});
    if (!reset) return reset.error();
    if (reset->exit_code != 0)
      return make_error(errc::io_error,
                        failure_message("cannot unstage .swarm/ in " + dir, *reset));
  }
  if (!result.files.empty()) {
    auto who = identity_args(runner, dir, fallback);
    if (!who) return who.error();
    const auto message = task_commit_message("task", wt.task, wt.agent, summary);
    auto args = std::move(*who);
    args.insert(args.end(), {"-c", "gc.auto=0", "commit", "-q", "--no-verify",
                             "--no-gpg-sign", "--cleanup=verbatim", "-m", message});
    auto commit = run_git_waiting(runner, dir, std::move(args));
    if (!commit) return commit.error();
    if (commit->exit_code != 0)
      return make_error(errc::io_error,
                        failure_message("cannot commit in " + dir, *commit));
    result.committed = true;
  }
  auto head = resolve_commit(runner, dir, "HEAD");
  if (!head) return head.error();
  result.commit = *head;
  return result;
}

expected<void> remove_worktree(harness::process_runner& runner, const std::string& repo,
                               const fs::path& path, const std::string& branch) {
  if (!path.empty())
    if (auto gone = remove_tree(runner, repo, path); !gone) return gone.error();
  if (branch.empty()) return {};
  auto exists = resolve_commit(runner, repo, "refs/heads/" + branch);
  if (!exists && exists.error().code == errc::not_found) return {}; // gone already
  if (!exists) return exists.error();
  auto del = run_git_waiting(runner, repo, {"branch", "-q", "-D", "--", branch});
  if (!del) return del.error();
  if (del->exit_code != 0)
    return make_error(errc::io_error,
                      failure_message("cannot delete the branch " + branch, *del));
  return {};
}

} // namespace swarm::workspace
