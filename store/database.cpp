#include "store/database.hpp"

#include <fmt/format.h>

#include "store/schema.hpp"

namespace tugboat::store {
namespace {

SQLite::Database open_database(const std::string& path) {
  try {
    return SQLite::Database(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX);
  } catch (const SQLite::Exception& e) {
    throw error(fmt::format("cannot open the database {}: {}", path, e.what()));
  }
}

}  // namespace

database::database(const database_settings& settings) : db_(open_database(settings.path)) {
  try {
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec(settings.durable_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    db_.exec("PRAGMA foreign_keys=ON");
    db_.exec("PRAGMA temp_store=MEMORY");
    db_.setBusyTimeout(5000);
  } catch (const SQLite::Exception& e) {
    throw error(fmt::format("cannot configure the database {}: {}", settings.path, e.what()));
  }
  migrate();
  if (settings.checkpoint_pages > 0 && settings.path != ":memory:" && !settings.path.empty()) {
    checkpoints_ = std::make_unique<checkpointer>(db_.getHandle(), settings.path, settings.checkpoint_pages);
  }
}

int database::latest_schema_version() { return static_cast<int>(migrations().size()); }

void database::migrate() {
  try {
    db_.exec("CREATE TABLE IF NOT EXISTS schema (version INTEGER NOT NULL)");
    {
      SQLite::Statement q(db_, "SELECT version FROM schema");
      version_ = q.executeStep() ? q.getColumn(0).getInt() : 0;
    }
    const auto all = migrations();
    if (version_ > static_cast<int>(all.size())) {
      throw error(fmt::format("the database is at schema version {}, newer than this tugboat ({}); upgrade tugboat",
                              version_, all.size()));
    }
    for (auto v = static_cast<std::size_t>(version_); v < all.size(); ++v) {
      transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
      db_.exec(std::string(all[v]));
      db_.exec("DELETE FROM schema");
      SQLite::Statement set(db_, "INSERT INTO schema(version) VALUES (?)");
      set.bind(1, static_cast<int>(v + 1));
      set.exec();
      tx.commit();
      version_ = static_cast<int>(v + 1);
    }
  } catch (const SQLite::Exception& e) {
    throw error(fmt::format("database migration failed at version {}: {}", version_ + 1, e.what()));
  }
}

}  // namespace tugboat::store
