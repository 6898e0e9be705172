#include "workspace/git.hpp"

#include <swarm/engine.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <thread>
#include <utility>

namespace fs = std::filesystem;

namespace swarm::workspace {

namespace {

// Far above any answer the calls here expect (a staged-paths list of a million files
// takes about 50 MiB); past it the answer would be cut, so it is refused.
constexpr uint64_t max_output_bytes = 256 * 1024 * 1024;

// The single path git printed, without its newline.
std::string path_line(const git_output& r) {
  return first_line(r.out);
}

// `dir` as an absolute path without a trailing slash, for messages.
std::string shown(const std::string& dir) {
  auto p = fs::absolute(dir).lexically_normal();
  if (!p.has_filename() && p != p.root_path()) p = p.parent_path();
  return p.string();
}

// Failures that go away when another git process finishes:
// * a lock it holds (lockfile.c: "Unable to create '%s.lock': File exists."; refs:
//   "cannot lock ref ...: Unable to create ...");
// * a worktree it is adding right now, whose admin files are not all written yet: git
//   reads every worktree's (to find where a branch is checked out) without a lock, and
//   dies "failed to read .git/worktrees/<id>/commondir" (seen with 8 threads adding).
bool transient(const git_output& r) {
  if (r.exit_code == 0) return false;
  return r.err.find(".lock': File exists") != std::string::npos ||
         (r.err.find("failed to read ") != std::string::npos &&
          r.err.find("/worktrees/") != std::string::npos);
}

} // namespace

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::string failure_message(const std::string& what, const git_output& r) {
  auto says = first_line(r.err.empty() ? r.out : r.err);
  if (says.empty()) says = "exit " + std::to_string(r.exit_code);
  return what + " (git: " + says + ")";
}

std::vector<std::string> split_fields(std::string_view text, char end_of_field) {
  std::vector<std::string> fields;
  for (size_t at = 0; at < text.size();) {
    const auto end = std::min(text.find(end_of_field, at), text.size());
    fields.emplace_back(text.substr(at, end - at));
    at = end + 1;
  }
  return fields;
}

expected<git_output> run_git_waiting(harness::process_runner& runner,
                                     const std::string& dir,
                                     std::vector<std::string> args) {
  auto pause = std::chrono::milliseconds(2);
  for (int attempt = 0;; ++attempt) {
    auto r = run_git(runner, dir, args);
    if (!r || !transient(*r) || attempt == 10) return r;
    std::this_thread::sleep_for(pause); // 2+4+...+1024 ms: about 2 s in all
    pause *= 2;
  }
}

expected<git_output> run_git(harness::process_runner& runner, const std::string& dir,
                             std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir});
  harness::process_spec spec;
  spec.argv = std::move(args);
  spec.output_cap_bytes = max_output_bytes;
  spec.kill_past_cap = true;
  auto run = runner.run(std::move(spec));
  if (!run) return make_error(errc::io_error, "cannot run git: " + run.error().message);
  if (run->stdout_truncated || run->stderr_truncated)
    return make_error(errc::io_error, "git -C " + dir + " printed more than " +
                                          std::to_string(max_output_bytes >> 20) +
                                          " MiB; stopped it");
  git_output r;
  r.exit_code = run->signal != 0 ? 128 + run->signal : run->exit_code;
  r.out = std::move(run->stdout_text);
  r.err = std::move(run->stderr_text);
  return r;
}

expected<fs::path> top_level(harness::process_runner& runner, const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return make_error(errc::not_found, dir + " is not a directory");
  auto r = run_git(runner, dir, {"rev-parse", "--show-toplevel"});
  if (!r) return r.error();
  if (r->exit_code != 0 || path_line(*r).empty())
    return make_error(errc::not_found, shown(dir) + " is not in a git work tree (git: " +
                                           first_line(r->err) + ")");
  return fs::path{path_line(*r)};
}

expected<std::string> resolve_commit(harness::process_runner& runner,
                                     const std::string& dir, const std::string& rev) {
  auto r =
      run_git(runner, dir,
              {"rev-parse", "--verify", "-q", "--end-of-options", rev + "^{commit}"});
  if (!r) return r.error();
  if (r->exit_code != 0 || path_line(*r).empty())
    return make_error(errc::not_found, "no commit '" + rev + "' in " + shown(dir));
  return path_line(*r);
}

expected<fs::path> common_dir(harness::process_runner& runner, const std::string& dir) {
  auto top = top_level(runner, dir);
  if (!top) return top.error();
  auto r = run_git(runner, dir, {"rev-parse", "--git-common-dir"});
  if (!r) return r.error();
  if (r->exit_code != 0 || path_line(*r).empty())
    return make_error(errc::io_error, "cannot find the git directory of " +
                                          top->string() + " (git: " + first_line(r->err) +
                                          ")");
  fs::path common{path_line(*r)};
  if (common.is_relative()) common = fs::absolute(dir) / common;
  return common.lexically_normal();
}

expected<fs::path> hooks_dir(harness::process_runner& runner, const std::string& dir) {
  auto top = top_level(runner, dir);
  if (!top) return top.error();
  auto r = run_git(runner, dir, {"rev-parse", "--git-path", "hooks"});
  if (!r) return r.error();
  if (r->exit_code != 0 || path_line(*r).empty())
    return make_error(errc::io_error, "cannot find the hooks directory of " +
                                          top->string() + " (git: " + first_line(r->err) +
                                          ")");
  // A relative answer is relative to where git ran: `dir`.
  fs::path hooks{path_line(*r)};
  if (hooks.is_relative()) hooks = fs::absolute(dir) / hooks;
  return hooks.lexically_normal();
}

expected<std::vector<std::string>> staged_paths(harness::process_runner& runner,
                                                const std::string& dir) {
  auto top = top_level(runner, dir);
  if (!top) return top.error();
  // From the top level, so that diff.relative cannot make the names relative to `dir`.
  auto r = run_git(
      runner, top->string(),
      {"diff", "--cached", "--name-status", "-z", "-M", "--no-ext-diff", "--no-color"});
  if (!r) return r.error();
  if (r->exit_code != 0)
    return make_error(errc::io_error, "git diff --cached failed in " + top->string() +
                                          ": " + first_line(r->err));
  // -z records: STATUS NUL PATH NUL, or for R and C: STATUS NUL OLD NUL NEW NUL.
  const auto fields = split_fields(r->out);
  std::vector<std::string> paths;
  for (size_t i = 0; i < fields.size();) {
    const auto& status = fields[i++];
    const size_t names =
        !status.empty() && (status[0] == 'R' || status[0] == 'C') ? 2 : 1;
    for (size_t n = 0; n < names && i < fields.size(); ++n)
      paths.push_back(fields[i++]);
  }
  return paths;
}

} // namespace swarm::workspace

// ---- the public face (include/swarm/engine.hpp): a runner for the call, then the above

namespace swarm {

namespace {

// Runs `call` with a process runner of its own; the runner's setup can throw
// (no descriptors left), and no exception may cross the public API.
template <class Call>
auto with_runner(Call call) -> decltype(call(std::declval<harness::process_runner&>())) {
  try {
    harness::process_runner runner;
    return call(runner);
  } catch (const std::exception& e) {
    return make_error(errc::io_error, std::string("cannot run git: ") + e.what());
  }
}

} // namespace

expected<std::string> git_hooks_dir(const std::string& dir) {
  return with_runner([&](harness::process_runner& runner) -> expected<std::string> {
    auto hooks = workspace::hooks_dir(runner, dir);
    if (!hooks) return hooks.error();
    return hooks->string();
  });
}

expected<std::vector<std::string>> git_staged_paths(const std::string& dir) {
  return with_runner([&](harness::process_runner& runner) {
    return workspace::staged_paths(runner, dir);
  });
}

} // namespace swarm
