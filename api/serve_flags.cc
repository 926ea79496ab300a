#include "api/serve_flags.h"

namespace mv::api {

using util::FlagType;

// One flag per row reads better than one field per line.
// clang-format off
const util::FlagSpecs& ServeFlagSpecs() {
  static const util::FlagSpecs specs = {
    {"data-dir", FlagType::kString, "./data", "where the SQLite database and the blobs live", "DIR"},
    {"host", FlagType::kString, "127.0.0.1", "address to listen on", "HOST"},
    {"port", FlagType::kInt, "8080", "port; 0 picks a free one", "N", 0, 65535},
    {"port-file", FlagType::kString, "", "write the bound port to FILE once listening", "FILE"},
    {"max-upload-bytes", FlagType::kBytes, "64G", "largest request body and artifact"},
    {"http-threads", FlagType::kInt, "16", "HTTP worker threads", "N", 1, 1024},
    {"pickle-policy", FlagType::kString, "quarantine",
     "artifacts whose loading runs code (pickles, unsafe torch files): reject, quarantine "
     "(kept, flagged, never promoted) or allow", "P"},
    {"quiet", FlagType::kBool, "", "do not log each request to stderr"},
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
    {"parity-workers", FlagType::kInt, "1", "parity checks run at once in the background", "N",
     1, 64},
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
    {"default-malloc", FlagType::kBool, "",
     "keep glibc's malloc thresholds; by default each heap keeps up to 8 MiB free instead of "
     "trimming at 128 KiB, and blocks from 4 MiB come from mmap (bench/results/README.md "
     "links the measurement)"},
  };
  return specs;
}
// clang-format on

}  // namespace mv::api
