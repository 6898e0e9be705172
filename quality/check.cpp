#include "quality/check.hpp"

#include "quality/parse_text.hpp"

#include "src/enum_names.hpp"
#include "src/hash.hpp"
#include "src/utf8.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

namespace fs = std::filesystem;

namespace swarm::quality {

namespace {

constexpr swarm::detail::dense_names<10> format_names = {
    "", "exit", "junit", "ctest", "pytest", "tap", "eslint", "gcc", "clang", "tsc"};

error bad_spec(const check_spec& spec, const std::string& what) {
  return make_error(errc::bad_request, "quality check '" + spec.name + "': " + what);
}

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
  });
}

// ---- the JUnit files of a run

// A report file as it was: a file whose time and bytes are both unchanged after
// the run was not written by it (or written the same within the file system's clock
// tick, which reads the same anyway).
struct file_state {
  fs::file_time_type time;
  uint64_t hash = 0;
  bool operator==(const file_state& o) const { return time == o.time && hash == o.hash; }
};
using file_states = std::map<std::string, file_state>;

// The files `entry` stands for now: itself, or the *.xml files directly in it.
std::vector<fs::path> junit_files(const fs::path& entry) {
  std::error_code ec;
  if (!fs::is_directory(entry, ec)) return {entry};
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(entry, ec))
    if (f.path().extension() == ".xml" && f.is_regular_file(ec))
      files.push_back(f.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

file_states junit_states(const check_spec& spec, const fs::path& dir) {
  file_states states;
  for (const auto& entry : spec.junit)
    for (const auto& f : junit_files(dir / entry)) {
      std::error_code ec;
      const auto t = fs::last_write_time(f, ec);
      auto bytes = read_file(f);
      if (!ec && bytes) states[f.string()] = {t, fnv1a<uint64_t>(*bytes)};
    }
  return states;
}

void merge(parsed_output& into, parsed_output&& part) {
  if (part.tests) {
    auto& t = into.tests.emplace(into.tests.value_or(test_counts{}));
    t.total += part.tests->total;
    t.passed += part.tests->passed;
    t.failed += part.tests->failed;
    t.skipped += part.tests->skipped;
  }
  into.failing_tests.insert(into.failing_tests.end(), part.failing_tests.begin(),
                            part.failing_tests.end());
}

// The reports this run wrote, parsed and merged; an error for a report missing, stale
// or malformed.
expected<parsed_output> read_junit(const check_spec& spec, const fs::path& dir,
                                   const file_states& before) {
  parsed_output all;
  all.tests = test_counts{};
  for (const auto& entry : spec.junit) {
    const auto files = junit_files(dir / entry);
    if (files.empty())
      return make_error(errc::bad_request,
                        "junit: no *.xml report in the directory " + entry);
    for (const auto& f : files) {
      const auto shown = f.lexically_relative(dir).string();
      std::error_code ec;
      const auto t = fs::last_write_time(f, ec);
      if (ec)
        return make_error(errc::bad_request, "junit: the report " + shown +
                                                 " was not written (" + ec.message() +
                                                 "): does the command write it there?");
      auto text = read_file(f);
      if (!text) return make_error(errc::bad_request, "junit: cannot read " + shown);
      const auto old = before.find(f.string());
      if (old != before.end() && old->second == file_state{t, fnv1a<uint64_t>(*text)})
        return make_error(errc::bad_request, "junit: the report " + shown +
                                                 " was not rewritten by this run (it is "
                                                 "left from an earlier one)");
      auto parsed = parse_junit(*text, shown);
      if (!parsed) return parsed.error();
      merge(all, std::move(*parsed));
    }
  }
  return all;
}

// stdout, then stderr on a line of its own.
std::string both_streams(const std::string& out, const std::string& err) {
  if (out.empty() || out.back() == '\n') return out + err;
  return out + "\n" + err;
}

expected<parsed_output> parse(const check_spec& spec, const fs::path& dir,
                              const file_states& before, const std::string& out,
                              const std::string& err) {
  switch (spec.format) {
  case output_format::exit:
    return parsed_output{};
  case output_format::junit:
    return read_junit(spec, dir, before);
  case output_format::ctest:
    return parse_ctest(both_streams(out, err));
  case output_format::pytest:
    return parse_pytest(both_streams(out, err));
  case output_format::tap:
    return parse_tap(both_streams(out, err));
  case output_format::eslint:
    return parse_eslint(out);
  case output_format::gcc:
    return parse_gcc(both_streams(out, err));
  case output_format::clang:
    return parse_clang(both_streams(out, err));
  case output_format::tsc:
    return parse_tsc(both_streams(out, err));
  }
  return make_error(errc::internal, "unknown output format");
}

// Diagnostic paths under `dir` made relative to it (shorter, and the same in every
// worktree), and the texts valid UTF-8 for the journal.
void tidy(parsed_output& p, const fs::path& dir) {
  for (auto& n : p.failing_tests)
    n = valid_utf8(n);
  detail::settle_names(p); // also merges what several JUnit reports named
  std::vector<std::string> prefixes{dir.string() + "/"};
  std::error_code ec;
  const auto canonical = fs::canonical(dir, ec);
  if (!ec && canonical != dir) prefixes.push_back(canonical.string() + "/");
  for (auto& d : p.diagnostics) {
    d.file = valid_utf8(d.file);
    d.message = valid_utf8(d.message);
    for (const auto& p : prefixes)
      if (d.file.size() > p.size() && d.file.compare(0, p.size(), p) == 0) {
        d.file.erase(0, p.size());
        break;
      }
  }
}

std::string tail(const std::string& s, size_t max) {
  return s.size() > max ? s.substr(s.size() - max) : s;
}

} // namespace

const char* to_string(output_format f) noexcept {
  return swarm::detail::name_at(format_names, f);
}

std::optional<output_format> parse_output_format(std::string_view name) noexcept {
  return swarm::detail::value_at<output_format>(format_names, name);
}

std::string output_format_names() {
  std::string s;
  for (size_t i = 1; i < format_names.size(); ++i)
    s += (i > 1 ? ", " : "") + std::string{format_names[i]};
  return s;
}

expected<void> validate(const check_spec& spec) {
  if (spec.name.empty())
    return make_error(errc::bad_request,
                      "a quality check needs a name: write [quality.<name>], the name of "
                      "letters, digits, '-' and '_' (for example [quality.build])");
  if (!valid_name(spec.name))
    return bad_spec(spec, "the name may hold only letters, digits, '-' and '_'");
  if (spec.command.find_first_not_of(" \t\n") == std::string::npos)
    return bad_spec(spec, "'command' is empty: write the shell command that runs the "
                          "check, e.g. command = \"make test\"");
  if (to_string(spec.format) == std::string_view{"unknown"})
    return bad_spec(spec, "'format' must be one of " + output_format_names());
  if (spec.format == output_format::junit && spec.junit.empty())
    return bad_spec(spec, "format = \"junit\" needs 'junit', the report file(s) the "
                          "command writes relative to the checked directory, e.g. "
                          "junit = [\"build/junit.xml\"]");
  if (spec.format != output_format::junit && !spec.junit.empty())
    return bad_spec(spec,
                    "'junit' applies only to format = \"junit\" (this check's format "
                    "is \"" +
                        std::string{to_string(spec.format)} +
                        "\"): remove it or set format = \"junit\"");
  for (const auto& p : spec.junit) {
    const fs::path path{p};
    const bool escapes = std::any_of(path.begin(), path.end(),
                                     [](const fs::path& part) { return part == ".."; });
    if (p.empty() || path.is_absolute() || escapes)
      return bad_spec(spec,
                      "'junit' entry '" + p +
                          "' must be a path relative to the "
                          "checked directory and inside it, e.g. \"build/junit.xml\"");
  }
  if (spec.timeout.count() <= 0)
    return bad_spec(spec, "'timeout' must be longer than 0, e.g. \"10m\"");
  return {};
}

expected<void> validate(const std::vector<check_spec>& specs) {
  for (size_t i = 0; i < specs.size(); ++i) {
    if (auto ok = validate(specs[i]); !ok) return ok;
    for (size_t k = 0; k < i; ++k)
      if (specs[k].name == specs[i].name)
        return bad_spec(specs[i], "defined twice: give each check its own name");
  }
  return {};
}

expected<check_spec> spec_of(const quality_check& c) {
  check_spec spec;
  spec.name = c.name;
  spec.command = c.command;
  auto format = parse_output_format(c.format);
  if (!format)
    return bad_spec(spec, "'format' must be one of " + output_format_names() + ", not \"" +
                              c.format + "\"");
  spec.format = *format;
  spec.junit = c.junit;
  spec.timeout = c.timeout;
  spec.allowed_new_errors = c.allowed_new_errors;
  spec.allowed_new_warnings = c.allowed_new_warnings;
  if (auto ok = validate(spec); !ok) return ok.error();
  return spec;
}

expected<std::vector<check_spec>> specs_of(const std::vector<quality_check>& checks) {
  std::vector<check_spec> out;
  for (const auto& c : checks) {
    auto spec = spec_of(c);
    if (!spec) return spec.error();
    out.push_back(std::move(*spec));
  }
  if (auto ok = validate(out); !ok) return ok.error();
  return out;
}

expected<check_result> run_check(harness::process_runner& runner, const check_spec& spec,
                                 const std::string& dir) {
  if (auto ok = validate(spec); !ok) return ok.error();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return make_error(errc::not_found, "quality check '" + spec.name + "': " + dir +
                                           " is not a directory");
  const auto where = fs::absolute(dir).lexically_normal();
  const fs::path root = where.has_filename() ? where : where.parent_path();
  const auto before = junit_states(spec, root);

  harness::process_spec p;
  p.argv = {"sh", "-c", spec.command};
  p.cwd = root.string();
  p.timeout = spec.timeout;
  p.output_cap_bytes = parse_cap_bytes;
  auto run = runner.run(std::move(p));
  if (!run)
    return make_error(errc::io_error, "quality check '" + spec.name +
                                          "': cannot run sh: " + run.error().message);

  check_result r;
  r.name = spec.name;
  r.format = spec.format;
  r.exit_code = run->exit_code;
  r.signal = run->signal;
  r.timed_out = run->timed_out;
  r.duration = std::chrono::milliseconds{static_cast<int64_t>(run->duration_s * 1000)};
  r.output_cut = run->stdout_truncated || run->stderr_truncated;
  auto parsed = parse(spec, root, before, run->stdout_text, run->stderr_text);
  if (parsed) {
    tidy(*parsed, root);
    r.tests = parsed->tests;
    r.failing_tests = std::move(parsed->failing_tests);
    r.errors = parsed->errors;
    r.warnings = parsed->warnings;
    r.diagnostics = std::move(parsed->diagnostics);
  } else {
    r.output_error = valid_utf8(parsed.error().message);
  }
  r.passed = r.exit_code == 0 && !r.timed_out && r.output_error.empty();
  auto kept =
      tail(run->stdout_text, check_tail_bytes) + tail(run->stderr_text, check_tail_bytes);
  r.output_tail = valid_utf8(tail(kept, check_tail_bytes));
  return r;
}

} // namespace swarm::quality

namespace swarm {

expected<void> validate(const quality_check& c) {
  auto spec = quality::spec_of(c);
  if (!spec) return spec.error();
  return {};
}

} // namespace swarm
