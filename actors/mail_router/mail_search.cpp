#include "actors/mail_router/mail_search.hpp"

#include "actors/mail_router/mail_query.hpp"
#include "persistence/database.hpp"
#include "persistence/reader.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>

namespace swarm {

namespace {

struct mail_search_state {
  std::string db_path;
  std::unique_ptr<SQLite::Database> db; // opened at the first search

  static inline const char* name = "mail-search";
};

using self_ptr = mail_search_actor::stateful_pointer<mail_search_state>;

mail_search_actor::behavior_type mail_search_impl(self_ptr self, std::string db_path) {
  self->state.db_path = std::move(db_path);
  return {
      [=](search_atom, const std::string& text, const std::string& viewer,
          uint32_t limit) -> caf::result<std::vector<mail_message>> {
        if (viewer.empty())
          return to_caf(errc::bad_request,
                        "a search needs the viewer (--agent): one sees "
                        "only messages one sent or received");
        if (limit < 1 || limit > 1000)
          return to_caf(errc::bad_request, "limit " + std::to_string(limit) +
                                               " is out of range; use 1 to 1000");
        auto q = parse_mail_query(text);
        if (!q) return to_caf(q.error());
        auto& st = self->state;
        if (!st.db) {
          auto db = persistence::open_database_readonly(st.db_path);
          if (!db) return to_caf(db.error());
          st.db = std::move(*db);
        }
        auto r = persistence::search_messages(*st.db, q->match, q->from, q->thread,
                                              viewer, limit);
        if (!r) return to_caf(r.error());
        return std::move(*r);
      },
  };
}

} // namespace

mail_search_actor spawn_mail_search(caf::actor_system& sys, std::string db_path) {
  return sys.spawn<caf::detached>(mail_search_impl, std::move(db_path));
}

} // namespace swarm
