#pragma once
// The MCP server (Model Context Protocol: JSON-RPC 2.0, one message per line) over the
// command protocol. A session answers MCP messages and turns each tool call into one
// command-protocol request, carried by whatever reaches an engine: the control socket,
// engine::execute in-process, or the HTTP server's /mcp. It holds no domain logic: the
// tools are a table mapping names onto ops (service/mcp/mcp_tools.cpp).
//
// The session acts as one agent, fixed when it is made (SWARM_AGENT), never taken from a
// tool's arguments; tools that act as an agent refuse when it has none. Owned by one
// thread at a time (not thread-safe); nothing here throws.

#include <swarm/export.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace swarm {

// Sends one command-protocol request line and returns its reply line. A transport
// failure is answered as a reply ({"ok": false, "error": {"code", "message"}}).
using command_sender = std::function<std::string(const std::string& request_json)>;

struct mcp_options {
  std::string agent; // who the session acts as; empty: nobody
  std::string token; // the agent's credential, sent with each request when set
  // tools/list answers at most this many tools per page (then nextCursor). Larger than
  // the tool count, so that clients that do not page still see every tool.
  size_t page_size = 100;
};

class SWARM_API mcp_session {
public:
  mcp_session(command_sender send, mcp_options o);
  ~mcp_session();
  mcp_session(mcp_session&&) noexcept;
  mcp_session& operator=(mcp_session&&) noexcept;

  // One JSON-RPC message in; the reply line (no newline), or "" when none is due (a
  // notification, a client's response).
  std::string handle(std::string_view message);

  // The version initialize agreed; empty before initialize.
  const std::string& protocol_version() const;

private:
  struct SWARM_HIDDEN impl;
  std::unique_ptr<impl> impl_;
};

// The protocol versions initialize negotiates, oldest first.
SWARM_API const std::vector<std::string>& mcp_protocol_versions();

} // namespace swarm
