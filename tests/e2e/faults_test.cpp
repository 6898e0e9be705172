// Faults the engine must meet with one clear line and nothing lost or changed: a
// foreign file or a directory where the database should be.

#include "tests/e2e/e2e_support.hpp"

namespace {

using namespace e2e;

} // namespace

TEST_CASE("faults: a foreign file where the database should be is refused, untouched",
          "[e2e][faults]") {
  temp_dir dir;
  fs::create_directories(dir / ".swarm");
  const std::string foreign = "not a database, someone's notes\n";
  write_text(dir / ".swarm" / "swarm.db", foreign);
  for (const std::vector<std::string> args :
       {std::vector<std::string>{"status"}, {"task", "add", "X"}}) {
    auto r = e2e::swarm(dir.path(), args);
    INFO(r);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "file is not a database — it is another program's file or it is "
                          "damaged: move it away"));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1); // one line
  }
  CHECK(read_text(dir / ".swarm" / "swarm.db") == foreign);
}

TEST_CASE("faults: a directory where the database should be is refused", "[e2e][faults]") {
  temp_dir dir;
  fs::create_directories(dir / ".swarm" / "swarm.db");
  for (const std::vector<std::string> args :
       {std::vector<std::string>{"status"}, {"task", "add", "X"}}) {
    auto r = e2e::swarm(dir.path(), args);
    INFO(r);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "is a directory, not a database file"));
  }
  CHECK(fs::is_empty(dir / ".swarm" / "swarm.db"));
}
