// The test-runner formats of quality/parsers.hpp: JUnit XML, ctest, pytest, TAP.

#include "quality/parse_text.hpp"
#include "quality/parsers.hpp"
#include "quality/xml.hpp"

#include <algorithm>
#include <cctype>

namespace swarm::quality {

using namespace detail;

namespace {

// ---- JUnit XML

std::string case_name(const xml_element& c) {
  const std::string* name = c.attribute("name");
  const std::string* cls = c.attribute("classname");
  if (cls == nullptr || cls->empty() || *cls == *name) return *name;
  return *cls + "." + *name;
}

// Every <testcase> under `e` into `out`; false (and `problem`) at the first bad one.
bool collect_cases(const xml_element& e, const std::string& source, parsed_output& out,
                   std::optional<error>& problem) {
  for (const auto& c : e.children) {
    if (c.name != "testcase") {
      if (!collect_cases(c, source, out, problem)) return false;
      continue;
    }
    if (c.attribute("name") == nullptr) {
      problem = make_error(errc::bad_request, source + ":" + std::to_string(c.line) +
                                                  ":" + std::to_string(c.column) +
                                                  ": <testcase> has no 'name' attribute");
      return false;
    }
    auto& counts = *out.tests;
    ++counts.total;
    if (c.child("failure") != nullptr || c.child("error") != nullptr) {
      ++counts.failed;
      out.failing_tests.push_back(case_name(c));
    } else if (c.child("skipped") != nullptr) {
      ++counts.skipped;
    } else {
      ++counts.passed;
    }
  }
  return true;
}

// ---- ctest

// "50% tests passed, 3 tests failed out of 6": {failed, total}.
std::optional<std::pair<uint32_t, uint32_t>> ctest_summary(std::string_view line) {
  const auto mark = line.find("% tests passed, ");
  if (mark == line.npos) return std::nullopt;
  auto rest = line.substr(mark + 16);
  const auto space = rest.find(' ');
  if (space == rest.npos) return std::nullopt;
  const auto failed = number(rest.substr(0, space));
  rest.remove_prefix(space + 1);
  for (std::string_view word : {"tests failed out of ", "test failed out of "})
    if (starts_with(rest, word)) {
      const auto total = number(trimmed(rest.substr(word.size())));
      if (failed && total) return std::pair{*failed, *total};
    }
  return std::nullopt;
}

// "\t  12 - name with spaces (Failed)": the name; nullopt for another line.
std::optional<std::string> ctest_listed(std::string_view line) {
  auto t = trimmed(line);
  const auto dash = t.find(" - ");
  if (dash == t.npos || !number(t.substr(0, dash))) return std::nullopt;
  auto rest = t.substr(dash + 3);
  const auto paren = rest.rfind(" (");
  if (paren == rest.npos || rest.back() != ')') return std::nullopt;
  return std::string{rest.substr(0, paren)};
}

// ---- pytest

struct pytest_counts {
  uint32_t passed = 0, failed = 0, errors = 0, skipped = 0, xfailed = 0, xpassed = 0;
};

// "==== 2 failed, 5 passed, 1 skipped in 0.12s (0:00:00) ====" or the bare form.
std::optional<pytest_counts> pytest_summary(std::string_view line) {
  auto t = trimmed(line);
  while (!t.empty() && t.front() == '=')
    t.remove_prefix(1);
  while (!t.empty() && t.back() == '=')
    t.remove_suffix(1);
  t = trimmed(t);
  const auto in = t.rfind(" in ");
  if (in == t.npos) return std::nullopt;
  auto time = t.substr(in + 4);
  time = time.substr(0, time.find(' ')); // "(0:00:12)" may follow
  if (time.size() < 2 || time.back() != 's' ||
      time.find_first_not_of("0123456789.") != time.size() - 1)
    return std::nullopt;
  auto parts = t.substr(0, in);
  pytest_counts c;
  if (parts == "no tests ran") return c;
  while (!parts.empty()) {
    const auto comma = parts.find(", ");
    const auto part = parts.substr(0, comma);
    parts = comma == parts.npos ? std::string_view{} : parts.substr(comma + 2);
    const auto space = part.find(' ');
    if (space == part.npos) return std::nullopt;
    const auto n = number(part.substr(0, space));
    const auto word = part.substr(space + 1);
    if (!n) return std::nullopt;
    if (word == "passed")
      c.passed += *n;
    else if (word == "failed")
      c.failed += *n;
    else if (word == "error" || word == "errors")
      c.errors += *n;
    else if (word == "skipped")
      c.skipped += *n;
    else if (word == "xfailed")
      c.xfailed += *n;
    else if (word == "xpassed")
      c.xpassed += *n;
    else if (word != "warning" && word != "warnings" && word != "deselected" &&
             word != "rerun" && word != "reruns")
      return std::nullopt;
  }
  return c;
}

// A failing node id from a short-summary line or a -v result line.
std::optional<std::string> pytest_failing(std::string_view line) {
  for (std::string_view tag : {"FAILED ", "ERROR "})
    if (starts_with(line, tag)) {
      auto rest = line.substr(tag.size());
      return std::string{trimmed(rest.substr(0, rest.find(" - ")))};
    }
  const auto space = line.find(' ');
  if (space == line.npos) return std::nullopt;
  const auto id = line.substr(0, space);
  const auto verdict = trimmed(line.substr(space + 1));
  if (id.find("::") == id.npos) return std::nullopt;
  if (starts_with(verdict, "FAILED") || starts_with(verdict, "ERROR"))
    return std::string{id};
  return std::nullopt;
}

// ---- TAP

bool directive_is(std::string_view directive, std::string_view word) {
  if (directive.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(directive[i])) != word[i]) return false;
  return directive.size() == word.size() ||
         !std::isalpha(static_cast<unsigned char>(directive[word.size()]));
}

} // namespace

expected<parsed_output> parse_junit(std::string_view xml, const std::string& source) {
  auto root = parse_xml(xml, source);
  if (!root) return root.error();
  if (root->name != "testsuites" && root->name != "testsuite")
    return make_error(errc::bad_request,
                      source + ":" + std::to_string(root->line) + ":" +
                          std::to_string(root->column) + ": the root element is <" +
                          root->name +
                          ">, not <testsuites> or <testsuite>: not a JUnit XML report");
  parsed_output out;
  out.tests = test_counts{};
  std::optional<error> problem;
  xml_element top;
  if (root->name == "testsuite") {
    top.children.push_back(std::move(*root));
  } else {
    top = std::move(*root);
  }
  if (!collect_cases(top, source, out, problem)) return *problem;
  settle_names(out);
  return out;
}

expected<parsed_output> parse_ctest(std::string_view text) {
  const auto plain = plain_text(text);
  const auto lines = lines_of(plain);
  parsed_output out;
  test_counts counts;
  bool found = false;
  uint32_t not_run = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto line = lines[i];
    if (auto s = ctest_summary(line)) {
      found = true;
      counts.failed += s->first;
      counts.total += s->second;
    } else if (trimmed(line) == "No tests were found!!!") {
      found = true;
    } else if (trimmed(line) == "The following tests FAILED:") {
      while (i + 1 < lines.size())
        if (auto name = ctest_listed(lines[i + 1])) {
          out.failing_tests.push_back(std::move(*name));
          ++i;
        } else {
          break;
        }
    } else if (trimmed(line) == "The following tests did not run:") {
      while (i + 1 < lines.size() && ctest_listed(lines[i + 1])) {
        ++not_run;
        ++i;
      }
    }
  }
  if (!found)
    return make_error(errc::bad_request,
                      "no ctest summary ('NN% tests passed, F tests failed out of T' or "
                      "'No tests were found!!!') in the output: is format = \"ctest\" "
                      "right for this command?");
  counts.failed = std::min(counts.failed, counts.total);
  counts.skipped = std::min(not_run, counts.total - counts.failed);
  counts.passed = counts.total - counts.failed - counts.skipped;
  out.tests = counts;
  settle_names(out);
  return out;
}

expected<parsed_output> parse_pytest(std::string_view text) {
  const auto plain = plain_text(text);
  parsed_output out;
  std::optional<pytest_counts> last;
  for (auto line : lines_of(plain)) {
    if (auto s = pytest_summary(line))
      last = s;
    else if (auto name = pytest_failing(line))
      out.failing_tests.push_back(std::move(*name));
  }
  if (!last)
    return make_error(errc::bad_request,
                      "no pytest summary line (such as '==== 2 failed, 5 passed in 0.12s "
                      "====') in the output: is format = \"pytest\" right for this "
                      "command, and does it run pytest without -qq?");
  test_counts c;
  c.passed = last->passed + last->xpassed;
  c.failed = last->failed + last->errors;
  c.skipped = last->skipped + last->xfailed;
  c.total = c.passed + c.failed + c.skipped;
  out.tests = c;
  settle_names(out);
  return out;
}

expected<parsed_output> parse_tap(std::string_view text) {
  const auto plain = plain_text(text);
  const auto lines = lines_of(plain);
  parsed_output out;
  test_counts c;
  std::optional<uint32_t> plan;
  size_t plan_line = 0;
  std::optional<std::string> bail_out;
  for (size_t i = 0; i < lines.size() && !bail_out; ++i) {
    const auto line = lines[i];
    if (starts_with(line, "1..")) {
      auto rest = line.substr(3);
      const auto n = number(trimmed(rest.substr(0, rest.find('#'))));
      if (!n)
        return make_error(errc::bad_request, "line " + std::to_string(i + 1) + ": '" +
                                                 std::string{line} +
                                                 "' is not a TAP plan (write 1..N)");
      if (plan)
        return make_error(errc::bad_request,
                          "line " + std::to_string(i + 1) + ": a second TAP plan '" +
                              std::string{line} + "' (the first is on line " +
                              std::to_string(plan_line) + ")");
      plan = *n;
      plan_line = i + 1;
    } else if (starts_with(line, "Bail out!")) {
      bail_out = std::string{trimmed(line.substr(9))};
    } else if (line == "ok" || line == "not ok" || starts_with(line, "ok ") ||
               starts_with(line, "not ok ")) {
      const bool ok = starts_with(line, "ok");
      auto rest = line.substr(ok ? 2 : 6);
      std::string_view directive;
      if (const auto hash = rest.find(" #"); hash != rest.npos) {
        directive = trimmed(rest.substr(hash + 2));
        rest = rest.substr(0, hash);
      }
      rest = trimmed(rest);
      const auto digits = rest.substr(0, rest.find_first_not_of("0123456789"));
      const auto num = number(digits);
      rest = trimmed(rest.substr(digits.size()));
      if (starts_with(rest, "- ") || rest == "-") rest = trimmed(rest.substr(1));
      ++c.total;
      if (directive_is(directive, "skip")) {
        ++c.skipped;
      } else if (directive_is(directive, "todo")) {
        ok ? ++c.passed : ++c.skipped;
      } else if (ok) {
        ++c.passed;
      } else {
        ++c.failed;
        out.failing_tests.push_back(rest.empty()
                                        ? "test " + std::to_string(num.value_or(c.total))
                                        : std::string{rest});
      }
    }
  }
  if (!plan && c.total == 0 && !bail_out)
    return make_error(
        errc::bad_request,
        "no TAP plan ('1..N') and no test line ('ok 1 - ...') in the output: "
        "is format = \"tap\" right for this command?");
  const uint32_t ran = c.total;
  if (bail_out) {
    const uint32_t missing = plan && *plan > ran ? *plan - ran : 1;
    c.failed += missing;
    c.total += missing;
    out.failing_tests.push_back(bail_out->empty() ? "Bail out!"
                                                  : "Bail out! " + *bail_out);
  } else if (plan && *plan != ran) {
    if (*plan > ran) {
      c.failed += *plan - ran;
      c.total = *plan;
    }
    out.failing_tests.push_back("planned " + std::to_string(*plan) + " tests, ran " +
                                std::to_string(ran));
  }
  out.tests = c;
  settle_names(out);
  return out;
}

} // namespace swarm::quality
