#include "api/serve_flags.h"

#include <cstdio>
#include <cstdlib>

namespace mv::api {

using util::FlagType;

// One flag per row reads better than one field per line.
// clang-format off
const util::FlagSpecs& ServeFlagSpecs() {
  static const util::FlagSpecs specs = {
    {"data-dir", FlagType::kString, "./data", "where the SQLite database and the blobs live", "DIR"},
    {"metadata", FlagType::kString, "",
     "where models, versions, stages, tokens and the audit log live: empty for SQLite in "
     "--data-dir, or postgres://USER@HOST:PORT/DB (password from the URL or PGPASSWORD; "
     "several replicas may share one database)", "URL"},
    {"host", FlagType::kString, "127.0.0.1", "address to listen on", "HOST"},
    {"port", FlagType::kInt, "8080", "port; 0 picks a free one", "N", 0, 65535},
    {"port-file", FlagType::kString, "", "write the bound port to FILE once listening", "FILE"},
    {"max-upload-bytes", FlagType::kBytes, "64G", "largest request body and artifact"},
    {"http-threads", FlagType::kInt, "16",
     "HTTP workers running requests; the pool has --parity-max-waiters more, so parked long "
     "polls never take these (idle and slow connections take none)", "N", 1, 1024},
    {"running-requests", FlagType::kInt, "0",
     "requests computing at once; waits for a slow client or a long poll do not count, so "
     "the rest of the workers can wait while this many keep the cores busy; 0 = the number "
     "of cores, at least 2", "N", 0, 1024},
    {"header-timeout", FlagType::kDuration, "10s",
     "a request head (and TLS handshake) must arrive whole within this time of its first byte "
     "(of the connect, for a new connection); else the connection is closed"},
    {"idle-timeout", FlagType::kDuration, "5s",
     "a kept-alive connection idle this long between requests is closed"},
    {"min-body-rate", FlagType::kBytes, "16K",
     "request bodies must arrive at least this many bytes per second, measured over "
     "--body-rate-window of waiting for the client; slower clients are cut"},
    {"body-rate-window", FlagType::kDuration, "10s", "the window of --min-body-rate"},
    {"write-timeout", FlagType::kDuration, "60s",
     "a client that reads none of a response for this long is cut"},
    {"max-connections", FlagType::kInt, "2048",
     "open client connections in total; beyond it a new one gets 503 with Retry-After", "N",
     1, 1000000},
    {"max-connections-per-address", FlagType::kInt, "256",
     "open connections from one client address; beyond it a new one gets 503 with "
     "Retry-After", "N", 1, 1000000},
    {"tls-cert", FlagType::kString, "",
     "serve HTTPS with this PEM certificate (chain); needs --tls-key", "FILE"},
    {"tls-key", FlagType::kString, "", "the PEM private key of --tls-cert", "FILE"},
    {"parity-max-waiters", FlagType::kInt, "32",
     "GET .../parity?wait= polls parked at once; beyond it a poll answers at once with the "
     "current status", "N", 0, 4096},
    {"max-multipart-parts", FlagType::kInt, "64",
     "parts in one multipart upload; beyond it the upload answers 413 and keeps nothing", "N",
     1, 100000},
    {"inference-memory", FlagType::kBytes, "1G",
     "request bodies all in-flight predict and /v2 infer calls may hold together; beyond it "
     "a call answers 503 with Retry-After"},
    {"pickle-policy", FlagType::kString, "quarantine",
     "artifacts whose loading runs code (pickles, unsafe torch files): reject, quarantine "
     "(kept, flagged, never promoted) or allow", "P"},
    {"quiet", FlagType::kBool, "", "do not log each request to stderr"},
    {"auth", FlagType::kString, "on",
     "on: every request but the health probes and the web page needs a token (the first start "
     "writes an admin token to DATA-DIR/admin-token); off: no checks at all, for throwaway "
     "experiments only (warns on every start)", "on|off"},
    {"anonymous-read", FlagType::kBool, "", "let GET and HEAD requests through without a token"},
    {"log-format", FlagType::kString, "auto",
     "the per-request log line on stderr: json (one object per line), text (for people) or "
     "auto (text when stderr is a terminal, else json)", "F"},
    {"no-metrics", FlagType::kBool, "",
     "record no request, inference or parity metrics (GET /metrics still answers); for "
     "measuring what recording costs"},
    {"verify-reads", FlagType::kBool, "",
     "downloads check each blob's SHA-256: a corrupt blob answers 500 (data_loss) up to "
     "--verify-upfront-max, beyond that the connection is cut before the last bytes"},
    {"verify-upfront-max", FlagType::kBytes, "64M",
     "largest blob verified before its response starts"},
    {"buffered-uploads", FlagType::kBool, "",
     "write uploaded blobs through the page cache; by default whole 1 MiB pieces are written "
     "with O_DIRECT where the filesystem allows"},
    {"shutdown-grace", FlagType::kDuration, "30s",
     "on SIGTERM/SIGINT, how long in-flight requests may take before their connections are cut"},
    {"session-cache-count", FlagType::kInt, "16", "ONNX Runtime sessions kept loaded for inference",
     "N", 1, 100000},
    {"session-cache-bytes", FlagType::kBytes, "1G",
     "bound on the summed ONNX file sizes of the loaded sessions"},
    {"intra-op-threads", FlagType::kInt, "0",
     "threads per ONNX Runtime session; 0 = the number of cores", "N", 0, 256},
    {"intra-op-spinning", FlagType::kBool, "",
     "let idle intra-op threads spin before they sleep: lower latency on idle cores, but the "
     "spinning takes CPU from the HTTP workers (bench/results/2026-12-07-batching-2.md)"},
    {"parity-workers", FlagType::kInt, "1", "parity checks run at once in the background", "N",
     1, 64},
    {"parity-lease", FlagType::kDuration, "30s",
     "a replica running a parity check holds it this long and renews it every third of it; "
     "the check of a replica that died is taken over by another once its lease ends"},
    {"parity-poll", FlagType::kDuration, "1s",
     "how often idle parity workers look in the database for checks queued by other replicas "
     "or whose lease ended, and parked parity polls for reports other replicas stored"},
    {"torch-worker", FlagType::kString, "",
     "the modelvault-torch-worker executable for TorchScript parity (default: next to "
     "modelvault; a missing worker makes that check report skipped)", "PATH"},
    {"print-routes", FlagType::kBool, "",
     "print every registered route (METHOD pattern, one per line) and exit; the OpenAPI test "
     "compares them with schema/openapi.yaml"},
    {"webhook-timeout", FlagType::kDuration, "10s",
     "how long one webhook delivery attempt may take (connect, send, answer)"},
    {"webhook-attempts", FlagType::kInt, "8",
     "attempts per webhook delivery before it is marked failed", "N", 1, 100},
    {"webhook-retry", FlagType::kDuration, "2s",
     "wait before a webhook delivery's second attempt; doubled for each further one (with "
     "jitter, at most 10 minutes)"},
    {"webhook-poll", FlagType::kDuration, "500ms",
     "how often the webhook outbox is read for deliveries that are due"},
    {"blobs", FlagType::kString, "file",
     "where artifact bytes live: file (DATA-DIR/blobs) or s3://BUCKET[/PREFIX]?endpoint=URL&"
     "region=R (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN; "
     "docs/deploy.md)", "SPEC"},
    {"s3-redirect-downloads", FlagType::kBool, "",
     "with s3:// blobs, artifact downloads answer 307 to a presigned S3 URL instead of "
     "streaming the bytes through the server"},
    {"s3-redirect-ttl", FlagType::kDuration, "5m",
     "how long a presigned download URL of --s3-redirect-downloads stays valid"},
    {"default-malloc", FlagType::kBool, "",
     "keep glibc's malloc thresholds; by default each heap keeps up to 8 MiB free instead of "
     "trimming at 128 KiB, and blocks from 4 MiB come from mmap (bench/results/README.md "
     "links the measurement)"},
  };
  return specs;
}
// clang-format on

const util::FlagSpec& ServeFlag(const std::string& name) {
  for (const util::FlagSpec& spec : ServeFlagSpecs()) {
    if (spec.name == name) return spec;
  }
  std::fprintf(stderr, "modelvault: no serve flag --%s\n", name.c_str());
  std::abort();
}

}  // namespace mv::api
