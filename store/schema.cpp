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

constexpr std::string_view kMigrations[] = {kV1Inbox};

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

}  // namespace tugboat::store
