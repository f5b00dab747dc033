#include "store/schema.hpp"

namespace tugboat::store {
namespace {

// 1: the inbox — every envelope Slack delivered, recorded before it is acked. `key` is the event_id for
// events and the envelope_id otherwise, so a redelivery collides with its first copy.
constexpr std::string_view kV1Inbox = R"sql(
CREATE TABLE inbox (
  key          TEXT PRIMARY KEY,
  envelope_id  TEXT NOT NULL,
  kind         TEXT NOT NULL,
  payload      TEXT NOT NULL,
  received_at  INTEGER NOT NULL,
  handled_at   INTEGER
) WITHOUT ROWID;
CREATE INDEX inbox_unhandled ON inbox(received_at) WHERE handled_at IS NULL;
)sql";

// 2: the durable engine. A run is one workflow's state machine; run_events is its append-only history;
// timers, outbox and jobs are the effects its decisions left to perform. All times are unix ms.
constexpr std::string_view kV2Engine = R"sql(
CREATE TABLE runs (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  workflow     TEXT NOT NULL,
  name         TEXT NOT NULL UNIQUE,
  state        TEXT NOT NULL,
  data         TEXT NOT NULL DEFAULT '{}',
  channel      TEXT NOT NULL,
  thread_ts    TEXT NOT NULL DEFAULT '',
  requester    TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  version      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_open ON runs(workflow, state) WHERE finished_at IS NULL;
CREATE INDEX runs_channel ON runs(channel, id);
CREATE INDEX runs_requester ON runs(requester, id);

CREATE TABLE run_events (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id       INTEGER NOT NULL REFERENCES runs(id),
  version      INTEGER NOT NULL,
  at           INTEGER NOT NULL,
  event        TEXT NOT NULL,
  state_before TEXT NOT NULL,
  state_after  TEXT NOT NULL,
  note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX run_events_run ON run_events(run_id, id);

CREATE TABLE timers (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id       INTEGER NOT NULL REFERENCES runs(id),
  name         TEXT NOT NULL,
  due_at       INTEGER NOT NULL,
  UNIQUE(run_id, name)
);
CREATE INDEX timers_due ON timers(due_at, id);

CREATE TABLE outbox (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  key          TEXT NOT NULL UNIQUE,
  run_id       INTEGER REFERENCES runs(id),
  kind         TEXT NOT NULL,
  channel      TEXT NOT NULL,
  thread_ts    TEXT NOT NULL DEFAULT '',
  slot         TEXT NOT NULL DEFAULT '',
  user_id      TEXT NOT NULL DEFAULT '',
  text         TEXT NOT NULL DEFAULT '',
  blocks       TEXT NOT NULL DEFAULT '',
  state        TEXT NOT NULL DEFAULT 'pending',
  ts           TEXT NOT NULL DEFAULT '',
  attempts     INTEGER NOT NULL DEFAULT 0,
  not_before   INTEGER NOT NULL DEFAULT 0,
  error        TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  sent_at      INTEGER
);
CREATE INDEX outbox_unsent ON outbox(channel, id) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_slot ON outbox(run_id, slot) WHERE slot <> '';

CREATE TABLE jobs (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id       INTEGER NOT NULL REFERENCES runs(id),
  name         TEXT NOT NULL,
  spec         TEXT NOT NULL,
  state        TEXT NOT NULL DEFAULT 'queued',
  pid          INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  started_at   INTEGER,
  finished_at  INTEGER,
  result       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX jobs_active ON jobs(state) WHERE state IN ('queued', 'running');
)sql";

// 3: who people are on Slack, cached (store/people.hpp). `key` is a lower-cased email (→ user_id) or a
// user ID (→ its name and time zone). An empty user_id remembers that Slack has no such user.
constexpr std::string_view kV3People = R"sql(
CREATE TABLE people (
  key          TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL,
  name         TEXT NOT NULL DEFAULT '',
  tz           TEXT NOT NULL DEFAULT '',
  tz_offset    INTEGER NOT NULL DEFAULT 0,
  fetched_at   INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

constexpr std::string_view kMigrations[] = {kV1Inbox, kV2Engine, kV3People};

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

}  // namespace tugboat::store
