#include "store/checkpointer.hpp"

#include <sqlite3.h>

#include "core/log.hpp"

namespace tugboat::store {

checkpointer::checkpointer(sqlite3* loop_connection, std::string path, int threshold_pages)
    : loop_connection_(loop_connection), path_(std::move(path)), threshold_pages_(threshold_pages) {
  // Replaces the automatic checkpoint (which is itself a WAL hook) on the loop's connection.
  sqlite3_wal_hook(loop_connection_, &checkpointer::on_commit, this);
  thread_ = std::thread([this] { run(); });
}

checkpointer::~checkpointer() {
  sqlite3_wal_hook(loop_connection_, nullptr, nullptr);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

int checkpointer::on_commit(void* self, sqlite3*, const char*, int pages) {
  auto* c = static_cast<checkpointer*>(self);
  if (pages < c->threshold_pages_) {
    c->requested_at_ = 0;  // the log restarted: the last request was served
    return SQLITE_OK;
  }
  // Once per threshold's worth of growth: a checkpoint a reader kept from finishing is asked for again.
  if (c->requested_at_ != 0 && pages < c->requested_at_ + c->threshold_pages_) return SQLITE_OK;
  c->requested_at_ = pages;
  {
    std::lock_guard lock(c->mutex_);
    c->requested_ = true;
  }
  c->wake_.notify_one();
  return SQLITE_OK;
}

void checkpointer::run() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    log::error("store", "checkpoints: cannot open {}: {}", path_, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return;
  }
  sqlite3_busy_timeout(db, 1000);
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) break;
    requested_ = false;
    lock.unlock();
    int log_pages = 0, done = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_pages, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) log::warn("store", "checkpoint failed: {}", sqlite3_errmsg(db));
    lock.lock();
  }
  lock.unlock();
  sqlite3_close(db);
}

}  // namespace tugboat::store
