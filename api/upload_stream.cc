#include "api/upload_stream.h"

#include <string_view>

#include "api/body_stream.h"

namespace mv::api {
namespace {

// After a failure of ours (a full disk, a limit) the client is usually still sending.
// Closing with unread bytes makes the kernel answer with a reset, which can destroy the
// error response before the client reads it: read on and drop up to this much more, so
// that the client finishes sending and sees the JSON error. Past it the connection closes.
constexpr size_t kDrainBytes = size_t{256} << 20;

// Counts dropped bytes; false once the budget is spent.
struct Drain {
  size_t left = kDrainBytes;
  bool Take(size_t n) {
    if (n > left) return false;
    left -= n;
    return true;
  }
};

// A failed read leaves the rest of the body on the wire: the connection must not be reused.
void MarkUnread(Ctx& ctx, bool reader_ok) {
  if (!reader_ok) ctx.body_read = false;
}

// When httplib's reader fails, say why: its own body limit (413) or a broken stream.
Status ReaderFailure(Ctx& ctx) {
  if (ctx.res.status == 413) {
    return ResourceExhausted("request body is larger than the server's --max-upload-bytes");
  }
  return InvalidArgument("the request body ended early or was malformed");
}

}  // namespace

Result<MultipartUpload> ReadMultipart(Ctx& ctx, VersionService& versions, size_t max_parts) {
  if (!ctx.req.is_multipart_form_data()) {
    return InvalidArgument(
        "expected multipart/form-data: a 'meta' JSON part and one part per file, e.g. "
        "curl -F meta='{...}' -F model.onnx=@model.onnx");
  }
  MultipartUpload out;
  Status failure;
  Drain drain;
  bool in_meta = false;
  ArtifactUpload* current = nullptr;
  const size_t max_meta = versions.limits().max_meta_bytes;
  const size_t max_artifacts = versions.limits().max_artifacts;
  size_t parts = 0;
  // The first failure drops what was received (temp files go at once) and drains the rest.
  auto fail = [&](Status st) {
    failure = std::move(st);
    out.artifacts.clear();
    current = nullptr;
  };
  // A part is finished (hashed, synced, its buffers and hashing thread released) as soon as
  // it ends, so an upload holds the resources of one part at a time.
  auto finish_current = [&] {
    if (current == nullptr) return;
    Status st = current->Finish();
    current = nullptr;
    if (!st.ok()) fail(std::move(st));
  };
  ctx.body_read = true;
  bool ok = (*ctx.reader)(
      [&](const httplib::MultipartFormData& part) {
        if (!failure.ok()) return true;
        finish_current();
        if (!failure.ok()) return true;
        if (++parts > max_parts) {
          fail(ResourceExhausted("more than " + std::to_string(max_parts) +
                                 " parts in one upload (--max-multipart-parts)"));
          return true;
        }
        in_meta = part.name == "meta";
        if (in_meta) {
          if (!out.meta_text.empty()) fail(InvalidArgument("more than one 'meta' part"));
          return true;
        }
        if (out.artifacts.size() >= max_artifacts) {
          fail(ResourceExhausted("more than " + std::to_string(max_artifacts) +
                                 " artifacts in one version"));
          return true;
        }
        bool generic = part.name.empty() || part.name == "file" || part.name == "files";
        std::string name = generic ? part.filename : part.name;
        auto upload = versions.BeginArtifact(name);
        if (!upload.ok()) {
          fail(upload.status());
          return true;
        }
        current = upload->get();
        out.artifacts.push_back(std::move(upload).value());
        return true;
      },
      [&](const char* data, size_t n) {
        if (!failure.ok()) return drain.Take(n);
        if (in_meta) {
          if (out.meta_text.size() + n > max_meta) {
            fail(ResourceExhausted("'meta' is larger than " + std::to_string(max_meta) + " bytes"));
            return drain.Take(n);
          }
          out.meta_text.append(data, n);
          return true;
        }
        if (current == nullptr) return true;
        Status st = current->Write(std::string_view(data, n));
        if (st.ok()) return true;
        fail(std::move(st));
        return drain.Take(n);
      });
  if (ok && failure.ok()) finish_current();
  MarkUnread(ctx, ok);
  if (!failure.ok()) return failure;
  if (!ok) return ReaderFailure(ctx);
  return out;
}

Status ReadRawBody(Ctx& ctx, ArtifactUpload& upload) {
  Status failure;
  Drain drain;
  // Large bodies: 1 MiB pieces straight from the socket (StreamBody).
  const bool ok = StreamBody(ctx, [&](const char* data, size_t n) {
    if (failure.ok()) failure = upload.Write(std::string_view(data, n));
    return failure.ok() || drain.Take(n);
  });
  if (!failure.ok()) return failure;
  if (!ok) return ReaderFailure(ctx);
  return Status::Ok();
}

}  // namespace mv::api
