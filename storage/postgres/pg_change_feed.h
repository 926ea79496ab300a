// PgChangeFeed: the ChangeFeed on PostgreSQL's LISTEN/NOTIFY. Writers that change cached
// state send pg_notify(PgChannel(topic), ...) in the transaction that makes the change (so the
// notification is delivered if and only if it commits); each replica keeps one listening
// connection on its own thread. A lost connection is reopened with a growing pause, and since
// notifications sent meanwhile are lost, every listener is called once it listens again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "registry/change_feed.h"

struct pg_conn;

namespace mv::storage::pg {

// The NOTIFY channel of a topic ("mv_tokens").
const char* PgChannel(ChangeTopic topic);

struct PgChangeFeedOptions {
  // How long the thread waits on the socket between checks of its stop flag (Stop() also
  // wakes it at once through a pipe; this bounds a missed wake-up).
  int poll_ms = 250;
  // The pause before reconnecting, doubled after each failure up to the maximum.
  int retry_ms = 100;
  int max_retry_ms = 2000;
};

class PgChangeFeed final : public ChangeFeed {
 public:
  // `conninfo`: the store's URL or key=value string. Connects only in Start().
  explicit PgChangeFeed(std::string conninfo, PgChangeFeedOptions options = {});
  ~PgChangeFeed() override;
  PgChangeFeed(const PgChangeFeed&) = delete;
  PgChangeFeed& operator=(const PgChangeFeed&) = delete;

  void Subscribe(ChangeTopic topic, Listener listener) override;
  void Start() override;
  void Stop() override;

  // How many times the feed has connected and issued its LISTENs (tests, logs). Thread-safe.
  uint64_t sessions() const { return sessions_.load(); }

  // The application_name of the listening connection (operators can find it in
  // pg_stat_activity; tests terminate it there).
  static constexpr const char* kApplicationName = "modelvault-change-feed";

 private:
  void Run();
  // Connects and LISTENs on every subscribed channel; false (connection closed) on failure.
  bool Listen();
  // Waits for notifications up to poll_ms and calls their listeners; false when the
  // connection was lost.
  bool Receive();
  // Calls every listener (after a (re)connect).
  void NotifyAll();
  void Disconnect();
  // Sleeps up to `ms`, returning early (false) once Stop() was called.
  bool Pause(int ms);

  const std::string conninfo_;
  const PgChangeFeedOptions options_;
  std::vector<std::pair<ChangeTopic, Listener>> listeners_;  // fixed once started
  pg_conn* conn_ = nullptr;                                  // the feed thread's only
  std::atomic<uint64_t> sessions_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;  // Start/Stop and the pause between reconnects
  std::condition_variable stop_cv_;
  int wake_[2] = {-1, -1};  // a pipe: Stop() writes, the poll wakes
  std::thread thread_;
};

}  // namespace mv::storage::pg
