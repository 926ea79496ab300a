// SessionCache: the loaded sessions of an engine, by model key, bounded by count and bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/status.h"

namespace mv::inference {

class OnnxSession;

// An LRU cache whose entries are built outside its lock, once per key: concurrent first
// requests for one key wait for the same build, and requests for other keys are not blocked
// by it. Entries are handed out as shared_ptr, so evicting one while it runs is safe (the
// session lives until its last run returns). A failed build is not cached: its waiters get
// the error and the next request builds again. Thread-safe.
class SessionCache {
 public:
  using Session = std::shared_ptr<OnnxSession>;
  struct Built {
    Session session;
    int64_t bytes = 0;  // what the entry counts against max_bytes (the model's size)
  };
  using Builder = std::function<Result<Built>()>;

  // max_entries >= 1 and max_bytes >= 0 (the engine validates its options).
  SessionCache(size_t max_entries, int64_t max_bytes);
  SessionCache(const SessionCache&) = delete;
  SessionCache& operator=(const SessionCache&) = delete;

  // The session for `key`, calling `build` when there is none. `size_hint` (0 when unknown)
  // reserves room before building; the built size replaces it. Least recently used ready
  // entries are evicted to make room. ResourceExhausted when one model is larger than
  // max_bytes; Unavailable when the room is held by models still loading; otherwise the
  // build's error.
  Result<Session> GetOrBuild(const std::string& key, int64_t size_hint, const Builder& build);

  // Whether a built session for `key` is cached (not while it loads).
  bool Contains(const std::string& key) const;
  size_t size() const;
  int64_t bytes() const;

  // Lookups that found an entry (ready or loading), lookups that built one, and entries
  // evicted to make room, since construction. Thread-safe.
  struct Counts {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
  };
  Counts counts() const;

 private:
  using Future = std::shared_future<Result<Session>>;
  struct Entry {
    uint64_t id = 0;
    int64_t bytes = 0;
    bool ready = false;
    Future future;
    std::list<std::string>::iterator lru;
  };

  Result<Session> Finish(const std::string& key, uint64_t id, Result<Built> built);
  // Evicts ready entries (never `keep`) until `extra_entries` more entries and `extra_bytes`
  // more bytes fit, moving their futures to `evicted` so that the sessions are destroyed
  // after the lock is released. Unavailable when only loading entries are left to evict.
  Status MakeRoomLocked(size_t extra_entries, int64_t extra_bytes, const std::string& keep,
                        std::vector<Future>* evicted);
  void EraseLocked(std::unordered_map<std::string, Entry>::iterator it,
                   std::vector<Future>* evicted);

  const size_t max_entries_;
  const int64_t max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // most recently used first
  int64_t bytes_ = 0;
  uint64_t next_id_ = 1;
  Counts counts_;  // guarded by mu_
};

}  // namespace mv::inference
