// The serve command's authentication set-up: --auth and --anonymous-read, and on the first
// start with auth on the bootstrap admin token, written to DATA-DIR/admin-token (mode 0600).
#pragma once

#include <string>

#include "api/auth.h"
#include "registry/token_service.h"
#include "util/flags.h"
#include "util/status.h"

namespace mv::api {

// The auth options the flags ask for; makes and writes the admin token when the token store
// has none, and says on stderr where it is (or that auth is off) on every start.
Result<AuthOptions> SetUpAuth(const util::Flags& flags, TokenService& tokens,
                              const std::string& data_dir);

}  // namespace mv::api
