#pragma once
// DL/T 698.45 application protocol data units, both directions.
//
// Every APDU is a struct with a decode_* (bytes -> struct) and an encode (struct -> bytes):
//   master station: encode(GetRequest) … decode_get_response(apdu)
//   terminal/meter: decode_get_request(apdu) … encode(GetResponse)
// Structs hold spans into the decoded bytes for everything variable (Data values, lists), so
// decoding allocates nothing; keep the bytes alive while the struct is used. Lists (SEQUENCE
// OF …) are a Seq: the count and the encoded items, walked with the matching read_* function:
//
//   auto rsp = decode_get_response(apdu);               // GET-Response-NormalList
//   Reader items(rsp->results.items);
//   for (std::size_t i = 0; i < rsp->results.count; ++i) { auto r = read_result_normal(items); … }
//
// A service's `choice` says which fields are meaningful (documented per struct). Client APDUs
// end with TimeTag OPTIONAL; server APDUs with FollowReport OPTIONAL and TimeTag OPTIONAL.
// Devices that stop right after the service data are accepted (both tails absent).
//
// Errors of every decode_*: Malformed (truncated, wrong tag, trailing bytes, bad choice
// encoding), Unsupported (a service choice this codec does not know).

#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "protocol/dlt698/axdr.hpp"

namespace omni::protocol::dlt698 {

enum class ApduTag : std::uint8_t {
  LinkRequest = 0x01,
  ConnectRequest = 0x02,
  ReleaseRequest = 0x03,
  GetRequest = 0x05,
  SetRequest = 0x06,
  ActionRequest = 0x07,
  ReportResponse = 0x08,
  ProxyRequest = 0x09,
  SecurityRequest = 0x10,
  LinkResponse = 0x81,
  ConnectResponse = 0x82,
  ReleaseResponse = 0x83,
  ReleaseNotification = 0x84,
  GetResponse = 0x85,
  SetResponse = 0x86,
  ActionResponse = 0x87,
  ReportNotification = 0x88,
  ProxyResponse = 0x89,
  SecurityResponse = 0x90,
  ErrorResponse = 0xEE,
};

std::string_view apdu_name(std::uint8_t tag);  // "GET-Response"; "unknown"

// PIID: bits 0..5 service sequence number, bit 7 high priority. PIID-ACD adds bit 6: the server
// has reports waiting and asks to be polled.
constexpr std::uint8_t make_piid(std::uint8_t sequence, bool high_priority = false,
                                 bool acd = false) {
  return static_cast<std::uint8_t>((sequence & 0x3F) | (acd ? 0x40 : 0) |
                                   (high_priority ? 0x80 : 0));
}
constexpr std::uint8_t piid_sequence(std::uint8_t piid) { return piid & 0x3F; }
constexpr bool piid_acd(std::uint8_t piid) { return (piid & 0x40) != 0; }
constexpr bool piid_high_priority(std::uint8_t piid) { return (piid & 0x80) != 0; }

// A list: the count and the encoded items.
struct Seq {
  std::size_t count = 0;
  std::span<const std::uint8_t> items;
  bool operator==(const Seq& o) const { return count == o.count && bytes_equal(items, o.items); }
};

struct TimeTag {
  DateTimeS send_time;
  Ti allowed_delay;
  bool operator==(const TimeTag&) const = default;
};

// FollowReport: [1] SEQUENCE OF A-ResultNormal | [2] SEQUENCE OF A-ResultRecord.
struct FollowReport {
  std::uint8_t choice = 1;
  Seq results;
  bool operator==(const FollowReport&) const = default;
};

// Get-Result ::= CHOICE { [0] DAR, [1] Data }
struct GetResult {
  bool has_data = false;
  std::uint8_t dar = 0;  // when !has_data
  DataView data;         // when has_data
  bool operator==(const GetResult& o) const {
    return has_data == o.has_data && (has_data ? data == o.data : dar == o.dar);
  }
};

struct ResultNormal {  // A-ResultNormal
  Oad oad;
  GetResult result;
  bool operator==(const ResultNormal&) const = default;
};

struct ResultRecord {  // A-ResultRecord: rows of rcsd.count Data values each
  Oad oad;
  Rcsd rcsd;
  bool has_rows = false;
  std::uint8_t dar = 0;  // when !has_rows
  Seq rows;              // when has_rows: rows.count × rcsd.count Data
  bool operator==(const ResultRecord& o) const {
    return oad == o.oad && rcsd == o.rcsd && has_rows == o.has_rows &&
           (has_rows ? rows == o.rows : dar == o.dar);
  }
};

struct GetRecord {  // GetRecord ::= OAD RSD RCSD
  Oad oad;
  Rsd rsd;
  Rcsd rcsd;
  bool operator==(const GetRecord&) const = default;
};

// Item readers for Seq contents (each consumes one item).
Result<ResultNormal> read_result_normal(Reader& r);
Result<ResultRecord> read_result_record(Reader& r);
Result<GetRecord> read_get_record(Reader& r);
Result<GetResult> read_get_result(Reader& r);
void write_get_result(Writer& w, const GetResult& g);
void write_result_normal(Writer& w, const ResultNormal& r);
void write_result_record(Writer& w, const ResultRecord& r);
void write_get_record(Writer& w, const GetRecord& g);

// --- LINK (terminal starts, C = 81; master answers, C = 01) --------------------------------------

enum class LinkType : std::uint8_t { Login = 0, Heartbeat = 1, Logout = 2 };

struct LinkRequest {  // 01
  std::uint8_t piid_acd = 0;
  LinkType type = LinkType::Login;
  std::uint16_t heartbeat_s = 0;
  DateTime request_time;
  bool operator==(const LinkRequest&) const = default;
};

// Result byte: bits 0..2 0 ok, 1 duplicate address, 2 illegal device, 3 capacity exceeded;
// bit 7 = the master's clock is trustworthy.
struct LinkResponse {  // 81
  std::uint8_t piid = 0;
  std::uint8_t result = 0x80;
  DateTime request_time, received_time, response_time;
  bool operator==(const LinkResponse&) const = default;
};

// --- CONNECT / RELEASE -------------------------------------------------------------------------

// ConnectMechanismInfo: 0 public (none), 1 password (visible-string), 2 symmetric (cipher
// octet-string + signature octet-string), 3 signature (octet-string + octet-string).
struct ConnectMechanism {
  std::uint8_t choice = 0;
  std::span<const std::uint8_t> first;   // password / cipher text / data
  std::span<const std::uint8_t> second;  // signature (choices 2, 3)
  bool operator==(const ConnectMechanism& o) const {
    return choice == o.choice && bytes_equal(first, o.first) && bytes_equal(second, o.second);
  }
};

struct ConnectRequest {  // 02
  std::uint8_t piid = 0;
  std::uint16_t version = 0x0016;
  std::array<std::uint8_t, 8> protocol_conformance{};   // bit-string(SIZE(64)), no length
  std::array<std::uint8_t, 16> function_conformance{};  // bit-string(SIZE(128))
  std::uint16_t send_max = 0, receive_max = 0;
  std::uint8_t receive_window = 1;
  std::uint16_t max_apdu = 0;
  std::uint32_t timeout_s = 0;
  ConnectMechanism mechanism;
  std::optional<TimeTag> time_tag;
  bool operator==(const ConnectRequest&) const = default;
};

// FactoryVersion: six fixed-size visible-strings (4, 4, 6, 4, 6, 8 bytes, no length byte).
struct FactoryVersion {
  std::span<const std::uint8_t> vendor, software_version, software_date, hardware_version,
      hardware_date, extension;
  bool operator==(const FactoryVersion& o) const;
};

struct ConnectResponse {  // 82
  std::uint8_t piid_acd = 0;
  FactoryVersion factory;
  std::uint16_t version = 0x0016;
  std::array<std::uint8_t, 8> protocol_conformance{};
  std::array<std::uint8_t, 16> function_conformance{};
  std::uint16_t send_max = 0, receive_max = 0;
  std::uint8_t receive_window = 1;
  std::uint16_t max_apdu = 0;
  std::uint32_t timeout_s = 0;
  std::uint8_t result = 0;  // 0 allowed, 1 password, 2 symmetric, 3 asymmetric, 4 signature,
                            // 5 protocol version error, 255 other
  bool has_security_data = false;
  std::span<const std::uint8_t> server_rn, server_signature;  // SecurityData
  std::optional<FollowReport> follow_report;
  std::optional<TimeTag> time_tag;
  bool operator==(const ConnectResponse&) const;
};

struct ReleaseRequest {  // 03
  std::uint8_t piid = 0;
  std::optional<TimeTag> time_tag;
  bool operator==(const ReleaseRequest&) const = default;
};

struct ReleaseResponse {  // 83
  std::uint8_t piid_acd = 0;
  std::uint8_t result = 0;
  std::optional<FollowReport> follow_report;
  std::optional<TimeTag> time_tag;
  bool operator==(const ReleaseResponse&) const = default;
};

struct ReleaseNotification {  // 84
  std::uint8_t piid_acd = 0;
  DateTimeS connected_at, now;
  std::optional<FollowReport> follow_report;
  std::optional<TimeTag> time_tag;
  bool operator==(const ReleaseNotification&) const = default;
};

// --- GET ---------------------------------------------------------------------------------------

enum class GetChoice : std::uint8_t {
  Normal = 1,
  NormalList = 2,
  Record = 3,
  RecordList = 4,
  Next = 5,
  Md5 = 6,
};

// Normal/Md5: oad. NormalList: oads (SEQUENCE OF OAD). Record: record. RecordList: records
// (SEQUENCE OF GetRecord). Next: last_block.
struct GetRequest {  // 05
  GetChoice choice = GetChoice::Normal;
  std::uint8_t piid = 0;
  Oad oad;
  Seq oads;
  GetRecord record;
  Seq records;
  std::uint16_t last_block = 0;
  std::optional<TimeTag> time_tag;
  bool operator==(const GetRequest&) const = default;
};

// Normal: result. NormalList: results (A-ResultNormal). Record: record. RecordList: records
// (A-ResultRecord). Next: last_frame, block, next_choice (0 DAR in dar, 1 results, 2 records).
// Md5: result.oad plus md5 (has_data) or dar.
struct GetResponse {  // 85
  GetChoice choice = GetChoice::Normal;
  std::uint8_t piid_acd = 0;
  ResultNormal result;
  Seq results;
  ResultRecord record;
  Seq records;
  bool last_frame = true;
  std::uint16_t block = 0;
  std::uint8_t next_choice = 1;
  std::uint8_t dar = 0;
  std::span<const std::uint8_t> md5;
  std::optional<FollowReport> follow_report;
  std::optional<TimeTag> time_tag;
  bool operator==(const GetResponse& o) const;
};

// --- SET ---------------------------------------------------------------------------------------

enum class SetChoice : std::uint8_t { Normal = 1, NormalList = 2, ThenGetList = 3 };

struct SetItem {  // OAD Data (SetThenGet adds OAD + delay)
  Oad oad;
  DataView data;
  Oad get_oad;
  std::uint8_t delay_s = 0;
  bool operator==(const SetItem&) const = default;
};

// Normal: item (oad, data). NormalList: items of (OAD Data). ThenGetList: items of
// (OAD Data OAD unsigned).
struct SetRequest {  // 06
  SetChoice choice = SetChoice::Normal;
  std::uint8_t piid = 0;
  SetItem item;
  Seq items;
  std::optional<TimeTag> time_tag;
  bool operator==(const SetRequest&) const = default;
};

struct SetResultItem {  // OAD DAR (ThenGet adds OAD Get-Result)
  Oad oad;
  std::uint8_t dar = 0;
  Oad get_oad;
  GetResult get;
  bool operator==(const SetResultItem&) const = default;
};

// Normal: item (oad, dar). NormalList: items (OAD DAR). ThenGetList: items (OAD DAR OAD
// Get-Result).
struct SetResponse {  // 86
  SetChoice choice = SetChoice::Normal;
  std::uint8_t piid_acd = 0;
  SetResultItem item;
  Seq items;
  std::optional<FollowReport> follow_report;
  std::optional<TimeTag> time_tag;
  bool operator==(const SetResponse&) const = default;
};

Result<SetItem> read_set_item(Reader& r, SetChoice choice);
Result<SetResultItem> read_set_result_item(Reader& r, SetChoice choice);

// --- ACTION ------------------------------------------------------------------------------------

using ActionChoice = SetChoice;  // same numbering: 1 Normal, 2 NormalList, 3 ThenGetList

struct ActionItem {  // OMD Data (ThenGet adds OAD + delay)
  Omd omd;
  DataView data;
  Oad get_oad;
  std::uint8_t delay_s = 0;
  bool operator==(const ActionItem&) const = default;
};

struct ActionRequest {  // 07
  ActionChoice choice = ActionChoice::Normal;
  std::uint8_t piid = 0;
  ActionItem item;
  Seq items;
  std::optional<TimeTag> time_tag;
  bool operator==(const ActionRequest&) const = default;
};

struct ActionResultItem {  // OMD DAR Data OPTIONAL (ThenGet adds OAD Get-Result)
  Omd omd;
  std::uint8_t dar = 0;
  bool has_data = false;
  DataView data;
  Oad get_oad;
  GetResult get;
  bool operator==(const ActionResultItem& o) const {
    return omd == o.omd && dar == o.dar && has_data == o.has_data &&
           (!has_data || data == o.data) && get_oad == o.get_oad && get == o.get;
  }
};

struct ActionResponse {  // 87
  ActionChoice choice = ActionChoice::Normal;
  std::uint8_t piid_acd = 0;
  ActionResultItem item;
  Seq items;
  std::optional<FollowReport> follow_report;
  std::optional<TimeTag> time_tag;
  bool operator==(const ActionResponse&) const = default;
};

Result<ActionItem> read_action_item(Reader& r, ActionChoice choice);
Result<ActionResultItem> read_action_result_item(Reader& r, ActionChoice choice);

// --- REPORT ------------------------------------------------------------------------------------

enum class ReportChoice : std::uint8_t { List = 1, RecordList = 2, TransData = 3 };

// List: results (A-ResultNormal). RecordList: results (A-ResultRecord). TransData: oad and
// results (SEQUENCE OF octet-string).
struct ReportNotification {  // 88
  ReportChoice choice = ReportChoice::List;
  std::uint8_t piid_acd = 0;
  Oad oad;
  Seq results;
  std::optional<FollowReport> follow_report;
  std::optional<TimeTag> time_tag;
  bool operator==(const ReportNotification&) const = default;
};

// List / RecordList: oads (SEQUENCE OF OAD) acknowledged. TransData: only the PIID.
struct ReportResponse {  // 08
  ReportChoice choice = ReportChoice::List;
  std::uint8_t piid = 0;
  Seq oads;
  std::optional<TimeTag> time_tag;
  bool operator==(const ReportResponse&) const = default;
};

// --- PROXY -------------------------------------------------------------------------------------

enum class ProxyChoice : std::uint8_t {
  GetList = 1,
  GetRecord = 2,
  SetList = 3,
  SetThenGetList = 4,
  ActionList = 5,
  ActionThenGetList = 6,
  TransCommand = 7,
};

// GetList/SetList/…: timeout_s + targets, each `TSA long-unsigned(timeout) SEQUENCE OF item`
// (items as the matching Get/Set/Action request items). GetRecord: timeout_s, tsa, record.
// TransCommand: port, comdcb, frame_timeout_s, byte_timeout_ms, command (the raw frame).
struct ProxyRequest {  // 09
  ProxyChoice choice = ProxyChoice::GetList;
  std::uint8_t piid = 0;
  std::uint16_t timeout_s = 0;
  Seq targets;
  Tsa tsa;
  GetRecord record;
  Oad port;
  Comdcb comdcb;
  std::uint16_t frame_timeout_s = 0;
  std::uint16_t byte_timeout_ms = 0;
  std::span<const std::uint8_t> command;
  std::optional<TimeTag> time_tag;
  bool operator==(const ProxyRequest& o) const;
};

// GetList…: targets, each `TSA SEQUENCE OF result-item`. GetRecord: tsa + record.
// TransCommand: port, and reply (has_reply) or dar.
struct ProxyResponse {  // 89
  ProxyChoice choice = ProxyChoice::GetList;
  std::uint8_t piid_acd = 0;
  Seq targets;
  Tsa tsa;
  ResultRecord record;
  Oad port;
  bool has_reply = false;
  std::uint8_t dar = 0;
  std::span<const std::uint8_t> reply;
  std::optional<FollowReport> follow_report;
  std::optional<TimeTag> time_tag;
  bool operator==(const ProxyResponse& o) const;
};

// One target of a proxy list: the TSA, its timeout (requests only) and its item list.
struct ProxyTarget {
  Tsa tsa;
  std::uint16_t timeout_s = 0;
  Seq items;
};
Result<ProxyTarget> read_proxy_request_target(Reader& r, ProxyChoice choice);
Result<ProxyTarget> read_proxy_response_target(Reader& r, ProxyChoice choice);

// --- SECURITY ----------------------------------------------------------------------------------

// Request: data_choice 0 plain / 1 cipher octet-string; verify_choice 0 SID_MAC, 1 RN,
// 2 RN_MAC, 3 SID.
struct SecurityRequest {  // 10
  std::uint8_t data_choice = 0;
  std::span<const std::uint8_t> data;  // the inner APDU (plain) or cipher text
  std::uint8_t verify_choice = 1;
  SidMac sid_mac;                     // choice 0; choice 3 uses sid_mac.sid
  std::span<const std::uint8_t> rn;   // choices 1, 2
  std::span<const std::uint8_t> mac;  // choice 2
  bool operator==(const SecurityRequest& o) const;
};

// Response: data_choice 0 plain / 1 cipher / 2 DAR; then OPTIONAL [0] MAC.
struct SecurityResponse {  // 90
  std::uint8_t data_choice = 0;
  std::span<const std::uint8_t> data;
  std::uint8_t dar = 0;
  bool has_mac = false;
  std::span<const std::uint8_t> mac;
  bool operator==(const SecurityResponse& o) const;
};

// --- ERROR -------------------------------------------------------------------------------------

struct ErrorResponse {  // EE
  std::uint8_t piid_acd = 0;
  std::uint8_t error = 1;  // 1 APDU undecodable, 2 service unsupported, 255 other
  bool operator==(const ErrorResponse&) const = default;
};

// --- Decode / encode ---------------------------------------------------------------------------

Result<LinkRequest> decode_link_request(std::span<const std::uint8_t> apdu);
Result<LinkResponse> decode_link_response(std::span<const std::uint8_t> apdu);
Result<ConnectRequest> decode_connect_request(std::span<const std::uint8_t> apdu);
Result<ConnectResponse> decode_connect_response(std::span<const std::uint8_t> apdu);
Result<ReleaseRequest> decode_release_request(std::span<const std::uint8_t> apdu);
Result<ReleaseResponse> decode_release_response(std::span<const std::uint8_t> apdu);
Result<ReleaseNotification> decode_release_notification(std::span<const std::uint8_t> apdu);
Result<GetRequest> decode_get_request(std::span<const std::uint8_t> apdu);
Result<GetResponse> decode_get_response(std::span<const std::uint8_t> apdu);
Result<SetRequest> decode_set_request(std::span<const std::uint8_t> apdu);
Result<SetResponse> decode_set_response(std::span<const std::uint8_t> apdu);
Result<ActionRequest> decode_action_request(std::span<const std::uint8_t> apdu);
Result<ActionResponse> decode_action_response(std::span<const std::uint8_t> apdu);
Result<ReportNotification> decode_report_notification(std::span<const std::uint8_t> apdu);
Result<ReportResponse> decode_report_response(std::span<const std::uint8_t> apdu);
Result<ProxyRequest> decode_proxy_request(std::span<const std::uint8_t> apdu);
Result<ProxyResponse> decode_proxy_response(std::span<const std::uint8_t> apdu);
Result<SecurityRequest> decode_security_request(std::span<const std::uint8_t> apdu);
Result<SecurityResponse> decode_security_response(std::span<const std::uint8_t> apdu);
Result<ErrorResponse> decode_error_response(std::span<const std::uint8_t> apdu);

void encode(const LinkRequest& a, std::vector<std::uint8_t>& out);
void encode(const LinkResponse& a, std::vector<std::uint8_t>& out);
void encode(const ConnectRequest& a, std::vector<std::uint8_t>& out);
void encode(const ConnectResponse& a, std::vector<std::uint8_t>& out);
void encode(const ReleaseRequest& a, std::vector<std::uint8_t>& out);
void encode(const ReleaseResponse& a, std::vector<std::uint8_t>& out);
void encode(const ReleaseNotification& a, std::vector<std::uint8_t>& out);
void encode(const GetRequest& a, std::vector<std::uint8_t>& out);
void encode(const GetResponse& a, std::vector<std::uint8_t>& out);
void encode(const SetRequest& a, std::vector<std::uint8_t>& out);
void encode(const SetResponse& a, std::vector<std::uint8_t>& out);
void encode(const ActionRequest& a, std::vector<std::uint8_t>& out);
void encode(const ActionResponse& a, std::vector<std::uint8_t>& out);
void encode(const ReportNotification& a, std::vector<std::uint8_t>& out);
void encode(const ReportResponse& a, std::vector<std::uint8_t>& out);
void encode(const ProxyRequest& a, std::vector<std::uint8_t>& out);
void encode(const ProxyResponse& a, std::vector<std::uint8_t>& out);
void encode(const SecurityRequest& a, std::vector<std::uint8_t>& out);
void encode(const SecurityResponse& a, std::vector<std::uint8_t>& out);
void encode(const ErrorResponse& a, std::vector<std::uint8_t>& out);

// Any APDU, by its tag.
using Apdu =
    std::variant<LinkRequest, LinkResponse, ConnectRequest, ConnectResponse, ReleaseRequest,
                 ReleaseResponse, ReleaseNotification, GetRequest, GetResponse, SetRequest,
                 SetResponse, ActionRequest, ActionResponse, ReportNotification, ReportResponse,
                 ProxyRequest, ProxyResponse, SecurityRequest, SecurityResponse, ErrorResponse>;
// Errors: as the service's decoder; Unsupported for an unknown tag.
Result<Apdu> decode_apdu(std::span<const std::uint8_t> apdu);
void encode(const Apdu& a, std::vector<std::uint8_t>& out);

// --- Builders for lists (the master's side) ----------------------------------------------------
// These write complete APDUs from typed lists, for callers that do not hold encoded Seqs.

void encode_get_request_normal_list(std::uint8_t piid, std::span<const Oad> oads,
                                    std::vector<std::uint8_t>& out,
                                    const std::optional<TimeTag>& time_tag = std::nullopt);
void encode_report_response(ReportChoice choice, std::uint8_t piid, std::span<const Oad> oads,
                            std::vector<std::uint8_t>& out);
// PROXY GetList with one target per (TSA, OAD list) pair.
struct ProxyGetTarget {
  Tsa tsa;
  std::uint16_t timeout_s = 0;
  std::span<const Oad> oads;
};
void encode_proxy_get_list(std::uint8_t piid, std::uint16_t timeout_s,
                           std::span<const ProxyGetTarget> targets, std::vector<std::uint8_t>& out,
                           const std::optional<TimeTag>& time_tag = std::nullopt);

}  // namespace omni::protocol::dlt698
