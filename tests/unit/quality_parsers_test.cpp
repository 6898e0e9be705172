// The output parsers of quality/parsers.hpp on real-format samples
// (tests/data/quality/, see its README for which tool wrote which): counts, failing
// test names, diagnostics, and a clear error for malformed input.
#include "quality/parsers.hpp"
#include "tests/support/files.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace swarm;
using namespace swarm::quality;

namespace {

std::string sample(const std::string& name) {
  const auto text = test::slurp(std::string{SWARM_TEST_DATA_DIR} + "/quality/" + name);
  REQUIRE_FALSE(text.empty());
  return text;
}

parsed_output ok(expected<parsed_output> r) {
  INFO((r ? std::string{} : r.error().message));
  REQUIRE(r.has_value());
  return std::move(*r);
}

std::string problem(const expected<parsed_output>& r) {
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == errc::bad_request);
  return r.error().message;
}

void counts_are(const parsed_output& p, uint32_t total, uint32_t passed, uint32_t failed,
                uint32_t skipped) {
  REQUIRE(p.tests.has_value());
  CHECK(p.tests->total == total);
  CHECK(p.tests->passed == passed);
  CHECK(p.tests->failed == failed);
  CHECK(p.tests->skipped == skipped);
}

using names = std::vector<std::string>;

} // namespace

TEST_CASE("quality junit: ctest --output-junit", "[quality][parsers]") {
  auto p = ok(parse_junit(sample("ctest_junit.xml"), "ctest_junit.xml"));
  counts_are(p, 6, 2, 3, 1);
  // ctest writes classname == name: the name alone.
  CHECK(p.failing_tests == names{"crashes", "parses_plan", "waits_forever"});
  CHECK(p.errors == 0);
  CHECK(p.diagnostics.empty());
}

TEST_CASE("quality junit: pytest --junitxml", "[quality][parsers]") {
  auto p = ok(parse_junit(sample("pytest_junit.xml"), "pytest_junit.xml"));
  // A setup <error> fails its test; pytest.skip and pytest.xfail are both <skipped>.
  counts_are(p, 8, 3, 3, 2);
  CHECK(p.failing_tests == names{"tests.test_calc.test_subtract",
                                 "tests.test_db.test_query",
                                 "tests.test_parse.test_nested[a(b)]"});
}

TEST_CASE("quality junit: generic suites nest, cases without a classname keep their name",
          "[quality][parsers]") {
  const std::string xml =
      "<testsuites>\n"
      " <testsuite name='outer'>\n"
      "  <testsuite name='inner'>\n"
      "   <testcase name='deep' classname='pkg.Inner'><error/></testcase>\n"
      "  </testsuite>\n"
      "  <testcase name='plain'/>\n"
      "  <testcase name='gone'><skipped/></testcase>\n"
      "  <testcase name='bad' classname=''><failure>boom</failure></testcase>\n"
      " </testsuite>\n"
      "</testsuites>\n";
  auto p = ok(parse_junit(xml, "g.xml"));
  counts_are(p, 4, 1, 2, 1);
  CHECK(p.failing_tests == names{"bad", "pkg.Inner.deep"});
}

TEST_CASE("quality junit: malformed reports say where and what", "[quality][parsers]") {
  CHECK(
      problem(parse_junit("<testsuite>\n  <testcase name='a'>\n</testsuite>", "r.xml")) ==
      "r.xml:3:1: </testsuite> closes <testcase> opened at 2:3");
  CHECK(problem(parse_junit("<testsuite>\n  <testcase classname='x'/>\n</testsuite>",
                            "r.xml")) == "r.xml:2:3: <testcase> has no 'name' attribute");
  CHECK(problem(parse_junit("<html><body/></html>", "r.xml")) ==
        "r.xml:1:1: the root element is <html>, not <testsuites> or <testsuite>: not a "
        "JUnit XML report");
}

TEST_CASE("quality ctest: console output with failures, a timeout, a crash and a skip",
          "[quality][parsers]") {
  auto p = ok(parse_ctest(sample("ctest_failing.txt")));
  counts_are(p, 6, 2, 3, 1);
  CHECK(p.failing_tests == names{"crashes", "parses_plan", "waits_forever"});

  auto green = ok(parse_ctest(sample("ctest_passing.txt")));
  counts_are(green, 2, 2, 0, 0);
  CHECK(green.failing_tests.empty());

  auto none = ok(parse_ctest("Test project /tmp/x/build\nNo tests were found!!!\n"));
  counts_are(none, 0, 0, 0, 0);
}

TEST_CASE("quality ctest: names with spaces and parentheses, noise around the lists",
          "[quality][parsers]") {
  const std::string text = "[ 50%] Built target app\n"
                           "67% tests passed, 1 tests failed out of 3\n"
                           "\n"
                           "Label Time Summary:\n"
                           "unit    =   0.02 sec*proc (3 tests)\n"
                           "The following tests FAILED:\n"
                           "\t 12 - parse (nested) input (Failed)\n"
                           "Errors while running CTest\n";
  auto p = ok(parse_ctest(text));
  counts_are(p, 3, 2, 1, 0);
  CHECK(p.failing_tests == names{"parse (nested) input"});
}

TEST_CASE("quality ctest: output without a summary is an error", "[quality][parsers]") {
  CHECK(problem(parse_ctest("make: Nothing to be done for 'test'.\n")) ==
        "no ctest summary ('NN% tests passed, F tests failed out of T' or 'No tests were "
        "found!!!') in the output: is format = \"ctest\" right for this command?");
}

TEST_CASE("quality pytest: console output with failures, an error, skips and xfails",
          "[quality][parsers]") {
  auto p = ok(parse_pytest(sample("pytest_failing.txt")));
  // 2 failed + 1 error fail; 1 skipped + 1 xfailed are skipped.
  counts_are(p, 8, 3, 3, 2);
  CHECK(p.failing_tests == names{"tests/test_calc.py::test_subtract",
                                 "tests/test_db.py::test_query",
                                 "tests/test_parse.py::test_nested[a(b)]"});

  auto collect = ok(parse_pytest(sample("pytest_collection_error.txt")));
  counts_are(collect, 1, 0, 1, 0);
  CHECK(collect.failing_tests == names{"tests/test_broken.py"});

  auto quiet = ok(parse_pytest(sample("pytest_quiet.txt")));
  counts_are(quiet, 10, 9, 0, 1);
  CHECK(quiet.failing_tests.empty());
}

TEST_CASE("quality pytest: -v result lines, colours, the last summary wins",
          "[quality][parsers]") {
  const std::string text =
      "tests/test_a.py::test_one PASSED                                [ 50%]\n"
      "tests/test_a.py::test_two \x1b[31mFAILED\x1b[0m                 [100%]\n"
      "\x1b[31m========== \x1b[1m1 failed\x1b[0m, \x1b[32m1 passed\x1b[0m\x1b[31m in "
      "12.50s (0:00:12) ===========\x1b[0m\n";
  auto p = ok(parse_pytest(text));
  counts_are(p, 2, 1, 1, 0);
  CHECK(p.failing_tests == names{"tests/test_a.py::test_two"});

  auto none = ok(parse_pytest("collected 0 items\n\n=== no tests ran in 0.01s ===\n"));
  counts_are(none, 0, 0, 0, 0);
}

TEST_CASE("quality pytest: output without a summary line is an error",
          "[quality][parsers]") {
  CHECK(problem(parse_pytest("Traceback (most recent call last):\nImportError: x\n")) ==
        "no pytest summary line (such as '==== 2 failed, 5 passed in 0.12s ====') in the "
        "output: is format = \"pytest\" right for this command, and does it run pytest "
        "without -qq?");
}

TEST_CASE("quality tap: Test::More with a failure, a skip and a failing TODO",
          "[quality][parsers]") {
  auto p = ok(parse_tap(sample("tap_perl.txt")));
  // The failing TODO is skipped, not failed.
  counts_are(p, 6, 3, 1, 2);
  CHECK(p.failing_tests == names{"counts letters"});
}

TEST_CASE("quality tap: Bail out! fails the tests that never ran", "[quality][parsers]") {
  auto p = ok(parse_tap(sample("tap_bail_out.txt")));
  // 2 ran (1 failed), 2 planned ones never did.
  counts_are(p, 4, 1, 3, 0);
  CHECK(p.failing_tests == names{"Bail out! database is gone", "reads the schema"});
}

TEST_CASE("quality tap: a plan at the end, no descriptions, a short run",
          "[quality][parsers]") {
  auto p = ok(parse_tap("TAP version 13\nok 1\nnot ok 2\n    # subtest noise\n"
                        "    not ok 1 - inner\nok 3 # skip slow\n1..3\n"));
  counts_are(p, 3, 1, 1, 1);
  CHECK(p.failing_tests == names{"test 2"});

  auto short_run = ok(parse_tap("1..3\nok 1 - a\n"));
  counts_are(short_run, 3, 1, 2, 0);
  CHECK(short_run.failing_tests == names{"planned 3 tests, ran 1"});
}

TEST_CASE("quality tap: malformed input is an error", "[quality][parsers]") {
  CHECK(problem(parse_tap("hello\n")) ==
        "no TAP plan ('1..N') and no test line ('ok 1 - ...') in the output: is format = "
        "\"tap\" right for this command?");
  CHECK(problem(parse_tap("1..2\nok 1\nok 2\n1..2\n")) ==
        "line 4: a second TAP plan '1..2' (the first is on line 1)");
  CHECK(problem(parse_tap("1..x\nok 1\n")) ==
        "line 1: '1..x' is not a TAP plan (write 1..N)");
}

TEST_CASE("quality eslint: -f json gives errors, warnings and their rules",
          "[quality][parsers]") {
  auto p = ok(parse_eslint(sample("eslint.json")));
  CHECK_FALSE(p.tests.has_value());
  CHECK(p.errors == 2);
  CHECK(p.warnings == 1);
  REQUIRE(p.diagnostics.size() == 3);
  CHECK(
      to_string(p.diagnostics[0]) ==
      "/home/dev/web/src/app.js:3:7: error: 'total' is assigned a value but never used. "
      "[no-unused-vars]");
  CHECK(p.diagnostics[1].level == severity::warning);
  CHECK(p.diagnostics[1].rule == "eqeqeq");
  // A fatal parsing error has no rule.
  CHECK(to_string(p.diagnostics[2]) ==
        "/home/dev/web/src/broken.js:4:18: error: Parsing error: Unexpected token )");

  auto npm = ok(parse_eslint(sample("eslint_npm.txt")));
  CHECK(npm.errors == 0);
  CHECK(npm.warnings == 1);
}

TEST_CASE("quality eslint: malformed output names the place", "[quality][parsers]") {
  CHECK(problem(parse_eslint("Oops! Something went wrong! :(\n")) ==
        "eslint output: no JSON array (a line starting with '[') in the output: run "
        "eslint with -f json (format = \"eslint\")");
  CHECK(problem(parse_eslint("> lint\n[{\"filePath\": \"a.js\", \"messages\": [}]\n"))
            .rfind("eslint output: at 2:", 0) == 0);
  CHECK(problem(parse_eslint("[{\"filePath\": \"a.js\"}]")) ==
        "eslint output: [0].messages must be an array");
  CHECK(problem(parse_eslint("[{\"filePath\": \"a.js\", \"messages\": [{\"severity\": 3, "
                             "\"message\": \"x\"}]}]")) ==
        "eslint output: [0].messages[0].severity must be 1 (warning) or 2 (error)");
  CHECK(problem(parse_eslint("[{\"filePath\": 7, \"messages\": []}]")) ==
        "eslint output: [0].filePath must be a string");
}

TEST_CASE("quality gcc: a make build's errors, warnings and a fatal error",
          "[quality][parsers]") {
  auto p = parse_gcc(sample("gcc_build.txt"));
  CHECK_FALSE(p.tests.has_value());
  CHECK(p.errors == 3);
  CHECK(p.warnings == 2);
  REQUIRE(p.diagnostics.size() == 5);
  const auto& unused = p.diagnostics[0];
  CHECK(unused.file == "/tmp/qsample/cc/src/util.hpp");
  CHECK(unused.line == 2);
  CHECK(unused.column == 31);
  CHECK(unused.level == severity::warning);
  CHECK(unused.message == "unused variable \xE2\x80\x98unused_here\xE2\x80\x99");
  CHECK(unused.rule == "-Wunused-variable");
  CHECK(p.diagnostics[3].message ==
        "\xE2\x80\x98undeclared_call\xE2\x80\x99 was not declared in this scope");
  CHECK(to_string(p.diagnostics[4]) ==
        "/tmp/qsample/cc/src/missing.cpp:2:10: error: not_there.hpp: No such file or "
        "directory");

  auto nocol = parse_gcc(sample("gcc_nocolumn.txt"));
  CHECK(nocol.errors == 1);
  REQUIRE(nocol.diagnostics.size() == 1);
  CHECK(nocol.diagnostics[0].file == "src/missing.cpp");
  CHECK(nocol.diagnostics[0].line == 2);
  CHECK(nocol.diagnostics[0].column == 0);

  auto clean = parse_gcc("[100%] Built target app\n");
  CHECK(clean.errors == 0);
  CHECK(clean.warnings == 0);
}

TEST_CASE("quality clang: diagnostics and notes, the summary not counted twice",
          "[quality][parsers]") {
  auto p = parse_clang(sample("clang.txt"));
  CHECK(p.errors == 2);
  CHECK(p.warnings == 2);
  REQUIRE(p.diagnostics.size() == 4);
  CHECK(to_string(p.diagnostics[1]) ==
        "src/broken.cpp:6:26: warning: comparison of integers of different signs: "
        "'unsigned int' and 'int' [-Wsign-compare]");
  // The summary raises the counts only for lines that are missing (a cut output).
  auto cut = parse_clang("src/a.cpp:1:1: error: x\n3 warnings and 2 errors generated.\n");
  CHECK(cut.errors == 2);
  CHECK(cut.warnings == 3);
  CHECK(cut.diagnostics.size() == 1);
}

TEST_CASE("quality diagnostics: many are counted, the first hundred kept",
          "[quality][parsers]") {
  std::string text;
  for (int i = 1; i <= 150; ++i)
    text += "a.c:" + std::to_string(i) + ":1: warning: w\n";
  auto p = parse_gcc(text);
  CHECK(p.warnings == 150);
  CHECK(p.diagnostics.size() == max_diagnostics);
}

TEST_CASE("quality tsc: plain and --pretty output", "[quality][parsers]") {
  auto plain = parse_tsc(sample("tsc.txt"));
  CHECK(plain.errors == 3);
  CHECK(plain.warnings == 0);
  REQUIRE(plain.diagnostics.size() == 3);
  CHECK(to_string(plain.diagnostics[0]) == "src/app.ts:3:7: error: Type 'string' is not "
                                           "assignable to type 'number'. [TS2322]");
  CHECK(plain.diagnostics[2].rule == "TS2345");
  CHECK(plain.diagnostics[2].message ==
        "Argument of type '(x: number) => string' is not assignable to parameter of type "
        "'(x: number) => number'.");

  auto pretty = parse_tsc(sample("tsc_pretty.txt"));
  CHECK(pretty.errors == 3); // "Found 3 errors" agrees with the lines: not 6
  REQUIRE(pretty.diagnostics.size() == 3);
  CHECK(pretty.diagnostics[1].file == "src/util.ts");
  CHECK(pretty.diagnostics[1].line == 10);
  CHECK(pretty.diagnostics[1].column == 5);
  CHECK(pretty.diagnostics[1].rule == "TS2551");

  auto global = parse_tsc("error TS5023: Unknown compiler option 'strictest'.\n");
  CHECK(global.errors == 1);
  CHECK(to_string(global.diagnostics[0]) ==
        "error: Unknown compiler option 'strictest'. [TS5023]");

  auto found = parse_tsc("Found 4 errors. Watching for file changes.\n");
  CHECK(found.errors == 4);
}
