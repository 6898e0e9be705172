#pragma once
// A git repository in a temp directory for the end-to-end tests, with git and swarm
// children run in it under a controlled environment: no GIT_* or SWARM_* variable of
// the machine running the tests, a HOME inside the temp directory and
// GIT_CONFIG_NOSYSTEM=1, so no user or system setting changes what git or swarm does.
// Used from the test thread only.

#include "tests/e2e/e2e_support.hpp"

namespace e2e {

inline std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs{path != nullptr ? path : "/usr/bin:/bin"};
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = fs::path{dir.empty() ? "." : dir} / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  FAIL(name << " is not on PATH");
  return {};
}

// A git repository in a fresh temp directory (the directory is the work tree, and
// the swarm's database goes to its .swarm/swarm.db), plus children run in it. With
// `init` false, a plain directory run the same way.
class git_repo {
public:
  explicit git_repo(bool init = true) {
    fs::create_directories(dir_ / "home");
    for (auto& kv : clean_environment())
      if (kv.rfind("GIT_", 0) != 0 && kv.rfind("HOME=", 0) != 0 &&
          kv.rfind("XDG_CONFIG_HOME=", 0) != 0)
        env_.push_back(std::move(kv));
    for (const auto& kv :
         {"HOME=" + (dir_ / "home").string(),
          "XDG_CONFIG_HOME=" + (dir_ / "home" / ".config").string(),
          std::string{"GIT_CONFIG_NOSYSTEM=1"}, std::string{"GIT_AUTHOR_NAME=t"},
          std::string{"GIT_AUTHOR_EMAIL=t@t"}, std::string{"GIT_COMMITTER_NAME=t"},
          std::string{"GIT_COMMITTER_EMAIL=t@t"}})
      env_.push_back(kv);
    if (init) require_ok(git({"init", "-q", "-b", "main"}));
  }

  const temp_dir& dir() const { return dir_; }
  fs::path operator/(const std::string& rel) const { return dir_ / rel; }

  // Runs ARGV (argv[0] an absolute path) in `cwd` with the repository's environment
  // plus `extra` (KEY=VALUE, overriding).
  outcome run(const fs::path& cwd, std::vector<std::string> argv,
              const std::vector<std::string>& extra = {},
              std::chrono::milliseconds timeout = 60s) {
    static int counter = 0;
    auto logs = dir_ / ".e2e-logs";
    fs::create_directories(logs);
    auto n = std::to_string(++counter);
    const auto out_path = logs / ("guard-out-" + n + ".txt");
    const auto err_path = logs / ("guard-err-" + n + ".txt");
    outcome o;
    for (const auto& e : extra)
      o.command += e + " ";
    for (const auto& a : argv)
      o.command += (&a == &argv.front() ? "" : " ") + a;
    std::vector<std::string> env;
    for (const auto& kv : env_) {
      auto key = kv.substr(0, kv.find('=') + 1);
      bool overridden = std::any_of(extra.begin(), extra.end(),
                                    [&](const auto& x) { return x.rfind(key, 0) == 0; });
      if (!overridden) env.push_back(kv);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    std::vector<char*> args, envp;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    for (auto& e : env)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    // Everything is prepared before fork: after it, only async-signal-safe calls.
    const std::string wd = cwd.string(), out = out_path.string(), err = err_path.string();
    pid_t pid = ::fork();
    if (pid < 0) FAIL("fork failed: " << std::strerror(errno));
    if (pid == 0) {
      ::setpgid(0, 0);
      int fo = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int fe = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int in = ::open("/dev/null", O_RDONLY);
      if (fo < 0 || fe < 0 || in < 0 || ::chdir(wd.c_str()) != 0) ::_exit(127);
      ::dup2(in, 0);
      ::dup2(fo, 1);
      ::dup2(fe, 2);
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    int status = 0;
    const bool exited =
        poll_until(timeout, [&] { return ::waitpid(pid, &status, WNOHANG) == pid; });
    if (!exited) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    if (WIFEXITED(status))
      o.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
      o.signal = WTERMSIG(status);
    o.out = read_text(out_path);
    o.err = read_text(err_path);
    if (!exited) FAIL("timed out after " << timeout.count() << " ms: " << o);
    return o;
  }

  outcome git(std::vector<std::string> args, const std::vector<std::string>& extra = {}) {
    static const std::string git_binary = find_on_path("git");
    args.insert(args.begin(), git_binary);
    return run(dir_.path(), std::move(args), extra);
  }

  outcome swarm(std::vector<std::string> args,
                const std::vector<std::string>& extra = {}) {
    args.insert(args.begin(), binary());
    return run(dir_.path(), std::move(args), extra);
  }

  // `swarm ARGS --json`, required to succeed; its parsed output.
  json::value swarm_json(std::vector<std::string> args,
                         const std::vector<std::string>& extra = {}) {
    args.push_back("--json");
    auto r = swarm(std::move(args), extra);
    INFO(r);
    REQUIRE(r.exit_code == 0);
    return parse_json(r.out);
  }

  static void require_ok(const outcome& r) {
    INFO(r);
    REQUIRE(r.exit_code == 0);
  }

  // Writes `rel` (creating its directories) and stages it.
  void stage(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    write_text(dir_ / rel, text);
    require_ok(git({"add", "--", rel}));
  }

  // `git commit` as `agent` (SWARM_AGENT), with `extra` environment besides.
  outcome commit_as(const std::string& agent, const std::string& message,
                    std::vector<std::string> extra = {}) {
    extra.push_back("SWARM_AGENT=" + agent);
    return git({"commit", "-q", "-m", message}, extra);
  }

  std::string head() {
    auto r = git({"rev-parse", "HEAD"});
    require_ok(r);
    return r.out;
  }

private:
  temp_dir dir_;
  std::vector<std::string> env_;
};

} // namespace e2e
