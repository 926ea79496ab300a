#include "api/auth_setup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <optional>

namespace mv::api {
namespace {

// Writes the bootstrap admin token where only the server's user can read it.
Status WriteSecretFile(const std::string& path, const std::string& secret) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot create " + tmp);
  const std::string line = secret + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Internal("cannot write " + path);
  }
  return Status::Ok();
}

}  // namespace

// --auth and --anonymous-read: on the first start with auth on, makes the admin token and
// writes it to <data-dir>/admin-token; says where it is (or that auth is off) every start.
Result<AuthOptions> SetUpAuth(const util::Flags& flags, TokenService& tokens,
                                           const std::string& data_dir) {
  AuthOptions options;
  const std::string mode = flags.Get("auth");
  if (mode != "on" && mode != "off") return InvalidArgument("--auth must be on or off");
  options.enabled = mode == "on";
  options.anonymous_read = flags.Has("anonymous-read");
  if (!options.enabled) {
    std::fprintf(stderr,
                 "modelvault: WARNING: --auth off: anyone who can reach this port can change, "
                 "promote and delete every model. Use it for throwaway experiments only.\n");
    return options;
  }
  const std::string path = data_dir + "/admin-token";
  ASSIGN_OR_RETURN(std::optional<CreatedToken> made, tokens.Bootstrap());
  if (made) {
    RETURN_IF_ERROR(WriteSecretFile(path, made->secret));
    std::fprintf(stderr,
                 "modelvault: auth on; created the admin token, written to %s (mode 0600)\n",
                 path.c_str());
  } else if (::access(path.c_str(), F_OK) == 0) {
    std::fprintf(stderr, "modelvault: auth on; the admin token is in %s\n", path.c_str());
  } else {
    std::fprintf(stderr,
                 "modelvault: auth on; no %s (make a token with `modelvault token create NAME "
                 "--scopes admin --data-dir %s`)\n",
                 path.c_str(), data_dir.c_str());
  }
  if (options.anonymous_read) {
    std::fprintf(stderr, "modelvault: --anonymous-read: GET and HEAD need no token\n");
  }
  return options;
}

}  // namespace mv::api
