#include "cli/git.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fs = std::filesystem;

namespace swarm::cli {

// Runs `git -C DIR ARGS...` as a subprocess, no shell in between, and collects both
// streams. An error only when git could not be started; its exit code is in the result.
expected<git_output> run_git(const std::string& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir});
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    return make_error(errc::io_error,
                      std::string{"cannot run git: "} + std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(out[0]);
    ::close(out[1]);
    return make_error(errc::io_error, std::string{"cannot run git: "} + std::strerror(e));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  pid_t pid = 0;
  const int spawned =
      ::posix_spawnp(&pid, "git", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  if (spawned != 0) {
    ::close(out[0]);
    ::close(err[0]);
    return make_error(errc::io_error, std::string{"cannot run git: "} +
                                          std::strerror(spawned) +
                                          "; the guard needs git on PATH");
  }
  // Both pipes are drained together, so a child filling one cannot stall on it.
  git_output r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  char buf[65536];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const auto n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
      }
    }
  }
  for (auto& p : fds)
    if (p.fd >= 0) ::close(p.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

namespace {

// The single path git printed, without its newline.
std::string path_line(const git_output& r) {
  return first_line(r.out);
}

} // namespace

// `dir` as an absolute path without a trailing slash, for messages.
std::string shown(const std::string& dir) {
  auto p = fs::absolute(dir).lexically_normal();
  if (!p.has_filename() && p != p.root_path()) p = p.parent_path();
  return p.string();
}

// The top-level directory of the work tree holding `dir`.
expected<fs::path> top_level(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return make_error(errc::not_found, "--repo " + dir + " is not a directory");
  auto r = run_git(dir, {"rev-parse", "--show-toplevel"});
  if (!r) return r.error();
  if (r->exit_code != 0 || path_line(*r).empty())
    return make_error(errc::not_found, shown(dir) + " is not in a git work tree (git: " +
                                           first_line(r->err) +
                                           "); run in one or pass --repo DIR");
  return fs::path{path_line(*r)};
}

// The directory git runs hooks from, absolute (core.hooksPath honoured).
expected<fs::path> hooks_dir(const std::string& dir) {
  auto top = top_level(dir);
  if (!top) return top.error();
  auto r = run_git(dir, {"rev-parse", "--git-path", "hooks"});
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

// The staged changes as repository-relative paths; a rename or copy gives both names,
// so a file moved out of a reserved area is caught by its old name.
expected<std::vector<std::string>> staged_paths(const std::string& dir) {
  auto top = top_level(dir);
  if (!top) return top.error();
  // From the top level, so that diff.relative cannot make the names relative to `dir`.
  auto r = run_git(top->string(), {"diff", "--cached", "--name-status", "-z", "-M",
                                   "--no-ext-diff", "--no-color"});
  if (!r) return r.error();
  if (r->exit_code != 0)
    return make_error(errc::io_error, "git diff --cached failed in " + top->string() +
                                          ": " + first_line(r->err));
  // -z records: STATUS NUL PATH NUL, or for R and C: STATUS NUL OLD NUL NEW NUL.
  std::vector<std::string> fields;
  for (size_t at = 0; at < r->out.size();) {
    const auto end = std::min(r->out.find('\0', at), r->out.size());
    fields.push_back(r->out.substr(at, end - at));
    at = end + 1;
  }
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

} // namespace swarm::cli
