// TorchRunner: runs a TorchScript module on CPU in a separate process,
// `modelvault-torch-worker` (torch_worker/), the only binary that links libtorch. An
// uploaded .pt is an untrusted program for the TorchScript interpreter: a crash, a hang or
// an allocation storm in the worker must not touch the server, so every run gets a fresh
// process in its own process group with CPU, memory, file-size and wall-clock limits, and
// talks to it only through files in a private temp dir (safetensors in, safetensors out).
// The worker sandboxes itself (torch_worker/sandbox.h: namespaces, Landlock, seccomp) before
// it loads the module, and refuses to run it where the kernel cannot confine it.
//
// Worker protocol: `modelvault-torch-worker --model FILE --inputs IN --outputs OUT
// [--method NAME] [--threads N] [--cpu-seconds N] [--memory-bytes N] [--max-output-bytes N]`;
// exit 0 with OUT written (tensors output_0, output_1, ...), or exit 2 with one JSON line
// {"error":"...","code":"..."} on stderr.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "registry/inference_engine.h"
#include "util/status.h"

namespace mv::inference {

struct TorchLimits {
  int cpu_seconds = 60;                           // RLIMIT_CPU of the worker
  int64_t memory_bytes = int64_t{4} << 30;        // RLIMIT_AS (libtorch maps ~650 MiB itself)
  double wall_seconds = 120;                      // killed (the whole group) after this
  int64_t max_output_bytes = int64_t{256} << 20;  // also the worker's RLIMIT_FSIZE
  int threads = 1;                                // intra-op threads in the worker
};

class TorchRunner {
 public:
  // `worker_path` is the worker executable (see DefaultWorkerPath); `temp_root` the folder
  // the private run dirs are made in ("" means $TMPDIR or /tmp).
  TorchRunner(std::string worker_path, TorchLimits limits, std::string temp_root = "");

  // `<dir of this executable>/modelvault-torch-worker`; "" when /proc/self/exe is unreadable.
  static std::string DefaultWorkerPath();
  // Whether the worker executable exists and is executable.
  bool Available() const;

  // Runs `method` of the TorchScript file whose bytes are `torchscript` on `inputs` (matched
  // to the method's arguments by name, "input.<name>" accepted, or by position when no name
  // matches); returns its outputs in order, named output_0, output_1, ... Errors:
  // InvalidArgument when the worker refuses the file or the inputs (its message included;
  // "the sandbox refused ..." when the module reached for a file or the network),
  // ResourceExhausted when the run hits the CPU, memory or output limit, Unavailable when it
  // runs past the wall limit or the worker is missing, FailedPrecondition ("sandbox
  // unavailable: ...") when this kernel cannot confine the worker (the module is not run),
  // Internal when the worker crashes or answers something unreadable. The temp dir is removed in every case. Thread-safe:
  // concurrent runs use separate processes and dirs.
  Result<std::vector<Tensor>> Run(const std::string& torchscript, const std::vector<Tensor>& inputs,
                                  const std::string& method = "forward") const;
  // As Run, for a TorchScript file already on disk (read by the worker, not copied).
  Result<std::vector<Tensor>> RunFile(const std::string& path, const std::vector<Tensor>& inputs,
                                      const std::string& method = "forward") const;

 private:
  Result<std::vector<Tensor>> RunIn(const std::string& dir, const std::string& model_path,
                                    const std::vector<Tensor>& inputs,
                                    const std::string& method) const;

  std::string worker_path_;
  TorchLimits limits_;
  std::string temp_root_;
};

}  // namespace mv::inference
