// ConnPool: accepts connections and serves their requests on a fixed pool of workers, so that
// no client can hold a worker by being idle or slow (docs/architecture.md, "Connections").
//
// One thread accepts. Every connection then sits in one epoll set until its socket is
// readable; the worker that takes it reads without blocking until the buffer holds a whole
// request head, and only then runs the request (httplib's parser and our handlers). A
// connection whose head is incomplete, or that idles between requests, goes back to the set:
// it costs a descriptor and a buffer, never a worker. Only a worker holding one of
// `run_slots` slots waits for events, and a wait for the client gives the slot back, so about
// as many requests compute at once as there are cores however many clients are connected,
// while the other workers can sit in long waits. A watchdog thread cuts the parked
// connections whose head deadline or idle timeout has passed. Workers enforce the body rate
// and the write timeout themselves while they run a request.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "api/conn_stream.h"

namespace mv::api {

struct ConnPoolOptions {
  int workers = 48;
  // Requests computing at once (RunSlots); waits for the client or a long poll do not count.
  int run_slots = 2;
  StreamLimits stream;
  int64_t idle_timeout_ms = 5000;  // a kept-alive connection between requests
  int max_connections = 1024;
  int max_connections_per_address = 256;
  size_t max_head_bytes = size_t{64} << 10;
  int max_requests_per_connection = 1000;
  // A body the handler left unread is read and dropped up to this size, so the connection
  // stays usable; beyond it the connection closes after the response.
  uint64_t drain_max_bytes = uint64_t{1} << 20;
};

// Serves one request whose head is buffered in `stream`: httplib's process_request. Returns
// false when the connection must close.
using RequestRunner =
    std::function<bool(ConnStream& stream, bool close_connection, bool& connection_closed)>;

class ConnPool : private RunSlots {
 public:
  // `tls` (may be null: plain HTTP) must outlive the pool.
  ConnPool(ConnPoolOptions options, SSL_CTX* tls, RequestRunner runner);
  ~ConnPool();
  ConnPool(const ConnPool&) = delete;
  ConnPool& operator=(const ConnPool&) = delete;

  // Accepts on `listen_fd` in the calling thread until Stop(), then waits for the open
  // connections to finish their requests and close. Does not close `listen_fd`.
  void Run(int listen_fd);
  // Stops accepting (shuts the listening socket down), closes idle connections; connections
  // in a request close after its response. Thread-safe.
  void Stop();
  // Shuts down every open connection now; returns how many. Thread-safe.
  int CutAll();

 private:
  struct Conn;
  void Acquire() override;
  void Release() override;
  // With slots_mu_ held: waits for a free slot and takes it; false once the pool exits.
  bool TakeSlot(std::unique_lock<std::mutex>& lock);
  // Gives the slot up and waits for another while more are in use than allowed; false once
  // the pool exits.
  bool YieldIfOver();
  void WorkerLoop();
  void WatchdogLoop();
  void Admit(int fd);
  void Reject(int fd);
  void OnReady(Conn* c);
  bool RunRequest(Conn* c);
  void Park(Conn* c, bool want_write);
  void Close(Conn* c);

  const ConnPoolOptions options_;
  SSL_CTX* const tls_;
  const RequestRunner runner_;
  int epoll_fd_ = -1;
  std::atomic<int> listen_fd_{-1};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> workers_exit_{false};
  std::vector<std::thread> threads_;
  std::mutex slots_mu_;
  std::condition_variable slots_cv_;
  int free_slots_;

  std::mutex mu_;  // guards the members below
  std::condition_variable closed_cv_;
  std::unordered_set<Conn*> conns_;
  std::unordered_map<std::string, int> per_address_;
  std::vector<std::pair<int, int64_t>> lingering_;  // rejected sockets and when to close them
};

}  // namespace mv::api
