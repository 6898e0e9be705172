#pragma once
// The mail search actor: full-text search (SQLite FTS5, bm25 order) over the messages
// a viewer sent or received. Detached (its own thread): a query reads the database
// through its own read-only WAL connection and never holds up a scheduler thread.
// It sees every committed message, so a message is searchable once its send was
// answered.

#include "actors/messages.hpp"

#include <swarm/types.hpp>

#include <string>
#include <vector>

namespace swarm {

using mail_search_actor = caf::typed_actor<
    // (query, viewer, limit 1..1000): see mail_query.hpp for the syntax.
    // errc::bad_request for a malformed query (never a crash); an empty result when
    // nothing matches.
    caf::replies_to<search_atom, std::string, std::string,
                    uint32_t>::with<std::vector<mail_message>>>;

mail_search_actor spawn_mail_search(caf::actor_system& sys, std::string db_path);

} // namespace swarm
