// mv_ort_bench: ONNX Runtime in process, the baseline of bench/inference_bench.sh. It builds
// the session the way modelvault's engine does (registry/inference/onnx_session.cc: the
// model from bytes, ORT_ENABLE_ALL, N intra-op threads, one inter-op thread, sequential,
// intra-op spinning off unless --spinning), then times back-to-back runs of one input of
// random float32 values (seeded) for --seconds after a warm-up of a fifth of that.
// It links ONNX Runtime directly on purpose: the figure is what the runtime alone costs,
// without modelvault's checks and copies.
//
// usage: mv_ort_bench MODEL.onnx --shape 1,3,224,224 --threads N [--spinning] [--seconds S]
// prints one tab-separated line: system runs p50_ms p90_ms p99_ms mean_ms samples_per_s
//        mv_ort_bench --version   prints ONNX Runtime's version
#include <onnxruntime_cxx_api.h>
#include <onnxruntime_session_options_config_keys.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iterator>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string model;
  std::vector<int64_t> shape;
  int threads = 1;
  bool spinning = false;
  double seconds = 5;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "mv_ort_bench: %s\nusage: mv_ort_bench MODEL.onnx --shape 1,3,224,224 "
               "--threads N [--spinning] [--seconds S]\n",
               why);
  std::exit(2);
}

std::vector<int64_t> ParseShape(const std::string& text) {
  std::vector<int64_t> shape;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    const long long dim = std::atoll(text.substr(at, comma - at).c_str());
    if (dim <= 0) Usage("--shape takes positive dims separated by commas");
    shape.push_back(dim);
    at = comma + 1;
  }
  return shape;
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--shape" && has_value) {
      a.shape = ParseShape(argv[++i]);
    } else if (arg == "--threads" && has_value) {
      a.threads = std::atoi(argv[++i]);
    } else if (arg == "--seconds" && has_value) {
      a.seconds = std::atof(argv[++i]);
    } else if (arg == "--spinning") {
      a.spinning = true;
    } else if (arg.rfind("--", 0) != 0 && a.model.empty()) {
      a.model = arg;
    } else {
      Usage(("unexpected argument " + arg).c_str());
    }
  }
  if (a.model.empty() || a.shape.empty()) Usage("a model and --shape are required");
  if (a.threads < 1 || a.seconds <= 0) Usage("--threads and --seconds must be positive");
  return a;
}

// As MakeOptions in registry/inference/onnx_session.cc (the external-data guard aside).
Ort::SessionOptions Options(const Args& a) {
  Ort::SessionOptions o;
  o.SetIntraOpNumThreads(a.threads);
  o.SetInterOpNumThreads(1);
  o.SetExecutionMode(ORT_SEQUENTIAL);
  o.SetGraphOptimizationLevel(ORT_ENABLE_ALL);
  o.AddConfigEntry(kOrtSessionOptionsConfigAllowIntraOpSpinning, a.spinning ? "1" : "0");
  o.AddConfigEntry(kOrtSessionOptionsConfigAllowInterOpSpinning, "0");
  return o;
}

// Linear interpolation between the nearest ranks, as numpy.percentile (torch_bench.py).
double Percentile(const std::vector<double>& sorted, double p) {
  const double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(rank);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - static_cast<double>(lo));
}

int Run(const Args& a) {
  std::ifstream file(a.model, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file || bytes.empty()) Usage(("cannot read " + a.model).c_str());
  Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "mv_ort_bench");
  Ort::Session session(env, bytes.data(), bytes.size(), Options(a));

  Ort::AllocatorWithDefaultOptions alloc;
  const std::string input_name = session.GetInputNameAllocated(0, alloc).get();
  std::vector<std::string> output_names;
  for (size_t i = 0; i < session.GetOutputCount(); ++i) {
    output_names.push_back(session.GetOutputNameAllocated(i, alloc).get());
  }
  std::vector<const char*> outputs;
  for (const std::string& n : output_names) outputs.push_back(n.c_str());
  const char* inputs[] = {input_name.c_str()};

  const int64_t count =
      std::accumulate(a.shape.begin(), a.shape.end(), int64_t{1}, std::multiplies<int64_t>());
  std::vector<float> data(static_cast<size_t>(count));
  std::mt19937 rng(20241124);
  std::normal_distribution<float> normal;
  for (float& v : data) v = normal(rng);
  Ort::MemoryInfo cpu = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  Ort::Value input = Ort::Value::CreateTensor<float>(cpu, data.data(), data.size(), a.shape.data(),
                                                     a.shape.size());
  auto once = [&] {
    std::vector<Ort::Value> out =
        session.Run(Ort::RunOptions{nullptr}, inputs, &input, 1, outputs.data(), outputs.size());
    if (out.empty()) Usage("the model returned no output");
  };

  const auto warm_until = Clock::now() + std::chrono::duration<double>(a.seconds * 0.2);
  for (int i = 0; i < 5 || Clock::now() < warm_until; ++i) once();
  std::vector<double> ms;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(a.seconds);
  while (ms.size() < 5 || Clock::now() < end) {
    const auto t0 = Clock::now();
    once();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  const double total = std::chrono::duration<double>(Clock::now() - start).count();
  const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
  std::sort(ms.begin(), ms.end());
  std::printf("%s\t%zu\t%.3f\t%.3f\t%.3f\t%.3f\t%.1f\n",
              a.spinning ? "ort in-process spinning" : "ort in-process", ms.size(),
              Percentile(ms, 50), Percentile(ms, 90), Percentile(ms, 99), mean,
              static_cast<double>(ms.size()) * static_cast<double>(a.shape[0]) / total);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::printf("%s\n", Ort::GetVersionString().c_str());
    return 0;
  }
  const Args args = Parse(argc, argv);
  try {
    return Run(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mv_ort_bench: %s\n", e.what());
    return 1;
  }
}
