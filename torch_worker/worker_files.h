// The worker's three files, opened before it confines itself (torch_worker/sandbox.h): once
// the sandbox is in place no file can be opened by name, so the artifact, the inputs and the
// outputs are reached only through these descriptors. Every function throws WorkerError.
#pragma once

#include <caffe2/serialize/read_adapter_interface.h>

#include <cstdint>
#include <memory>
#include <string>

namespace mv::torch_worker {

// An open descriptor, closed with the object.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& o) noexcept;
  FileDescriptor& operator=(FileDescriptor&& o) noexcept;
  ~FileDescriptor();
  int get() const { return fd_; }

 private:
  int fd_;
};

struct WorkerFiles {
  FileDescriptor model, inputs, outputs;
};

// Opens `model` and `inputs` for reading (regular files only) and creates or truncates
// `outputs` (mode 0600). Throws WorkerError naming the file that cannot be opened.
WorkerFiles OpenWorkerFiles(const std::string& model, const std::string& inputs,
                            const std::string& outputs);

// The whole file behind `fd` (from offset 0), refused above `max_bytes`.
std::string ReadAll(int fd, int64_t max_bytes, const std::string& what);
// Writes all of `bytes` to `fd`.
void WriteAll(int fd, const std::string& bytes, const std::string& what);

// libtorch's reader over a descriptor (pread, so the descriptor's offset does not matter).
// The descriptor must outlive the adapter.
std::shared_ptr<caffe2::serialize::ReadAdapterInterface> FdReadAdapter(int fd);

}  // namespace mv::torch_worker
