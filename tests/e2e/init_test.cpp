// `swarm init` and swarm.toml, through the built binary: what init makes, the hook in a
// repository, the refusal to overwrite, and a config that changes what `swarm run`
// does — under SWARM_* variables and flags that win over it.

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/git_repo.hpp"

#include <sys/stat.h>

namespace {

using namespace e2e;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void require_exit(const outcome& r, int code) {
  INFO(r);
  REQUIRE(r.exit_code == code);
}

// The file init wrote, with `from` replaced by `to` (which must be there).
void edit_config(git_repo& repo, const std::string& from, const std::string& to) {
  auto text = read_text(repo / "swarm.toml");
  auto at = text.find(from);
  INFO("swarm.toml:\n" << text);
  REQUIRE(at != std::string::npos);
  write_text(repo / "swarm.toml", text.replace(at, from.size(), to));
}

// A project made by init whose agents work fast, with the small plan beside it.
void set_up_project(git_repo& repo, const std::string& agents_line) {
  require_exit(repo.swarm({"init"}), 0);
  edit_config(repo, "agents = 4", agents_line);
  edit_config(repo, "work_ms = \"20-120\"", "work_ms = \"1-5\"");
  write_text(repo / "plan.md", small_plan);
}

size_t agents_of_run(git_repo& repo, std::vector<std::string> args,
                     const std::vector<std::string>& env = {}) {
  args.insert(args.begin(), {"run", "plan.md"});
  args.push_back("--json");
  auto r = repo.swarm(args, env);
  INFO(r);
  REQUIRE(r.exit_code == 0);
  return parse_json(r.out).at("agents").as_array().size();
}

} // namespace

TEST_CASE("swarm init outside git makes .swarm 0700 and swarm.toml, and skips the hook",
          "[e2e][init]") {
  git_repo dir{false};
  auto r = dir.swarm({"init"});
  require_exit(r, 0);
  CHECK(mode_of(dir / ".swarm") == 0700);
  const auto text = read_text(dir / "swarm.toml");
  for (const char* key :
       {"[engine]", "db = \".swarm/swarm.db\"", "[run]", "agents = 4", "model = \"mock\"",
        "strategy = \"best-fit\"", "heartbeat = \"30s\"", "[serve]",
        "listen = \"127.0.0.1:7420\""})
    CHECK(text.find(key) != std::string::npos);
  CHECK(r.out.find("skipped the git pre-commit hook") != std::string::npos);
  CHECK(r.out.find("swarm serve --agents 4") != std::string::npos);
  CHECK(r.out.find("swarm load plan.md") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / ".git"));
  // The file it wrote is read back by every command.
  write_text(dir / "plan.md", small_plan);
  require_exit(dir.swarm({"load", "plan.md"}), 0);
}

TEST_CASE("swarm init --json names what it made, and in a repository it installs the hook",
          "[e2e][init]") {
  git_repo repo;
  auto v = repo.swarm_json({"init"});
  const auto root = fs::canonical(repo.dir().path());
  CHECK(str_at(v, "id") == (root / "swarm.toml").string());
  CHECK(str_at(v, "config") == (root / "swarm.toml").string());
  CHECK(str_at(v, "dir") == (root / ".swarm").string());
  CHECK(str_at(v, "hook") == (root / ".git/hooks/pre-commit").string());
  CHECK(v.at("next").as_array().size() == 3);
  const auto hook = read_text(repo / ".git/hooks/pre-commit");
  CHECK(hook.find("# installed by swarm hook install") != std::string::npos);
  CHECK(hook.find((root / ".swarm/swarm.db").string()) != std::string::npos);
}

TEST_CASE("swarm init --json outside git reports no hook", "[e2e][init]") {
  git_repo dir{false};
  auto v = dir.swarm_json({"init", "--dir", "project"});
  CHECK(v.at("hook").is_null());
  CHECK(fs::exists(dir / "project/swarm.toml"));
  CHECK(mode_of(dir / "project/.swarm") == 0700);
}

TEST_CASE(
    "swarm init never overwrites swarm.toml without --force, and fixes .swarm's mode",
    "[e2e][init]") {
  git_repo dir{false};
  require_exit(dir.swarm({"init"}), 0);
  write_text(dir / "swarm.toml", "# mine\n");
  auto again = dir.swarm({"init"});
  require_exit(again, 1);
  CHECK(again.err.find("--force") != std::string::npos);
  CHECK(std::count(again.err.begin(), again.err.end(), '\n') == 1);
  CHECK(read_text(dir / "swarm.toml") == "# mine\n");

  fs::permissions(dir / ".swarm", fs::perms::owner_all | fs::perms::group_read |
                                      fs::perms::group_exec | fs::perms::others_read |
                                      fs::perms::others_exec);
  require_exit(dir.swarm({"init", "--force"}), 0);
  CHECK(read_text(dir / "swarm.toml").find("agents = 4") != std::string::npos);
  CHECK(mode_of(dir / ".swarm") == 0700);
}

TEST_CASE(
    "swarm.toml sets run's agents, SWARM_AGENTS wins over it and --agents over both",
    "[e2e][init]") {
  SECTION("the file") {
    git_repo repo{false};
    set_up_project(repo, "agents = 2");
    CHECK(agents_of_run(repo, {}) == 2);
    // The run's agents stay in the database: `swarm agents` sees the same two.
    auto v = repo.swarm_json({"agents"});
    CHECK(v.at("agents").as_array().size() == 2);
  }
  SECTION("the variable over the file") {
    git_repo repo{false};
    set_up_project(repo, "agents = 2");
    CHECK(agents_of_run(repo, {}, {"SWARM_AGENTS=3"}) == 3);
  }
  SECTION("the flag over both") {
    git_repo repo{false};
    set_up_project(repo, "agents = 2");
    CHECK(agents_of_run(repo, {"--agents", "1"}, {"SWARM_AGENTS=3"}) == 1);
  }
}

TEST_CASE("swarm.toml's db is where every command looks", "[e2e][init]") {
  git_repo repo{false};
  set_up_project(repo, "agents = 2");
  edit_config(repo, "db = \".swarm/swarm.db\"", "db = \"state/work.db\"");
  fs::create_directories(repo / "state");
  require_exit(repo.swarm({"load", "plan.md"}), 0);
  CHECK(fs::exists(repo / "state/work.db"));
  CHECK_FALSE(fs::exists(repo / ".swarm/swarm.db"));
  auto status = repo.swarm_json({"status"});
  CHECK(task_counts(status).total == 7);
}

TEST_CASE("a bad swarm.toml is refused with exit 2 and its line", "[e2e][init]") {
  git_repo repo{false};
  require_exit(repo.swarm({"init"}), 0);
  edit_config(repo, "agents = 4", "agnets = 4");
  const auto text = read_text(repo / "swarm.toml");
  const auto line =
      std::count(text.begin(), text.begin() + text.find("agnets"), '\n') + 1;
  for (auto args :
       {std::vector<std::string>{"status"}, std::vector<std::string>{"run", "plan.md"}}) {
    auto r = repo.swarm(args);
    require_exit(r, 2);
    CHECK(r.err.rfind("swarm.toml:" + std::to_string(line) +
                          ": unknown key 'agnets' in [run] — write one of agents, ",
                      0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  // init itself still works, to write a good one.
  require_exit(repo.swarm({"init", "--force"}), 0);
  write_text(repo / "plan.md", small_plan);
  require_exit(repo.swarm({"load", "plan.md"}), 0);
}

TEST_CASE("the config file named by --config or SWARM_CONFIG is read, and must exist",
          "[e2e][init]") {
  git_repo repo{false};
  fs::create_directories(repo / "conf");
  write_text(repo / "conf/team.toml", "[run]\nagents = 2\nwork_ms = \"1-5\"\n");
  write_text(repo / "plan.md", small_plan);
  CHECK(agents_of_run(repo, {"--config", "conf/team.toml"}) == 2);
  auto missing = repo.swarm({"status"}, {"SWARM_CONFIG=conf/none.toml"});
  require_exit(missing, 2);
  CHECK(missing.err.rfind("conf/none.toml: cannot read", 0) == 0);
}
