// Peak heap of the OCPP layer over a session: every operator new / delete is counted. The fakes
// used here (StaticKvStore, StaticTransport) and the rig's CSMS script allocate nothing, so what
// is counted is the core's (Rpc, ChargePoint, Configuration, TxQueue) plus the rig object itself,
// which is reported separately. Sessions: boot, registration, N transactions with MeterValues,
// GetConfiguration, ChangeConfiguration, DataTransfer.
#include <cstdio>
#include <cstdlib>
#include <new>

#include "bench_support.hpp"

namespace {

size_t g_live = 0;
size_t g_peak = 0;
size_t g_count = 0;

struct Header {
  size_t size;
  size_t pad;  // keeps the payload 16-byte aligned
};

void* Allocate(size_t size) {
  auto* h = static_cast<Header*>(malloc(sizeof(Header) + size));
  if (h == nullptr) {
    abort();
  }
  h->size = size;
  g_live += size;
  ++g_count;
  if (g_live > g_peak) {
    g_peak = g_live;
  }
  return h + 1;
}
void Release(void* p) {
  if (p == nullptr) {
    return;
  }
  Header* h = static_cast<Header*>(p) - 1;
  g_live -= h->size;
  free(h);
}

}  // namespace

void* operator new(size_t size) {
  return Allocate(size);
}
void* operator new[](size_t size) {
  return Allocate(size);
}
void operator delete(void* p) noexcept {
  Release(p);
}
void operator delete[](void* p) noexcept {
  Release(p);
}
void operator delete(void* p, size_t) noexcept {
  Release(p);
}
void operator delete[](void* p, size_t) noexcept {
  Release(p);
}

int main(int argc, char** argv) {
  const int sessions = argc > 1 ? atoi(argv[1]) : 10;
  const size_t live0 = g_live;
  const size_t count0 = g_count;
  auto rig = std::make_unique<evc::bench::StaticOcppRig>();
  const size_t rig_bytes = sizeof(evc::bench::StaticOcppRig);
  // The rig holds the ChargePoint through a unique_ptr: that object is the rig's allocation too.
  const size_t after_boot = g_live - live0 - rig_bytes - sizeof(evc::ocpp::ChargePoint);
  g_peak = g_live;  // from here on: steady state
  const size_t steady0 = g_live;
  for (int s = 0; s < sessions; ++s) {
    evc::bench::StartTransaction(*rig);
    for (int i = 0; i < 6; ++i) {
      if (!evc::bench::MeterValuesExchange(*rig)) {
        fprintf(stderr, "no MeterValues\n");
        return 1;
      }
    }
    rig->CsmsCall("GetConfiguration", "{}");
    rig->CsmsCall("ChangeConfiguration", R"({"key":"HeartbeatInterval","value":"301"})");
    rig->CsmsCall("DataTransfer", R"({"vendorId":"com.evc","messageId":"ping","data":"x"})");
    evc::bench::StopTransaction(*rig);
  }
  printf("sessions=%d\n", sessions);
  printf("heap_allocations_total=%zu (the rig object and its ChargePoint: 2)\n", g_count - count0);
  printf("heap_live_after_boot_excluding_rig_and_cp_object=%zu bytes\n", after_boot);
  printf("heap_peak_during_sessions_above_boot=%zu bytes\n", g_peak - steady0);
  printf("heap_live_at_end_above_boot=%zd bytes\n",
         static_cast<ssize_t>(g_live) - static_cast<ssize_t>(steady0));
  printf("static_sizeof_ChargePoint=%zu bytes\n", sizeof(evc::ocpp::ChargePoint));
  printf("static_sizeof_Configuration=%zu bytes\n", sizeof(evc::ocpp::Configuration));
  return 0;
}
