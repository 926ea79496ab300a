#include "registry/inference/session_cache.h"

#include <exception>
#include <new>
#include <utility>

namespace mv::inference {

SessionCache::SessionCache(size_t max_entries, int64_t max_bytes)
    : max_entries_(max_entries), max_bytes_(max_bytes) {}

Result<SessionCache::Session> SessionCache::GetOrBuild(const std::string& key, int64_t size_hint,
                                                       const Builder& build) {
  std::promise<Result<Session>> promise;
  uint64_t id = 0;
  {
    std::vector<Future> evicted;  // destroyed after the lock is released
    std::unique_lock<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      ++counts_.hits;
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      Future future = it->second.future;
      lock.unlock();
      return future.get();  // waits when another request is still building it
    }
    if (size_hint > max_bytes_) {
      return ResourceExhausted("the model (" + std::to_string(size_hint) +
                               " bytes) is larger than the session cache (" +
                               std::to_string(max_bytes_) + " bytes)");
    }
    ++counts_.misses;
    const int64_t reserve = size_hint > 0 ? size_hint : 0;
    RETURN_IF_ERROR(MakeRoomLocked(1, reserve, key, &evicted));
    id = next_id_++;
    lru_.push_front(key);
    Entry entry;
    entry.id = id;
    entry.bytes = reserve;
    entry.future = promise.get_future().share();
    entry.lru = lru_.begin();
    entries_.emplace(key, std::move(entry));
    bytes_ += reserve;
  }
  Result<Built> built = Internal("session build did not run");
  try {
    built = build();
  } catch (const std::bad_alloc&) {
    built = ResourceExhausted("out of memory while loading the model");
  } catch (const std::exception& e) {
    built = Internal(std::string("loading the model failed: ") + e.what());
  } catch (...) {
    built = Internal("loading the model failed");
  }
  Result<Session> result = Finish(key, id, std::move(built));
  promise.set_value(result);  // wakes the requests that waited for this build
  return result;
}

Result<SessionCache::Session> SessionCache::Finish(const std::string& key, uint64_t id,
                                                   Result<Built> built) {
  std::vector<Future> evicted;  // destroyed after the lock is released
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  // Only ready entries are evicted, so the entry this build reserved is still there.
  if (it == entries_.end() || it->second.id != id) return Internal("session cache entry lost");
  if (!built.ok()) {
    EraseLocked(it, nullptr);
    return built.status();
  }
  if (built->bytes > max_bytes_) {
    EraseLocked(it, nullptr);
    return ResourceExhausted("the model (" + std::to_string(built->bytes) +
                             " bytes) is larger than the session cache (" +
                             std::to_string(max_bytes_) + " bytes)");
  }
  bytes_ += built->bytes - it->second.bytes;
  it->second.bytes = built->bytes;
  it->second.ready = true;
  // When the model turned out larger than its hint and the rest of the room is held by
  // loads in flight, the cache stays over its bound until one of them finishes and evicts.
  static_cast<void>(MakeRoomLocked(0, 0, key, &evicted));
  return std::move(built)->session;
}

Status SessionCache::MakeRoomLocked(size_t extra_entries, int64_t extra_bytes,
                                    const std::string& keep, std::vector<Future>* evicted) {
  auto fits = [&] {
    return entries_.size() + extra_entries <= max_entries_ && bytes_ + extra_bytes <= max_bytes_;
  };
  while (!fits()) {
    // Walk from the least recently used end to the oldest ready entry that may go.
    auto victim = lru_.end();
    for (auto pos = lru_.end(); pos != lru_.begin();) {
      --pos;
      const Entry& e = entries_.at(*pos);
      if (e.ready && *pos != keep) {
        victim = pos;
        break;
      }
    }
    if (victim == lru_.end()) {
      return Unavailable("the session cache is full of models that are still loading");
    }
    EraseLocked(entries_.find(*victim), evicted);
    ++counts_.evictions;
  }
  return Status::Ok();
}

void SessionCache::EraseLocked(std::unordered_map<std::string, Entry>::iterator it,
                               std::vector<Future>* evicted) {
  if (evicted != nullptr) evicted->push_back(std::move(it->second.future));
  bytes_ -= it->second.bytes;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

bool SessionCache::Contains(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  return it != entries_.end() && it->second.ready;
}

size_t SessionCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

int64_t SessionCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

SessionCache::Counts SessionCache::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

}  // namespace mv::inference
