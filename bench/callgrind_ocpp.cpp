// Callgrind driver for the OCPP layer: N repetitions of one operation after a warm-up, over the
// test fakes (MemoryKvStore stands in for flash). Modes:
//   mv-exchange  MeterValues sampled + persisted, sent, answered, record erased
//   tx-cycle     a whole transaction (RemoteStart ... StopTransaction.conf), see exchanges printed
//   get-config   GetConfiguration (all keys), parse + dispatch + respond
//   change-config ChangeConfiguration accepted and persisted
//   data-transfer DataTransfer
//   mv-encode    only the Poll that dequeues, encodes and sends a MeterValues (collection is
//                toggled around it: run with --collect-atstart=no)
//   idle-tick    only a Poll while charging with nothing to send (toggled, as above)
// Instructions per operation = (Ir(N=big) - Ir(N=small)) / (big - small); see run.sh.
#include <valgrind/callgrind.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bench_support.hpp"

using evc::bench::TestOcppRig;

namespace {

constexpr int kWarmUp = 3;

int Fail(const char* what) {
  fprintf(stderr, "failed: %s\n", what);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MODE N\n", argv[0]);
    return 2;
  }
  const char* mode = argv[1];
  const int n = atoi(argv[2]);
  TestOcppRig rig;
  auto toggled = [](auto&& poll) {
    CALLGRIND_TOGGLE_COLLECT;
    poll();
    CALLGRIND_TOGGLE_COLLECT;
  };
  auto plain = [](auto&& poll) { poll(); };

  if (strcmp(mode, "mv-exchange") == 0) {
    evc::bench::StartTransaction(rig);
    for (int i = 0; i < kWarmUp + n; ++i) {
      if (!evc::bench::MeterValuesExchange(rig)) {
        return Fail("MeterValues exchange");
      }
    }
  } else if (strcmp(mode, "tx-cycle") == 0) {
    int exchanges = 0;
    for (int i = 0; i < kWarmUp + n; ++i) {
      exchanges = evc::bench::StartTransaction(rig);
      exchanges += evc::bench::StopTransaction(rig);
    }
    printf("exchanges_per_cycle=%d\n", exchanges);
  } else if (strcmp(mode, "get-config") == 0) {
    for (int i = 0; i < kWarmUp + n; ++i) {
      rig.CsmsCall("GetConfiguration", "{}");
    }
    printf("answer_bytes=%zu\n", rig.last_answer_len());
  } else if (strcmp(mode, "change-config") == 0) {
    for (int i = 0; i < kWarmUp + n; ++i) {
      rig.CsmsCall("ChangeConfiguration", i % 2 ? R"({"key":"HeartbeatInterval","value":"301"})"
                                                : R"({"key":"HeartbeatInterval","value":"300"})");
    }
  } else if (strcmp(mode, "data-transfer") == 0) {
    for (int i = 0; i < kWarmUp + n; ++i) {
      rig.CsmsCall("DataTransfer", R"({"vendorId":"com.evc","messageId":"ping","data":"x"})");
    }
  } else if (strcmp(mode, "mv-encode") == 0) {
    evc::bench::StartTransaction(rig);
    if (!evc::bench::MeterValuesSendOnly(rig, true, plain)) {
      return Fail("prime");
    }
    for (int i = 0; i < n; ++i) {
      if (!evc::bench::MeterValuesSendOnly(rig, false, toggled)) {
        return Fail("MeterValues send");
      }
    }
  } else if (strcmp(mode, "idle-tick") == 0) {
    evc::bench::StartTransaction(rig);
    rig.Settle();
    for (int i = 0; i < n; ++i) {
      rig.clock.Advance(evc::bench::kTickMs);
      toggled([&rig] { rig.cp().Poll(); });
      rig.AnswerAll();
    }
  } else {
    return Fail("unknown mode");
  }
  printf("mode=%s n=%d kv_writes=%d\n", mode, n, rig.kv.writes);
  return 0;
}
