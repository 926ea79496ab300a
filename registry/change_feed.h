// ChangeFeed: news that some process sharing the metadata store (another replica, or this
// one) changed state that a process may keep in a cache, so that the cache is dropped as soon
// as the change commits instead of when its entries expire. Implemented in storage/ by the
// backends several processes share (PostgreSQL: LISTEN/NOTIFY); a backend only one process
// opens (SQLite) needs none, since every change goes through that process's own services.
#pragma once

#include <functional>

namespace mv {

// What changed. Each topic names a cache's source, not a single record: listeners drop
// everything they hold for it.
enum class ChangeTopic {
  kTokens,   // a token was revoked (creations need none: unknown secrets are never cached)
  kReports,  // a version report (parity) was stored: long polls waiting for one read again
};

class ChangeFeed {
 public:
  using Listener = std::function<void()>;
  virtual ~ChangeFeed() = default;

  // Registers `listener` for `topic`. It is called on the feed's own thread after a change of
  // `topic` has committed (made through any process, this one included), and also each time
  // the feed (re)connects, since changes made while it was not listening are unknown. It must
  // be thread-safe and quick. Call before Start(); not thread-safe against Start().
  virtual void Subscribe(ChangeTopic topic, Listener listener) = 0;
  // Starts listening in the background; a feed that cannot connect keeps retrying (and its
  // listeners keep their caches' own expiry meanwhile). Idempotent.
  virtual void Start() = 0;
  // Stops and joins the background thread: no listener runs after it returns. Idempotent.
  virtual void Stop() = 0;
};

// Starts `feed` (null: nothing) and stops it when it goes out of scope. Declare it after the
// objects its listeners use, so that it stops before they are destroyed.
class RunningChangeFeed {
 public:
  explicit RunningChangeFeed(ChangeFeed* feed) : feed_(feed) {
    if (feed_) feed_->Start();
  }
  ~RunningChangeFeed() {
    if (feed_) feed_->Stop();
  }
  RunningChangeFeed(const RunningChangeFeed&) = delete;
  RunningChangeFeed& operator=(const RunningChangeFeed&) = delete;

 private:
  ChangeFeed* feed_;
};

}  // namespace mv
