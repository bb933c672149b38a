#pragma once
// TLS set-up shared by the HTTP server and client (inside src/net only: Asio stays out of the
// public headers).

#include <boost/asio/ssl/context.hpp>
#include <filesystem>

#include "core/result.hpp"

namespace omni::net {

// Adds the PEM CRLs of `crl_file` to the context's trust store and turns on CRL checking of the
// peer's own certificate. Errors: Config (unreadable file, no CRL in it).
Status load_crl(boost::asio::ssl::context& context, const std::filesystem::path& crl_file);

}  // namespace omni::net
