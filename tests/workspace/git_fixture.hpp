#pragma once
// A real git repository in a temp directory for the workspace tests: <tmp>/repo on
// branch main with one commit, no user.name/email configured (swarm's fallback identity
// is what commits), and git run with no global or system configuration. Test thread
// only, one fixture at a time (its constructor sets the process environment before
// its runner starts a thread).

#include "harness/process_runner.hpp"
#include "tests/support/files.hpp"
#include "tests/support/temp_dir.hpp"
#include "workspace/git.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace swarm::test {

namespace fs = std::filesystem;

// Keeps the machine's own git settings and identity out of the tests.
inline void isolate_git_environment() {
  ::setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
  ::setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
  for (const char* v :
       {"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL", "EMAIL", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"})
    ::unsetenv(v);
}

class git_fixture {
public:
  git_fixture()
      : runner_(
            (isolate_git_environment(), std::make_unique<harness::process_runner>())) {
    fs::create_directories(repo_);
    git(repo_, {"init", "-q", "-b", "main"});
    write("README.md", "hello\n");
    write("src/a.txt", "one\ntwo\nthree\n");
    commit_in(repo_, "initial");
  }

  harness::process_runner& runner() { return *runner_; }
  const fs::path& repo() const { return repo_; }
  std::string repo_str() const { return repo_.string(); }
  const temp_dir& tmp() const { return tmp_; }

  // `git ARGS` in `dir`, required to succeed; its stdout.
  std::string git(const fs::path& dir, std::vector<std::string> args,
                  std::vector<std::pair<std::string, std::string>> env = {}) {
    auto r = try_git(dir, std::move(args), std::move(env));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }
  workspace::git_output
  try_git(const fs::path& dir, std::vector<std::string> args,
          std::vector<std::pair<std::string, std::string>> env = {}) {
    args.insert(args.begin(), {"git", "-C", dir.string()});
    harness::process_spec spec;
    spec.argv = std::move(args);
    spec.env = std::move(env);
    auto r = runner_->run(std::move(spec));
    REQUIRE(r.has_value());
    return {r->exit_code, r->stdout_text, r->stderr_text};
  }
  std::string line(const fs::path& dir, std::vector<std::string> args) {
    auto out = git(dir, std::move(args));
    return out.substr(0, out.find('\n'));
  }
  std::string tip(const std::string& branch = "main") {
    return line(repo_, {"rev-parse", "refs/heads/" + branch});
  }

  void write(const std::string& rel, const std::string& text) { spit(repo_ / rel, text); }
  std::string read(const std::string& rel) const { return slurp(repo_ / rel); }

  // Commits everything in `dir` as the user "t" (a commit of the user's, not swarm's).
  std::string commit_in(const fs::path& dir, const std::string& message,
                        std::vector<std::pair<std::string, std::string>> env = {}) {
    git(dir, {"add", "-A"});
    git(dir, {"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", message},
        std::move(env));
    return line(dir, {"rev-parse", "HEAD"});
  }

  // `git status --porcelain` of the user's checkout.
  std::string status() { return git(repo_, {"status", "--porcelain"}); }

private:
  temp_dir tmp_;
  fs::path repo_ = tmp_.path() / "repo";
  std::unique_ptr<harness::process_runner> runner_;
};

} // namespace swarm::test
