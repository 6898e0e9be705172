#pragma once
// Mail search queries: "auth subject:token from:alice thread:msg-3 body:\"expired key\""
// becomes an FTS5 MATCH expression over subject and body (every term quoted, so no
// user text can be FTS5 syntax) plus exact filters on sender and thread. Plain C++.

#include <swarm/error.hpp>

#include <string>
#include <string_view>

namespace swarm {

struct mail_query {
  std::string match;  // FTS5 expression; empty: no full-text condition
  std::string from;   // exact sender; empty: any
  std::string thread; // exact thread; empty: any
};

// Terms are words or "quoted phrases"; a term may carry a field: subject:, body:,
// from:, thread:. errc::bad_request for an unknown field, an unclosed quote or an
// empty query (the message says which).
expected<mail_query> parse_mail_query(std::string_view text);

} // namespace swarm
