// storage/s3's HttpTransport over cpp-httplib's client: a pool of kept-alive connections to
// one endpoint, connect/read/write timeouts, no redirects followed. https:// verifies the
// server's certificate against the system's CA store.
#pragma once

#include "storage/s3/s3_blob_store.h"

namespace mv::api {

// The factory S3BlobOptions::transport wants.
storage::s3::HttpTransportFactory HttplibTransportFactory();

// `options` with HttplibTransportFactory() as its transport: what `serve`, the operator
// commands and the tests pass to OpenBlobs.
storage::S3BlobOptions OverHttplib(storage::S3BlobOptions options = {});

}  // namespace mv::api
