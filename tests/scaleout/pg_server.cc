#include "tests/scaleout/pg_server.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "storage/postgres/pg_conn.h"

namespace mv::test {
namespace {

std::string DbName(const std::string& url) { return url.substr(url.rfind('/') + 1); }

Status AdminExec(const std::string& sql) {
  ASSIGN_OR_RETURN(auto c, storage::pg::Connection::Open(PgAdminUrl()));
  return c->Exec(sql.c_str());
}

}  // namespace

std::string PgAdminUrl() {
  const char* url = std::getenv("MV_TEST_PG");
  return url ? url : "";
}

Result<std::string> CreatePgDatabase() {
  const std::string admin = PgAdminUrl();
  if (admin.empty())
    return Unavailable("MV_TEST_PG is not set: run under tests/scaleout/pg_env.sh");
  static std::atomic<int> counter{0};
  const std::string name =
      "t" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1));
  RETURN_IF_ERROR(AdminExec("DROP DATABASE IF EXISTS " + name));
  RETURN_IF_ERROR(AdminExec("CREATE DATABASE " + name));
  return admin.substr(0, admin.rfind('/') + 1) + name;
}

Status DropPgDatabase(const std::string& url) {
  return AdminExec("DROP DATABASE IF EXISTS " + DbName(url) + " WITH (FORCE)");
}

}  // namespace mv::test
