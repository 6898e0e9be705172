#pragma once
// A transport serving an engine over the command protocol (the control socket today;
// HTTP, MCP and NATS later). The engine owns its transports and destroys them before
// it stops its actors; a transport stops, and stops calling into the engine, when
// destroyed. Plain C++: no CAF.

#include <string>

namespace swarm {

class transport {
public:
  virtual ~transport() = default;
  // Where it listens: a socket path, an address.
  virtual const std::string& where() const = 0;
};

} // namespace swarm
