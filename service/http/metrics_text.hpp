#pragma once
// GET /metrics: the engine's numbers (engine_metrics, op "metrics") as Prometheus text
// exposition format 0.0.4, every family with its HELP and TYPE lines. Pure: any thread.

#include <swarm/types.hpp>

#include <string>

namespace swarm::http {

constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

std::string prometheus_text(const engine_metrics& m);

} // namespace swarm::http
