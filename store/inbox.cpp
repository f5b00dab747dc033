#include "store/inbox.hpp"

namespace tugboat::store {
namespace {

constexpr const char* kInsert =
    "INSERT OR IGNORE INTO inbox(key, envelope_id, kind, payload, received_at, handled_at) VALUES (?, ?, ?, ?, ?, ?)";
constexpr const char* kMarkHandled = "UPDATE inbox SET handled_at = ? WHERE key = ? AND handled_at IS NULL";
constexpr const char* kUnhandled =
    "SELECT key, envelope_id, kind, payload, received_at FROM inbox WHERE handled_at IS NULL "
    "ORDER BY received_at LIMIT ?";
constexpr const char* kBegin = "BEGIN IMMEDIATE";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";
constexpr const char* kPrune = "DELETE FROM inbox WHERE handled_at IS NOT NULL AND received_at < ?";

}  // namespace

inbox::inbox(database& db)
    : db_(db), insert_(db.sql(), kInsert), mark_(db.sql(), kMarkHandled), begin_(db.sql(), kBegin),
      commit_(db.sql(), kCommit), rollback_(db.sql(), kRollback) {}

// The batch's transaction with prepared BEGIN / COMMIT (record() runs once per group commit, on the ack
// path): rolls back unless committed, like store::transaction.
class inbox::batch_transaction {
 public:
  explicit batch_transaction(inbox& in) : in_(in) {
    in_.begin_.reset();
    in_.begin_.exec();
  }
  ~batch_transaction() {
    if (committed_) return;
    try {
      in_.rollback_.reset();
      in_.rollback_.exec();
    } catch (const SQLite::Exception&) {
      // Nothing to undo (the failed statement already ended the transaction).
    }
  }
  batch_transaction(const batch_transaction&) = delete;
  batch_transaction& operator=(const batch_transaction&) = delete;
  void commit() {
    in_.commit_.reset();
    in_.commit_.exec();
    committed_ = true;
  }

 private:
  inbox& in_;
  bool committed_ = false;
};

std::vector<bool> inbox::record(std::span<const inbox_entry> entries) {
  std::vector<bool> fresh;
  fresh.reserve(entries.size());
  batch_transaction tx(*this);
  for (const auto& e : entries) {
    insert_.reset();
    insert_.bindNoCopy(1, e.key);
    insert_.bindNoCopy(2, e.envelope_id);
    insert_.bindNoCopy(3, e.kind);
    insert_.bindNoCopy(4, e.payload);
    insert_.bind(5, static_cast<int64_t>(e.received_at));
    if (e.handled_at != 0) {
      insert_.bind(6, static_cast<int64_t>(e.handled_at));
    } else {
      insert_.bind(6);
    }
    fresh.push_back(insert_.exec() == 1);
  }
  tx.commit();
  return fresh;
}

bool inbox::record_one(const inbox_entry& entry) { return record(std::span(&entry, 1)).front(); }

void inbox::mark_handled(std::string_view key, long long handled_at) {
  mark_.reset();
  mark_.bind(1, static_cast<int64_t>(handled_at));
  mark_.bind(2, std::string(key));
  mark_.exec();
}

void inbox::mark_handled(std::span<const std::string> keys, long long handled_at) {
  transaction tx(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
  for (const auto& key : keys) mark_handled(key, handled_at);
  tx.commit();
}

std::vector<inbox_entry> inbox::unhandled(std::size_t limit) {
  SQLite::Statement q(db_.sql(), kUnhandled);
  q.bind(1, static_cast<int64_t>(limit));
  std::vector<inbox_entry> rows;
  while (q.executeStep()) {
    rows.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                    q.getColumn(3).getString(), q.getColumn(4).getInt64()});
  }
  return rows;
}

int inbox::prune_handled_before(long long cutoff) {
  SQLite::Statement q(db_.sql(), kPrune);
  q.bind(1, static_cast<int64_t>(cutoff));
  return q.exec();
}

}  // namespace tugboat::store
