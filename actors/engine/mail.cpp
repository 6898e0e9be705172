// The engine's mail API: each call is one request to the MailRouter actor (see
// mail_router.hpp), searches go to the MailSearch actor, and export and the operator's
// views read what is committed through their own read-only connection (WAL lets them
// read beside the writer; one per call: they are rare, and no actor waits for them).

#include "actors/engine/engine_impl.hpp"

#include "actors/mail_router/mail_export.hpp"
#include "actors/mail_router/mail_query.hpp"
#include "persistence/reader.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <fstream>

namespace swarm {

namespace fs = std::filesystem;

expected<mail_message> engine::send_mail(const mail_draft& d) {
  return impl_->ask<mail_message>(impl_->mail, mail_send_atom_v, d);
}

expected<mail_message> engine::reply_mail(const std::string& message_id,
                                          const std::string& from, const std::string& body) {
  return impl_->ask<mail_message>(impl_->mail, mail_reply_atom_v, message_id, from, body);
}

expected<std::vector<mail_copy>> engine::inbox(const std::string& agent,
                                               const inbox_filter& f) {
  return impl_->ask<std::vector<mail_copy>>(impl_->mail, inbox_atom_v, agent, f);
}

expected<mail_copy> engine::read_mail(const std::string& agent, const std::string& message_id) {
  return impl_->ask<mail_copy>(impl_->mail, mark_atom_v, agent, message_id, false);
}

expected<mail_copy> engine::ack_mail(const std::string& agent, const std::string& message_id) {
  return impl_->ask<mail_copy>(impl_->mail, mark_atom_v, agent, message_id, true);
}

expected<std::vector<mail_message>> engine::mail_thread(const std::string& id,
                                                        const std::string& viewer) {
  return impl_->ask<std::vector<mail_message>>(impl_->mail, thread_atom_v, id, viewer);
}

expected<std::vector<mail_message>> engine::search_mail(const std::string& query,
                                                        const std::string& viewer,
                                                        uint32_t limit) {
  return impl_->ask<std::vector<mail_message>>(impl_->mail_search, search_atom_v, query, viewer,
                                               limit);
}

expected<std::vector<std::string>> engine::export_mail(const std::string& dir) {
  // Reads what is committed through its own connection, and writes on this thread:
  // no actor waits for the files.
  auto db = persistence::open_database_readonly(impl_->opts.db_path);
  if (!db)
    return db.error();
  auto messages = persistence::read_messages(**db);
  if (!messages)
    return messages.error();
  auto states = persistence::read_copy_states(**db);
  if (!states)
    return states.error();
  std::vector<std::string> names;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error(errc::io_error, "cannot create " + dir + ": " + ec.message());
  for (auto& f : render_mail_threads(*messages, *states)) {
    const fs::path target = fs::path{dir} / f.name;
    const fs::path tmp = fs::path{dir} / ("." + f.name + ".tmp");
    {
      std::ofstream out{tmp, std::ios::binary | std::ios::trunc};
      out << f.content;
      if (!out.flush())
        return make_error(errc::io_error, "cannot write " + tmp.string());
    }
    fs::rename(tmp, target, ec); // a reader never sees half a file
    if (ec)
      return make_error(errc::io_error, "cannot write " + target.string() + ": " + ec.message());
    names.push_back(f.name);
  }
  return names;
}

expected<std::vector<mail_message>> engine::mail_messages(const std::string& viewer,
                                                          const std::string& query,
                                                          const std::string& thread,
                                                          uint32_t limit) {
  if (limit < 1 || limit > 1000)
    return make_error(errc::bad_request, "limit " + std::to_string(limit) +
                                             " is out of range; use 1 to 1000");
  auto q = query.empty() ? expected<mail_query>(mail_query{}) : parse_mail_query(query);
  if (!q) return q.error();
  if (!thread.empty() && !q->thread.empty() && thread != q->thread)
    return std::vector<mail_message>{};
  auto db = persistence::open_database_readonly(impl_->opts.db_path);
  if (!db) return db.error();
  return persistence::search_messages(**db, q->match, q->from,
                                      thread.empty() ? q->thread : thread, viewer, limit);
}

expected<std::vector<mail_thread_summary>> engine::mail_threads(uint32_t limit) {
  auto db = persistence::open_database_readonly(impl_->opts.db_path);
  if (!db) return db.error();
  return persistence::read_thread_summaries(**db, limit);
}

expected<bool> engine::follow_mail(const std::string& agent, bool on) {
  return impl_->ask<bool>(impl_->mail, follow_atom_v, agent, on);
}

expected<std::vector<mail_copy>>
engine::unacked_mail(std::chrono::milliseconds older_than) {
  return impl_->ask<std::vector<mail_copy>>(impl_->mail, unacked_atom_v,
                                            persistence::now_us() - to_us(older_than));
}

} // namespace swarm
