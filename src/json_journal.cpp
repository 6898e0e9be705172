// JSON shapes of journal events and engine metrics (see swarm/json.hpp for the rules).

#include <swarm/json.hpp>

#include "src/json_fields.hpp"
#include "src/json_shape.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

namespace swarm {

namespace json = boost::json;

namespace {

// The stored body as JSON: parsed; the text itself should it not be JSON (the journal
// only stores objects, so that is a damaged row, shown rather than hidden).
json::value body_of(const std::string& text) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return json::value(text);
  return v;
}

// The inverse of body_of: the text back.
void read_body(field_reader& r, const char* key, std::string& text) {
  const auto* p = r.raw(key);
  if (p == nullptr)
    text = "{}";
  else if (p->is_string())
    text = std::string{p->get_string()};
  else
    text = json::serialize(*p);
}

} // namespace

template <class F> static void shape(F& f, journal_entry& e) {
  f("seq", e.seq);
  f("ts_us", e.ts);
  f("kind", e.kind);
  f.custom("body", e.body, body_of, read_body);
}
SWARM_JSON_BY_SHAPE(journal_entry)

std::string journal_entry_json(const journal_entry& e) {
  // The keys and their order are shape()'s: every field but the body is encoded by
  // it, and the body's stored text goes in where shape() would put the parsed value.
  journal_entry head = e;
  head.body = "0";
  auto text = json::serialize(json::value_from(head));
  const std::string tail = "\"body\":0}";
  if (text.size() < tail.size() ||
      text.compare(text.size() - tail.size(), tail.size(), tail) != 0)
    return json::serialize(json::value_from(e)); // shape() changed its order
  text.resize(text.size() - 2);
  text += e.body.empty() ? std::string{"{}"} : e.body;
  text += '}';
  return text;
}

template <class F> static void shape(F& f, journal_page& p) {
  f("events", p.events);
  f("last_seq", p.last_seq);
}
SWARM_JSON_BY_SHAPE(journal_page)

template <class F> static void shape(F& f, labelled_count& c) {
  f("label", c.label);
  f("count", c.count);
}
SWARM_JSON_BY_SHAPE(labelled_count)

template <class F> static void shape(F& f, histogram_bucket& b) {
  f("le", b.le);
  f("count", b.count);
}
SWARM_JSON_BY_SHAPE(histogram_bucket)

template <class F> static void shape(F& f, latency_histogram& h) {
  f("buckets", h.buckets);
  f("sum_seconds", h.sum_seconds);
  f("count", h.count);
}
SWARM_JSON_BY_SHAPE(latency_histogram)

template <class F> static void shape(F& f, quality_figure& q) {
  f("check", q.check);
  f("of", q.of);
  f("passed", q.passed);
  f("errors", q.errors);
  f("warnings", q.warnings);
  f("failing_tests", q.failing_tests);
}
SWARM_JSON_BY_SHAPE(quality_figure)

template <class F> static void shape(F& f, engine_metrics& m) {
  f("tasks", m.tasks);
  f("agents", m.agents);
  f("model_runs", m.model_runs);
  f("claims_total", m.claims_total);
  f("completions_total", m.completions_total);
  f("mail_messages_total", m.mail_messages_total);
  f("reservations_active", m.reservations_active);
  f("journal_events_total", m.journal_events_total);
  f("journal_last_seq", m.journal_last_seq);
  f("journal_bytes", m.journal_bytes);
  f("commit_latency", m.commit_latency);
  f("usage", m.usage);
  f("quality_snapshots_total", m.quality_snapshots_total);
  f("quality_regressed_total", m.quality_regressed_total);
  f("quality_baselines_total", m.quality_baselines_total);
  f("quality", m.quality);
}
SWARM_JSON_BY_SHAPE(engine_metrics)

} // namespace swarm
