#include "storage/postgres/pg_change_feed.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <set>

namespace mv::storage::pg {

const char* PgChannel(ChangeTopic topic) {
  switch (topic) {
    case ChangeTopic::kTokens:
      return "mv_tokens";
    case ChangeTopic::kReports:
      return "mv_reports";
  }
  return "mv_unknown";
}

PgChangeFeed::PgChangeFeed(std::string conninfo, PgChangeFeedOptions options)
    : conninfo_(std::move(conninfo)), options_(options) {}

PgChangeFeed::~PgChangeFeed() { Stop(); }

void PgChangeFeed::Subscribe(ChangeTopic topic, Listener listener) {
  listeners_.emplace_back(topic, std::move(listener));
}

void PgChangeFeed::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void PgChangeFeed::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
  }
  stop_cv_.notify_all();
  thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  for (int& fd : wake_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

void PgChangeFeed::Run() {
  int pause_ms = options_.retry_ms;
  bool warned = false;
  while (!stopping_) {
    if (conn_ == nullptr) {
      if (!Listen()) {
        if (!warned) {
          std::fprintf(stderr,
                       "modelvault: change feed: cannot listen on PostgreSQL, retrying (cached "
                       "tokens expire on their own meanwhile)\n");
          warned = true;
        }
        if (!Pause(pause_ms)) break;
        pause_ms = std::min(pause_ms * 2, options_.max_retry_ms);
        continue;
      }
      pause_ms = options_.retry_ms;
      warned = false;
      sessions_.fetch_add(1);
      NotifyAll();  // whatever changed while nobody listened is unknown
    }
    if (!Receive()) {
      std::fprintf(stderr, "modelvault: change feed: lost its PostgreSQL connection, reconnecting\n");
      Disconnect();
    }
  }
  Disconnect();
}

bool PgChangeFeed::Listen() {
  // TCP keepalives notice a peer that vanished without closing (a network cut), which an
  // idle listening socket would otherwise never learn; the connect timeout bounds how long
  // Stop() may wait for an attempt in flight.
  const char* keys[] = {"dbname",          "application_name",    "connect_timeout",
                        "keepalives",      "keepalives_idle",     "keepalives_interval",
                        "keepalives_count", nullptr};
  const char* values[] = {conninfo_.c_str(), kApplicationName, "5", "1", "10", "3", "3", nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    Disconnect();
    return false;
  }
  // libpq would print the server's message about a terminated session to stderr; Run()
  // logs the loss itself.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  std::set<std::string> channels;
  for (const auto& [topic, listener] : listeners_) channels.insert(PgChannel(topic));
  for (const std::string& channel : channels) {
    // Channel names are our own constants, never input.
    const std::string sql = "LISTEN " + channel;
    PGresult* res = PQexec(conn_, sql.c_str());
    const bool ok = res != nullptr && PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
      Disconnect();
      return false;
    }
  }
  return true;
}

bool PgChangeFeed::Receive() {
  pollfd fds[2] = {{PQsocket(conn_), POLLIN, 0}, {wake_[0], POLLIN, 0}};
  const int n = ::poll(fds, wake_[0] >= 0 ? 2 : 1, options_.poll_ms);
  if (n < 0) return errno == EINTR;
  if (n == 0 || (fds[0].revents == 0)) return true;
  if (PQconsumeInput(conn_) == 0) return false;
  std::set<std::string> seen;
  while (PGnotify* note = PQnotifies(conn_)) {
    seen.insert(note->relname);
    PQfreemem(note);
  }
  for (const auto& [topic, listener] : listeners_) {
    if (seen.count(PgChannel(topic)) != 0) listener();
  }
  return PQstatus(conn_) == CONNECTION_OK;
}

void PgChangeFeed::NotifyAll() {
  for (const auto& [topic, listener] : listeners_) listener();
}

void PgChangeFeed::Disconnect() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
}

bool PgChangeFeed::Pause(int ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return !stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
}

}  // namespace mv::storage::pg
