// modelvault-torch-worker: runs one method of a TorchScript file on CPU and exits. The
// server starts one per run (registry/inference/torch_runner.cc) so that libtorch, and
// whatever an uploaded module does inside it, stays out of the server process.
//
//   modelvault-torch-worker --model FILE --inputs IN.safetensors --outputs OUT.safetensors
//       [--method forward] [--output-names a,b] [--threads N] [--cpu-seconds N]
//       [--memory-bytes N] [--max-output-bytes N]
//
// Inputs are matched to the method's arguments by name ("x" or "input.x"), or by position
// when no name matches. Outputs (a tensor, or tuples/lists/dicts of them, flattened) are
// written as output_0, output_1, ... or the --output-names. Exit 0 on success; otherwise
// one line {"error":"...","code":"invalid_argument|resource_exhausted|sandbox_refused|
// sandbox_unavailable|internal"} on stderr and exit 2. The limits are applied here too, as a
// second line of defence behind the launcher's.
//
// The worker opens its three files and then confines itself (torch_worker/sandbox.h) before
// libtorch reads the module: no file can be opened by name afterwards, no socket made. When
// the kernel lacks what the sandbox needs the worker refuses to run the module at all.
#include <ATen/Parallel.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <functional>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "registry/inference/safetensors_io.h"
#include "torch_worker/sandbox.h"
#include "torch_worker/tensor_bridge.h"
#include "torch_worker/worker_files.h"
#include "util/json_escape.h"

namespace mv::torch_worker {
namespace {

constexpr int kExitError = 2;
constexpr int64_t kMaxInputBytes = int64_t{4} << 30;
constexpr size_t kMaxOutputs = 1024;

struct Options {
  std::string model, inputs, outputs, method = "forward";
  std::vector<std::string> output_names;
  int64_t threads = 1;
  int64_t cpu_seconds = 0;   // 0: no limit set here
  int64_t memory_bytes = 0;  // 0: no limit set here
  int64_t max_output_bytes = int64_t{256} << 20;
};

int64_t Number(const std::string& flag, const std::string& text, int64_t min) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || v < min) {
    throw WorkerError(flag + " needs an integer >= " + std::to_string(min) + ", not \"" +
                      text.substr(0, 64) + "\"");
  }
  return v;
}

std::vector<std::string> SplitNames(const std::string& list) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= list.size()) {
    const size_t comma = std::min(list.find(',', at), list.size());
    out.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  using Setter = std::function<void(const std::string& flag, const std::string& value)>;
  const std::map<std::string, Setter> flags = {
      {"--model", [&](auto&, auto& v) { o.model = v; }},
      {"--inputs", [&](auto&, auto& v) { o.inputs = v; }},
      {"--outputs", [&](auto&, auto& v) { o.outputs = v; }},
      {"--method", [&](auto&, auto& v) { o.method = v; }},
      {"--output-names", [&](auto&, auto& v) { o.output_names = SplitNames(v); }},
      {"--threads", [&](auto& f, auto& v) { o.threads = Number(f, v, 1); }},
      {"--cpu-seconds", [&](auto& f, auto& v) { o.cpu_seconds = Number(f, v, 1); }},
      {"--memory-bytes", [&](auto& f, auto& v) { o.memory_bytes = Number(f, v, 1); }},
      {"--max-output-bytes", [&](auto& f, auto& v) { o.max_output_bytes = Number(f, v, 0); }},
  };
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    const auto it = flags.find(flag);
    if (it == flags.end()) throw WorkerError("unknown flag " + flag.substr(0, 64));
    if (i + 1 >= argc) throw WorkerError(flag + " needs a value");
    it->second(flag, argv[i + 1]);
  }
  if (o.model.empty() || o.inputs.empty() || o.outputs.empty()) {
    throw WorkerError(
        "usage: modelvault-torch-worker --model FILE --inputs IN --outputs OUT [--method NAME] "
        "[--output-names a,b] [--threads N] [--cpu-seconds N] [--memory-bytes N] "
        "[--max-output-bytes N]");
  }
  return o;
}

// Lowers (never raises) a limit; the launcher has usually set the same one already.
void Lower(int resource, int64_t soft, int64_t hard) {
  struct rlimit rl {};
  if (::getrlimit(resource, &rl) != 0) return;
  const auto lower = [](rlim_t cur, int64_t want) {
    return cur == RLIM_INFINITY || static_cast<rlim_t>(want) < cur ? static_cast<rlim_t>(want)
                                                                   : cur;
  };
  rl.rlim_cur = lower(rl.rlim_cur, soft);
  rl.rlim_max = lower(rl.rlim_max, hard);
  rl.rlim_cur = std::min(rl.rlim_cur, rl.rlim_max);
  ::setrlimit(resource, &rl);
}

void ApplyLimits(const Options& o) {
  if (o.cpu_seconds > 0) Lower(RLIMIT_CPU, o.cpu_seconds, o.cpu_seconds + 1);
  if (o.memory_bytes > 0) Lower(RLIMIT_AS, o.memory_bytes, o.memory_bytes);
  Lower(RLIMIT_CORE, 0, 0);
}

std::vector<Tensor> Outputs(const Options& o, const c10::IValue& result) {
  const std::vector<at::Tensor> flat = FlattenOutputs(result, kMaxOutputs);
  if (!o.output_names.empty() && o.output_names.size() != flat.size()) {
    throw WorkerError("--output-names names " + std::to_string(o.output_names.size()) +
                      " outputs; the module returned " + std::to_string(flat.size()));
  }
  std::vector<Tensor> out;
  int64_t total = 0;
  for (size_t i = 0; i < flat.size(); ++i) {
    total += static_cast<int64_t>(flat[i].nbytes());
    if (total > o.max_output_bytes) {
      throw WorkerError(
          "the outputs are larger than " + std::to_string(o.max_output_bytes) + " bytes",
          "resource_exhausted");
    }
    out.push_back(FromTorch(
        flat[i], o.output_names.empty() ? "output_" + std::to_string(i) : o.output_names[i]));
  }
  return out;
}

// What libtorch reads from the machine lazily, read before the sandbox hides the machine:
// making the intra-op thread pool reads the CPU topology (cpuinfo: /proc/cpuinfo,
// /sys/devices/system/cpu). With one thread it starts none: the sandbox needs a
// single-threaded process; Run sizes the pool afterwards.
void PrepareLibtorch() {
  at::set_num_interop_threads(1);
  at::set_num_threads(1);
}

void Run(const Options& o, const WorkerFiles& files) {
  at::set_num_threads(static_cast<int>(o.threads));
  auto inputs = inference::DecodeSafetensors(ReadAll(files.inputs.get(), kMaxInputBytes, "inputs"));
  if (!inputs.ok()) throw WorkerError("inputs: " + inputs.status().message());
  torch::NoGradGuard no_grad;
  torch::jit::Module module = torch::jit::load(FdReadAdapter(files.model.get()), torch::kCPU);
  module.eval();
  const c10::optional<torch::jit::Method> method = module.find_method(o.method);
  if (!method) throw WorkerError("the module has no method \"" + o.method.substr(0, 64) + "\"");
  std::vector<c10::IValue> args = MatchArguments(*method, *inputs);
  inputs->clear();
  const c10::IValue result = (*method)(std::move(args));
  auto encoded = inference::EncodeSafetensors(Outputs(o, result));
  if (!encoded.ok()) throw WorkerError("outputs: " + encoded.status().message());
  WriteAll(files.outputs.get(), *encoded, "outputs");
}

int Fail(const std::string& message, const std::string& code) {
  std::string line = "{\"error\":" + util::JsonString(message.substr(0, 4096)) +
                     ",\"code\":" + util::JsonString(code) + "}\n";
  std::fputs(line.c_str(), stderr);
  return kExitError;
}

// The interpreter's own message is its last line; the TorchScript traceback above it names
// files of the machine that exported the module.
std::string Concise(const std::string& message) {
  if (message.find("failed in the TorchScript interpreter") == std::string::npos) return message;
  const size_t end = message.find_last_not_of("\n ");
  if (end == std::string::npos) return message;
  const size_t newline = message.rfind('\n', end);
  const size_t from = newline == std::string::npos ? 0 : newline + 1;
  return message.substr(from, end + 1 - from);
}

bool IsOutOfMemory(const std::string& message) {
  return message.find("can't allocate memory") != std::string::npos ||
         message.find("std::bad_alloc") != std::string::npos;
}

// An allocation that failed under the memory limit is the limit's doing, not the module's.
// A failure that follows a call the sandbox refused is the sandbox's doing: say so.
int FailWith(const std::string& what) {
  const std::string message = Concise(what);
  const std::string refused = LastRefusal();
  if (!refused.empty()) {
    return Fail("the sandbox refused " + refused + " (the module tried to reach " +
                    RefusalMeaning(refused) + "): " + message,
                "sandbox_refused");
  }
  if (IsOutOfMemory(message)) {
    return Fail("out of memory under the worker's memory limit (" + message + ")",
                "resource_exhausted");
  }
  return Fail(message, "invalid_argument");
}

}  // namespace
}  // namespace mv::torch_worker

int main(int argc, char** argv) {
  using namespace mv::torch_worker;
  try {
    const Options o = ParseArgs(argc, argv);
    const WorkerFiles files = OpenWorkerFiles(o.model, o.inputs, o.outputs);
    ApplyLimits(o);
    PrepareLibtorch();
    const auto sandbox = EnterSandbox();
    if (!sandbox.ok()) return Fail(sandbox.status().message(), "sandbox_unavailable");
    Run(o, files);
    return 0;
  } catch (const WorkerError& e) {
    return e.code() == "invalid_argument" ? FailWith(e.what()) : Fail(e.what(), e.code());
  } catch (const c10::Error& e) {
    return FailWith(e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    return FailWith("std::bad_alloc");
  } catch (const std::exception& e) {
    return FailWith(e.what());
  } catch (...) {
    return Fail("unknown error", "internal");
  }
}
