#include "persistence/event_codec.hpp"

#include <boost/json/serialize.hpp>

namespace swarm::persistence {

void json_writer::quoted(std::string_view v) {
  static constexpr char hex[] = "0123456789abcdef";
  out_ += '"';
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
    case '"':
      out_ += "\\\"";
      break;
    case '\\':
      out_ += "\\\\";
      break;
    case '\b':
      out_ += "\\b";
      break;
    case '\f':
      out_ += "\\f";
      break;
    case '\n':
      out_ += "\\n";
      break;
    case '\r':
      out_ += "\\r";
      break;
    case '\t':
      out_ += "\\t";
      break;
    default:
      if (u < 0x20) {
        out_ += "\\u00";
        out_ += hex[u >> 4];
        out_ += hex[u & 0xf];
      } else {
        out_ += c;
      }
    }
  }
  out_ += '"';
}

// Boost.JSON's own number format ("5E-1"): the journal has always held it, and replay
// compares projection columns that hold it as text (run summaries).
void json_writer::real(double v) {
  out_ += boost::json::serialize(boost::json::value(v));
}

} // namespace swarm::persistence
