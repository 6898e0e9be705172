#pragma once
// Reading typed columns of a row: for the readers' .cpp files only (it brings SQLiteCpp).

#include <SQLiteCpp/Statement.h>

#include <stdexcept>
#include <string>

namespace swarm::persistence {

// A column holding an enum's name; throws for a name this version does not know (the
// readers turn that into errc::storage_error).
template <class Parse>
auto enum_column(SQLite::Statement& q, int column, Parse parse, const char* what) {
  auto text = q.getColumn(column).getString();
  auto value = parse(text);
  if (!value)
    throw std::runtime_error(std::string{"unknown "} + what + " '" + text + "'");
  return *value;
}

} // namespace swarm::persistence
