#include "api/upload_stream.h"

namespace mv::api {
namespace {

// When httplib's reader fails, say why: its own body limit (413) or a broken stream.
Status ReaderFailure(Ctx& ctx) {
  if (ctx.res.status == 413) {
    return ResourceExhausted("request body is larger than the server's --max-upload-bytes");
  }
  return InvalidArgument("the request body ended early or was malformed");
}

}  // namespace

Result<MultipartUpload> ReadMultipart(Ctx& ctx, VersionService& versions) {
  if (!ctx.req.is_multipart_form_data()) {
    return InvalidArgument(
        "expected multipart/form-data: a 'meta' JSON part and one part per file, e.g. "
        "curl -F meta='{...}' -F model.onnx=@model.onnx");
  }
  MultipartUpload out;
  Status failure;
  bool in_meta = false;
  ArtifactUpload* current = nullptr;
  const size_t max_meta = versions.limits().max_meta_bytes;
  const size_t max_parts = versions.limits().max_artifacts;
  ctx.body_read = true;
  bool ok = (*ctx.reader)(
      [&](const httplib::MultipartFormData& part) {
        current = nullptr;
        in_meta = part.name == "meta";
        if (in_meta) {
          if (!out.meta_text.empty()) failure = InvalidArgument("more than one 'meta' part");
          return failure.ok();
        }
        if (out.artifacts.size() >= max_parts) {
          failure = ResourceExhausted("more than " + std::to_string(max_parts) +
                                      " artifacts in one version");
          return false;
        }
        bool generic = part.name.empty() || part.name == "file" || part.name == "files";
        std::string name = generic ? part.filename : part.name;
        auto upload = versions.BeginArtifact(name);
        if (!upload.ok()) {
          failure = upload.status();
          return false;
        }
        current = upload->get();
        out.artifacts.push_back(std::move(upload).value());
        return true;
      },
      [&](const char* data, size_t n) {
        if (in_meta) {
          if (out.meta_text.size() + n > max_meta) {
            failure = ResourceExhausted("'meta' is larger than " + std::to_string(max_meta) +
                                        " bytes");
            return false;
          }
          out.meta_text.append(data, n);
          return true;
        }
        if (current == nullptr) return true;
        failure = current->Write(std::string_view(data, n));
        return failure.ok();
      });
  if (!failure.ok()) return failure;
  if (!ok) return ReaderFailure(ctx);
  return out;
}

Status ReadRawBody(Ctx& ctx, ArtifactUpload& upload) {
  Status failure;
  ctx.body_read = true;
  bool ok = (*ctx.reader)([&](const char* data, size_t n) {
    failure = upload.Write(std::string_view(data, n));
    return failure.ok();
  });
  if (!failure.ok()) return failure;
  if (!ok) return ReaderFailure(ctx);
  return Status::Ok();
}

}  // namespace mv::api
