#include "protocol/dlt698/apdu.hpp"

#include <fmt/format.h>

namespace omni::protocol::dlt698 {

namespace {

#define GET_OR_FAIL(var, expr)                \
  auto var##_r = (expr);                      \
  if (!var##_r) return fail(var##_r.error()); \
  auto var = *var##_r

struct ApduName {
  std::uint8_t tag;
  std::string_view name;
};

constexpr ApduName kApduNames[] = {
    {0x01, "LINK-Request"},         {0x02, "CONNECT-Request"},     {0x03, "RELEASE-Request"},
    {0x05, "GET-Request"},          {0x06, "SET-Request"},         {0x07, "ACTION-Request"},
    {0x08, "REPORT-Response"},      {0x09, "PROXY-Request"},       {0x10, "SECURITY-Request"},
    {0x81, "LINK-Response"},        {0x82, "CONNECT-Response"},    {0x83, "RELEASE-Response"},
    {0x84, "RELEASE-Notification"}, {0x85, "GET-Response"},        {0x86, "SET-Response"},
    {0x87, "ACTION-Response"},      {0x88, "REPORT-Notification"}, {0x89, "PROXY-Response"},
    {0x90, "SECURITY-Response"},    {0xEE, "ERROR-Response"},
};

// Consumes the APDU tag and, for services with a CHOICE, the choice byte within [1, max].
Status expect_tag(Reader& r, ApduTag tag) {
  GET_OR_FAIL(b, r.u8());
  if (b != static_cast<std::uint8_t>(tag)) {
    return fail(ErrorCode::Malformed, fmt::format("expected {} ({:02X}), found {:02X}",
                                                  apdu_name(static_cast<std::uint8_t>(tag)),
                                                  static_cast<unsigned>(tag), b));
  }
  return ok();
}

Result<std::uint8_t> read_choice(Reader& r, ApduTag tag, std::uint8_t max) {
  OMNI_TRY(expect_tag(r, tag));
  GET_OR_FAIL(c, r.u8());
  if (c < 1 || c > max) {
    return fail(ErrorCode::Unsupported,
                fmt::format("{} choice {}", apdu_name(static_cast<std::uint8_t>(tag)), c));
  }
  return c;
}

Status finish(const Reader& r, ApduTag tag) {
  if (!r.empty()) {
    return fail(ErrorCode::Malformed,
                fmt::format("{} followed by {} stray bytes",
                            apdu_name(static_cast<std::uint8_t>(tag)), r.remaining()));
  }
  return ok();
}

// A SEQUENCE OF whose items are read by `item`; returns the count and the encoded items.
template <class ReadItem>
Result<Seq> read_seq(Reader& r, ReadItem&& item) {
  Reader c = r;
  GET_OR_FAIL(n, c.length());
  if (n > c.remaining()) {  // every item is at least one byte
    return fail(ErrorCode::Malformed,
                fmt::format("list of {} items in {} bytes", n, c.remaining()));
  }
  std::size_t start = c.position();
  for (std::size_t i = 0; i < n; ++i) OMNI_TRY(item(c));
  Seq s{n, c.since(start)};
  r = c;
  return s;
}

template <class T>
Status discard(Result<T> v) {
  if (!v) return fail(v.error());
  return ok();
}

Status skip_oad(Reader& r) { return discard(r.read_oad()); }

Result<std::optional<TimeTag>> read_time_tag(Reader& r) {
  if (r.empty()) return std::optional<TimeTag>{};  // devices that drop the tails
  GET_OR_FAIL(present, r.optional());
  if (!present) return std::optional<TimeTag>{};
  GET_OR_FAIL(t, r.read_date_time_s());
  GET_OR_FAIL(ti, r.read_ti());
  return std::optional<TimeTag>(TimeTag{t, ti});
}

void write_time_tag(Writer& w, const std::optional<TimeTag>& t) {
  w.optional(t.has_value());
  if (t) {
    w.date_time_s(t->send_time);
    w.ti(t->allowed_delay);
  }
}

Result<std::optional<FollowReport>> read_follow_report(Reader& r) {
  if (r.empty()) return std::optional<FollowReport>{};
  GET_OR_FAIL(present, r.optional());
  if (!present) return std::optional<FollowReport>{};
  GET_OR_FAIL(choice, r.u8());
  FollowReport f{choice, {}};
  if (choice == 1) {
    GET_OR_FAIL(s, read_seq(r, [](Reader& c) { return discard(read_result_normal(c)); }));
    f.results = s;
  } else if (choice == 2) {
    GET_OR_FAIL(s, read_seq(r, [](Reader& c) { return discard(read_result_record(c)); }));
    f.results = s;
  } else {
    return fail(ErrorCode::Malformed, fmt::format("FollowReport choice {}", choice));
  }
  return std::optional<FollowReport>(f);
}

void write_follow_report(Writer& w, const std::optional<FollowReport>& f) {
  w.optional(f.has_value());
  if (f) {
    w.u8(f->choice);
    w.length(f->results.count);
    w.bytes(f->results.items);
  }
}

// The server tails: FollowReport OPTIONAL, TimeTag OPTIONAL, then nothing.
template <class T>
Status read_server_tails(Reader& r, T& apdu, ApduTag tag) {
  GET_OR_FAIL(f, read_follow_report(r));
  GET_OR_FAIL(t, read_time_tag(r));
  apdu.follow_report = f;
  apdu.time_tag = t;
  return finish(r, tag);
}

template <class T>
void write_server_tails(Writer& w, const T& apdu) {
  write_follow_report(w, apdu.follow_report);
  write_time_tag(w, apdu.time_tag);
}

template <class T>
Status read_client_tail(Reader& r, T& apdu, ApduTag tag) {
  GET_OR_FAIL(t, read_time_tag(r));
  apdu.time_tag = t;
  return finish(r, tag);
}

void write_seq(Writer& w, const Seq& s) {
  w.length(s.count);
  w.bytes(s.items);
}

}  // namespace

std::string_view apdu_name(std::uint8_t tag) {
  for (const auto& n : kApduNames) {
    if (n.tag == tag) return n.name;
  }
  return "unknown";
}

// --- Shared pieces -------------------------------------------------------------------------------

Result<GetResult> read_get_result(Reader& r) {
  GET_OR_FAIL(choice, r.u8());
  GetResult g;
  if (choice == 0) {
    GET_OR_FAIL(dar, r.u8());
    g.dar = dar;
  } else if (choice == 1) {
    GET_OR_FAIL(d, r.read_data());
    g.has_data = true;
    g.data = d;
  } else {
    return fail(ErrorCode::Malformed, fmt::format("Get-Result choice {}", choice));
  }
  return g;
}

void write_get_result(Writer& w, const GetResult& g) {
  w.u8(g.has_data ? 1 : 0);
  if (g.has_data) {
    w.data(g.data);
  } else {
    w.u8(g.dar);
  }
}

Result<ResultNormal> read_result_normal(Reader& r) {
  Reader c = r;
  GET_OR_FAIL(oad, c.read_oad());
  GET_OR_FAIL(g, read_get_result(c));
  r = c;
  return ResultNormal{oad, g};
}

void write_result_normal(Writer& w, const ResultNormal& r) {
  w.oad(r.oad);
  write_get_result(w, r.result);
}

Result<ResultRecord> read_result_record(Reader& r) {
  Reader c = r;
  ResultRecord rec;
  GET_OR_FAIL(oad, c.read_oad());
  GET_OR_FAIL(rcsd, c.read_rcsd());
  GET_OR_FAIL(choice, c.u8());
  rec.oad = oad;
  rec.rcsd = rcsd;
  if (choice == 0) {
    GET_OR_FAIL(dar, c.u8());
    rec.dar = dar;
  } else if (choice == 1) {
    std::size_t columns = rcsd.count;
    GET_OR_FAIL(rows, read_seq(c, [columns](Reader& rc) -> Status {
                  for (std::size_t k = 0; k < columns; ++k) OMNI_TRY(discard(rc.read_data()));
                  return ok();
                }));
    rec.has_rows = true;
    rec.rows = rows;
  } else {
    return fail(ErrorCode::Malformed, fmt::format("A-ResultRecord choice {}", choice));
  }
  r = c;
  return rec;
}

void write_result_record(Writer& w, const ResultRecord& r) {
  w.oad(r.oad);
  w.rcsd(r.rcsd);
  w.u8(r.has_rows ? 1 : 0);
  if (r.has_rows) {
    write_seq(w, r.rows);
  } else {
    w.u8(r.dar);
  }
}

Result<GetRecord> read_get_record(Reader& r) {
  Reader c = r;
  GET_OR_FAIL(oad, c.read_oad());
  GET_OR_FAIL(rsd, c.read_rsd());
  GET_OR_FAIL(rcsd, c.read_rcsd());
  r = c;
  return GetRecord{oad, rsd, rcsd};
}

void write_get_record(Writer& w, const GetRecord& g) {
  w.oad(g.oad);
  w.rsd(g.rsd);
  w.rcsd(g.rcsd);
}

// --- LINK ----------------------------------------------------------------------------------------

Result<LinkRequest> decode_link_request(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  OMNI_TRY(expect_tag(r, ApduTag::LinkRequest));
  GET_OR_FAIL(piid, r.u8());
  GET_OR_FAIL(type, r.u8());
  if (type > 2) return fail(ErrorCode::Malformed, fmt::format("LINK request type {}", type));
  GET_OR_FAIL(hb, r.u16());
  GET_OR_FAIL(t, r.read_date_time());
  OMNI_TRY(finish(r, ApduTag::LinkRequest));
  return LinkRequest{piid, static_cast<LinkType>(type), hb, t};
}

void encode(const LinkRequest& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x01);
  w.u8(a.piid_acd);
  w.u8(static_cast<std::uint8_t>(a.type));
  w.u16(a.heartbeat_s);
  w.date_time(a.request_time);
}

Result<LinkResponse> decode_link_response(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  OMNI_TRY(expect_tag(r, ApduTag::LinkResponse));
  GET_OR_FAIL(piid, r.u8());
  GET_OR_FAIL(result, r.u8());
  GET_OR_FAIL(t1, r.read_date_time());
  GET_OR_FAIL(t2, r.read_date_time());
  GET_OR_FAIL(t3, r.read_date_time());
  OMNI_TRY(finish(r, ApduTag::LinkResponse));
  return LinkResponse{piid, result, t1, t2, t3};
}

void encode(const LinkResponse& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x81);
  w.u8(a.piid);
  w.u8(a.result);
  w.date_time(a.request_time);
  w.date_time(a.received_time);
  w.date_time(a.response_time);
}

// --- CONNECT -------------------------------------------------------------------------------------

namespace {

template <std::size_t N>
Status read_fixed(Reader& r, std::array<std::uint8_t, N>& out) {
  GET_OR_FAIL(b, r.take(N));
  std::copy(b.begin(), b.end(), out.begin());
  return ok();
}

Result<ConnectMechanism> read_mechanism(Reader& r) {
  GET_OR_FAIL(choice, r.u8());
  ConnectMechanism m{choice, {}, {}};
  switch (choice) {
    case 0:
      break;
    case 1: {
      GET_OR_FAIL(pw, r.octets());
      m.first = pw;
      break;
    }
    case 2:
    case 3: {
      GET_OR_FAIL(a, r.octets());
      GET_OR_FAIL(b, r.octets());
      m.first = a;
      m.second = b;
      break;
    }
    default:
      return fail(ErrorCode::Malformed, fmt::format("ConnectMechanismInfo choice {}", choice));
  }
  return m;
}

void write_mechanism(Writer& w, const ConnectMechanism& m) {
  w.u8(m.choice);
  if (m.choice >= 1) w.octets(m.first);
  if (m.choice >= 2) w.octets(m.second);
}

}  // namespace

Result<ConnectRequest> decode_connect_request(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  OMNI_TRY(expect_tag(r, ApduTag::ConnectRequest));
  ConnectRequest a;
  GET_OR_FAIL(piid, r.u8());
  GET_OR_FAIL(version, r.u16());
  a.piid = piid;
  a.version = version;
  OMNI_TRY(read_fixed(r, a.protocol_conformance));
  OMNI_TRY(read_fixed(r, a.function_conformance));
  GET_OR_FAIL(send_max, r.u16());
  GET_OR_FAIL(recv_max, r.u16());
  GET_OR_FAIL(window, r.u8());
  GET_OR_FAIL(max_apdu, r.u16());
  GET_OR_FAIL(timeout, r.u32());
  GET_OR_FAIL(mech, read_mechanism(r));
  a.send_max = send_max;
  a.receive_max = recv_max;
  a.receive_window = window;
  a.max_apdu = max_apdu;
  a.timeout_s = timeout;
  a.mechanism = mech;
  OMNI_TRY(read_client_tail(r, a, ApduTag::ConnectRequest));
  return a;
}

void encode(const ConnectRequest& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x02);
  w.u8(a.piid);
  w.u16(a.version);
  w.bytes(a.protocol_conformance);
  w.bytes(a.function_conformance);
  w.u16(a.send_max);
  w.u16(a.receive_max);
  w.u8(a.receive_window);
  w.u16(a.max_apdu);
  w.u32(a.timeout_s);
  write_mechanism(w, a.mechanism);
  write_time_tag(w, a.time_tag);
}

bool FactoryVersion::operator==(const FactoryVersion& o) const {
  return bytes_equal(vendor, o.vendor) && bytes_equal(software_version, o.software_version) &&
         bytes_equal(software_date, o.software_date) &&
         bytes_equal(hardware_version, o.hardware_version) &&
         bytes_equal(hardware_date, o.hardware_date) && bytes_equal(extension, o.extension);
}

bool ConnectResponse::operator==(const ConnectResponse& o) const {
  return piid_acd == o.piid_acd && factory == o.factory && version == o.version &&
         protocol_conformance == o.protocol_conformance &&
         function_conformance == o.function_conformance && send_max == o.send_max &&
         receive_max == o.receive_max && receive_window == o.receive_window &&
         max_apdu == o.max_apdu && timeout_s == o.timeout_s && result == o.result &&
         has_security_data == o.has_security_data && bytes_equal(server_rn, o.server_rn) &&
         bytes_equal(server_signature, o.server_signature) && follow_report == o.follow_report &&
         time_tag == o.time_tag;
}

Result<ConnectResponse> decode_connect_response(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  OMNI_TRY(expect_tag(r, ApduTag::ConnectResponse));
  ConnectResponse a;
  GET_OR_FAIL(piid, r.u8());
  a.piid_acd = piid;
  std::span<const std::uint8_t>* fields[] = {&a.factory.vendor,        &a.factory.software_version,
                                             &a.factory.software_date, &a.factory.hardware_version,
                                             &a.factory.hardware_date, &a.factory.extension};
  constexpr std::size_t kSizes[] = {4, 4, 6, 4, 6, 8};
  for (std::size_t i = 0; i < 6; ++i) {
    GET_OR_FAIL(b, r.take(kSizes[i]));
    *fields[i] = b;
  }
  GET_OR_FAIL(version, r.u16());
  a.version = version;
  OMNI_TRY(read_fixed(r, a.protocol_conformance));
  OMNI_TRY(read_fixed(r, a.function_conformance));
  GET_OR_FAIL(send_max, r.u16());
  GET_OR_FAIL(recv_max, r.u16());
  GET_OR_FAIL(window, r.u8());
  GET_OR_FAIL(max_apdu, r.u16());
  GET_OR_FAIL(timeout, r.u32());
  GET_OR_FAIL(result, r.u8());
  GET_OR_FAIL(has_sec, r.optional());
  a.send_max = send_max;
  a.receive_max = recv_max;
  a.receive_window = window;
  a.max_apdu = max_apdu;
  a.timeout_s = timeout;
  a.result = result;
  a.has_security_data = has_sec;
  if (has_sec) {
    GET_OR_FAIL(rn, r.octets());
    GET_OR_FAIL(sig, r.octets());
    a.server_rn = rn;
    a.server_signature = sig;
  }
  OMNI_TRY(read_server_tails(r, a, ApduTag::ConnectResponse));
  return a;
}

void encode(const ConnectResponse& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x82);
  w.u8(a.piid_acd);
  const std::span<const std::uint8_t> fields[] = {
      a.factory.vendor,           a.factory.software_version, a.factory.software_date,
      a.factory.hardware_version, a.factory.hardware_date,    a.factory.extension};
  constexpr std::size_t kSizes[] = {4, 4, 6, 4, 6, 8};
  for (std::size_t i = 0; i < 6; ++i) {  // fixed-size strings: pad or cut to size
    for (std::size_t k = 0; k < kSizes[i]; ++k) w.u8(k < fields[i].size() ? fields[i][k] : 0x20);
  }
  w.u16(a.version);
  w.bytes(a.protocol_conformance);
  w.bytes(a.function_conformance);
  w.u16(a.send_max);
  w.u16(a.receive_max);
  w.u8(a.receive_window);
  w.u16(a.max_apdu);
  w.u32(a.timeout_s);
  w.u8(a.result);
  w.optional(a.has_security_data);
  if (a.has_security_data) {
    w.octets(a.server_rn);
    w.octets(a.server_signature);
  }
  write_server_tails(w, a);
}

// --- RELEASE -------------------------------------------------------------------------------------

Result<ReleaseRequest> decode_release_request(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  OMNI_TRY(expect_tag(r, ApduTag::ReleaseRequest));
  ReleaseRequest a;
  GET_OR_FAIL(piid, r.u8());
  a.piid = piid;
  OMNI_TRY(read_client_tail(r, a, ApduTag::ReleaseRequest));
  return a;
}

void encode(const ReleaseRequest& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x03);
  w.u8(a.piid);
  write_time_tag(w, a.time_tag);
}

Result<ReleaseResponse> decode_release_response(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  OMNI_TRY(expect_tag(r, ApduTag::ReleaseResponse));
  ReleaseResponse a;
  GET_OR_FAIL(piid, r.u8());
  GET_OR_FAIL(result, r.u8());
  a.piid_acd = piid;
  a.result = result;
  OMNI_TRY(read_server_tails(r, a, ApduTag::ReleaseResponse));
  return a;
}

void encode(const ReleaseResponse& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x83);
  w.u8(a.piid_acd);
  w.u8(a.result);
  write_server_tails(w, a);
}

Result<ReleaseNotification> decode_release_notification(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  OMNI_TRY(expect_tag(r, ApduTag::ReleaseNotification));
  ReleaseNotification a;
  GET_OR_FAIL(piid, r.u8());
  GET_OR_FAIL(t1, r.read_date_time_s());
  GET_OR_FAIL(t2, r.read_date_time_s());
  a.piid_acd = piid;
  a.connected_at = t1;
  a.now = t2;
  OMNI_TRY(read_server_tails(r, a, ApduTag::ReleaseNotification));
  return a;
}

void encode(const ReleaseNotification& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x84);
  w.u8(a.piid_acd);
  w.date_time_s(a.connected_at);
  w.date_time_s(a.now);
  write_server_tails(w, a);
}

// --- GET -----------------------------------------------------------------------------------------

Result<GetRequest> decode_get_request(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  GET_OR_FAIL(choice, read_choice(r, ApduTag::GetRequest, 6));
  GetRequest a;
  a.choice = static_cast<GetChoice>(choice);
  GET_OR_FAIL(piid, r.u8());
  a.piid = piid;
  switch (a.choice) {
    case GetChoice::Normal:
    case GetChoice::Md5: {
      GET_OR_FAIL(oad, r.read_oad());
      a.oad = oad;
      break;
    }
    case GetChoice::NormalList: {
      GET_OR_FAIL(s, read_seq(r, skip_oad));
      a.oads = s;
      break;
    }
    case GetChoice::Record: {
      GET_OR_FAIL(rec, read_get_record(r));
      a.record = rec;
      break;
    }
    case GetChoice::RecordList: {
      GET_OR_FAIL(s, read_seq(r, [](Reader& c) { return discard(read_get_record(c)); }));
      a.records = s;
      break;
    }
    case GetChoice::Next: {
      GET_OR_FAIL(block, r.u16());
      a.last_block = block;
      break;
    }
  }
  OMNI_TRY(read_client_tail(r, a, ApduTag::GetRequest));
  return a;
}

void encode(const GetRequest& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x05);
  w.u8(static_cast<std::uint8_t>(a.choice));
  w.u8(a.piid);
  switch (a.choice) {
    case GetChoice::Normal:
    case GetChoice::Md5:
      w.oad(a.oad);
      break;
    case GetChoice::NormalList:
      write_seq(w, a.oads);
      break;
    case GetChoice::Record:
      write_get_record(w, a.record);
      break;
    case GetChoice::RecordList:
      write_seq(w, a.records);
      break;
    case GetChoice::Next:
      w.u16(a.last_block);
      break;
  }
  write_time_tag(w, a.time_tag);
}

bool GetResponse::operator==(const GetResponse& o) const {
  if (choice != o.choice || piid_acd != o.piid_acd || follow_report != o.follow_report ||
      time_tag != o.time_tag) {
    return false;
  }
  switch (choice) {
    case GetChoice::Normal:
      return result == o.result;
    case GetChoice::NormalList:
    case GetChoice::RecordList:
      return results == o.results && records == o.records;
    case GetChoice::Record:
      return record == o.record;
    case GetChoice::Next:
      return last_frame == o.last_frame && block == o.block && next_choice == o.next_choice &&
             (next_choice == 0 ? dar == o.dar
                               : (next_choice == 1 ? results == o.results : records == o.records));
    case GetChoice::Md5:
      return result.oad == o.result.oad && result.result.has_data == o.result.result.has_data &&
             (result.result.has_data ? bytes_equal(md5, o.md5) : dar == o.dar);
  }
  return false;
}

Result<GetResponse> decode_get_response(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  GET_OR_FAIL(choice, read_choice(r, ApduTag::GetResponse, 6));
  GetResponse a;
  a.choice = static_cast<GetChoice>(choice);
  GET_OR_FAIL(piid, r.u8());
  a.piid_acd = piid;
  auto normal_list = [](Reader& c) { return discard(read_result_normal(c)); };
  auto record_list = [](Reader& c) { return discard(read_result_record(c)); };
  switch (a.choice) {
    case GetChoice::Normal: {
      GET_OR_FAIL(res, read_result_normal(r));
      a.result = res;
      break;
    }
    case GetChoice::NormalList: {
      GET_OR_FAIL(s, read_seq(r, normal_list));
      a.results = s;
      break;
    }
    case GetChoice::Record: {
      GET_OR_FAIL(rec, read_result_record(r));
      a.record = rec;
      break;
    }
    case GetChoice::RecordList: {
      GET_OR_FAIL(s, read_seq(r, record_list));
      a.records = s;
      break;
    }
    case GetChoice::Next: {
      GET_OR_FAIL(last, r.read_bool());
      GET_OR_FAIL(block, r.u16());
      GET_OR_FAIL(next, r.u8());
      a.last_frame = last;
      a.block = block;
      a.next_choice = next;
      if (next == 0) {
        GET_OR_FAIL(dar, r.u8());
        a.dar = dar;
      } else if (next == 1) {
        GET_OR_FAIL(s, read_seq(r, normal_list));
        a.results = s;
      } else if (next == 2) {
        GET_OR_FAIL(s, read_seq(r, record_list));
        a.records = s;
      } else {
        return fail(ErrorCode::Malformed, fmt::format("GET-Response-Next choice {}", next));
      }
      break;
    }
    case GetChoice::Md5: {
      GET_OR_FAIL(oad, r.read_oad());
      GET_OR_FAIL(c, r.u8());
      a.result.oad = oad;
      if (c == 0) {
        GET_OR_FAIL(dar, r.u8());
        a.dar = dar;
      } else if (c == 1) {
        GET_OR_FAIL(md5, r.octets());
        a.result.result.has_data = true;
        a.md5 = md5;
      } else {
        return fail(ErrorCode::Malformed, fmt::format("GET-Response-MD5 choice {}", c));
      }
      break;
    }
  }
  OMNI_TRY(read_server_tails(r, a, ApduTag::GetResponse));
  return a;
}

void encode(const GetResponse& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x85);
  w.u8(static_cast<std::uint8_t>(a.choice));
  w.u8(a.piid_acd);
  switch (a.choice) {
    case GetChoice::Normal:
      write_result_normal(w, a.result);
      break;
    case GetChoice::NormalList:
      write_seq(w, a.results);
      break;
    case GetChoice::Record:
      write_result_record(w, a.record);
      break;
    case GetChoice::RecordList:
      write_seq(w, a.records);
      break;
    case GetChoice::Next:
      w.u8(a.last_frame ? 1 : 0);
      w.u16(a.block);
      w.u8(a.next_choice);
      if (a.next_choice == 0) {
        w.u8(a.dar);
      } else {
        write_seq(w, a.next_choice == 1 ? a.results : a.records);
      }
      break;
    case GetChoice::Md5:
      w.oad(a.result.oad);
      w.u8(a.result.result.has_data ? 1 : 0);
      if (a.result.result.has_data) {
        w.octets(a.md5);
      } else {
        w.u8(a.dar);
      }
      break;
  }
  write_server_tails(w, a);
}

// --- SET -----------------------------------------------------------------------------------------

Result<SetItem> read_set_item(Reader& r, SetChoice choice) {
  Reader c = r;
  SetItem item;
  GET_OR_FAIL(oad, c.read_oad());
  GET_OR_FAIL(data, c.read_data());
  item.oad = oad;
  item.data = data;
  if (choice == SetChoice::ThenGetList) {
    GET_OR_FAIL(get, c.read_oad());
    GET_OR_FAIL(delay, c.u8());
    item.get_oad = get;
    item.delay_s = delay;
  }
  r = c;
  return item;
}

Result<SetResultItem> read_set_result_item(Reader& r, SetChoice choice) {
  Reader c = r;
  SetResultItem item;
  GET_OR_FAIL(oad, c.read_oad());
  GET_OR_FAIL(dar, c.u8());
  item.oad = oad;
  item.dar = dar;
  if (choice == SetChoice::ThenGetList) {
    GET_OR_FAIL(get, c.read_oad());
    GET_OR_FAIL(g, read_get_result(c));
    item.get_oad = get;
    item.get = g;
  }
  r = c;
  return item;
}

Result<SetRequest> decode_set_request(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  GET_OR_FAIL(choice, read_choice(r, ApduTag::SetRequest, 3));
  SetRequest a;
  a.choice = static_cast<SetChoice>(choice);
  GET_OR_FAIL(piid, r.u8());
  a.piid = piid;
  if (a.choice == SetChoice::Normal) {
    GET_OR_FAIL(item, read_set_item(r, a.choice));
    a.item = item;
  } else {
    SetChoice c = a.choice;
    GET_OR_FAIL(s, read_seq(r, [c](Reader& rc) { return discard(read_set_item(rc, c)); }));
    a.items = s;
  }
  OMNI_TRY(read_client_tail(r, a, ApduTag::SetRequest));
  return a;
}

void encode(const SetRequest& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x06);
  w.u8(static_cast<std::uint8_t>(a.choice));
  w.u8(a.piid);
  if (a.choice == SetChoice::Normal) {
    w.oad(a.item.oad);
    w.data(a.item.data);
  } else {
    write_seq(w, a.items);
  }
  write_time_tag(w, a.time_tag);
}

Result<SetResponse> decode_set_response(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  GET_OR_FAIL(choice, read_choice(r, ApduTag::SetResponse, 3));
  SetResponse a;
  a.choice = static_cast<SetChoice>(choice);
  GET_OR_FAIL(piid, r.u8());
  a.piid_acd = piid;
  if (a.choice == SetChoice::Normal) {
    GET_OR_FAIL(item, read_set_result_item(r, a.choice));
    a.item = item;
  } else {
    SetChoice c = a.choice;
    GET_OR_FAIL(s, read_seq(r, [c](Reader& rc) { return discard(read_set_result_item(rc, c)); }));
    a.items = s;
  }
  OMNI_TRY(read_server_tails(r, a, ApduTag::SetResponse));
  return a;
}

void encode(const SetResponse& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x86);
  w.u8(static_cast<std::uint8_t>(a.choice));
  w.u8(a.piid_acd);
  if (a.choice == SetChoice::Normal) {
    w.oad(a.item.oad);
    w.u8(a.item.dar);
  } else {
    write_seq(w, a.items);
  }
  write_server_tails(w, a);
}

// --- ACTION --------------------------------------------------------------------------------------

Result<ActionItem> read_action_item(Reader& r, ActionChoice choice) {
  Reader c = r;
  ActionItem item;
  GET_OR_FAIL(omd, c.read_omd());
  GET_OR_FAIL(data, c.read_data());
  item.omd = omd;
  item.data = data;
  if (choice == ActionChoice::ThenGetList) {
    GET_OR_FAIL(get, c.read_oad());
    GET_OR_FAIL(delay, c.u8());
    item.get_oad = get;
    item.delay_s = delay;
  }
  r = c;
  return item;
}

Result<ActionResultItem> read_action_result_item(Reader& r, ActionChoice choice) {
  Reader c = r;
  ActionResultItem item;
  GET_OR_FAIL(omd, c.read_omd());
  GET_OR_FAIL(dar, c.u8());
  GET_OR_FAIL(has, c.optional());
  item.omd = omd;
  item.dar = dar;
  item.has_data = has;
  if (has) {
    GET_OR_FAIL(data, c.read_data());
    item.data = data;
  }
  if (choice == ActionChoice::ThenGetList) {
    GET_OR_FAIL(get, c.read_oad());
    GET_OR_FAIL(g, read_get_result(c));
    item.get_oad = get;
    item.get = g;
  }
  r = c;
  return item;
}

Result<ActionRequest> decode_action_request(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  GET_OR_FAIL(choice, read_choice(r, ApduTag::ActionRequest, 3));
  ActionRequest a;
  a.choice = static_cast<ActionChoice>(choice);
  GET_OR_FAIL(piid, r.u8());
  a.piid = piid;
  if (a.choice == ActionChoice::Normal) {
    GET_OR_FAIL(item, read_action_item(r, a.choice));
    a.item = item;
  } else {
    ActionChoice c = a.choice;
    GET_OR_FAIL(s, read_seq(r, [c](Reader& rc) { return discard(read_action_item(rc, c)); }));
    a.items = s;
  }
  OMNI_TRY(read_client_tail(r, a, ApduTag::ActionRequest));
  return a;
}

void encode(const ActionRequest& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x07);
  w.u8(static_cast<std::uint8_t>(a.choice));
  w.u8(a.piid);
  if (a.choice == ActionChoice::Normal) {
    w.omd(a.item.omd);
    w.data(a.item.data);
  } else {
    write_seq(w, a.items);
  }
  write_time_tag(w, a.time_tag);
}

Result<ActionResponse> decode_action_response(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  GET_OR_FAIL(choice, read_choice(r, ApduTag::ActionResponse, 3));
  ActionResponse a;
  a.choice = static_cast<ActionChoice>(choice);
  GET_OR_FAIL(piid, r.u8());
  a.piid_acd = piid;
  if (a.choice == ActionChoice::Normal) {
    GET_OR_FAIL(item, read_action_result_item(r, a.choice));
    a.item = item;
  } else {
    ActionChoice c = a.choice;
    GET_OR_FAIL(s,
                read_seq(r, [c](Reader& rc) { return discard(read_action_result_item(rc, c)); }));
    a.items = s;
  }
  OMNI_TRY(read_server_tails(r, a, ApduTag::ActionResponse));
  return a;
}

void encode(const ActionResponse& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x87);
  w.u8(static_cast<std::uint8_t>(a.choice));
  w.u8(a.piid_acd);
  if (a.choice == ActionChoice::Normal) {
    w.omd(a.item.omd);
    w.u8(a.item.dar);
    w.optional(a.item.has_data);
    if (a.item.has_data) w.data(a.item.data);
  } else {
    write_seq(w, a.items);
  }
  write_server_tails(w, a);
}

// --- REPORT --------------------------------------------------------------------------------------

Result<ReportNotification> decode_report_notification(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  GET_OR_FAIL(choice, read_choice(r, ApduTag::ReportNotification, 3));
  ReportNotification a;
  a.choice = static_cast<ReportChoice>(choice);
  GET_OR_FAIL(piid, r.u8());
  a.piid_acd = piid;
  switch (a.choice) {
    case ReportChoice::List: {
      GET_OR_FAIL(s, read_seq(r, [](Reader& c) { return discard(read_result_normal(c)); }));
      a.results = s;
      break;
    }
    case ReportChoice::RecordList: {
      GET_OR_FAIL(s, read_seq(r, [](Reader& c) { return discard(read_result_record(c)); }));
      a.results = s;
      break;
    }
    case ReportChoice::TransData: {
      GET_OR_FAIL(oad, r.read_oad());
      GET_OR_FAIL(s, read_seq(r, [](Reader& c) { return discard(c.octets()); }));
      a.oad = oad;
      a.results = s;
      break;
    }
  }
  OMNI_TRY(read_server_tails(r, a, ApduTag::ReportNotification));
  return a;
}

void encode(const ReportNotification& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x88);
  w.u8(static_cast<std::uint8_t>(a.choice));
  w.u8(a.piid_acd);
  if (a.choice == ReportChoice::TransData) w.oad(a.oad);
  write_seq(w, a.results);
  write_server_tails(w, a);
}

Result<ReportResponse> decode_report_response(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  GET_OR_FAIL(choice, read_choice(r, ApduTag::ReportResponse, 3));
  ReportResponse a;
  a.choice = static_cast<ReportChoice>(choice);
  GET_OR_FAIL(piid, r.u8());
  a.piid = piid;
  if (a.choice != ReportChoice::TransData) {
    GET_OR_FAIL(s, read_seq(r, skip_oad));
    a.oads = s;
  }
  OMNI_TRY(read_client_tail(r, a, ApduTag::ReportResponse));
  return a;
}

void encode(const ReportResponse& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x08);
  w.u8(static_cast<std::uint8_t>(a.choice));
  w.u8(a.piid);
  if (a.choice != ReportChoice::TransData) write_seq(w, a.oads);
  write_time_tag(w, a.time_tag);
}

// --- PROXY ---------------------------------------------------------------------------------------

namespace {

// Items of one proxy target, by service.
Status skip_proxy_request_item(Reader& r, ProxyChoice choice) {
  switch (choice) {
    case ProxyChoice::GetList:
      return skip_oad(r);
    case ProxyChoice::SetList:
      return discard(read_set_item(r, SetChoice::NormalList));
    case ProxyChoice::SetThenGetList:
      return discard(read_set_item(r, SetChoice::ThenGetList));
    case ProxyChoice::ActionList:
      return discard(read_action_item(r, ActionChoice::NormalList));
    case ProxyChoice::ActionThenGetList:
      return discard(read_action_item(r, ActionChoice::ThenGetList));
    default:
      return fail(ErrorCode::Internal, "proxy item of a non-list service");
  }
}

Status skip_proxy_response_item(Reader& r, ProxyChoice choice) {
  switch (choice) {
    case ProxyChoice::GetList:
      return discard(read_result_normal(r));
    case ProxyChoice::SetList:
      return discard(read_set_result_item(r, SetChoice::NormalList));
    case ProxyChoice::SetThenGetList:
      return discard(read_set_result_item(r, SetChoice::ThenGetList));
    case ProxyChoice::ActionList:
      return discard(read_action_result_item(r, ActionChoice::NormalList));
    case ProxyChoice::ActionThenGetList:
      return discard(read_action_result_item(r, ActionChoice::ThenGetList));
    default:
      return fail(ErrorCode::Internal, "proxy item of a non-list service");
  }
}

}  // namespace

Result<ProxyTarget> read_proxy_request_target(Reader& r, ProxyChoice choice) {
  Reader c = r;
  GET_OR_FAIL(tsa, c.read_tsa());
  GET_OR_FAIL(timeout, c.u16());
  GET_OR_FAIL(items,
              read_seq(c, [choice](Reader& rc) { return skip_proxy_request_item(rc, choice); }));
  r = c;
  return ProxyTarget{tsa, timeout, items};
}

Result<ProxyTarget> read_proxy_response_target(Reader& r, ProxyChoice choice) {
  Reader c = r;
  GET_OR_FAIL(tsa, c.read_tsa());
  GET_OR_FAIL(items,
              read_seq(c, [choice](Reader& rc) { return skip_proxy_response_item(rc, choice); }));
  r = c;
  return ProxyTarget{tsa, 0, items};
}

bool ProxyRequest::operator==(const ProxyRequest& o) const {
  if (choice != o.choice || piid != o.piid || time_tag != o.time_tag) return false;
  switch (choice) {
    case ProxyChoice::GetRecord:
      return timeout_s == o.timeout_s && tsa == o.tsa && record == o.record;
    case ProxyChoice::TransCommand:
      return port == o.port && comdcb == o.comdcb && frame_timeout_s == o.frame_timeout_s &&
             byte_timeout_ms == o.byte_timeout_ms && bytes_equal(command, o.command);
    default:
      return timeout_s == o.timeout_s && targets == o.targets;
  }
}

Result<ProxyRequest> decode_proxy_request(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  GET_OR_FAIL(choice, read_choice(r, ApduTag::ProxyRequest, 7));
  ProxyRequest a;
  a.choice = static_cast<ProxyChoice>(choice);
  GET_OR_FAIL(piid, r.u8());
  a.piid = piid;
  if (a.choice == ProxyChoice::TransCommand) {
    GET_OR_FAIL(port, r.read_oad());
    GET_OR_FAIL(dcb, r.read_comdcb());
    GET_OR_FAIL(frame_timeout, r.u16());
    GET_OR_FAIL(byte_timeout, r.u16());
    GET_OR_FAIL(cmd, r.octets());
    a.port = port;
    a.comdcb = dcb;
    a.frame_timeout_s = frame_timeout;
    a.byte_timeout_ms = byte_timeout;
    a.command = cmd;
  } else {
    GET_OR_FAIL(timeout, r.u16());
    a.timeout_s = timeout;
    if (a.choice == ProxyChoice::GetRecord) {
      GET_OR_FAIL(tsa, r.read_tsa());
      GET_OR_FAIL(rec, read_get_record(r));
      a.tsa = tsa;
      a.record = rec;
    } else {
      ProxyChoice c = a.choice;
      GET_OR_FAIL(
          s, read_seq(r, [c](Reader& rc) { return discard(read_proxy_request_target(rc, c)); }));
      a.targets = s;
    }
  }
  OMNI_TRY(read_client_tail(r, a, ApduTag::ProxyRequest));
  return a;
}

void encode(const ProxyRequest& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x09);
  w.u8(static_cast<std::uint8_t>(a.choice));
  w.u8(a.piid);
  if (a.choice == ProxyChoice::TransCommand) {
    w.oad(a.port);
    w.comdcb(a.comdcb);
    w.u16(a.frame_timeout_s);
    w.u16(a.byte_timeout_ms);
    w.octets(a.command);
  } else {
    w.u16(a.timeout_s);
    if (a.choice == ProxyChoice::GetRecord) {
      w.tsa(a.tsa);
      write_get_record(w, a.record);
    } else {
      write_seq(w, a.targets);
    }
  }
  write_time_tag(w, a.time_tag);
}

bool ProxyResponse::operator==(const ProxyResponse& o) const {
  if (choice != o.choice || piid_acd != o.piid_acd || follow_report != o.follow_report ||
      time_tag != o.time_tag) {
    return false;
  }
  switch (choice) {
    case ProxyChoice::GetRecord:
      return tsa == o.tsa && record == o.record;
    case ProxyChoice::TransCommand:
      return port == o.port && has_reply == o.has_reply &&
             (has_reply ? bytes_equal(reply, o.reply) : dar == o.dar);
    default:
      return targets == o.targets;
  }
}

Result<ProxyResponse> decode_proxy_response(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  GET_OR_FAIL(choice, read_choice(r, ApduTag::ProxyResponse, 7));
  ProxyResponse a;
  a.choice = static_cast<ProxyChoice>(choice);
  GET_OR_FAIL(piid, r.u8());
  a.piid_acd = piid;
  if (a.choice == ProxyChoice::TransCommand) {
    GET_OR_FAIL(port, r.read_oad());
    GET_OR_FAIL(c, r.u8());
    a.port = port;
    if (c == 0) {
      GET_OR_FAIL(dar, r.u8());
      a.dar = dar;
    } else if (c == 1) {
      GET_OR_FAIL(reply, r.octets());
      a.has_reply = true;
      a.reply = reply;
    } else {
      return fail(ErrorCode::Malformed, fmt::format("PROXY TransCommand result choice {}", c));
    }
  } else if (a.choice == ProxyChoice::GetRecord) {
    GET_OR_FAIL(tsa, r.read_tsa());
    GET_OR_FAIL(rec, read_result_record(r));
    a.tsa = tsa;
    a.record = rec;
  } else {
    ProxyChoice c = a.choice;
    GET_OR_FAIL(
        s, read_seq(r, [c](Reader& rc) { return discard(read_proxy_response_target(rc, c)); }));
    a.targets = s;
  }
  OMNI_TRY(read_server_tails(r, a, ApduTag::ProxyResponse));
  return a;
}

void encode(const ProxyResponse& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x89);
  w.u8(static_cast<std::uint8_t>(a.choice));
  w.u8(a.piid_acd);
  if (a.choice == ProxyChoice::TransCommand) {
    w.oad(a.port);
    w.u8(a.has_reply ? 1 : 0);
    if (a.has_reply) {
      w.octets(a.reply);
    } else {
      w.u8(a.dar);
    }
  } else if (a.choice == ProxyChoice::GetRecord) {
    w.tsa(a.tsa);
    write_result_record(w, a.record);
  } else {
    write_seq(w, a.targets);
  }
  write_server_tails(w, a);
}

// --- SECURITY ------------------------------------------------------------------------------------

bool SecurityRequest::operator==(const SecurityRequest& o) const {
  if (data_choice != o.data_choice || !bytes_equal(data, o.data) ||
      verify_choice != o.verify_choice) {
    return false;
  }
  switch (verify_choice) {
    case 0:
      return sid_mac == o.sid_mac;
    case 1:
      return bytes_equal(rn, o.rn);
    case 2:
      return bytes_equal(rn, o.rn) && bytes_equal(mac, o.mac);
    default:
      return sid_mac.sid == o.sid_mac.sid;
  }
}

Result<SecurityRequest> decode_security_request(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  OMNI_TRY(expect_tag(r, ApduTag::SecurityRequest));
  SecurityRequest a;
  GET_OR_FAIL(dc, r.u8());
  if (dc > 1) return fail(ErrorCode::Malformed, fmt::format("SECURITY-Request data choice {}", dc));
  GET_OR_FAIL(data, r.octets());
  GET_OR_FAIL(vc, r.u8());
  a.data_choice = dc;
  a.data = data;
  a.verify_choice = vc;
  switch (vc) {
    case 0: {
      GET_OR_FAIL(sm, r.read_sid_mac());
      a.sid_mac = sm;
      break;
    }
    case 1: {
      GET_OR_FAIL(rn, r.octets());
      a.rn = rn;
      break;
    }
    case 2: {
      GET_OR_FAIL(rn, r.octets());
      GET_OR_FAIL(mac, r.octets());
      a.rn = rn;
      a.mac = mac;
      break;
    }
    case 3: {
      GET_OR_FAIL(sid, r.read_sid());
      a.sid_mac.sid = sid;
      break;
    }
    default:
      return fail(ErrorCode::Malformed, fmt::format("SECURITY-Request verification choice {}", vc));
  }
  OMNI_TRY(finish(r, ApduTag::SecurityRequest));
  return a;
}

void encode(const SecurityRequest& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x10);
  w.u8(a.data_choice);
  w.octets(a.data);
  w.u8(a.verify_choice);
  switch (a.verify_choice) {
    case 0:
      w.sid_mac(a.sid_mac);
      break;
    case 1:
      w.octets(a.rn);
      break;
    case 2:
      w.octets(a.rn);
      w.octets(a.mac);
      break;
    default:
      w.sid(a.sid_mac.sid);
      break;
  }
}

bool SecurityResponse::operator==(const SecurityResponse& o) const {
  return data_choice == o.data_choice &&
         (data_choice == 2 ? dar == o.dar : bytes_equal(data, o.data)) && has_mac == o.has_mac &&
         bytes_equal(mac, o.mac);
}

Result<SecurityResponse> decode_security_response(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  OMNI_TRY(expect_tag(r, ApduTag::SecurityResponse));
  SecurityResponse a;
  GET_OR_FAIL(dc, r.u8());
  a.data_choice = dc;
  if (dc == 0 || dc == 1) {
    GET_OR_FAIL(data, r.octets());
    a.data = data;
  } else if (dc == 2) {
    GET_OR_FAIL(dar, r.u8());
    a.dar = dar;
  } else {
    return fail(ErrorCode::Malformed, fmt::format("SECURITY-Response data choice {}", dc));
  }
  if (!r.empty()) {
    GET_OR_FAIL(has, r.optional());
    if (has) {
      GET_OR_FAIL(c, r.u8());
      if (c != 0)
        return fail(ErrorCode::Malformed, fmt::format("SECURITY-Response MAC choice {}", c));
      GET_OR_FAIL(mac, r.octets());
      a.has_mac = true;
      a.mac = mac;
    }
  }
  OMNI_TRY(finish(r, ApduTag::SecurityResponse));
  return a;
}

void encode(const SecurityResponse& a, std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x90);
  w.u8(a.data_choice);
  if (a.data_choice == 2) {
    w.u8(a.dar);
  } else {
    w.octets(a.data);
  }
  w.optional(a.has_mac);
  if (a.has_mac) {
    w.u8(0);
    w.octets(a.mac);
  }
}

// --- ERROR ---------------------------------------------------------------------------------------

Result<ErrorResponse> decode_error_response(std::span<const std::uint8_t> apdu) {
  Reader r(apdu);
  OMNI_TRY(expect_tag(r, ApduTag::ErrorResponse));
  GET_OR_FAIL(piid, r.u8());
  GET_OR_FAIL(err, r.u8());
  OMNI_TRY(finish(r, ApduTag::ErrorResponse));
  return ErrorResponse{piid, err};
}

void encode(const ErrorResponse& a, std::vector<std::uint8_t>& out) {
  out.push_back(0xEE);
  out.push_back(a.piid_acd);
  out.push_back(a.error);
}

// --- Any APDU ------------------------------------------------------------------------------------

namespace {

template <class T>
Result<Apdu> wrap(Result<T> r) {
  if (!r) return fail(r.error());
  return Apdu(std::move(*r));
}

}  // namespace

Result<Apdu> decode_apdu(std::span<const std::uint8_t> apdu) {
  if (apdu.empty()) return fail(ErrorCode::Malformed, "empty APDU");
  switch (static_cast<ApduTag>(apdu[0])) {
    case ApduTag::LinkRequest:
      return wrap(decode_link_request(apdu));
    case ApduTag::LinkResponse:
      return wrap(decode_link_response(apdu));
    case ApduTag::ConnectRequest:
      return wrap(decode_connect_request(apdu));
    case ApduTag::ConnectResponse:
      return wrap(decode_connect_response(apdu));
    case ApduTag::ReleaseRequest:
      return wrap(decode_release_request(apdu));
    case ApduTag::ReleaseResponse:
      return wrap(decode_release_response(apdu));
    case ApduTag::ReleaseNotification:
      return wrap(decode_release_notification(apdu));
    case ApduTag::GetRequest:
      return wrap(decode_get_request(apdu));
    case ApduTag::GetResponse:
      return wrap(decode_get_response(apdu));
    case ApduTag::SetRequest:
      return wrap(decode_set_request(apdu));
    case ApduTag::SetResponse:
      return wrap(decode_set_response(apdu));
    case ApduTag::ActionRequest:
      return wrap(decode_action_request(apdu));
    case ApduTag::ActionResponse:
      return wrap(decode_action_response(apdu));
    case ApduTag::ReportNotification:
      return wrap(decode_report_notification(apdu));
    case ApduTag::ReportResponse:
      return wrap(decode_report_response(apdu));
    case ApduTag::ProxyRequest:
      return wrap(decode_proxy_request(apdu));
    case ApduTag::ProxyResponse:
      return wrap(decode_proxy_response(apdu));
    case ApduTag::SecurityRequest:
      return wrap(decode_security_request(apdu));
    case ApduTag::SecurityResponse:
      return wrap(decode_security_response(apdu));
    case ApduTag::ErrorResponse:
      return wrap(decode_error_response(apdu));
  }
  return fail(ErrorCode::Unsupported, fmt::format("unknown APDU tag {:02X}", apdu[0]));
}

void encode(const Apdu& a, std::vector<std::uint8_t>& out) {
  std::visit([&out](const auto& x) { encode(x, out); }, a);
}

// --- Builders ------------------------------------------------------------------------------------

void encode_get_request_normal_list(std::uint8_t piid, std::span<const Oad> oads,
                                    std::vector<std::uint8_t>& out,
                                    const std::optional<TimeTag>& time_tag) {
  Writer w(out);
  w.u8(0x05);
  w.u8(static_cast<std::uint8_t>(GetChoice::NormalList));
  w.u8(piid);
  w.length(oads.size());
  for (const Oad& o : oads) w.oad(o);
  write_time_tag(w, time_tag);
}

void encode_report_response(ReportChoice choice, std::uint8_t piid, std::span<const Oad> oads,
                            std::vector<std::uint8_t>& out) {
  Writer w(out);
  w.u8(0x08);
  w.u8(static_cast<std::uint8_t>(choice));
  w.u8(piid);
  if (choice != ReportChoice::TransData) {
    w.length(oads.size());
    for (const Oad& o : oads) w.oad(o);
  }
  write_time_tag(w, std::nullopt);
}

void encode_proxy_get_list(std::uint8_t piid, std::uint16_t timeout_s,
                           std::span<const ProxyGetTarget> targets, std::vector<std::uint8_t>& out,
                           const std::optional<TimeTag>& time_tag) {
  Writer w(out);
  w.u8(0x09);
  w.u8(static_cast<std::uint8_t>(ProxyChoice::GetList));
  w.u8(piid);
  w.u16(timeout_s);
  w.length(targets.size());
  for (const auto& t : targets) {
    w.tsa(t.tsa);
    w.u16(t.timeout_s);
    w.length(t.oads.size());
    for (const Oad& o : t.oads) w.oad(o);
  }
  write_time_tag(w, time_tag);
}

#undef GET_OR_FAIL

}  // namespace omni::protocol::dlt698
