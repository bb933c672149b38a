#include "net/static_files.hpp"

#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <sstream>

namespace omni::net {
namespace {

struct TypeRow {
  const char* ext;
  const char* type;
};
constexpr TypeRow kTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".wasm", "application/wasm"},
    {".txt", "text/plain; charset=utf-8"},
    {".geojson", "application/geo+json"},
};

bool is_content_hashed(const std::string& filename) {
  // esbuild's [name]-[hash] pattern: a dash, at least 8 letters/digits, then the extension.
  static const std::regex kHashed(R"(-[0-9A-Za-z]{8,}\.[A-Za-z0-9]+$)");
  return std::regex_search(filename, kHashed);
}

bool read_file(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = std::move(s).str();
  return true;
}

}  // namespace

const char* content_type_for(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& row : kTypes) {
    if (ext == row.ext) return row.type;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(std::filesystem::path root) {
  std::error_code ec;
  root_ = std::filesystem::weakly_canonical(root, ec);
  if (ec) root_ = std::move(root);
}

std::optional<Response> StaticFiles::serve(const Request& request) const {
  namespace fs = std::filesystem;
  const std::string& path = request.path;  // already percent-decoded by the server
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string::npos) {
    return std::nullopt;
  }
  // Reject any ".." segment outright, before touching the file system.
  fs::path relative = fs::path(path.substr(1)).lexically_normal();
  for (const auto& part : relative) {
    if (part == "..") return std::nullopt;
  }
  std::error_code ec;
  fs::path file = root_ / relative;
  if (fs::is_directory(file, ec)) file /= "index.html";
  // Symbolic links may not lead out of the root.
  fs::path real = fs::weakly_canonical(file, ec);
  if (ec || !fs::is_regular_file(real, ec)) return std::nullopt;
  auto root_str = root_.string();
  auto real_str = real.string();
  if (real_str.compare(0, root_str.size(), root_str) != 0 ||
      (real_str.size() > root_str.size() && real_str[root_str.size()] != '/')) {
    return std::nullopt;
  }

  auto size = fs::file_size(real, ec);
  auto mtime = fs::last_write_time(real, ec).time_since_epoch().count();
  std::string etag = fmt::format("\"{:x}-{:x}\"", size, mtime);

  Response r;
  r.content_type = content_type_for(real);
  std::string name = real.filename().string();
  if (r.content_type.rfind("text/html", 0) == 0) {
    r.set_header("Cache-Control", "no-cache");
  } else if (is_content_hashed(name)) {
    r.set_header("Cache-Control", "public, max-age=31536000, immutable");
  } else {
    r.set_header("Cache-Control", "public, max-age=300");
  }
  r.set_header("ETag", etag);
  r.set_header("Vary", "Accept-Encoding");
  r.set_header("X-Content-Type-Options", "nosniff");

  if (request.header("If-None-Match") == etag) {
    r.status = 304;
    return r;
  }
  bool gzip_ok = request.header("Accept-Encoding").find("gzip") != std::string_view::npos;
  fs::path gz = real;
  gz += ".gz";
  if (gzip_ok && fs::is_regular_file(gz, ec) && read_file(gz, r.body)) {
    r.set_header("Content-Encoding", "gzip");
    return r;
  }
  if (!read_file(real, r.body)) return std::nullopt;
  return r;
}

}  // namespace omni::net
