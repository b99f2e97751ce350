// One control-loop tick while charging: ChargerStack::Poll (CAN dispatch, bus guards, controller,
// supervisor) + ChargePoint::Poll (OCPP), the simulated hardware (sim::SimWorld) behind the CAN
// buses and the I/O, and the ChargePoint seeing the stack's controller as its hardware.
#include <benchmark/benchmark.h>

#include "bench_support.hpp"

namespace evc::bench {
namespace {

// ChargePoint and ChargerStack on one clock, as the simulator app wires them.
class ControlLoopRig {
 public:
  ControlLoopRig()
      : log_(&sink_),
        stack_(clock_, log_, world_.module_bus(), world_.vehicle_bus(), world_.io(),
               charging::DefaultLevChargerConfig()),
        config_(kv_, log_) {
    clock_.utc_ms = 1772359200000LL;
    if (!world_.Attach().ok() || !stack_.Init().ok()) {
      Die("stack init");
    }
    world_.io().set_estop_handler(&stack_.emergency_stop());
    world_.bms().SetSoc(20.0);
    config_.Load().IgnoreError();
    cp_ = std::make_unique<ocpp::ChargePoint>(
        ocpp::ChargePointDeps{transport_, clock_, rng_, log_, kv_, config_, stack_.controller(),
                              sys_},
        ocpp::ChargePointIdentity{"EVC", "EVC-DC-LEV", "SN-BENCH-1", "1.0.0"});
    if (!cp_->Boot().ok()) {
      Die("Boot");
    }
    Tick();
    transport_.Open();
    world_.Plug(clock_.now_ms);
    for (int i = 0; i < 3000 && !charging(); ++i) {
      Tick();
      Answer();
      if (i == 50) {
        transport_.Deliver(
            R"([2,"cs1","RemoteStartTransaction",{"idTag":"TAG1","connectorId":1}])");
      }
    }
    if (!charging()) {
      fprintf(stderr, "tx_active=%d tx_id=%d phase=%s current=%.1f registered=%d\n",
              cp_->transaction_active(), cp_->transaction_id(),
              charging::ControlPhaseName(stack_.controller().phase()),
              static_cast<double>(stack_.controller().ReadTelemetry().current_a),
              cp_->registration() == ocpp::RegistrationStatus::kAccepted);
      Die("the session did not reach charging");
    }
  }
  void Tick() {
    clock_.Advance(kTickMs);
    world_.Step(clock_.now_ms);
    stack_.Poll();
    cp_->Poll();
  }
  // The CSMS side: answers every CALL with an accepting result.
  void Answer() {
    while (!transport_.sent.empty()) {
      const std::string f = transport_.TakeFirst();
      if (f.size() < 4 || f[1] != '2') {
        continue;
      }
      const size_t a = f.find('"');
      const size_t b = f.find('"', a + 1);
      const std::string id = f.substr(a + 1, b - a - 1);
      std::string result = "{}";
      if (f.find("\"BootNotification\"") != std::string::npos) {
        result = R"({"status":"Accepted","currentTime":"2026-03-01T10:00:00Z","interval":300})";
      } else if (f.find("\"StartTransaction\"") != std::string::npos) {
        result = R"({"idTagInfo":{"status":"Accepted"},"transactionId":7})";
      } else if (f.find("\"Heartbeat\"") != std::string::npos) {
        result = R"({"currentTime":"2026-03-01T10:00:00Z"})";
      }
      transport_.Deliver("[3,\"" + id + "\"," + result + "]");
    }
  }
  void KeepCharging() { world_.bms().SetSoc(20.0); }
  bool charging() {
    return cp_->transaction_active() && cp_->transaction_id() != 0 &&
           stack_.controller().phase() == charging::ControlPhase::kCharging &&
           stack_.controller().ReadTelemetry().current_a > 0.5f;
  }

 private:
  testing::FakeClock clock_;
  NullLogSink sink_;
  Logger log_;
  sim::SimWorld world_;
  charging::ChargerStack stack_;
  testing::FakeTransport transport_;
  testing::MemoryKvStore kv_;
  testing::FakeSystem sys_;
  XoshiroRng rng_{7};
  ocpp::Configuration config_;
  std::unique_ptr<ocpp::ChargePoint> cp_;
};

// The battery is set back to a low charge now and then so the session never ends.
constexpr int64_t kTicksPerRefill = 10000;

// Includes SimWorld::Step (the simulated hardware's own cost) in every tick; the figure is an
// upper bound of the firmware's share.
void BM_ControlTick_Charging(benchmark::State& state) {
  ControlLoopRig rig;
  int64_t ticks = 0;
  for (auto _ : state) {
    rig.Tick();
    rig.Answer();
    if (++ticks % kTicksPerRefill == 0) {
      state.PauseTiming();
      rig.KeepCharging();
      state.ResumeTiming();
    }
  }
  state.counters["still_charging"] = rig.charging() ? 1 : 0;
}

BENCHMARK(BM_ControlTick_Charging);

}  // namespace
}  // namespace evc::bench

BENCHMARK_MAIN();
