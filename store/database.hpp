#pragma once
// The SQLite database: opening it (WAL, foreign keys, busy timeout), bringing its schema up to date, and
// RAII transactions. One `database` per process, used only from the event-loop thread (worker threads
// never touch it; they hand results back to the loop). Throws `store::error` when the file cannot be
// opened or a migration fails; SQLite::Exception can escape from the statements callers run.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "store/checkpointer.hpp"

namespace tugboat::store {

class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct database_settings {
  std::string path;         // a file path, or ":memory:" in unit tests
  bool durable_sync = false;  // synchronous=FULL instead of NORMAL (WAL makes NORMAL crash-safe for the app)
  int checkpoint_pages = 1000;  // WAL size (pages) that wakes the checkpoint thread; 0: SQLite's own, inline
};

class database {
 public:
  explicit database(const database_settings& settings);

  SQLite::Database& sql() { return db_; }
  int schema_version() const { return version_; }
  static int latest_schema_version();

 private:
  void migrate();

  SQLite::Database db_;
  int version_ = 0;
  std::unique_ptr<checkpointer> checkpoints_;  // file databases: WAL checkpoints on a thread of their own
};

// A write transaction that rolls back unless committed (SQLite::Transaction with BEGIN IMMEDIATE).
using transaction = SQLite::Transaction;

}  // namespace tugboat::store
