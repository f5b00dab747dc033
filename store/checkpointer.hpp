#pragma once
// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that crosses
// its threshold, on the committing (loop) thread, and fsyncs the database file there: a stall of
// milliseconds in the ack path. A checkpointer replaces it: a WAL hook on the loop's connection notices
// the log has grown past `threshold_pages` and wakes a thread of its own, which runs a PASSIVE checkpoint
// on its own connection (it never blocks the writer). Owned by `database`; constructed and destroyed on
// the loop thread; the destructor stops and joins the thread. Not used for ":memory:" databases.
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace tugboat::store {

class checkpointer {
 public:
  checkpointer(sqlite3* loop_connection, std::string path, int threshold_pages);
  ~checkpointer();
  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;

 private:
  static int on_commit(void* self, sqlite3* db, const char* name, int pages);
  void run();

  sqlite3* loop_connection_;
  std::string path_;
  int threshold_pages_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;  // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  int requested_at_ = 0;    // loop thread only: log size at the last request, 0 when served (one notify each)
  std::thread thread_;
};

}  // namespace tugboat::store
