#pragma once
// An engine on a fresh database in a temp dir, driven through engine::execute with
// command-protocol requests: what the dispatcher's tests share. Main thread only.

#include "tests/support/temp_dir.hpp"

#include <swarm/swarm.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <memory>
#include <string>

namespace swarm::test {

struct command_session {
  temp_dir dir;
  std::unique_ptr<swarm::engine> engine;

  command_session() {
    swarm::options o;
    o.db_path = dir.file(".swarm/swarm.db");
    auto e = swarm::engine::open(o);
    REQUIRE(e);
    engine = std::move(*e);
  }

  // The reply to a request line, as an object.
  boost::json::object run(const std::string& request) {
    auto reply = boost::json::parse(engine->execute(request));
    REQUIRE(reply.is_object());
    return reply.as_object();
  }
  boost::json::object run(const char* request) { return run(std::string{request}); }
  boost::json::object run(const boost::json::value& request) {
    return run(boost::json::serialize(request));
  }
};

} // namespace swarm::test
