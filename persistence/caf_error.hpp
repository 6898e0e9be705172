#pragma once
// swarm::errc as a CAF error category, and conversions both ways. Included by actor
// .cpp files and actors/messages.hpp only (it pulls in CAF).

#include <swarm/error.hpp>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

#include <string>

namespace swarm {

constexpr caf::atom_value errc_category = caf::atom("swarm");

// A CAF error carrying a swarm code and a message (the error's context).
inline caf::error to_caf(const error& e) {
  return caf::error{static_cast<uint8_t>(e.code), errc_category,
                    caf::make_message(e.message)};
}

inline caf::error to_caf(errc code, std::string message) {
  return to_caf(error{code, std::move(message)});
}

// Back to a swarm error; CAF's own errors (timeouts, dead actors) get a swarm code.
inline error from_caf(const caf::error& e) {
  if (e.category() == errc_category) {
    std::string msg;
    if (e.context().match_elements<std::string>())
      msg = e.context().get_as<std::string>(0);
    return error{static_cast<errc>(e.code()), std::move(msg)};
  }
  if (e.category() == caf::atom("system")) {
    auto s = static_cast<caf::sec>(e.code());
    if (s == caf::sec::request_timeout)
      return error{errc::timeout, "the engine did not answer in time"};
    if (s == caf::sec::request_receiver_down)
      return error{errc::shutting_down, "the engine is stopping"};
  }
  return error{errc::internal, "unexpected actor error: " + caf::to_string(e)};
}

} // namespace swarm
