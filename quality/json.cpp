// JSON shapes of the quality types (declared in quality/check.hpp and snapshot.hpp),
// written once each with the shape functions of src/json_shape.hpp.

#include "quality/check.hpp"
#include "quality/snapshot.hpp"

#include "src/json_fields.hpp"
#include "src/json_shape.hpp"

#include <boost/json/value_from.hpp>

namespace swarm::quality {

namespace json = boost::json;

namespace {

std::string unknown_format(const std::string& n) {
  return "format '" + n + "' is not one of " + output_format_names();
}
std::string unknown_severity(const std::string& n) {
  return "severity '" + n + "' is not one of warning, error";
}
std::string unknown_kind(const std::string& n) {
  return "regression kind '" + n +
         "' is not one of build_broken, new_failing_test, more_errors, more_warnings";
}

// An enum as its name, both ways.
template <class E, class Parse, class Unknown>
expected<E> enum_from_json(const json_value& v, Parse parse, Unknown unknown) {
  if (!v.is_string()) return make_error(errc::bad_request, unknown("(not a string)"));
  const std::string name{v.get_string()};
  if (auto e = parse(name)) return *e;
  return make_error(errc::bad_request, unknown(name));
}

} // namespace

void tag_invoke(const json_from&, json_value& jv, output_format f) {
  jv = to_string(f);
}
expected<output_format> from_json(json_to<output_format>, const json_value& v) {
  return enum_from_json<output_format>(v, parse_output_format, unknown_format);
}

void tag_invoke(const json_from&, json_value& jv, severity s) {
  jv = to_string(s);
}
expected<severity> from_json(json_to<severity>, const json_value& v) {
  return enum_from_json<severity>(v, parse_severity, unknown_severity);
}

void tag_invoke(const json_from&, json_value& jv, regression_kind k) {
  jv = to_string(k);
}
expected<regression_kind> from_json(json_to<regression_kind>, const json_value& v) {
  return enum_from_json<regression_kind>(v, parse_regression_kind, unknown_kind);
}

template <class F> static void shape(F& f, check_spec& s) {
  f.required("name", s.name);
  f("command", s.command);
  f.named("format", s.format, parse_output_format, unknown_format);
  f("junit", s.junit);
  f("timeout_ms", s.timeout);
  f("allowed_new_errors", s.allowed_new_errors);
  f("allowed_new_warnings", s.allowed_new_warnings);
}
SWARM_JSON_BY_SHAPE(check_spec)

template <class F> static void shape(F& f, diagnostic& d) {
  f("file", d.file);
  f("line", d.line);
  f("column", d.column);
  f.named("severity", d.level, parse_severity, unknown_severity);
  f("message", d.message);
  f("rule", d.rule);
}
SWARM_JSON_BY_SHAPE(diagnostic)

template <class F> static void shape(F& f, test_counts& c) {
  f("total", c.total);
  f("passed", c.passed);
  f("failed", c.failed);
  f("skipped", c.skipped);
}
SWARM_JSON_BY_SHAPE(test_counts)

template <class F> static void shape(F& f, check_result& r) {
  f.required("name", r.name);
  f.named("format", r.format, parse_output_format, unknown_format);
  f("exit_code", r.exit_code);
  f("signal", r.signal);
  f("timed_out", r.timed_out);
  f("passed", r.passed);
  f("output_error", r.output_error);
  f("tests", r.tests); // omitted when the format gives no counts
  f("failing_tests", r.failing_tests);
  f("errors", r.errors);
  f("warnings", r.warnings);
  f("diagnostics", r.diagnostics);
  f("output_tail", r.output_tail);
  f("output_cut", r.output_cut);
  f("duration_ms", r.duration);
}
SWARM_JSON_BY_SHAPE(check_result)

template <class F> static void shape(F& f, snapshot& s) {
  f("commit", s.commit);
  f("taken_us", s.taken);
  f("checks", s.checks);
}
SWARM_JSON_BY_SHAPE(snapshot)

template <class F> static void shape(F& f, regression& g) {
  f.required("check", g.check);
  f.named("kind", g.kind, parse_regression_kind, unknown_kind);
  f("before", g.before);
  f("after", g.after);
  f("allowed", g.allowed);
  f("tests", g.tests);
  f("detail", g.detail);
}
SWARM_JSON_BY_SHAPE(regression)

} // namespace swarm::quality
