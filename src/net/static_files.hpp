#pragma once
// Serves files from one folder (the bundled web front end) with the headers browsers and caches
// need:
//   - Content-Type from the extension;
//   - Cache-Control "no-cache" for HTML (so a new release is picked up at once) and
//     "public, max-age=31536000, immutable" for content-hashed names ("main-3F9A1C2B.js"),
//     "public, max-age=300" otherwise;
//   - ETag (size and modification time) with If-None-Match -> 304;
//   - a precompressed "<file>.gz" when the client accepts gzip;
//   - index.html for a folder;
//   - nothing outside the root: "..", encoded dots and symbolic links that leave it give 404.
//
// Thread safety: immutable after construction; serve() may run on any thread.

#include <filesystem>
#include <optional>

#include "net/http.hpp"

namespace omni::net {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  // A response for GET/HEAD of `request.path`, or nullopt when no file matches (the caller
  // answers 404 in its own format).
  std::optional<Response> serve(const Request& request) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;  // canonical
};

// "text/html; charset=utf-8" for "index.html", "application/octet-stream" when unknown.
const char* content_type_for(const std::filesystem::path& file);

}  // namespace omni::net
