#pragma once
// The MailRouter actor: the post office. Owns the mailbox (mailbox.hpp); checks
// senders and recipients against the coordinator's registry; journals every message
// and every read / ack through the persistence actor and answers only after commit.
//
// Thread: CAF scheduler (cooperative); it never blocks.

#include "actors/coordinator/coordinator.hpp"
#include "actors/messages.hpp"

#include <swarm/types.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace swarm {

class mailbox;

using mail_router_actor = caf::typed_actor<
    // Sends a message (to, cc, bcc or a broadcast); replies with it as stored, with its
    // id and thread. errc::not_found for an unknown sender or recipient (nothing is
    // stored), errc::bad_request / errc::refused for a malformed or oversized message.
    caf::replies_to<mail_send_atom, mail_draft>::with<mail_message>,
    // (original id, from, body): a reply to the original's sender in its thread.
    caf::replies_to<mail_reply_atom, std::string, std::string,
                    std::string>::with<mail_message>,
    // (agent, filter): its copies, newest first.
    caf::replies_to<inbox_atom, std::string, inbox_filter>::with<std::vector<mail_copy>>,
    // (agent, message id, ack?): marks its copy read (or acked); only a recipient may.
    caf::replies_to<mark_atom, std::string, std::string, bool>::with<mail_copy>,
    // (thread or message id, viewer): the conversation in order.
    caf::replies_to<thread_atom, std::string,
                    std::string>::with<std::vector<mail_message>>,
    // (sent before, unix µs): copies that need an ack and have none.
    caf::replies_to<unacked_atom, int64_t>::with<std::vector<mail_copy>>,
    // (agent, subscriber): from now on the subscriber is told (new_mail_atom, mail_copy)
    // of every message to that agent, once it is committed (push). One subscriber per
    // agent: a later subscription replaces it.
    caf::reacts_to<subscribe_atom, std::string, new_mail_subscriber_actor>,
    // (agent, on): the agent starts (stops) getting the engine's own mail — from
    // "swarm": agent.started / agent.stopped, task.claimed / task.progress /
    // task.completed / task.failed — so a person or an agent can follow the swarm from an
    // inbox. Replies whether anything changed, after commit.
    caf::replies_to<follow_atom, std::string, bool>::with<bool>,
    // (type, subject, body, payload JSON): one of the engine's events, mailed to the
    // followers (dropped when nobody follows). Sent by the queue, the coordinator and
    // the harnesses once the event itself is committed (or queued ahead of it).
    caf::reacts_to<system_mail_atom, std::string, std::string, std::string, std::string>,
    // (type, subject, body, payload JSON, agents): the same, mailed to the followers
    // and to these agents (the ones an event concerns: the holder of a reservation
    // another agent's overlaps, the agents waiting on a released one).
    caf::reacts_to<notify_atom, std::string, std::string, std::string, std::string,
                   std::vector<std::string>>>;

struct mail_router_config {
  bool read_only = false; // an inspect_only engine: answer, change nothing
  // The disk guard every change passes first (journal_health::storage); may be null.
  std::shared_ptr<const persistence::storage_gate> storage;
};

// REQUIRES: box opened on the database the persistence actor writes.
mail_router_actor spawn_mail_router(caf::actor_system& sys,
                                    persistence::persistence_actor persistence,
                                    coordinator_actor coordinator,
                                    std::shared_ptr<mailbox> box, mail_router_config cfg);

} // namespace swarm
