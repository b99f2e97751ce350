#include "evc/sim/csms_model.hpp"

#include <cstdio>

namespace evc::sim {
namespace {

constexpr size_t kPayloadBuffer = 2048;
constexpr size_t kFrameBuffer = 2304;

}  // namespace

CsmsModel::CsmsModel(MemLink& link, const VirtualClock& clock, InvariantLog& invariants)
    : link_(link),
      clock_(clock),
      inv_(invariants),
      payload_buf_(kPayloadBuffer),
      frame_buf_(kFrameBuffer) {
  link_.AttachServer(this);
}

void CsmsModel::Step(uint64_t now_ms) {
  if (!up_ && now_ms >= back_at_ms_) {
    up_ = true;
  }
}

void CsmsModel::Restart(uint32_t down_ms) {
  ++counters_.restarts;
  up_ = false;
  back_at_ms_ = clock_.now_ms() + down_ms;
  if (connected_) {
    link_.ServerClose();
  }
}

const CsmsTransaction* CsmsModel::Find(int32_t id) const {
  for (const CsmsTransaction& t : transactions_) {
    if (t.id == id) {
      return &t;
    }
  }
  return nullptr;
}

CsmsTransaction* CsmsModel::FindMutable(int32_t id) {
  return const_cast<CsmsTransaction*>(Find(id));
}

int32_t CsmsModel::open_transaction() const {
  for (const CsmsTransaction& t : transactions_) {
    if (t.stops == 0) {
      return t.id;
    }
  }
  return 0;
}

void CsmsModel::OnClientConnected(uint64_t) {
  connected_ = true;
  ++counters_.connections;
}

void CsmsModel::OnClientClosed(uint64_t) {
  connected_ = false;
}

bool CsmsModel::GetString(json::Value obj, std::string_view key, std::string* out) const {
  const json::Value v = reader_.Find(obj, key);
  if (!reader_.IsString(v)) {
    return false;
  }
  char scratch[128];
  const Result<std::string_view> s = reader_.GetString(v, scratch, sizeof(scratch));
  if (!s.ok()) {
    return false;
  }
  out->assign(s->data(), s->size());
  return true;
}

bool CsmsModel::GetInt(json::Value obj, std::string_view key, int64_t* out) const {
  const Result<int64_t> v = reader_.GetInteger(reader_.Find(obj, key));
  if (!v.ok()) {
    return false;
  }
  *out = *v;
  return true;
}

int64_t CsmsModel::EnergyOf(json::Value meter_value) const {
  const json::Value samples = reader_.Find(meter_value, "sampledValue");
  for (json::Value s = reader_.First(samples); s.valid(); s = reader_.Next(s)) {
    std::string measurand = "Energy.Active.Import.Register";  // the schema's default
    GetString(s, "measurand", &measurand);
    std::string value;
    if (measurand != "Energy.Active.Import.Register" || !GetString(s, "value", &value)) {
      continue;
    }
    int64_t wh = 0;
    const bool whole = !value.empty() && value.size() < 19 &&
                       value.find_first_not_of("0123456789") == std::string::npos;
    inv_.Check(whole, "energy register \"%s\" is not a whole number of Wh", value.c_str());
    for (char c : value) {
      wh = wh * 10 + (c - '0');
    }
    return whole ? wh : -1;
  }
  return -1;
}

void CsmsModel::CheckTransactionData(const CsmsTransaction& t, json::Value data,
                                     int64_t meter_stop) {
  std::string last_stamp;
  std::string context;
  const size_t n = reader_.Count(data);
  size_t i = 0;
  for (json::Value mv = reader_.First(data); mv.valid(); mv = reader_.Next(mv), ++i) {
    std::string stamp;
    inv_.Check(GetString(mv, "timestamp", &stamp) && stamp >= last_stamp,
               "transaction %d: transactionData out of order (%s after %s)", t.id, stamp.c_str(),
               last_stamp.c_str());
    last_stamp = stamp;
    const int64_t wh = EnergyOf(mv);
    if (wh < 0) {
      continue;
    }
    inv_.Check(wh >= t.meter_start && wh <= meter_stop,
               "transaction %d: transactionData register %lld outside [%lld, %lld]", t.id,
               static_cast<long long>(wh), static_cast<long long>(t.meter_start),
               static_cast<long long>(meter_stop));
    const json::Value first = reader_.First(reader_.Find(mv, "sampledValue"));
    context.clear();
    GetString(first, "context", &context);
    if (context == "Transaction.Begin") {
      inv_.Check(i == 0 && wh == t.meter_start,
                 "transaction %d: Transaction.Begin %lld at %zu (meterStart %lld)", t.id,
                 static_cast<long long>(wh), i, static_cast<long long>(t.meter_start));
    } else if (context == "Transaction.End") {
      inv_.Check(i + 1 == n && wh == meter_stop,
                 "transaction %d: Transaction.End %lld at %zu (meterStop %lld)", t.id,
                 static_cast<long long>(wh), i, static_cast<long long>(meter_stop));
    }
  }
}

void CsmsModel::WriteNow(json::Writer& w) {
  char stamp[kIso8601BufferSize];
  FormatIso8601(clock_.WorldUtcMs(), stamp, sizeof(stamp));
  w.Field("currentTime", stamp);
}

void CsmsModel::Reply(std::string_view uid, json::Writer& payload) {
  json::Writer f(frame_buf_.data(), frame_buf_.size());
  f.BeginArray().Int(3).String(uid).Raw(payload.view()).EndArray();
  inv_.Check(f.ok(), "CSMS model: reply does not fit its buffer");
  link_.ServerSend(f.view());
}

void CsmsModel::ReplyError(std::string_view uid, const char* code, const char* description) {
  json::Writer f(frame_buf_.data(), frame_buf_.size());
  f.BeginArray().Int(4).String(uid).String(code).String(description).BeginObject().EndObject();
  f.EndArray();
  link_.ServerSend(f.view());
}

void CsmsModel::OnClientMessage(std::string_view text, uint64_t) {
  if (!reader_.Parse(text).ok() || !reader_.IsArray(reader_.Root())) {
    ++counters_.unreadable;
    inv_.Check(false, "CSMS model: the charger sent an unreadable frame: %.*s",
               static_cast<int>(text.size() > 200 ? 200 : text.size()), text.data());
    return;
  }
  const json::Value root = reader_.Root();
  const Result<int64_t> type = reader_.GetInteger(reader_.At(root, 0));
  std::string uid;
  const json::Value uid_v = reader_.At(root, 1);
  char scratch[64];
  const Result<std::string_view> uid_s = reader_.IsString(uid_v)
                                             ? reader_.GetString(uid_v, scratch, sizeof(scratch))
                                             : Result<std::string_view>(Errc::kInvalidArgument);
  if (!type.ok() || !uid_s.ok()) {
    ++counters_.unreadable;
    return;
  }
  uid.assign(uid_s->data(), uid_s->size());
  if (*type == 2) {
    char action_buf[64];
    const Result<std::string_view> action =
        reader_.GetString(reader_.At(root, 2), action_buf, sizeof(action_buf));
    const json::Value payload = reader_.At(root, 3);
    if (!action.ok() || !reader_.IsObject(payload)) {
      ++counters_.unreadable;
      ReplyError(uid, "FormationViolation", "not an OCPP-J call");
      return;
    }
    HandleCall(uid, std::string(*action), payload);
  } else if (*type == 3) {
    // Answers to RemoteStart / RemoteStop: "status" Accepted or Rejected.
    std::string status;
    if (GetString(reader_.At(root, 2), "status", &status) && status == "Accepted") {
      if (uid.rfind("rs-", 0) == 0) {
        ++counters_.remote_starts;
      } else if (uid.rfind("rx-", 0) == 0) {
        ++counters_.remote_stops;
      }
    }
  } else if (*type == 4) {
    ++counters_.call_errors_in;
  } else {
    ++counters_.unreadable;
  }
}

void CsmsModel::HandleCall(std::string_view uid, std::string_view action, json::Value p) {
  json::Writer w(payload_buf_.data(), payload_buf_.size());
  w.BeginObject();
  if (action == "BootNotification") {
    ++counters_.boots;
    w.Field("status", "Accepted");
    WriteNow(w);
    w.Field("interval", static_cast<int64_t>(kCsmsHeartbeatIntervalS));
  } else if (action == "Heartbeat") {
    ++counters_.heartbeats;
    WriteNow(w);
  } else if (action == "StatusNotification") {
    ++counters_.status_notifications;
  } else if (action == "Authorize") {
    ++counters_.authorizes;
    w.Key("idTagInfo").BeginObject().Field("status", "Accepted").EndObject();
  } else if (action == "StartTransaction") {
    std::string tag, stamp;
    int64_t meter = -1, connector = 0;
    const bool ok = GetString(p, "idTag", &tag) && GetString(p, "timestamp", &stamp) &&
                    GetInt(p, "meterStart", &meter) && GetInt(p, "connectorId", &connector);
    inv_.Check(ok && meter >= 0 && connector == 1,
               "StartTransaction malformed (meterStart %lld, connectorId %lld)",
               static_cast<long long>(meter), static_cast<long long>(connector));
    int32_t id = 0;
    for (CsmsTransaction& t : transactions_) {
      if (t.id_tag == tag && t.start_timestamp == stamp && t.meter_start == meter) {
        id = t.id;  // a resend: answer as the first time
        ++t.start_resends;
      }
    }
    if (id == 0) {
      CsmsTransaction t;
      t.id = next_id_++;
      t.id_tag = tag;
      t.start_timestamp = stamp;
      t.meter_start = meter;
      transactions_.push_back(t);
      id = t.id;
    }
    w.Key("idTagInfo").BeginObject().Field("status", "Accepted").EndObject();
    w.Field("transactionId", static_cast<int64_t>(id));
  } else if (action == "MeterValues") {
    ++counters_.meter_values;
    int64_t tx = 0;
    if (GetInt(p, "transactionId", &tx)) {
      inv_.Check(tx > 0, "MeterValues with placeholder transactionId %lld",
                 static_cast<long long>(tx));
      CsmsTransaction* t = FindMutable(static_cast<int32_t>(tx));
      if (inv_.Check(t != nullptr, "MeterValues for unknown transactionId %lld",
                     static_cast<long long>(tx))) {
        ++t->meter_values;
        const json::Value values = reader_.Find(p, "meterValue");
        for (json::Value mv = reader_.First(values); mv.valid(); mv = reader_.Next(mv)) {
          const int64_t wh = EnergyOf(mv);
          if (wh > t->max_reported_wh) {
            t->max_reported_wh = wh;
          }
        }
      }
    } else {
      ++counters_.idle_meter_values;  // clock-aligned, outside a transaction
    }
  } else if (action == "StopTransaction") {
    int64_t tx = 0, meter = -1;
    std::string stamp, reason = "Local";
    const bool ok = GetInt(p, "transactionId", &tx) && GetInt(p, "meterStop", &meter) &&
                    GetString(p, "timestamp", &stamp);
    GetString(p, "reason", &reason);
    inv_.Check(ok, "StopTransaction malformed");
    inv_.Check(tx > 0, "StopTransaction with placeholder transactionId %lld",
               static_cast<long long>(tx));
    CsmsTransaction* t = FindMutable(static_cast<int32_t>(tx));
    if (inv_.Check(t != nullptr, "StopTransaction for unknown transactionId %lld",
                   static_cast<long long>(tx))) {
      if (t->stops > 0 && t->stop_timestamp == stamp && t->meter_stop == meter) {
        ++t->stop_resends;
      } else {
        ++t->stops;
        inv_.Check(t->stops == 1,
                   "transaction %d stopped twice (meterStop %lld then %lld, reason %s then %s)",
                   t->id, static_cast<long long>(t->meter_stop), static_cast<long long>(meter),
                   t->stop_reason.c_str(), reason.c_str());
        t->stop_timestamp = stamp;
        t->meter_stop = meter;
        t->stop_reason = reason;
        inv_.Check(meter >= t->meter_start, "transaction %d: meterStop %lld < meterStart %lld",
                   t->id, static_cast<long long>(meter), static_cast<long long>(t->meter_start));
        // Never less than the CSMS has already been told, power cuts included.
        inv_.Check(meter >= t->max_reported_wh,
                   "transaction %d: meterStop %lld below the %lld Wh already reported", t->id,
                   static_cast<long long>(meter), static_cast<long long>(t->max_reported_wh));
        const json::Value data = reader_.Find(p, "transactionData");
        if (data.valid()) {
          ++counters_.stops_with_data;
          CheckTransactionData(*t, data, meter);
        }
      }
    }
    w.Key("idTagInfo").BeginObject().Field("status", "Accepted").EndObject();
  } else if (action == "DataTransfer") {
    w.Field("status", "UnknownVendorId");
  } else {
    ReplyError(uid, "NotImplemented", "not modelled by the simulation CSMS");
    return;
  }
  w.EndObject();
  Reply(uid, w);
}

bool CsmsModel::SendRemoteStart(std::string_view id_tag) {
  if (!connected_) {
    return false;
  }
  char uid[24];
  snprintf(uid, sizeof(uid), "rs-%u", next_call_++);
  json::Writer f(frame_buf_.data(), frame_buf_.size());
  f.BeginArray().Int(2).String(uid).String("RemoteStartTransaction").BeginObject();
  f.Field("connectorId", 1).Field("idTag", id_tag).EndObject().EndArray();
  return f.ok() && link_.ServerSend(f.view());
}

bool CsmsModel::SendRemoteStop(int32_t transaction_id) {
  if (!connected_) {
    return false;
  }
  char uid[24];
  snprintf(uid, sizeof(uid), "rx-%u", next_call_++);
  json::Writer f(frame_buf_.data(), frame_buf_.size());
  f.BeginArray().Int(2).String(uid).String("RemoteStopTransaction").BeginObject();
  f.Field("transactionId", static_cast<int64_t>(transaction_id)).EndObject().EndArray();
  return f.ok() && link_.ServerSend(f.view());
}

}  // namespace evc::sim
