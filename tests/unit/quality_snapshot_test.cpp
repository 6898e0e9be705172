// Quality snapshots (quality/snapshot.hpp, quality/check.hpp): spec validation,
// compare() for each kind of regression and for improvements, the retry report's exact
// form, and the JSON shapes the journal carries.
#include "quality/check.hpp"
#include "quality/snapshot.hpp"

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <string>
#include <vector>

using namespace swarm;
using namespace swarm::quality;
using namespace std::chrono_literals;

namespace {

using names = std::vector<std::string>;

check_spec spec(const std::string& name, output_format format) {
  check_spec s;
  s.name = name;
  s.command = "make " + name;
  s.format = format;
  if (format == output_format::junit) s.junit = {"build/junit.xml"};
  return s;
}

check_result passing(const std::string& name, output_format format) {
  check_result r;
  r.name = name;
  r.format = format;
  r.exit_code = 0;
  r.passed = true;
  r.duration = 1500ms;
  return r;
}

check_result failing(const std::string& name, output_format format, int exit_code) {
  auto r = passing(name, format);
  r.exit_code = exit_code;
  r.passed = false;
  return r;
}

snapshot at(const std::string& commit, std::vector<check_result> checks) {
  snapshot s;
  s.commit = commit;
  s.taken = timestamp{std::chrono::microseconds{1'700'000'000'000'000}};
  s.checks = std::move(checks);
  return s;
}

diagnostic diag(const std::string& file, uint32_t line, severity level,
                const std::string& message) {
  diagnostic d;
  d.file = file;
  d.line = line;
  d.column = 5;
  d.level = level;
  d.message = message;
  return d;
}

std::string validation_error(const check_spec& s) {
  auto ok = validate(s);
  REQUIRE_FALSE(ok.has_value());
  CHECK(ok.error().code == errc::bad_request);
  return ok.error().message;
}

} // namespace

TEST_CASE("quality check specs: formats by name, validation names the field",
          "[quality]") {
  CHECK(parse_output_format("junit") == output_format::junit);
  CHECK(parse_output_format("exit") == output_format::exit);
  CHECK_FALSE(parse_output_format("xunit"));
  CHECK(output_format_names() ==
        "exit, junit, ctest, pytest, tap, eslint, gcc, clang, tsc");
  CHECK(validate(spec("build", output_format::gcc)).has_value());
  CHECK(validate(spec("unit-tests_2", output_format::junit)).has_value());

  auto s = spec("", output_format::exit);
  CHECK(validation_error(s) ==
        "a quality check needs a name: write [quality.<name>], the name of letters, "
        "digits, '-' and '_' (for example [quality.build])");
  s = spec("my check", output_format::exit);
  CHECK(validation_error(s) ==
        "quality check 'my check': the name may hold only letters, digits, '-' and '_'");
  s = spec("lint", output_format::eslint);
  s.command = "  ";
  CHECK(validation_error(s) ==
        "quality check 'lint': 'command' is empty: write the shell "
        "command that runs the check, e.g. command = \"make test\"");
  s = spec("test", output_format::junit);
  s.junit.clear();
  CHECK(validation_error(s) ==
        "quality check 'test': format = \"junit\" needs 'junit', the report file(s) the "
        "command writes relative to the checked directory, e.g. junit = "
        "[\"build/junit.xml\"]");
  s = spec("test", output_format::ctest);
  s.junit = {"x.xml"};
  CHECK(validation_error(s) ==
        "quality check 'test': 'junit' applies only to format = "
        "\"junit\" (this check's format is \"ctest\"): remove it or "
        "set format = \"junit\"");
  for (const char* bad : {"/tmp/junit.xml", "../junit.xml", ""}) {
    s = spec("test", output_format::junit);
    s.junit = {bad};
    CHECK(validation_error(s) == "quality check 'test': 'junit' entry '" +
                                     std::string{bad} +
                                     "' must be a path relative to the checked directory "
                                     "and inside it, e.g. \"build/junit.xml\"");
  }
  s = spec("build", output_format::gcc);
  s.timeout = 0ms;
  CHECK(validation_error(s) == "quality check 'build': 'timeout' must be longer than 0, "
                               "e.g. \"10m\"");
  s = spec("build", output_format::gcc);
  s.format = static_cast<output_format>(42);
  CHECK(validation_error(s) ==
        "quality check 'build': 'format' must be one of exit, junit, "
        "ctest, pytest, tap, eslint, gcc, clang, tsc");

  auto twice = validate(std::vector<check_spec>{spec("build", output_format::gcc),
                                                spec("build", output_format::exit)});
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().message ==
        "quality check 'build': defined twice: give each check its own name");
}

TEST_CASE("quality compare: a check that passed and now fails is build_broken",
          "[quality]") {
  const std::vector<check_spec> specs{spec("build", output_format::gcc)};
  const auto base = at("aaa", {passing("build", output_format::gcc)});

  auto g = compare(base, at("bbb", {failing("build", output_format::gcc, 2)}), specs);
  REQUIRE(g.size() == 1);
  CHECK(g[0].check == "build");
  CHECK(g[0].kind == regression_kind::build_broken);
  CHECK(g[0].detail == "exit code 2; it passed in the baseline");

  auto slow = passing("build", output_format::gcc);
  slow.passed = false;
  slow.timed_out = true;
  slow.exit_code = -1;
  slow.signal = 15;
  g = compare(base, at("bbb", {slow}), specs);
  REQUIRE(g.size() == 1);
  CHECK(g[0].detail == "timed out after 30 min; it passed in the baseline");

  auto killed = failing("build", output_format::gcc, -1);
  killed.signal = 9;
  g = compare(base, at("bbb", {killed}), specs);
  REQUIRE(g.size() == 1);
  CHECK(g[0].detail == "killed by signal 9; it passed in the baseline");

  // Failing in the baseline too: nothing got worse.
  CHECK(compare(at("aaa", {failing("build", output_format::gcc, 1)}),
                at("bbb", {failing("build", output_format::gcc, 2)}), specs)
            .empty());
}

TEST_CASE("quality compare: output that became unreadable is build_broken", "[quality]") {
  const std::vector<check_spec> specs{spec("test", output_format::junit)};
  auto base = failing("test", output_format::junit, 1);
  base.failing_tests = {"a"};
  auto now = failing("test", output_format::junit, 1);
  now.output_error = "junit: the report build/junit.xml was not written";
  auto g = compare(at("aaa", {base}), at("bbb", {now}), specs);
  REQUIRE(g.size() == 1);
  CHECK(g[0].kind == regression_kind::build_broken);
  CHECK(g[0].detail == "exit code 1; its output could not be read: junit: the report "
                       "build/junit.xml was not written; the baseline's was read");
}

TEST_CASE("quality compare: tests failing now and not in the baseline are named",
          "[quality]") {
  const std::vector<check_spec> specs{spec("test", output_format::junit)};
  auto base = failing("test", output_format::junit, 1);
  base.tests = test_counts{10, 8, 2, 0};
  base.failing_tests = {"flaky.one", "old.broken"};
  auto now = failing("test", output_format::junit, 1);
  now.tests = test_counts{11, 8, 3, 0};
  now.failing_tests = {"new.a", "new.b", "old.broken"};
  auto g = compare(at("aaa", {base}), at("bbb", {now}), specs);
  REQUIRE(g.size() == 1);
  CHECK(g[0].kind == regression_kind::new_failing_test);
  CHECK(g[0].tests == names{"new.a", "new.b"});

  // From green to a failing test: both the check and the test are named.
  g = compare(at("aaa", {passing("test", output_format::junit)}), at("bbb", {now}),
              specs);
  REQUIRE(g.size() == 2);
  CHECK(g[0].kind == regression_kind::build_broken);
  CHECK(g[1].kind == regression_kind::new_failing_test);
  CHECK(g[1].tests == names{"new.a", "new.b", "old.broken"});
}

TEST_CASE("quality compare: more errors or warnings beyond the allowance", "[quality]") {
  auto build = spec("build", output_format::gcc);
  auto lint = spec("lint", output_format::eslint);
  lint.allowed_new_warnings = 2;
  const std::vector<check_spec> specs{build, lint};

  auto b_build = failing("build", output_format::gcc, 1);
  b_build.errors = 1;
  b_build.warnings = 4;
  auto b_lint = passing("lint", output_format::eslint);
  b_lint.warnings = 10;
  const auto base = at("aaa", {b_build, b_lint});

  auto n_build = b_build;
  n_build.errors = 3;
  auto n_lint = b_lint;
  n_lint.warnings = 12; // within +2
  auto g = compare(base, at("bbb", {n_build, n_lint}), specs);
  REQUIRE(g.size() == 1);
  CHECK(g[0].check == "build");
  CHECK(g[0].kind == regression_kind::more_errors);
  CHECK(g[0].before == 1);
  CHECK(g[0].after == 3);
  CHECK(g[0].allowed == 0);

  n_build = b_build;
  n_build.warnings = 5;
  n_lint.warnings = 13; // past +2
  g = compare(base, at("bbb", {n_build, n_lint}), specs);
  REQUIRE(g.size() == 2);
  CHECK(g[0].check == "build");
  CHECK(g[0].kind == regression_kind::more_warnings);
  CHECK(g[1].check == "lint");
  CHECK(g[1].kind == regression_kind::more_warnings);
  CHECK(g[1].before == 10);
  CHECK(g[1].after == 13);
  CHECK(g[1].allowed == 2);
}

TEST_CASE("quality compare: improvements are not regressions", "[quality]") {
  const std::vector<check_spec> specs{spec("build", output_format::gcc),
                                      spec("test", output_format::junit)};
  auto b_build = failing("build", output_format::gcc, 1);
  b_build.errors = 4;
  b_build.warnings = 9;
  auto b_test = failing("test", output_format::junit, 1);
  b_test.failing_tests = {"a", "b"};
  auto n_build = passing("build", output_format::gcc);
  n_build.warnings = 2;
  auto n_test = failing("test", output_format::junit, 1);
  n_test.failing_tests = {"b"};
  CHECK(
      compare(at("aaa", {b_build, b_test}), at("bbb", {n_build, n_test}), specs).empty());
  // Nothing changed: nothing got worse.
  CHECK(
      compare(at("aaa", {b_build, b_test}), at("bbb", {b_build, b_test}), specs).empty());
}

TEST_CASE("quality compare: a check without a baseline counts only its own failure",
          "[quality]") {
  const std::vector<check_spec> specs{spec("lint", output_format::eslint),
                                      spec("test", output_format::junit)};
  auto lint = passing("lint", output_format::eslint);
  lint.errors = 0;
  lint.warnings = 300; // unknown before: not compared
  auto test = failing("test", output_format::junit, 1);
  test.failing_tests = {"t.one", "t.two"};
  const snapshot nothing = at("", {});
  auto g = compare(nothing, at("bbb", {lint, test}), specs);
  REQUIRE(g.size() == 1);
  CHECK(g[0].check == "test");
  CHECK(g[0].kind == regression_kind::build_broken);
  CHECK(g[0].detail == "exit code 1 (no baseline)");
  CHECK(g[0].tests == names{"t.one", "t.two"});
  CHECK(compare(nothing, at("bbb", {lint}), specs).empty());
}

TEST_CASE("quality report: which check, what got worse, the output tail", "[quality]") {
  const std::vector<check_spec> specs{spec("build", output_format::gcc),
                                      spec("test", output_format::ctest)};
  auto b_build = passing("build", output_format::gcc);
  b_build.warnings = 1;
  auto b_test = passing("test", output_format::ctest);
  const auto base = at("9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", {b_build, b_test});

  auto n_build = failing("build", output_format::gcc, 2);
  n_build.errors = 2;
  n_build.warnings = 1;
  n_build.diagnostics = {diag("src/a.cpp", 3, severity::warning, "unused variable 'x'"),
                         diag("src/a.cpp", 11, severity::error, "'y' was not declared"),
                         diag("src/b.cpp", 7, severity::error, "expected ';'")};
  n_build.output_tail = "[ 50%] Building CXX object a.o\nsrc/a.cpp:11:5: error: 'y' was "
                        "not declared\nmake: *** [all] Error 2\n\n";
  auto n_test = failing("test", output_format::ctest, 8);
  n_test.failing_tests = {"t1", "t2", "t3", "t4"};
  std::string tail;
  for (int i = 1; i <= 6; ++i)
    tail += "line " + std::to_string(i) + "\n";
  n_test.output_tail = tail;
  const auto now = at("1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", {n_build, n_test});

  const auto g = compare(base, now, specs);
  report_limits limits;
  limits.names = 3;
  limits.diagnostics = 1;
  limits.tail_lines = 3;
  CHECK(
      report(base, now, g, limits) ==
      "Quality gate failed at 1a2b3c4d5e6f (baseline 9f8e7d6c5b4a): 2 checks got worse.\n"
      "\n"
      "Check 'build' (gcc):\n"
      "- it fails: exit code 2; it passed in the baseline\n"
      "- 2 errors, baseline 0 (allowed +0)\n"
      "  src/a.cpp:11:5: error: 'y' was not declared\n"
      "  ... and 1 more\n"
      "Output (last 3 lines):\n"
      "  [ 50%] Building CXX object a.o\n"
      "  src/a.cpp:11:5: error: 'y' was not declared\n"
      "  make: *** [all] Error 2\n"
      "\n"
      "Check 'test' (ctest):\n"
      "- it fails: exit code 8; it passed in the baseline\n"
      "- new failing tests (4): t1, t2, t3 and 1 more\n"
      "Output (last 3 lines):\n"
      "  line 4\n"
      "  line 5\n"
      "  line 6\n");

  CHECK(report(base, base, compare(base, base, specs)).empty());
}

TEST_CASE("quality report: long lines are cut, the default keeps 40 lines", "[quality]") {
  const std::vector<check_spec> specs{spec("lint", output_format::exit)};
  auto now = failing("lint", output_format::exit, 1);
  std::string tail = std::string(500, 'x') + "\n";
  for (int i = 0; i < 60; ++i)
    tail += "l\n";
  now.output_tail = tail;
  const auto text = report(at("", {}), at("c0ffee", {now}),
                           compare(at("", {}), at("c0ffee", {now}), specs));
  CHECK(text.rfind("Quality gate failed at c0ffee (baseline none): 1 check got worse.\n\n"
                   "Check 'lint' (exit):\n- it fails: exit code 1 (no baseline)\n"
                   "Output (last 40 lines):\n",
                   0) == 0);
  CHECK(text.find(std::string(300, 'x') + " [...]") ==
        std::string::npos); // cut line is not in the last 40
  now.output_tail = std::string(500, 'x') + "\n";
  const auto one = report(at("", {}), at("c0ffee", {now}),
                          compare(at("", {}), at("c0ffee", {now}), specs));
  CHECK(one.find("Output (last 1 line):\n  " + std::string(300, 'x') + " [...]\n") !=
        std::string::npos);
}

TEST_CASE("quality json: specs, results, snapshots and regressions round-trip",
          "[quality][json]") {
  auto s = spec("test", output_format::junit);
  s.timeout = 90s;
  s.allowed_new_warnings = 3;
  auto sv = boost::json::value_from(s);
  CHECK(
      boost::json::serialize(sv) ==
      R"({"name":"test","command":"make test","format":"junit","junit":["build/junit.xml"],)"
      R"("timeout_ms":90000,"allowed_new_errors":0,"allowed_new_warnings":3})");
  auto back = from_json<check_spec>(sv);
  REQUIRE(back.has_value());
  CHECK(back->junit == s.junit);
  CHECK(back->timeout == 90s);
  CHECK(back->allowed_new_warnings == 3);

  auto r = failing("test", output_format::junit, 1);
  r.tests = test_counts{5, 3, 1, 1};
  r.failing_tests = {"a.b"};
  r.errors = 1;
  r.diagnostics = {diag("x.c", 2, severity::error, "bad")};
  r.diagnostics[0].rule = "-Wfoo";
  r.output_tail = "tail\n";
  const auto snap = at("abc", {r, passing("build", output_format::gcc)});
  const auto v = boost::json::value_from(snap);
  const auto& first = v.at("checks").at(0);
  CHECK(v.at("taken_us").as_int64() == 1'700'000'000'000'000);
  CHECK(first.at("format").as_string() == "junit");
  CHECK(first.at("tests").at("skipped").to_number<int64_t>() == 1);
  CHECK(first.at("diagnostics").at(0).at("severity").as_string() == "error");
  CHECK(first.at("duration_ms").as_int64() == 1500);
  CHECK_FALSE(v.at("checks").at(1).as_object().contains("tests"));

  auto decoded = from_json<snapshot>(v);
  REQUIRE(decoded.has_value());
  CHECK(boost::json::value_from(*decoded) == v);
  REQUIRE(decoded->checks.size() == 2);
  CHECK_FALSE(decoded->checks[1].tests.has_value());
  CHECK(decoded->checks[0].diagnostics[0].rule == "-Wfoo");

  regression g{"test", regression_kind::new_failing_test, 0, 0, 0, {"a.b"}, ""};
  const auto gv = boost::json::value_from(g);
  CHECK(gv.at("kind").as_string() == "new_failing_test");
  auto g2 = from_json<regression>(gv);
  REQUIRE(g2.has_value());
  CHECK(g2->kind == regression_kind::new_failing_test);
  CHECK(g2->tests == names{"a.b"});

  auto bad = boost::json::value_from(s);
  bad.as_object()["format"] = "xunit";
  auto refused = from_json<check_spec>(bad);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message == "format 'xunit' is not one of exit, junit, ctest, "
                                   "pytest, tap, eslint, gcc, clang, tsc");
}
