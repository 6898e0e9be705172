#include "quality/snapshot.hpp"

#include "quality/parse_text.hpp"

#include "src/enum_names.hpp"
#include "src/utf8.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <utility>

namespace swarm::quality {

namespace {

constexpr swarm::detail::dense_names<5> kind_names = {
    "", "build_broken", "new_failing_test", "more_errors", "more_warnings"};

const check_spec* spec_named(const std::vector<check_spec>& specs,
                             const std::string& name) {
  for (const auto& s : specs)
    if (s.name == name) return &s;
  return nullptr;
}

// "300 ms", "2 s", "1.5 s", "30 min"
std::string shown_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + " min";
  if (ms % 1000 == 0 || ms >= 10000) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}

// How `r` fails: "exit code 2", "timed out after 30 s", "killed by signal 9", "its
// output could not be read: ...".
std::string how_it_fails(const check_result& r, const check_spec* spec) {
  std::string s;
  if (r.timed_out)
    s = "timed out after " + shown_duration(spec != nullptr ? spec->timeout : r.duration);
  else if (r.signal != 0)
    s = "killed by signal " + std::to_string(r.signal);
  else if (r.exit_code != 0)
    s = "exit code " + std::to_string(r.exit_code);
  if (!r.output_error.empty())
    s += (s.empty() ? "" : "; ") + std::string{"its output could not be read: "} +
         r.output_error;
  return s;
}

std::vector<std::string> newly_failing(const check_result& base,
                                       const check_result& now) {
  std::vector<std::string> out;
  std::set_difference(now.failing_tests.begin(), now.failing_tests.end(),
                      base.failing_tests.begin(), base.failing_tests.end(),
                      std::back_inserter(out));
  return out;
}

// ---- the report

std::string short_commit(const std::string& id) {
  return id.substr(0, 12);
}

std::string plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// "a, b, c and 4 more"
std::string name_list(const std::vector<std::string>& names, size_t limit) {
  std::string s;
  const size_t shown = std::min(names.size(), limit);
  for (size_t i = 0; i < shown; ++i)
    s += (i > 0 ? ", " : "") + names[i];
  if (names.size() > shown) s += " and " + std::to_string(names.size() - shown) + " more";
  return s;
}

void diagnostics_of(std::string& out, const check_result& r, severity level,
                    const report_limits& limits) {
  size_t shown = 0;
  for (const auto& d : r.diagnostics) {
    if (d.level != level) continue;
    if (shown < limits.diagnostics) {
      out += "  " + to_string(d) + "\n";
      ++shown;
    }
  }
  const uint32_t total = level == severity::error ? r.errors : r.warnings;
  if (total > shown) out += "  ... and " + std::to_string(total - shown) + " more\n";
}

void count_line(std::string& out, const regression& g, const char* one,
                const char* many) {
  out += "- " + plural(g.after, one, many) + ", baseline " + std::to_string(g.before) +
         " (allowed +" + std::to_string(g.allowed) + ")\n";
}

void tail_of(std::string& out, const std::string& text, const report_limits& limits) {
  auto lines = detail::lines_of(text);
  while (!lines.empty() && lines.back().find_first_not_of(" \t\r") == std::string::npos)
    lines.pop_back();
  if (lines.empty()) return;
  const size_t first =
      lines.size() > limits.tail_lines ? lines.size() - limits.tail_lines : 0;
  out += "Output (last " + plural(lines.size() - first, "line", "lines") + "):\n";
  for (size_t i = first; i < lines.size(); ++i) {
    auto l = lines[i];
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    out += "  ";
    out += l.substr(0, limits.line_bytes);
    out += l.size() > limits.line_bytes ? " [...]\n" : "\n";
  }
}

} // namespace

const check_result* snapshot::find(std::string_view name) const {
  for (const auto& c : checks)
    if (c.name == name) return &c;
  return nullptr;
}

expected<snapshot> take_snapshot(harness::process_runner& runner,
                                 const std::vector<check_spec>& specs,
                                 const std::string& dir, std::string commit) {
  if (auto ok = validate(specs); !ok) return ok.error();
  snapshot s;
  s.commit = std::move(commit);
  s.taken = std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
  for (const auto& spec : specs) {
    auto r = run_check(runner, spec, dir);
    if (!r) return r.error();
    s.checks.push_back(std::move(*r));
  }
  return s;
}

const char* to_string(regression_kind k) noexcept {
  return swarm::detail::name_at(kind_names, k);
}

std::optional<regression_kind> parse_regression_kind(std::string_view name) noexcept {
  return swarm::detail::value_at<regression_kind>(kind_names, name);
}

std::vector<regression> compare(const snapshot& baseline, const snapshot& now,
                                const std::vector<check_spec>& specs) {
  std::vector<regression> out;
  for (const auto& c : now.checks) {
    const auto* spec = spec_named(specs, c.name);
    const auto* base = baseline.find(c.name);
    if (base == nullptr) {
      if (!c.passed)
        out.push_back({c.name, regression_kind::build_broken, 0, 0, 0, c.failing_tests,
                       how_it_fails(c, spec) + " (no baseline)"});
      continue;
    }
    const bool base_read = base->output_error.empty();
    if (base->passed && !c.passed)
      out.push_back({c.name,
                     regression_kind::build_broken,
                     0,
                     0,
                     0,
                     {},
                     how_it_fails(c, spec) + "; it passed in the baseline"});
    else if (base_read && !c.output_error.empty())
      out.push_back({c.name,
                     regression_kind::build_broken,
                     0,
                     0,
                     0,
                     {},
                     how_it_fails(c, spec) + "; the baseline's was read"});
    if (!base_read) continue;
    if (auto fresh = newly_failing(*base, c); !fresh.empty())
      out.push_back(
          {c.name, regression_kind::new_failing_test, 0, 0, 0, std::move(fresh), {}});
    // Beyond the baseline's count plus the allowance; compared in 64 bits.
    auto more = [&](regression_kind kind, uint32_t before, uint32_t after,
                    uint32_t allowed) {
      if (uint64_t{after} > uint64_t{before} + allowed)
        out.push_back({c.name, kind, before, after, allowed, {}, {}});
    };
    more(regression_kind::more_errors, base->errors, c.errors,
         spec != nullptr ? spec->allowed_new_errors : 0);
    more(regression_kind::more_warnings, base->warnings, c.warnings,
         spec != nullptr ? spec->allowed_new_warnings : 0);
  }
  return out;
}

std::string report(const snapshot& baseline, const snapshot& now,
                   const std::vector<regression>& regressions, report_limits limits) {
  if (regressions.empty()) return {};
  std::vector<std::string> checks;
  for (const auto& g : regressions)
    if (std::find(checks.begin(), checks.end(), g.check) == checks.end())
      checks.push_back(g.check);
  std::string out =
      "Quality gate failed at " + short_commit(now.commit) + " (baseline " +
      (baseline.commit.empty() ? std::string{"none"} : short_commit(baseline.commit)) +
      "): " + plural(checks.size(), "check", "checks") + " got worse.\n";
  for (const auto& name : checks) {
    const auto* r = now.find(name);
    out += "\nCheck '" + name + "'";
    if (r != nullptr) out += std::string{" ("} + to_string(r->format) + ")";
    out += ":\n";
    for (const auto& g : regressions) {
      if (g.check != name) continue;
      switch (g.kind) {
      case regression_kind::build_broken:
        out += "- it fails: " + g.detail + "\n";
        if (!g.tests.empty())
          out += "- failing tests (" + std::to_string(g.tests.size()) +
                 "): " + name_list(g.tests, limits.names) + "\n";
        break;
      case regression_kind::new_failing_test:
        out += "- new failing tests (" + std::to_string(g.tests.size()) +
               "): " + name_list(g.tests, limits.names) + "\n";
        break;
      case regression_kind::more_errors:
        count_line(out, g, "error", "errors");
        if (r != nullptr) diagnostics_of(out, *r, severity::error, limits);
        break;
      case regression_kind::more_warnings:
        count_line(out, g, "warning", "warnings");
        if (r != nullptr) diagnostics_of(out, *r, severity::warning, limits);
        break;
      }
    }
    if (r != nullptr) tail_of(out, r->output_tail, limits);
  }
  return valid_utf8(out);
}

} // namespace swarm::quality
