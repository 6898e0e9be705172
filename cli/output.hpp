#pragma once
// Human and JSON rendering for the `swarm` command.

#include <swarm/engine.hpp>

#include <boost/json/value.hpp>

#include <chrono>

namespace swarm::cli {

// Live progress: one self-rewriting line on a TTY, plain log lines otherwise.
class progress_printer {
public:
  progress_printer(bool tty, bool enabled) : tty_(tty), enabled_(enabled) {}
  void update(const progress& p);
  void finish();

private:
  bool tty_;
  bool enabled_;
  bool drawn_ = false;
  uint64_t last_done_ = ~0ull;
  std::chrono::steady_clock::time_point last_line_{};
};

void print_summary(const run_summary& s);
// After a stopped run: what went back to ready, and how to resume (`resume`: the
// command, e.g. "swarm run plan.md").
void print_stopped(const run_summary& s, const std::string& resume);
void print_status(const boost::json::value& v);
void print_tasks(const boost::json::value& v);
void print_task(const boost::json::value& v);
// A task's attempts (task.attempts): how each ended, what it used, and the total.
void print_attempts(const boost::json::value& v);
// "12345 tokens (1200 in, 345 out, 10000 cache read, 800 cache write), $0.42" — the
// cost as "no cost reported" when unset.
std::string usage_text(const model_usage& u);
void print_load(const boost::json::value& v);
void print_claim(const boost::json::value& v);
void print_agents(const boost::json::value& v);
void print_graph(const boost::json::value& v);
void print_graph_summary(const boost::json::value& v);
void print_quality(const boost::json::value& v);
void print_quality_baseline(const boost::json::value& v);
void print_agent(const boost::json::value& v);

} // namespace swarm::cli
