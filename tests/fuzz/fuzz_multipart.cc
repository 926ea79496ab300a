// libFuzzer entry point for the multipart upload path (api/upload_stream.cc, ReadMultipart):
// the parts of a POST .../versions as cpp-httplib hands them over (its byte-level boundary
// parser lives in Debian's libcpp-httplib, which is not instrumented), each part's data in
// chunks, into a real VersionService over a filesystem blob store in a temp dir, then the
// meta part through ParseJsonObject and SpecFromMeta as the version route does.
//
// Input: parts separated by '\x01'; each part is "name\tfilename\n" then its data, handed
// over in chunks whose sizes cycle through 1, 7 and 4096 bytes. Small limits (4 artifacts,
// 4 KiB meta, 64 KiB per artifact) so that the fuzzer reaches them.
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "api/http_io.h"
#include "api/meta_codec.h"
#include "api/upload_stream.h"
#include "registry/clock.h"
#include "storage/fs/fs_blob_store.h"
#include "storage/sqlite/sqlite_metadata_store.h"

namespace {

struct Part {
  std::string name, filename, data;
};

std::vector<Part> SplitParts(const std::string& input) {
  std::vector<Part> parts;
  size_t at = 0;
  while (at <= input.size() && parts.size() < 64) {
    const size_t end = std::min(input.find('\x01', at), input.size());
    const std::string record = input.substr(at, end - at);
    Part p;
    const size_t nl = record.find('\n');
    const std::string head = record.substr(0, nl);
    const size_t tab = head.find('\t');
    p.name = head.substr(0, tab);
    if (tab != std::string::npos) p.filename = head.substr(tab + 1);
    if (nl != std::string::npos) p.data = record.substr(nl + 1);
    parts.push_back(std::move(p));
    at = end + 1;
  }
  return parts;
}

struct Stack {
  std::string dir;
  std::unique_ptr<mv::storage::FsBlobStore> blobs;
  std::unique_ptr<mv::storage::SqliteMetadataStore> meta;
  mv::SystemClock clock;
  std::unique_ptr<mv::VersionService> versions;
};

Stack& TheStack() {
  static Stack* s = [] {
    auto* st = new Stack;
    char tmpl[] = "/tmp/mv-fuzz-multipart-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) abort();
    st->dir = tmpl;
    auto blobs = mv::storage::FsBlobStore::Create(st->dir + "/blobs");
    auto meta = mv::storage::SqliteMetadataStore::Open(st->dir + "/meta.db", 1);
    if (!blobs.ok() || !meta.ok()) abort();
    st->blobs = std::move(blobs).value();
    st->meta = std::move(meta).value();
    mv::VersionLimits limits;
    limits.max_artifacts = 4;
    limits.max_meta_bytes = 4096;
    limits.max_artifact_bytes = 64 << 10;
    st->versions = std::make_unique<mv::VersionService>(*st->meta, *st->blobs, st->clock, limits);
    std::atexit([] {  // libFuzzer ends with exit(): the temp dir goes with the process
      std::error_code ec;
      std::filesystem::remove_all(TheStack().dir, ec);
    });
    return st;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Stack& stack = TheStack();
  const std::vector<Part> parts =
      SplitParts(std::string(reinterpret_cast<const char*>(data), size));
  httplib::ContentReader reader(
      [](httplib::ContentReceiver) { return false; },
      [&parts](httplib::MultipartContentHeader header, httplib::ContentReceiver receiver) {
        static constexpr size_t kChunks[] = {1, 7, 4096};
        size_t chunk = 0;
        for (const Part& p : parts) {
          httplib::MultipartFormData form;
          form.name = p.name;
          form.filename = p.filename;
          if (!header(form)) return false;
          for (size_t at = 0; at < p.data.size();) {
            const size_t n = std::min(kChunks[chunk++ % 3], p.data.size() - at);
            if (!receiver(p.data.data() + at, n)) return false;
            at += n;
          }
        }
        return true;
      });
  httplib::Request req;
  req.headers.emplace("Content-Type", "multipart/form-data; boundary=fuzz");
  httplib::Response res;
  mv::api::Ctx ctx(req, res, &reader);
  auto upload = mv::api::ReadMultipart(ctx, *stack.versions);
  if (!upload.ok()) return 0;
  if (upload->artifacts.size() > 4) __builtin_trap();
  if (upload->meta_text.size() > 4096) __builtin_trap();
  auto meta = mv::api::ParseJsonObject(upload->meta_text, "meta");
  if (meta.ok()) (void)mv::api::SpecFromMeta(*meta);
  return 0;  // the uploads are dropped: their temp files go with them
}
