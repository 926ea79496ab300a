#include <cstdio>
#include <memory>
#include <vector>

#include "api/http_io.h"
#include "api/json_codec.h"
#include "api/routes.h"
#include "api/transfer_headers.h"
#include "api/upload_stream.h"
#include "registry/names.h"

namespace mv::api {
namespace {

constexpr size_t kChunkBytes = 256 * 1024;

Status PutArtifact(Ctx& ctx, VersionService& versions) {
  const std::string& model = ctx.Param("m");
  ASSIGN_OR_RETURN(int64_t number, ParseVersionNumber(ctx.Param("v")));
  RETURN_IF_ERROR(ValidateName(ctx.Param("name"), "artifact name"));
  // 404/409 before reading a possibly huge body.
  RETURN_IF_ERROR(versions.CheckDraft(model, number));
  ASSIGN_OR_RETURN(auto expected, ExpectedSha256(ctx.req.get_header_value("Content-Digest"),
                                                 ctx.req.get_header_value("X-Checksum-Sha256")));
  ASSIGN_OR_RETURN(std::unique_ptr<ArtifactUpload> upload, versions.BeginArtifact(ctx.Param("name")));
  if (expected) upload->ExpectSha256(*expected);
  RETURN_IF_ERROR(ReadRawBody(ctx, *upload));
  ASSIGN_OR_RETURN(Artifact a,
                   versions.PutDraftArtifact(model, number, std::move(upload), ctx.Who()));
  SendJson(ctx, 201, ArtifactJson(model, number, a));
  return Status::Ok();
}

// Streams the artifact (or one byte range of it) from the blob store in fixed chunks.
Status GetArtifact(Ctx& ctx, VersionService& versions, const Services& s) {
  const std::string& model = ctx.Param("m");
  ASSIGN_OR_RETURN(int64_t number, versions.Resolve(model, ctx.Param("v")));
  ASSIGN_OR_RETURN(ArtifactDownload dl, versions.OpenArtifact(model, number, ctx.Param("name")));
  const Artifact& a = dl.artifact;
  const std::string etag = "\"" + a.sha256 + "\"";
  ctx.res.set_header("ETag", etag);
  ctx.res.set_header("Repr-Digest", DigestHeaderValue(a.sha256));
  ctx.res.set_header("Accept-Ranges", "bytes");
  ctx.res.set_header("Content-Disposition", "attachment; filename=\"" + a.name + "\"");
  if (ctx.req.get_header_value("If-None-Match") == etag) {
    ctx.res.status = 304;
    return Status::Ok();
  }
  if (s.presign_download) {
    // The object store serves the bytes (and any Range) itself, under a short-lived URL.
    ASSIGN_OR_RETURN(std::string url, s.presign_download(a.sha256));
    ctx.res.status = 307;
    ctx.res.set_header("Location", url);
    ctx.res.set_header("Cache-Control", "no-store");
    return Status::Ok();
  }
  int64_t start = 0, length = dl.reader->size();
  ctx.res.status = 200;
  const std::string range_header = ctx.req.get_header_value("Range");
  auto range = ParseRange(range_header, length);
  if (!range.ok()) {
    ctx.res.set_header("Content-Range", "bytes */" + std::to_string(length));
    return range.status();
  }
  const std::string if_range = ctx.req.get_header_value("If-Range");
  if (*range && (if_range.empty() || if_range == etag)) {
    // A range is not a sequential pass the reader can check on the way: with
    // --verify-reads, check the whole blob before the first byte (an honest 500 now,
    // rather than a cut connection later).
    RETURN_IF_ERROR(dl.reader->VerifyAll());
    ctx.res.status = 206;
    ctx.res.set_header("Content-Range", "bytes " + std::to_string((*range)->start) + "-" +
                                            std::to_string((*range)->start + (*range)->length - 1) +
                                            "/" + std::to_string(length));
    start = (*range)->start;
    length = (*range)->length;
  } else {
    ctx.res.set_header("Content-Digest", DigestHeaderValue(a.sha256));
  }
  std::shared_ptr<BlobReader> reader = std::move(dl.reader);
  auto buf = std::make_shared<std::vector<char>>(kChunkBytes);
  auto provide = [reader, buf, start, id = ctx.request_id](size_t offset, size_t len,
                                                           httplib::DataSink& sink) {
    auto n = reader->ReadAt(start + static_cast<int64_t>(offset), buf->data(),
                            std::min(len, buf->size()));
    if (!n.ok()) {
      std::fprintf(stderr, "modelvault: request %s: download cut: %s\n", id.c_str(),
                   n.status().ToString().c_str());
    }
    if (!n.ok() || *n == 0) return false;  // the connection is cut: never send wrong bytes
    return sink.write(buf->data(), *n);
  };
  ctx.res.set_content_provider(static_cast<size_t>(length), "application/octet-stream", provide);
  return Status::Ok();
}

}  // namespace

void RegisterArtifactRoutes(Router& router, Services& s) {
  VersionService& v = *s.versions;
  const std::string path = "/api/v1/models/{m}/versions/{v}/artifacts/{name}";
  router.Add("PUT", path, Access::kWrite, [&v](Ctx& ctx) { return PutArtifact(ctx, v); });
  router.Add("GET", path, Access::kRead,
             [&v, &s](Ctx& ctx) { return GetArtifact(ctx, v, s); });
  router.Add("GET", path + "/inspection", Access::kRead, [&v](Ctx& ctx) {
    ASSIGN_OR_RETURN(int64_t number, v.Resolve(ctx.Param("m"), ctx.Param("v")));
    ASSIGN_OR_RETURN(InspectionRecord r, v.Inspection(ctx.Param("m"), number, ctx.Param("name")));
    SendJson(ctx, 200, InspectionJson(r, /*with_summary=*/true));
    return Status::Ok();
  });
  router.Add("DELETE", path, Access::kWrite, [&v](Ctx& ctx) {
    ASSIGN_OR_RETURN(int64_t number, ParseVersionNumber(ctx.Param("v")));
    RETURN_IF_ERROR(v.DeleteDraftArtifact(ctx.Param("m"), number, ctx.Param("name"), ctx.Who()));
    ctx.res.status = 204;
    return Status::Ok();
  });
}

}  // namespace mv::api
