#pragma once
// The post office's books: the rules of sending, reading and acknowledging, and the
// mail not committed yet. The committed mail is in SQLite (the persistence actor writes
// it, mail_rows reads it); the mailbox holds only what must be known without a read
// (the roster, the followers, the next number) and the changes whose journal write has
// not committed: each is filed under the sequence number of that write, and overlays
// SQLite until committed(seq). So it grows with the agents and the writes in flight,
// not with the mail.
//
// Owner: the MailRouter actor; only its thread touches an instance. Mutations return
// what changed so the actor can journal exactly that.
//
// Invariants:
// * Ids are "msg-<n>" with n increasing in sending order; a number is never reused.
// * Every recipient (to, cc, bcc, or everyone for a broadcast) has a copy and nobody
//   else does; its state only moves forward (unread -> read -> acked), and each
//   timestamp is written once.
// * A broadcast is held once, whatever the number of agents: it reaches the first
//   `audience` names of the roster (every agent seen registered when a broadcast was
//   sent, in the order first seen; it only grows) but its sender, so audiences only
//   grow along the sending order. Its copies are implicit (unread) until a recipient
//   reads or acks one; only then is that copy held.
// * bcc is shown to the sender only.
// * An overlay entry is dropped only by the commit of the last write that touched it.

#include "persistence/events.hpp"
#include "persistence/mail_reader.hpp"

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace swarm {

struct mail_limits {
  size_t subject_chars = 200;     // a subject is one line
  size_t body_bytes = 256 * 1024; // a long report fits; a log dump does not
  size_t payload_bytes = 64 * 1024;
  size_t recipients = 1000;
};

class mailbox {
public:
  // Reads the committed mail through `rows`; `roster` and `followers` as stored.
  // errc::storage_error when the last message cannot be read.
  static expected<std::unique_ptr<mailbox>> open(std::unique_ptr<persistence::mail_rows> rows,
                                                 std::vector<std::string> roster,
                                                 const std::vector<std::string>& followers);

  // Checks a draft and turns it into the message to store: id, thread, ack rule,
  // recipients deduplicated (the sender never receives its own broadcast). `agents`
  // are the registered agents; sender and recipients must be among them. Errors:
  // errc::bad_request (malformed: empty subject, unknown type, ...), errc::refused
  // (too large — the limit is named), errc::not_found (unknown agent or message).
  // Nothing changes until store().
  expected<mail_message> prepare(mail_draft d, const std::set<std::string>& agents,
                                 int64_t now_us) const;

  // A reply to `original` from `from`: to its sender, in its thread, "Re: " once,
  // importance and ack rule inherited. Only someone who sent or received the original
  // may reply.
  expected<mail_draft> reply_draft(const std::string& original, const std::string& from,
                                   std::string body) const;

  // The engine's own mail (sender "swarm": agent.started, task.completed, ...) goes to
  // the followers, and to `also_to` (agents it concerns, e.g. the holder of a
  // conflicting reservation); nullopt when that is nobody.
  std::optional<mail_message> prepare_system(std::string type, std::string subject,
                                             std::string body, std::string payload,
                                             int64_t now_us,
                                             const std::vector<std::string>& also_to = {}) const;
  // Starts (or stops) sending the engine's mail to `agent`; false when nothing changed.
  bool follow(const std::string& agent, bool on);
  const std::set<std::string>& followers() const { return followers_; }

  // Adds a prepared message and its copies (unread), journaled by write `seq`. A
  // broadcast also enrolls the agents in `agents` (those prepare() was given) that the
  // roster lacks, and returns their names, in roster order: the event that journals
  // the message records them.
  std::vector<std::string> store(const mail_message& m, uint64_t seq,
                                 const std::set<std::string>& agents = {});
  // Whether `agent` holds a copy of `m` (is among its recipients).
  bool reaches(const mail_message& m, const std::string& agent) const;

  // Moves `agent`'s copy of `id` to read (ack=false) or acked (ack=true; also read),
  // journaled by write `seq` when `changed` (a timestamp was written; false when it
  // was already there). errc::not_found for an unknown message; errc::refused when
  // `agent` holds no copy.
  expected<mail_copy> mark(const std::string& agent, const std::string& id, bool ack,
                           int64_t now_us, uint64_t seq, bool& changed);

  // The journal write `seq` committed: SQLite holds what it changed.
  void committed(uint64_t seq);

  // `agent`'s copies, newest first. errc::bad_request for a limit outside 1..1000.
  expected<std::vector<mail_copy>> inbox(const std::string& agent,
                                         const inbox_filter& f) const;

  // The conversation `thread` (or the thread of the message with that id), in order;
  // bcc shown only when `viewer` sent the message.
  expected<std::vector<mail_message>> thread(const std::string& id,
                                             const std::string& viewer = {}) const;

  // Copies that need an ack, are not acked and were sent before `before_us`, oldest
  // first.
  expected<std::vector<mail_copy>> unacked_before(int64_t before_us) const;

  // The message as `viewer` may see it (bcc hidden unless viewer sent it).
  mail_message view(const mail_message& m, const std::string& viewer) const;

  // The number the next message gets; how many changes are not committed yet.
  uint64_t next_number() const { return next_number_; }
  size_t uncommitted() const { return pending_.size() + pending_copies_.size(); }
  const mail_limits& limits() const { return limits_; }

private:
  explicit mailbox(std::unique_ptr<persistence::mail_rows> rows);

  struct pending_message {
    mail_message m;
    uint64_t seq;
  };
  struct pending_copy {
    copy_state state = copy_state::unread;
    int64_t read_us = 0, acked_us = 0;
    uint64_t seq = 0;
  };
  using copy_key = std::pair<std::string, std::string>; // (recipient, message id)

  // The message with this id: not committed yet, else SQLite's; nullopt for none.
  expected<std::optional<mail_message>> find(const std::string& id) const;
  // `agent`'s copy of `m` as it is now: not committed yet, else SQLite's row, else
  // unread.
  expected<mail_copy> copy_of(const mail_message& m, const std::string& agent) const;
  // A copy of `m` for `agent` in state `c`.
  mail_copy make_copy(const mail_message& m, const std::string& agent,
                      const pending_copy& c) const;

  // mail_rows is not const-correct (its statements step); the mailbox's reads are.
  std::unique_ptr<persistence::mail_rows> rows_;
  mail_limits limits_;
  uint64_t next_number_ = 1;
  std::set<std::string> followers_;
  std::vector<std::string> roster_;
  std::unordered_map<std::string, uint32_t> ordinal_; // roster name -> 1-based place
  // The overlay: messages and copy states not committed yet, and what each write holds.
  std::map<uint64_t, pending_message> pending_; // by message number: sending order
  std::unordered_map<std::string, uint64_t> pending_ids_; // id -> number
  std::map<copy_key, pending_copy> pending_copies_;
  std::unordered_map<uint64_t, std::vector<uint64_t>> written_messages_; // seq -> numbers
  std::unordered_map<uint64_t, std::vector<copy_key>> written_copies_;  // seq -> copies
};

// The events that journal the mailbox's changes: a message stored (`joined`: the names
// store() added to the roster), and `agent`'s copy of message `id` read or acked at
// `now_us` (the event's time is the copy's timestamp).
persistence::event mail_sent_event(const mail_message& m, std::vector<std::string> joined = {});
persistence::event mail_marked_event(const std::string& id, const std::string& agent, bool ack,
                                     int64_t now_us);

// The recipients a message lists (to, cc, bcc or an old broadcast's list), each once;
// none for a broadcast held once (mailbox::reaches says who it reaches).
std::vector<std::string> mail_recipients(const mail_message& m);

} // namespace swarm
