#include "service/http/metrics_text.hpp"

#include <swarm/json.hpp>

#include <boost/json/value_from.hpp>

#include <cmath>
#include <cstdio>

namespace swarm::http {

namespace {

// A sample value: integers as integers, others with enough digits to read back.
std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// A label value with \, " and newline escaped, as the format asks.
std::string escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

double as_double(const boost::json::value& v) {
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  return v.get_double();
}

class writer {
public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // A family of one unlabelled sample.
  void scalar(const char* name, const char* type, const char* help, double v) {
    family(name, type, help);
    sample(name, v);
  }
  void sample(const std::string& name, double v) {
    out_ += name + ' ' + number(v) + '\n';
  }
  void sample(const std::string& name, const char* label, const std::string& value,
              double v) {
    out_ += name + '{' + label + "=\"" + escaped(value) + "\"} " + number(v) + '\n';
  }
  // A sample of one quality check in one snapshot.
  void figure(const char* name, const quality_figure& q, double v) {
    out_ += std::string{name} + "{check=\"" + escaped(q.check) + "\",of=\"" + escaped(q.of) +
            "\"} " + number(v) + '\n';
  }
  void labelled(const char* name, const char* label,
                const std::vector<labelled_count>& counts) {
    for (const auto& c : counts)
      sample(name, label, c.label, static_cast<double>(c.count));
  }
  std::string take() { return std::move(out_); }

private:
  std::string out_;
};

} // namespace

std::string prometheus_text(const engine_metrics& m) {
  writer w;
  w.family("swarm_tasks", "gauge", "Tasks by state.");
  // The states are task_counts' keys in its JSON shape (one list of them).
  const auto tasks = boost::json::value_from(m.tasks);
  for (const auto& kv : tasks.as_object())
    if (kv.key() != "total" && kv.value().is_number())
      w.sample("swarm_tasks", "state", std::string{kv.key()}, as_double(kv.value()));
  w.family("swarm_agents", "gauge", "Agents by state.");
  w.labelled("swarm_agents", "state", m.agents);
  w.scalar("swarm_claims_total", "counter", "Task claims in the journal.",
           static_cast<double>(m.claims_total));
  w.scalar("swarm_completions_total", "counter", "Task completions in the journal.",
           static_cast<double>(m.completions_total));
  w.family("swarm_model_runs_total", "counter", "Finished model runs by outcome.");
  w.labelled("swarm_model_runs_total", "outcome", m.model_runs);
  w.family("swarm_model_tokens_total", "counter",
           "Tokens the model runs used, by kind, as their CLIs reported them.");
  const auto& u = m.usage;
  w.sample("swarm_model_tokens_total", "kind", "input", static_cast<double>(u.input_tokens));
  w.sample("swarm_model_tokens_total", "kind", "output",
           static_cast<double>(u.output_tokens));
  w.sample("swarm_model_tokens_total", "kind", "cache_read",
           static_cast<double>(u.cache_read_tokens));
  w.sample("swarm_model_tokens_total", "kind", "cache_write",
           static_cast<double>(u.cache_write_tokens));
  w.scalar("swarm_model_cost_usd_total", "counter",
           "US dollars the model runs cost, as their CLIs reported it (claude).",
           u.cost_usd.value_or(0));
  w.scalar("swarm_mail_messages_total", "counter", "Mail messages sent.",
           static_cast<double>(m.mail_messages_total));
  w.scalar("swarm_reservations_active", "gauge", "Active file reservations.",
           static_cast<double>(m.reservations_active));
  w.scalar("swarm_journal_events_total", "counter", "Events in the journal.",
           static_cast<double>(m.journal_events_total));
  w.scalar("swarm_journal_last_seq", "gauge",
           "The last committed journal sequence number.",
           static_cast<double>(m.journal_last_seq));
  w.scalar("swarm_journal_bytes", "gauge", "Size of the database file and its WAL.",
           static_cast<double>(m.journal_bytes));
  w.family("swarm_commit_latency_seconds", "histogram",
           "Time from a batch's arrival at the journal writer to its commit.");
  const auto& h = m.commit_latency;
  for (const auto& b : h.buckets)
    w.sample("swarm_commit_latency_seconds_bucket", "le", number(b.le),
             static_cast<double>(b.count));
  w.sample("swarm_commit_latency_seconds_bucket", "le", "+Inf",
           static_cast<double>(h.count));
  w.sample("swarm_commit_latency_seconds_sum", h.sum_seconds);
  w.sample("swarm_commit_latency_seconds_count", static_cast<double>(h.count));
  w.scalar("swarm_quality_snapshots_total", "counter",
           "Tasks' work the quality gates checked.",
           static_cast<double>(m.quality_snapshots_total));
  w.scalar("swarm_quality_regressed_total", "counter",
           "Checked work that got worse than the baseline (failed, not merged).",
           static_cast<double>(m.quality_regressed_total));
  w.scalar("swarm_quality_baselines_total", "counter", "Quality baselines recorded.",
           static_cast<double>(m.quality_baselines_total));
  if (m.quality.empty()) return w.take();
  w.family(
      "swarm_quality_check_passed", "gauge",
      "1 when the check passed, in the newest baseline (of=baseline) or task snapshot "
      "(of=latest).");
  for (const auto& q : m.quality)
    w.figure("swarm_quality_check_passed", q, q.passed ? 1 : 0);
  w.family("swarm_quality_errors", "gauge", "Errors the check found.");
  for (const auto& q : m.quality)
    w.figure("swarm_quality_errors", q, static_cast<double>(q.errors));
  w.family("swarm_quality_warnings", "gauge", "Warnings the check found.");
  for (const auto& q : m.quality)
    w.figure("swarm_quality_warnings", q, static_cast<double>(q.warnings));
  w.family("swarm_quality_failing_tests", "gauge", "Tests failing in the check.");
  for (const auto& q : m.quality)
    w.figure("swarm_quality_failing_tests", q, static_cast<double>(q.failing_tests));
  return w.take();
}

} // namespace swarm::http
