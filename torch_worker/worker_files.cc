#include "torch_worker/worker_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "torch_worker/tensor_bridge.h"

namespace mv::torch_worker {
namespace {

std::string Errno() { return std::strerror(errno); }

FileDescriptor OpenRegular(const std::string& path, const std::string& what) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (fd.get() < 0) throw WorkerError("cannot open the " + what + " " + path + ": " + Errno());
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw WorkerError("the " + what + " " + path + " is not a regular file");
  }
  return fd;
}

class Adapter : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit Adapter(int fd) : fd_(fd) {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw WorkerError("cannot stat the model: " + Errno());
    size_ = static_cast<size_t>(st.st_size);
  }
  size_t size() const override { return size_; }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    size_t done = 0;
    while (done < n) {
      const ssize_t got =
          ::pread(fd_, static_cast<char*>(buf) + done, n - done, static_cast<off_t>(pos + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      done += static_cast<size_t>(got);
    }
    return done;
  }

 private:
  int fd_;
  size_t size_ = 0;
};

}  // namespace

FileDescriptor::FileDescriptor(FileDescriptor&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

WorkerFiles OpenWorkerFiles(const std::string& model, const std::string& inputs,
                            const std::string& outputs) {
  WorkerFiles files;
  files.model = OpenRegular(model, "model");
  files.inputs = OpenRegular(inputs, "inputs");
  files.outputs =
      FileDescriptor(::open(outputs.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (files.outputs.get() < 0) {
    throw WorkerError("cannot create " + outputs + ": " + Errno(), "internal");
  }
  return files;
}

std::string ReadAll(int fd, int64_t max_bytes, const std::string& what) {
  std::string out;
  char buf[1 << 16];
  int64_t at = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw WorkerError("cannot read the " + what + ": " + Errno());
    if (n == 0) return out;
    if (at + n > max_bytes) {
      throw WorkerError("the " + what + " are larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
    at += n;
  }
}

void WriteAll(int fd, const std::string& bytes, const std::string& what) {
  size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + at, bytes.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw WorkerError("cannot write the " + what + ": " + Errno(), "internal");
    at += static_cast<size_t>(n);
  }
}

std::shared_ptr<caffe2::serialize::ReadAdapterInterface> FdReadAdapter(int fd) {
  return std::make_shared<Adapter>(fd);
}

}  // namespace mv::torch_worker
