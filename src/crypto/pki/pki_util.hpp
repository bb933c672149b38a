#pragma once
// Internal to src/crypto/pki: OpenSSL ownership helpers for the X.509 types and small
// conversions. Not part of the public API.

#include <openssl/bio.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "crypto/openssl_util.hpp"

namespace omni::crypto::pki::detail {

using crypto::detail::Deleter;
using crypto::detail::openssl_error;
using crypto::detail::ssl_fail;

using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL, X509_CRL_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using AsnIntPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using AsnTimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME, ASN1_TIME_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

// A read-only BIO over `text` (which must outlive it), or an empty writable memory BIO.
BioPtr memory_bio(std::string_view text);
BioPtr memory_bio();
// Everything written to a memory BIO.
std::string bio_text(BIO* bio);

// RFC 2253 text of a name ("CN=elec-01,O=Beijing Water"), with UTF-8 kept as UTF-8 (an
// organisation is often Chinese) instead of the \XX escapes plain XN_FLAG_RFC2253 produces.
std::string name_text(const X509_NAME* name);

// 16 random lower-case hex digits, for temporary file names.
std::string random_token();

// ASN1_TIME <-> UtcTime. from_asn1_time: Malformed for an unparsable time.
Result<UtcTime> from_asn1_time(const ASN1_TIME* t);
AsnTimePtr to_asn1_time(UtcTime t);

// Upper-case hex of an ASN.1 INTEGER's magnitude without leading zero bytes ("3A0F…"), the form
// `openssl x509 -serial` prints.
std::string serial_hex(const ASN1_INTEGER* serial);
// Parses hex (either case, optional "0x", colons allowed) into an INTEGER. Errors: Malformed.
Result<AsnIntPtr> parse_serial_hex(std::string_view hex);

// Gives an SM2-signed certificate, request or CRL the distinguishing ID, so that OpenSSL's
// X509_verify / X509_REQ_verify use "1234567812345678" instead of the empty ID (notes B1).
void set_sm2_id(X509* cert);
void set_sm2_id(X509_REQ* req);

// Checks an SM2 signature `der_sig` over `tbs` with the distinguishing ID, the check OpenSSL
// 3.0's X509_CRL_verify cannot make (it has no ID for CRLs).
bool sm2_verify_with_id(EVP_PKEY* key, const unsigned char* tbs, std::size_t tbs_len,
                        const unsigned char* sig, std::size_t sig_len);

}  // namespace omni::crypto::pki::detail
