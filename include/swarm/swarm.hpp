#pragma once
// Umbrella header for programs embedding swarm.
#include <swarm/engine.hpp>
#include <swarm/error.hpp>
#include <swarm/options.hpp>
#include <swarm/graph.hpp>
#include <swarm/mcp.hpp>
#include <swarm/types.hpp>
