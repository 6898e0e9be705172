#pragma once
// A `swarm` command serving HTTP on 127.0.0.1 with any free port (`serve`, or `run
// --serve`), up and answering once it printed where, and its operator token: what every
// HTTP end-to-end test drives. Requests go through cpp-httplib's client with the token.

#include "tests/e2e/e2e_support.hpp"

#include <httplib.h>

#include <string>
#include <vector>

namespace e2e {

struct served {
  explicit served(const temp_dir& dir,
                  std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:0"})
      : proc{dir.path(), std::move(args)} {
    const std::string prefix = "serving http://127.0.0.1:";
    REQUIRE(poll_until(20s, [&] {
      if (!proc.running()) FAIL("it ended early: " << proc.result());
      auto out = proc.result().out;
      auto at = out.find(prefix);
      if (at == std::string::npos || out.find('\n', at) == std::string::npos)
        return false;
      port = std::stoi(out.substr(at + prefix.size()));
      return true;
    }));
    token = read_text(dir / ".swarm" / "token");
    while (!token.empty() && token.back() == '\n')
      token.pop_back();
    REQUIRE(token.size() == 64);
  }

  httplib::Client client() const {
    httplib::Client c{"127.0.0.1", port};
    c.set_connection_timeout(5);
    c.set_read_timeout(20);
    return c;
  }
  httplib::Headers auth() const { return {{"Authorization", "Bearer " + token}}; }

  httplib::Result get(const std::string& path) const {
    return client().Get(path.c_str(), auth());
  }
  httplib::Result post(const std::string& path, const std::string& body) const {
    return client().Post(path.c_str(), auth(), body, "application/json");
  }
  httplib::Result patch(const std::string& path, const std::string& body) const {
    return client().Patch(path.c_str(), auth(), body, "application/json");
  }
  // POST /api/command.
  httplib::Result command(const std::string& body) const {
    return post("/api/command", body);
  }

  process proc;
  int port = 0;
  std::string token;
};

} // namespace e2e
