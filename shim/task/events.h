/* shim/task/events.h - publish task events to containerd (Events/Forward over $TTRPC_ADDRESS).
 *
 * A FIFO queue drained by one thread, so callers never block on containerd and events keep
 * their order (/tasks/exit before /tasks/delete).  A lost connection is redialled with
 * backoff, which carries events across a containerd restart.
 */
#ifndef CHIBI_SHIM_EVENTS_H
#define CHIBI_SHIM_EVENTS_H

#include <protobuf-c/protobuf-c.h>

/* Start the publisher.  address may be NULL/empty (events are then dropped, with a log line).
 * Returns 0 or -1 (thread could not start). */
int events_start(const char *address, const char *ns);

/* Queue msg (serialized now; the caller keeps msg) under topic, e.g. "/tasks/exit".  The Any
 * type_url is the message's full proto name ("containerd.events.TaskExit"). */
void events_publish(const char *topic, const ProtobufCMessage *msg);

/* Wait until the queue is empty or timeout_ms passes. */
void events_flush(int timeout_ms);

#endif
