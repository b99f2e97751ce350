// OCPP: frame parse + dispatch + respond per message type, the answers to our own calls with the
// persistence they cause, whole exchanges, and MeterValues encoding. Real Rpc + ChargePoint over
// the test fakes (FakeTransport, MemoryKvStore standing in for flash, FakeClock).
#include <benchmark/benchmark.h>

#include <chrono>

#include "bench_support.hpp"

namespace evc::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// ---- Incoming CSMS calls: parse + dispatch + respond --------------------------------------

// A call whose handling leaves the state as it found it can simply be repeated.
void RunRepeatable(benchmark::State& state, const char* action, const char* payload,
                   bool in_transaction) {
  TestOcppRig rig;
  if (in_transaction) {
    StartTransaction(rig);
  }
  for (auto _ : state) {
    rig.CsmsCall(action, payload);
  }
  state.counters["answer_bytes"] = static_cast<double>(rig.last_answer_len());
}

void BM_OcppCall_GetConfigurationAll(benchmark::State& s) {
  RunRepeatable(s, "GetConfiguration", "{}", false);
}
void BM_OcppCall_GetConfigurationOneKey(benchmark::State& s) {
  RunRepeatable(s, "GetConfiguration", R"({"key":["HeartbeatInterval"]})", false);
}
void BM_OcppCall_DataTransfer(benchmark::State& s) {
  RunRepeatable(s, "DataTransfer", R"({"vendorId":"com.evc","messageId":"ping","data":"x"})",
                false);
}
// Accepted and persisted (the value alternates so every call is a real change).
void BM_OcppCall_ChangeConfiguration(benchmark::State& state) {
  TestOcppRig rig;
  bool flip = false;
  for (auto _ : state) {
    flip = !flip;
    rig.CsmsCall("ChangeConfiguration", flip ? R"({"key":"HeartbeatInterval","value":"301"})"
                                             : R"({"key":"HeartbeatInterval","value":"300"})");
  }
}
// Reset is answered at once; the reboot itself happens in a later Poll, which is not run here.
void BM_OcppCall_Reset(benchmark::State& s) {
  RunRepeatable(s, "Reset", R"({"type":"Soft"})", false);
}

// RemoteStart / RemoteStop change the state: a whole transaction is run per iteration and only
// the handling of the one call is timed.
void BM_OcppCall_RemoteStartTransaction(benchmark::State& state) {
  TestOcppRig rig;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    rig.CsmsCall("RemoteStartTransaction", R"({"idTag":"TAG1","connectorId":1})");
    const auto t1 = Clock::now();
    state.SetIterationTime(Seconds(t0, t1));
    rig.Settle();
    StopTransaction(rig);
  }
}
void BM_OcppCall_RemoteStopTransaction(benchmark::State& state) {
  TestOcppRig rig;
  char payload[48];
  for (auto _ : state) {
    StartTransaction(rig);
    snprintf(payload, sizeof(payload), "{\"transactionId\":%d}", rig.cp().transaction_id());
    const auto t0 = Clock::now();
    rig.CsmsCall("RemoteStopTransaction", payload);
    const auto t1 = Clock::now();
    state.SetIterationTime(Seconds(t0, t1));
    rig.Settle();
  }
}

// ---- Answers to our own calls, with the persistence they cause -----------------------------

// Times only the delivery of the CALLRESULT to `action` (parse, match, handler, flash writes).
template <class Rig>
double TimeAnswerTo(Rig& rig, std::string_view action) {
  if (rig.PeekCall().action != action) {
    Die("unexpected CALL waiting");
  }
  const auto t0 = Clock::now();
  rig.AnswerFront();
  const auto t1 = Clock::now();
  return Seconds(t0, t1);
}

void BM_OcppConf_StartTransaction(benchmark::State& state) {
  TestOcppRig rig;
  for (auto _ : state) {
    rig.CsmsCall("RemoteStartTransaction", R"({"idTag":"TAG1","connectorId":1})");
    // Answer everything until the StartTransaction is waiting.
    for (int i = 0; i < 100; ++i) {
      rig.Tick();
      while (!SentEmpty(rig.transport) && rig.PeekCall().action != "StartTransaction") {
        rig.AnswerFront();
      }
      if (!SentEmpty(rig.transport)) {
        break;
      }
    }
    state.SetIterationTime(TimeAnswerTo(rig, "StartTransaction"));
    rig.Settle();
    StopTransaction(rig);
  }
}
void BM_OcppConf_MeterValues(benchmark::State& state) {
  TestOcppRig rig;
  StartTransaction(rig);
  for (auto _ : state) {
    rig.clock.Advance(kMeterSampleIntervalS * 1000 - kTickMs);
    if (!rig.TickUntilSent(kSettleTicks)) {
      Die("no MeterValues");
    }
    state.SetIterationTime(TimeAnswerTo(rig, "MeterValues"));
    rig.AnswerAll();
  }
}
void BM_OcppConf_Heartbeat(benchmark::State& state) {
  TestOcppRig rig;
  for (auto _ : state) {
    rig.clock.Advance(300 * 1000);
    if (!rig.TickUntilSent(kSettleTicks)) {
      Die("no Heartbeat");
    }
    state.SetIterationTime(TimeAnswerTo(rig, "Heartbeat"));
    rig.AnswerAll();
  }
}

// ---- Whole exchanges including persistence -------------------------------------------------

// A MeterValues sample taken and persisted in the queue, sent, answered, its record erased.
void BM_OcppExchange_MeterValues(benchmark::State& state) {
  TestOcppRig rig;
  StartTransaction(rig);
  for (auto _ : state) {
    if (!MeterValuesExchange(rig)) {
      Die("no MeterValues exchange");
    }
  }
}
// A whole transaction: RemoteStart, StatusNotifications, StartTransaction (persisted, sent,
// answered, transactionId persisted, popped), RemoteStop, StopTransaction, statuses.
void BM_OcppExchange_TransactionCycle(benchmark::State& state) {
  TestOcppRig rig;
  int exchanges = 0;
  for (auto _ : state) {
    exchanges = StartTransaction(rig);
    exchanges += StopTransaction(rig);
  }
  state.counters["exchanges_per_cycle"] = exchanges;
}

// ---- MeterValues encoding alone ------------------------------------------------------------

// Times the Poll that takes the queued sample off the queue and sends it (JSON encoding, the CALL
// frame, the hand-over to the transport). The sample was taken and persisted by an earlier Poll
// while the previous MeterValues was still unanswered (one CALL in flight at a time).
void BM_OcppEncode_MeterValues(benchmark::State& state) {
  TestOcppRig rig;
  StartTransaction(rig);
  auto untimed = [](auto&& poll) { poll(); };
  if (!MeterValuesSendOnly(rig, true, untimed)) {
    Die("no MeterValues");
  }
  for (auto _ : state) {
    double seconds = 0;
    auto timed = [&seconds](auto&& poll) {
      const auto t0 = Clock::now();
      poll();
      seconds = Seconds(t0, Clock::now());
    };
    if (!MeterValuesSendOnly(rig, false, timed)) {
      Die("no MeterValues sent");
    }
    state.SetIterationTime(seconds);
  }
  rig.AnswerAll();
}
// Baseline for the above: one Poll while charging with nothing to send.
void BM_OcppTick_ChargingIdle(benchmark::State& state) {
  TestOcppRig rig;
  StartTransaction(rig);
  for (auto _ : state) {
    rig.clock.Advance(kTickMs);
    const auto t0 = Clock::now();
    rig.cp().Poll();
    const auto t1 = Clock::now();
    state.SetIterationTime(Seconds(t0, t1));
    rig.AnswerAll();
  }
}

BENCHMARK(BM_OcppCall_RemoteStartTransaction)->UseManualTime();
BENCHMARK(BM_OcppCall_RemoteStopTransaction)->UseManualTime();
BENCHMARK(BM_OcppCall_GetConfigurationAll);
BENCHMARK(BM_OcppCall_GetConfigurationOneKey);
BENCHMARK(BM_OcppCall_ChangeConfiguration);
BENCHMARK(BM_OcppCall_Reset);
BENCHMARK(BM_OcppCall_DataTransfer);
BENCHMARK(BM_OcppConf_StartTransaction)->UseManualTime();
BENCHMARK(BM_OcppConf_MeterValues)->UseManualTime();
BENCHMARK(BM_OcppConf_Heartbeat)->UseManualTime();
BENCHMARK(BM_OcppExchange_MeterValues);
BENCHMARK(BM_OcppExchange_TransactionCycle);
BENCHMARK(BM_OcppEncode_MeterValues)->UseManualTime();
BENCHMARK(BM_OcppTick_ChargingIdle)->UseManualTime();

}  // namespace
}  // namespace evc::bench

BENCHMARK_MAIN();
