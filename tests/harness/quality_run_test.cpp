// Quality checks run for real (quality/check.hpp, quality/snapshot.hpp): sh commands
// through the process runner that write JUnit reports, fail, print compiler
// diagnostics, leave a stale report behind or outlast their timeout; then a baseline
// and a snapshot of a small project compared, and the report.
#include "quality/check.hpp"
#include "quality/snapshot.hpp"

#include "tests/support/files.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

using namespace swarm;
using namespace swarm::quality;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using names = std::vector<std::string>;

check_spec spec(const std::string& name, output_format format,
                const std::string& command) {
  check_spec s;
  s.name = name;
  s.format = format;
  s.command = command;
  s.timeout = 60s;
  return s;
}

check_result run(harness::process_runner& runner, const check_spec& s,
                 const fs::path& dir) {
  auto r = run_check(runner, s, dir.string());
  INFO((r ? std::string{} : r.error().message));
  REQUIRE(r.has_value());
  return std::move(*r);
}

// A test script that writes a JUnit report of two cases, `second` failing or not, to
// build/junit.xml and exits 1 when one failed. Each report differs (the shell's pid),
// as a real runner's timestamps make it.
const char* junit_script = R"sh(#!/bin/sh
mkdir -p build
echo "running 2 tests"
if [ "$(cat mode)" = broken ]; then
  echo "second: expected 3, got 2" >&2
  cat > build/junit.xml <<XML
<?xml version="1.0"?>
<testsuite name="unit" tests="2" id="$$"><testcase classname="calc" name="first"/><testcase classname="calc" name="second"><failure message="expected 3">got 2 &amp; more</failure></testcase></testsuite>
XML
  exit 1
fi
cat > build/junit.xml <<XML
<testsuite name="unit" id="$$"><testcase classname="calc" name="first"/><testcase classname="calc" name="second"/></testsuite>
XML
)sh";

} // namespace

TEST_CASE("quality run: a command writing JUnit, passing then failing", "[quality]") {
  test::temp_dir dir;
  test::spit(dir.path() / "run-tests.sh", junit_script);
  test::spit(dir.path() / "mode", "green\n");
  harness::process_runner runner;
  auto s = spec("test", output_format::junit, "sh ./run-tests.sh");
  s.junit = {"build/junit.xml"};

  auto green = run(runner, s, dir.path());
  CHECK(green.passed);
  CHECK(green.exit_code == 0);
  CHECK(green.output_error.empty());
  REQUIRE(green.tests.has_value());
  CHECK(green.tests->total == 2);
  CHECK(green.tests->passed == 2);
  CHECK(green.failing_tests.empty());
  CHECK(green.output_tail == "running 2 tests\n");

  test::spit(dir.path() / "mode", "broken\n");
  auto red = run(runner, s, dir.path());
  CHECK_FALSE(red.passed);
  CHECK(red.exit_code == 1);
  CHECK_FALSE(red.timed_out);
  CHECK(red.output_error.empty());
  REQUIRE(red.tests.has_value());
  CHECK(red.tests->failed == 1);
  CHECK(red.failing_tests == names{"calc.second"});
  // stdout, then stderr.
  CHECK(red.output_tail == "running 2 tests\nsecond: expected 3, got 2\n");
}

TEST_CASE("quality run: a JUnit report missing or left from an earlier run is unreadable",
          "[quality]") {
  test::temp_dir dir;
  harness::process_runner runner;
  auto s = spec("test", output_format::junit, "echo ran");
  s.junit = {"reports/junit.xml"};

  auto missing = run(runner, s, dir.path());
  CHECK_FALSE(missing.passed);
  CHECK(missing.exit_code == 0);
  CHECK(missing.output_error.rfind(
            "junit: the report reports/junit.xml was not written (", 0) == 0);
  CHECK_FALSE(missing.tests.has_value());

  test::spit(dir.path() / "reports/junit.xml",
             "<testsuite><testcase name='old'/></testsuite>");
  fs::last_write_time(dir.path() / "reports/junit.xml",
                      fs::file_time_type::clock::now() - std::chrono::hours{1});
  auto stale = run(runner, s, dir.path());
  CHECK_FALSE(stale.passed);
  CHECK(stale.output_error ==
        "junit: the report reports/junit.xml was not rewritten by this "
        "run (it is left from an earlier one)");

  // Rewritten by the command: read.
  s.command =
      "echo \"<testsuite><testcase name='new'/></testsuite>\" > reports/junit.xml";
  auto fresh = run(runner, s, dir.path());
  CHECK(fresh.passed);
  REQUIRE(fresh.tests.has_value());
  CHECK(fresh.tests->total == 1);

  // Malformed: the XML reader's message, with the report's path.
  s.command = "echo '<testsuite><testcase name=x/></testsuite>' > reports/junit.xml";
  auto bad = run(runner, s, dir.path());
  CHECK_FALSE(bad.passed);
  CHECK(bad.output_error ==
        "reports/junit.xml:1:27: the value of attribute 'name' must be quoted");
}

TEST_CASE("quality run: a directory of JUnit reports is read whole", "[quality]") {
  test::temp_dir dir;
  harness::process_runner runner;
  auto s =
      spec("test", output_format::junit,
           "mkdir -p out && "
           "echo \"<testsuite><testcase name='a'/><testcase name='b'><error/></testcase>"
           "</testsuite>\" > out/one.xml && "
           "echo \"<testsuites><testsuite><testcase classname='m' name='c'><failure/>"
           "</testcase></testsuite></testsuites>\" > out/two.xml && echo skip > "
           "out/notes.txt");
  s.junit = {"out"};
  auto r = run(runner, s, dir.path());
  CHECK(r.passed);
  REQUIRE(r.tests.has_value());
  CHECK(r.tests->total == 3);
  CHECK(r.tests->failed == 2);
  CHECK(r.failing_tests == names{"b", "m.c"});
}

TEST_CASE("quality run: compiler diagnostics, paths made relative to the directory",
          "[quality]") {
  test::temp_dir dir;
  harness::process_runner runner;
  const auto abs = dir.path().string();
  auto s = spec("build", output_format::gcc,
                "echo '[ 50%] Building CXX object a.o'; "
                "echo '" +
                    abs +
                    "/src/a.cpp:3:9: warning: unused variable [-Wunused]' >&2; "
                    "echo 'src/b.cpp:7:1: error: expected ;' >&2; exit 2");
  auto r = run(runner, s, dir.path());
  CHECK_FALSE(r.passed);
  CHECK(r.exit_code == 2);
  CHECK(r.errors == 1);
  CHECK(r.warnings == 1);
  REQUIRE(r.diagnostics.size() == 2);
  CHECK(to_string(r.diagnostics[0]) ==
        "src/a.cpp:3:9: warning: unused variable [-Wunused]");
  CHECK(r.diagnostics[1].file == "src/b.cpp");
}

TEST_CASE("quality run: exit 0 with output its format cannot read does not pass",
          "[quality]") {
  test::temp_dir dir;
  harness::process_runner runner;
  auto r = run(runner, spec("test", output_format::ctest, "echo all good"), dir.path());
  CHECK(r.exit_code == 0);
  CHECK_FALSE(r.passed);
  CHECK(r.output_error.rfind("no ctest summary", 0) == 0);

  auto plain = run(runner, spec("smoke", output_format::exit, "exit 0"), dir.path());
  CHECK(plain.passed);
  CHECK_FALSE(plain.tests.has_value());
}

TEST_CASE("quality run: a check past its timeout is stopped and fails", "[quality]") {
  test::temp_dir dir;
  harness::process_runner runner;
  auto s = spec("slow", output_format::exit, "echo started; sleep 30; echo never");
  s.timeout = 200ms;
  auto r = run(runner, s, dir.path());
  CHECK(r.timed_out);
  CHECK_FALSE(r.passed);
  CHECK(r.exit_code == -1);
  CHECK(r.signal != 0);
  CHECK(r.output_tail == "started\n");
}

TEST_CASE("quality run: a bad spec or directory is an error, nothing runs", "[quality]") {
  test::temp_dir dir;
  harness::process_runner runner;
  auto missing_dir = run_check(runner, spec("t", output_format::exit, "true"),
                               (dir.path() / "nope").string());
  REQUIRE_FALSE(missing_dir.has_value());
  CHECK(missing_dir.error().code == errc::not_found);
  CHECK(missing_dir.error().message ==
        "quality check 't': " + (dir.path() / "nope").string() + " is not a directory");

  auto s = spec("t", output_format::junit, "touch ran");
  auto bad = run_check(runner, s, dir.path().string());
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == errc::bad_request);
  auto snap = take_snapshot(runner, {spec("ok", output_format::exit, "touch ran"), s},
                            dir.path().string(), "abc");
  REQUIRE_FALSE(snap.has_value());
  CHECK_FALSE(fs::exists(dir.path() / "ran"));
}

TEST_CASE("quality run: baseline, a change that breaks a test, the report", "[quality]") {
  test::temp_dir dir;
  test::spit(dir.path() / "run-tests.sh", junit_script);
  test::spit(dir.path() / "mode", "green\n");
  harness::process_runner runner;
  auto build = spec("build", output_format::gcc, "echo 'src/a.c:1:1: warning: old' >&2");
  auto test = spec("test", output_format::junit, "sh ./run-tests.sh");
  test.junit = {"build/junit.xml"};
  const std::vector<check_spec> specs{build, test};

  auto baseline = take_snapshot(runner, specs, dir.path().string(), "base0001");
  REQUIRE(baseline.has_value());
  CHECK(baseline->commit == "base0001");
  CHECK(baseline->taken.time_since_epoch().count() > 0);
  REQUIRE(baseline->checks.size() == 2);
  CHECK(baseline->checks[0].passed);
  CHECK(baseline->checks[1].passed);

  // A clean change: same result, no regression.
  auto same = take_snapshot(runner, specs, dir.path().string(), "task0001");
  REQUIRE(same.has_value());
  CHECK(compare(*baseline, *same, specs).empty());

  test::spit(dir.path() / "mode", "broken\n");
  auto broken = take_snapshot(runner, specs, dir.path().string(), "task0002");
  REQUIRE(broken.has_value());
  const auto regressions = compare(*baseline, *broken, specs);
  REQUIRE(regressions.size() == 2);
  CHECK(regressions[0].kind == regression_kind::build_broken);
  CHECK(regressions[1].kind == regression_kind::new_failing_test);
  CHECK(regressions[1].tests == names{"calc.second"});
  CHECK(report(*baseline, *broken, regressions) ==
        "Quality gate failed at task0002 (baseline base0001): 1 check got worse.\n"
        "\n"
        "Check 'test' (junit):\n"
        "- it fails: exit code 1; it passed in the baseline\n"
        "- new failing tests (1): calc.second\n"
        "Output (last 2 lines):\n"
        "  running 2 tests\n"
        "  second: expected 3, got 2\n");
}
