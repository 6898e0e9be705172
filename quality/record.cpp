#include "quality/record.hpp"

#include "src/time_units.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <optional>

namespace swarm::quality {

namespace json = boost::json;

namespace {

// A record's body as an object, or nullopt when it does not parse as one.
std::optional<json::object> body_of(const journal_entry& entry) {
  json::error_code ec;
  auto v = json::parse(entry.body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

const json::array* checks_of(const json::object& body) {
  const auto* snap = body.if_contains("snapshot");
  if (snap == nullptr || !snap->is_object()) return nullptr;
  const auto* list = snap->as_object().if_contains("checks");
  return list != nullptr && list->is_array() ? &list->as_array() : nullptr;
}

uint64_t count(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_array()) return v->as_array().size();
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64()) return static_cast<uint64_t>(std::max<int64_t>(0, v->get_int64()));
  return 0;
}

bool flag(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

json::value field(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr ? *v : json::value{};
}

// Each check of a snapshot as its figures (one list of the figures a point carries).
template <class Each> void each_check(const json::object& body, Each&& each) {
  if (const auto* list = checks_of(body))
    for (const auto& c : *list)
      if (c.is_object()) each(c.as_object());
}

json::object point(const journal_entry& entry, const json::object& body, bool baseline) {
  json::array checks;
  each_check(body, [&](const json::object& c) {
    checks.push_back(json::object{{"name", field(c, "name")},
                                  {"passed", flag(c, "passed")},
                                  {"errors", count(c, "errors")},
                                  {"warnings", count(c, "warnings")},
                                  {"failing_tests", count(c, "failing_tests")}});
  });
  json::object p{{"seq", entry.seq},
                 {"ts_us", to_us(entry.ts)},
                 {"baseline", baseline},
                 {"task", field(body, "task")},
                 {"attempt", field(body, "attempt")},
                 {"agent", field(body, "agent")},
                 {"commit", field(body, "commit")},
                 {"regressions", count(body, "regressions")}};
  if (baseline) {
    p["integration"] = field(body, "integration");
    p["by"] = body.contains("by") ? field(body, "by") : field(body, "agent");
    p["adopted"] = flag(body, "adopted");
  }
  p["checks"] = std::move(checks);
  return p;
}

// Whether a record is a baseline: every quality.baseline, and what older journals kept
// as a quality.snapshot with baseline true.
bool is_baseline(const journal_entry& entry, const json::object& body) {
  return entry.kind == "quality.baseline" || flag(body, "baseline");
}

// A baseline's point with everything its snapshot found.
json::object shown_baseline(const json::object& point, const json::object& body) {
  auto shown = point;
  shown["snapshot"] = field(body, "snapshot");
  return shown;
}

} // namespace

json_value baseline_view(const journal_entry& baseline) {
  auto body = body_of(baseline);
  if (!body) return nullptr;
  return shown_baseline(point(baseline, *body, true), *body);
}

json_value summary(const std::vector<journal_entry>& baselines,
                   const std::vector<journal_entry>& snapshots) {
  std::vector<const journal_entry*> all;
  all.reserve(baselines.size() + snapshots.size());
  for (const auto& e : baselines) all.push_back(&e);
  for (const auto& e : snapshots) all.push_back(&e);
  std::sort(all.begin(), all.end(),
            [](const journal_entry* a, const journal_entry* b) { return a->seq < b->seq; });
  json::value baseline = nullptr, latest = nullptr;
  json::array trend, worse;
  for (const auto* entry : all) {
    auto body = body_of(*entry);
    if (!body) continue;
    const bool base = is_baseline(*entry, *body);
    auto p = point(*entry, *body, base);
    if (base) {
      baseline = shown_baseline(p, *body);
    } else {
      latest = p;
      if (count(*body, "regressions") > 0)
        worse.push_back(json::object{{"task", field(*body, "task")},
                                     {"attempt", field(*body, "attempt")},
                                     {"agent", field(*body, "agent")},
                                     {"commit", field(*body, "commit")},
                                     {"worse", field(*body, "worse")}});
    }
    trend.push_back(std::move(p));
  }
  return json::object{{"baseline", std::move(baseline)},
                      {"latest", std::move(latest)},
                      {"trend", std::move(trend)},
                      {"regressions", std::move(worse)}};
}

std::vector<quality_figure> figures(const journal_entry* baseline,
                                    const journal_entry* latest) {
  std::vector<quality_figure> out;
  const auto add = [&](const journal_entry* entry, const char* of) {
    if (entry == nullptr) return;
    auto body = body_of(*entry);
    if (!body) return;
    each_check(*body, [&](const json::object& c) {
      const auto* name = c.if_contains("name");
      if (name == nullptr || !name->is_string()) return;
      out.push_back({std::string{name->get_string()}, of, flag(c, "passed"),
                     count(c, "errors"), count(c, "warnings"), count(c, "failing_tests")});
    });
  };
  add(baseline, "baseline");
  add(latest, "latest");
  return out;
}

} // namespace swarm::quality
