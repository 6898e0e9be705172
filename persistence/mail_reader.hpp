#pragma once
// Reads the mail projections (messages, message_copies, mail_roster, mail_followers,
// messages_fts). The functions take any connection, on any thread. mail_rows is the
// MailRouter's: the reads its mailbox makes while it answers, through statements
// prepared once on a read-only connection of its own.

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace SQLite {
class Database;
}

namespace swarm::persistence {

// A recipient's copy state as stored.
struct stored_copy {
  std::string message, recipient;
  copy_state state = copy_state::unread;
  int64_t read_us = 0, acked_us = 0;
};

// Full-text search over messages a viewer sent or received (a subject hit weighs twice
// a body hit): `match` is an FTS5
// expression (empty: none), `from` / `thread` exact filters (empty: any). Best bm25
// match first (newest first without `match`). bcc is left out unless the viewer sent
// the message. An empty viewer is the operator: every message, bcc left out.
expected<std::vector<mail_message>> search_messages(SQLite::Database& db,
                                                    const std::string& match,
                                                    const std::string& from,
                                                    const std::string& thread,
                                                    const std::string& viewer, uint32_t limit);

// Every thread, the one with the latest message first, at most `limit`.
expected<std::vector<mail_thread_summary>> read_thread_summaries(SQLite::Database& db,
                                                                 uint32_t limit);

// Messages in sending order, and every copy that is no longer unread (a broadcast
// stored once has rows only for those). The mail roster, in order.
expected<std::vector<mail_message>> read_messages(SQLite::Database& db);
expected<std::vector<std::string>> read_mail_roster(SQLite::Database& db);
expected<std::vector<stored_copy>> read_copy_states(SQLite::Database& db);

// Agents that get the engine's event mail.
expected<std::vector<std::string>> read_mail_followers(SQLite::Database& db);

// The number n of a message id "msg-<n>"; 0 for any other id.
uint64_t message_number(const std::string& id);

// The committed mail, one question at a time, for the MailRouter's mailbox: it keeps
// only what is not committed yet and reads the rest here. Every read is one
// statement, prepared once and reset after it (no read transaction outlives a call, so
// each call sees every commit before it and never holds back a checkpoint). Copies
// come back as a recipient sees them: bcc left out unless the recipient sent it, and a
// copy without a row (a broadcast's, until read) unread. Errors are
// errc::storage_error. Not thread-safe: one caller (the router's thread) at a time.
class mail_rows {
public:
  // A read-only connection to the database at `path` (WAL: it reads beside the writer).
  static expected<std::unique_ptr<mail_rows>> open(const std::string& path);
  ~mail_rows();
  mail_rows(const mail_rows&) = delete;
  mail_rows& operator=(const mail_rows&) = delete;

  // The message with this id, as stored (bcc included); nullopt when there is none.
  expected<std::optional<mail_message>> message(const std::string& id);

  // `recipient`'s copy of message `id` when it has a row (a listed recipient's, or a
  // broadcast's once read); nullopt when it has none.
  expected<std::optional<stored_copy>> copy(const std::string& recipient,
                                            const std::string& id);

  // `agent`'s copies, newest first, that pass `f` (its limit aside), at most `limit`:
  // the messages listing it, and the broadcasts that reach it (`place`: its 1-based
  // place on the mail roster, 0 when it is not on it; a broadcast reaches the first
  // `audience` places but its sender).
  expected<std::vector<mail_copy>> inbox(const std::string& agent, uint32_t place,
                                         const inbox_filter& f, uint32_t limit);

  // The messages of `thread` in sending order, as stored.
  expected<std::vector<mail_message>> thread(const std::string& thread);

  // The copies that need an ack and have none, of messages created before
  // `before_us`, in sending order: the listed recipients' rows, and each broadcast's
  // copies for the first `audience` names of `roster` but its sender.
  expected<std::vector<mail_copy>> unacked(int64_t before_us,
                                           const std::vector<std::string>& roster);

  // The number of the last message stored (message_number of its id); 0 for none.
  expected<uint64_t> last_number();

private:
  struct statements;
  mail_rows(std::unique_ptr<SQLite::Database> db, std::unique_ptr<statements> st);
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<statements> st_;
};

} // namespace swarm::persistence
