// evc-sim: the real firmware core + the POSIX port + simulated hardware, talking OCPP 1.6J to a
// real CSMS over a real WebSocket. Line commands on stdin, JSON-line events on stdout, human
// logs on stderr. See README.md ("Simulator") for the command and event reference.

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "evc/charging/charger_stack.hpp"
#include "evc/common/json_writer.hpp"
#include "evc/ocpp/charge_point.hpp"
#include "evc/ocpp/configuration.hpp"
#include "evc/posix/clock.hpp"
#include "evc/posix/file_kv_store.hpp"
#include "evc/posix/heap_stats.hpp"
#include "evc/posix/log_sink.hpp"
#include "evc/posix/lws_transport.hpp"
#include "evc/posix/provisioning.hpp"
#include "evc/posix/random.hpp"
#include "evc/posix/watchdog_thread.hpp"
#include "evc/safety/error_code.hpp"
#include "evc/safety/fail_safe.hpp"
#include "evc/safety/watchdog.hpp"
#include "evc/sim/sim_world.hpp"

namespace {

using evc::charging::ConnectorStatus;
using evc::ocpp::ChargePoint;

constexpr uint32_t kControlTickMs = 10;  // the core's control period (DESIGN.md rule 2)
constexpr size_t kMaxCommandLine = 256;
constexpr const char* kFirmwareVersion = "0.1.0-sim";

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) {
  g_stop = 1;
}

// ---- JSON-line event output --------------------------------------------------------------------

class Events {
 public:
  explicit Events(const evc::Clock& clock) : clock_(clock) {}
  // Starts an event object with "t" (ms since start) and "event".
  evc::json::Writer& Begin(const char* name) {
    w_.Reset();
    w_.BeginObject().Field("t", static_cast<int64_t>(clock_.MonotonicMs() - start_ms_));
    w_.Field("event", name);
    return w_;
  }
  void End() {
    w_.EndObject();
    if (w_.ok()) {
      fprintf(stdout, "%.*s\n", static_cast<int>(w_.size()), w_.view().data());
      fflush(stdout);
    }
  }
  void Simple(const char* name) {
    Begin(name);
    End();
  }
  void Error(const char* message) {
    Begin("error").Field("message", message);
    End();
  }
  void set_start(uint64_t ms) { start_ms_ = ms; }

 private:
  const evc::Clock& clock_;
  uint64_t start_ms_ = 0;
  char buf_[2048];
  evc::json::Writer w_{buf_, sizeof(buf_)};
};

class EventObserver final : public evc::ocpp::ChargePointObserver {
 public:
  EventObserver(Events& ev, evc::sim::SimWorld& world) : ev_(ev), world_(world) {}
  void OnConnection(bool connected, evc::ocpp::CloseReason reason) override {
    auto& w = ev_.Begin("connection").Field("connected", connected);
    if (!connected) {
      w.Field("reason", evc::ocpp::CloseReasonName(reason));
    }
    ev_.End();
  }
  void OnRegistration(evc::ocpp::RegistrationStatus s) override {
    ev_.Begin("registration").Field("status", evc::ocpp::RegistrationStatusName(s));
    ev_.End();
  }
  void OnStatus(int connector, ConnectorStatus s) override {
    ev_.Begin("status")
        .Field("connector", connector)
        .Field("status", evc::charging::ConnectorStatusName(s));
    ev_.End();
  }
  void OnAuthorization(std::string_view tag, evc::ocpp::AuthorizationStatus s,
                       bool offline) override {
    ev_.Begin("authorize")
        .Field("idTag", tag)
        .Field("status", evc::ocpp::AuthorizationStatusName(s))
        .Field("offline", offline);
    ev_.End();
  }
  void OnTransactionStarted(uint32_t local, std::string_view tag, int64_t meter) override {
    ev_.Begin("transaction_started")
        .Field("localId", static_cast<int64_t>(local))
        .Field("idTag", tag)
        .Field("meterStartWh", meter);
    ev_.End();
  }
  void OnTransactionId(uint32_t local, int32_t id) override {
    ev_.Begin("transaction_id")
        .Field("localId", static_cast<int64_t>(local))
        .Field("transactionId", static_cast<int64_t>(id));
    ev_.End();
  }
  void OnTransactionStopped(uint32_t local, evc::ocpp::StopReason reason, int64_t meter) override {
    ev_.Begin("transaction_stopped")
        .Field("localId", static_cast<int64_t>(local))
        .Field("reason", evc::ocpp::StopReasonName(reason))
        .Field("meterStopWh", meter);
    ev_.End();
  }
  void OnMeterSample(int64_t energy_wh, float power_w) override {
    auto& w = ev_.Begin("meter").Field("energyWh", energy_wh);
    w.Key("powerW").Decimal(power_w, 0).Key("soc").Decimal(world_.bms().soc(), 1);
    ev_.End();
  }
  void OnMessage(bool outgoing, std::string_view action) override {
    ev_.Begin("ocpp").Field("dir", outgoing ? "out" : "in").Field("action", action);
    ev_.End();
  }
  void OnRebootRequested(bool hard) override {
    ev_.Begin("reboot").Field("hard", hard);
    ev_.End();
  }

 private:
  Events& ev_;
  evc::sim::SimWorld& world_;
};

// Where the fail-safe leaves the reason of a firmware-caused restart; read and removed by the
// next start (the simulator's stand-in for the ESP32's esp_reset_reason()).
constexpr size_t kMaxPath = 512;
char g_reset_marker[kMaxPath] = {};

class SimSystem final : public evc::charging::SystemControl {
 public:
  void Reboot(bool hard) override {
    requested = true;
    hard_ = hard;
  }
  evc::charging::ResetReason LastResetReason() const override { return last_reset_; }
  bool requested = false;
  bool hard_ = false;
  evc::charging::ResetReason last_reset_ = evc::charging::ResetReason::kPowerOn;
};

// Reads and removes the marker left by the previous run's fail-safe.
evc::charging::ResetReason TakeResetMarker(const char* path) {
  FILE* f = fopen(path, "r");
  if (f == nullptr) {
    return evc::charging::ResetReason::kPowerOn;  // no marker: a cold start or a power cut
  }
  char text[32] = {};
  const bool read = fgets(text, sizeof(text), f) != nullptr;
  fclose(f);
  remove(path);
  if (read && strncmp(text, "watchdog", 8) == 0) {
    return evc::charging::ResetReason::kWatchdog;
  }
  return evc::charging::ResetReason::kPanic;
}

struct Options {
  std::string csms;
  std::string id;
  std::string state_dir;
  std::string provision;
  std::string ca;
  std::vector<std::string> config;  // KEY=VALUE applied through ChangeConfiguration rules
  bool trust_system_time = false;
  bool verbose = false;
  bool exit_on_eof = false;
  double soc = -1;  // initial battery SoC; < 0: the model's default
};

// Watches the hardware side for changes worth an event: faults, contactor, controller phase.
class HardwareEvents {
 public:
  HardwareEvents(Events& ev, evc::sim::SimWorld& world) : ev_(ev), world_(world) {}
  void Poll(const evc::charging::ChargerStack& stack) {
    const evc::charging::Controller& ctl = stack.controller();
    const evc::safety::ErrorCode fault = ctl.Fault();
    if (fault != fault_) {
      fault_ = fault;
      const evc::safety::ErrorInfo& info = evc::safety::Describe(fault);
      ev_.Begin("fault")
          .Field("code", static_cast<int64_t>(fault))
          .Field("name", info.name)
          .Field("severity", evc::safety::SeverityName(info.severity))
          .Field("ocppErrorCode", info.ocpp_error_code)
          .Field("vendorErrorCode", info.vendor_error_code);
      ev_.End();
    }
    const bool closed = world_.io().ContactorFeedbackClosed();
    const bool commanded = world_.io().ContactorCommandedClosed();
    if (closed != contactor_closed_ || commanded != contactor_commanded_) {
      contactor_closed_ = closed;
      contactor_commanded_ = commanded;
      ev_.Begin("contactor").Field("commandedClosed", commanded).Field("feedbackClosed", closed);
      ev_.End();
    }
    if (ctl.phase() != phase_) {
      phase_ = ctl.phase();
      ev_.Begin("control_phase")
          .Field("phase", evc::charging::ControlPhaseName(phase_))
          .Field("gbt", evc::vehicle::GbtPhaseName(stack.gbt().phase()));
      ev_.End();
    }
  }
  void Reset() {
    fault_ = evc::safety::ErrorCode::kNone;
    phase_ = evc::charging::ControlPhase::kIdle;
  }

 private:
  Events& ev_;
  evc::sim::SimWorld& world_;
  evc::safety::ErrorCode fault_ = evc::safety::ErrorCode::kNone;
  bool contactor_closed_ = false;
  bool contactor_commanded_ = false;
  evc::charging::ControlPhase phase_ = evc::charging::ControlPhase::kIdle;
};

void Usage() {
  fprintf(
      stderr,
      "usage: evc-sim --csms URL --id ID --state-dir DIR [--provision FILE] [--ca FILE]\n"
      "               [--config KEY=VALUE]... [--soc PERCENT] [--trust-system-time]\n"
      "               [--exit-on-eof] [--verbose]\n"
      "  URL is the CSMS base (ws:// or wss://); the charge point id is appended.\n"
      "  --provision FILE  provisioning JSON (csmsUrl, chargePointId, securityProfile,\n"
      "                    authorizationKey, caBundle); --csms/--id/--ca override it.\n"
      "Commands on stdin (see README.md): plug, unplug, swipe <idTag>, soc <percent>,\n"
      "  estop, estop-release, reset-fault, module-fault <kind>|clear, bus-off [module|vehicle],\n"
      "  bms-silence <ms>, contactor-weld, status, help, quit\n");
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&](std::string* out) {
      if (i + 1 >= argc)
        return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--csms" && next(&o->csms))
      continue;
    if (a == "--id" && next(&o->id))
      continue;
    if (a == "--state-dir" && next(&o->state_dir))
      continue;
    if (a == "--provision" && next(&o->provision))
      continue;
    if (a == "--ca" && next(&o->ca))
      continue;
    if (a == "--config" && next(&v)) {
      o->config.push_back(v);
      continue;
    }
    if (a == "--trust-system-time") {
      o->trust_system_time = true;
      continue;
    }
    if (a == "--verbose") {
      o->verbose = true;
      continue;
    }
    if (a == "--exit-on-eof") {
      o->exit_on_eof = true;
      continue;
    }
    if (a == "--soc" && next(&v)) {
      char* end = nullptr;
      o->soc = strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || o->soc < 0 || o->soc > 100) {
        fprintf(stderr, "evc-sim: --soc takes a number from 0 to 100\n");
        return false;
      }
      continue;
    }
    fprintf(stderr, "evc-sim: unknown or incomplete argument '%s'\n", a.c_str());
    return false;
  }
  return true;
}

// Everything that a reboot rebuilds: the firmware's RAM state.
struct Firmware {
  std::unique_ptr<evc::posix::FileKvStore> kv;
  std::unique_ptr<evc::ocpp::Configuration> config;
  std::unique_ptr<evc::posix::LwsTransport> transport;
  std::unique_ptr<evc::charging::ChargerStack> stack;
  std::unique_ptr<ChargePoint> cp;
};

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!ParseArgs(argc, argv, &opt)) {
    Usage();
    return 2;
  }
  evc::posix::Provisioning prov;
  if (!opt.provision.empty()) {
    std::string err;
    if (!evc::posix::LoadProvisioningFile(opt.provision, &prov, &err).ok()) {
      fprintf(stderr, "evc-sim: provisioning file %s: %s\n", opt.provision.c_str(), err.c_str());
      return 2;
    }
  }
  if (!opt.csms.empty())
    prov.csms_url = opt.csms;
  if (!opt.id.empty())
    prov.charge_point_id = opt.id;
  if (!opt.ca.empty())
    prov.ca_bundle = opt.ca;
  if (prov.csms_url.empty() || prov.charge_point_id.empty() || opt.state_dir.empty()) {
    Usage();
    return 2;
  }
  if (!evc::posix::IsValidChargePointId(prov.charge_point_id)) {
    fprintf(stderr, "evc-sim: invalid charge point id '%s'\n", prov.charge_point_id.c_str());
    return 2;
  }
  if (mkdir(opt.state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "evc-sim: cannot create state dir %s: %s\n", opt.state_dir.c_str(),
            strerror(errno));
    return 2;
  }

  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  signal(SIGPIPE, SIG_IGN);

  evc::posix::PosixClock clock(opt.trust_system_time);
  evc::posix::StderrLogSink sink(&clock);
  evc::Logger log(&sink, opt.verbose ? evc::LogLevel::kDebug : evc::LogLevel::kInfo);
  evc::posix::LwsTransport::RouteLibraryLogs(&log);
  evc::posix::InstallAbortHook();
  const evc::Result<uint64_t> seed = evc::posix::SeedFromOs();
  evc::XoshiroRng rng(seed.ok() ? *seed : clock.MonotonicMs());
  Events events(clock);
  events.set_start(clock.MonotonicMs());
  evc::sim::SimBatteryParams battery;
  if (opt.soc >= 0) {
    battery.soc_percent = opt.soc;
  }
  evc::sim::SimWorld world(battery);
  if (!world.Attach().ok()) {
    events.Error("simulated hardware could not be assembled");
    return 1;
  }
  // The one fail-safe path (watchdog miss, broken invariant): the contactor opens first. The
  // actions run on the watchdog thread while the loop is stuck, so they touch only the
  // simulated hardware (a GPIO write on the device) and write(2), nothing else.
  evc::safety::FailSafe::Register(
      "contactor-open", [](void* io) { static_cast<evc::sim::SimIo*>(io)->SetContactor(false); },
      &world.io())
      .IgnoreError();
  snprintf(g_reset_marker, sizeof(g_reset_marker), "%s/reset_reason", opt.state_dir.c_str());
  evc::safety::FailSafe::Register(
      "reset-marker",
      [](void*) {
        // open/write/fsync/close are async-signal-safe: fine on the watchdog thread.
        const int fd = open(g_reset_marker, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
          const bool watchdog =
              evc::safety::FailSafe::reason() == evc::safety::ErrorCode::kWatchdog;
          const char* text = watchdog ? "watchdog\n" : "panic\n";
          (void)!write(fd, text, strlen(text));
          fsync(fd);
          close(fd);
        }
      },
      nullptr)
      .IgnoreError();
  evc::safety::FailSafe::Register(
      "failsafe-event",
      [](void*) {
        static const char kLine[] = "{\"event\":\"failsafe\"}\n";
        (void)!write(STDOUT_FILENO, kLine, sizeof(kLine) - 1);
      },
      nullptr)
      .IgnoreError();
  evc::safety::Watchdog watchdog;
  EventObserver observer(events, world);

  HardwareEvents hw_events(events, world);
  SimSystem system;
  system.last_reset_ = TakeResetMarker(g_reset_marker);

  Firmware fw;
  auto boot = [&]() -> bool {
    // A reboot rebuilds the firmware's RAM state; the simulated hardware stays as it is.
    world.io().set_estop_handler(nullptr);
    fw.cp.reset();
    fw.stack.reset();
    fw.transport.reset();
    fw.config.reset();
    fw.kv.reset();
    fw.kv = std::make_unique<evc::posix::FileKvStore>(opt.state_dir + "/kv", &log);
    if (!fw.kv->Open().ok()) {
      events.Error("state store cannot be opened");
      return false;
    }
    fw.config = std::make_unique<evc::ocpp::Configuration>(*fw.kv, log);
    fw.config->Load().IgnoreError();  // problems are logged; defaults stand in
    // First boot: import the provisioned AuthorizationKey into the configuration store, which
    // owns it from then on (the CSMS may rotate it).
    if (!prov.authorization_key.empty() &&
        fw.config->GetString(evc::ocpp::ConfigKey::kAuthorizationKey).empty()) {
      if (!fw.config
               ->SetString(evc::ocpp::ConfigKey::kAuthorizationKey, prov.authorization_key,
                           evc::ocpp::Persist::kYes)
               .ok()) {
        events.Error("provisioned authorizationKey rejected by the configuration rules");
        return false;
      }
    }
    for (const std::string& kv : opt.config) {
      const size_t eq = kv.find('=');
      const auto r = eq == std::string::npos
                         ? evc::ocpp::ChangeResult::kRejected
                         : fw.config->Change(kv.substr(0, eq), kv.substr(eq + 1));
      if (r != evc::ocpp::ChangeResult::kAccepted &&
          r != evc::ocpp::ChangeResult::kRebootRequired) {
        events.Begin("error").Field("message", "configuration value refused").Field("item", kv);
        events.End();
        return false;
      }
    }
    evc::posix::LwsTransportConfig tc = prov.ToTransportConfig();
    const std::string_view key = fw.config->GetString(evc::ocpp::ConfigKey::kAuthorizationKey);
    tc.authorization_key = std::string(key);
    std::string err;
    fw.transport = evc::posix::LwsTransport::Create(tc, clock, &log, &err);
    if (!fw.transport) {
      events.Begin("error").Field("message", "transport").Field("detail", err);
      events.End();
      return false;
    }
    evc::ocpp::ChargePointIdentity id;
    id.vendor = "EVC";
    id.model = "EVC-DC-LEV-SIM";
    id.serial_number = prov.charge_point_id.c_str();
    id.firmware_version = kFirmwareVersion;
    fw.stack = std::make_unique<evc::charging::ChargerStack>(
        clock, log, world.module_bus(), world.vehicle_bus(), world.io(),
        evc::charging::DefaultLevChargerConfig());
    if (!fw.stack->Init().ok()) {
      events.Error("charger stack could not be initialised");
      return false;
    }
    world.io().set_estop_handler(&fw.stack->emergency_stop());
    hw_events.Reset();
    fw.cp = std::make_unique<ChargePoint>(
        evc::ocpp::ChargePointDeps{*fw.transport, clock, rng, log, *fw.kv, *fw.config,
                                   fw.stack->controller(), system},
        id, &observer);

    const evc::Status s = fw.cp->Boot();
    events.Begin("boot")
        .Field("chargePointId", prov.charge_point_id)
        .Field("recovered", s.ok() ? "clean" : s.name());
    events.End();
    return true;
  };
  if (!boot()) {
    return 1;
  }
  watchdog.Arm(evc::safety::WatchdogTask::kControlLoop, clock.MonotonicMs());
  evc::posix::WatchdogThread watchdog_thread(watchdog, clock, log);
  if (!watchdog_thread.Start().ok()) {
    events.Error("watchdog thread could not start");
    return 1;
  }

  // Free / minimum-free heap every kHeapReportIntervalMs (first report at start).
  evc::posix::MallocHeapStats heap_stats;
  evc::HeapMonitor heap_monitor(heap_stats, log);

  char line[kMaxCommandLine + 1];
  size_t line_len = 0;
  bool line_too_long = false;
  bool stdin_open = true;
  int exit_code = 0;

  auto status_report = [&]() {
    ChargePoint& cp = *fw.cp;
    const evc::charging::Controller& ctl = fw.stack->controller();
    auto& w = events.Begin("status_report");
    w.Field("connected", cp.connected())
        .Field("registration", evc::ocpp::RegistrationStatusName(cp.registration()))
        .Field("connector0", evc::charging::ConnectorStatusName(cp.status(0)))
        .Field("connector1", evc::charging::ConnectorStatusName(cp.status(1)))
        .Field("plugged", world.io().GunConnected())
        .Field("gunLocked", world.io().GunLocked())
        .Field("contactorClosed", world.io().ContactorFeedbackClosed())
        .Field("estopPressed", world.io().EmergencyStopPressed())
        .Field("controlPhase", evc::charging::ControlPhaseName(ctl.phase()))
        .Field("gbtPhase", evc::vehicle::GbtPhaseName(fw.stack->gbt().phase()))
        .Field("fault", evc::safety::Describe(ctl.Fault()).name)
        .Field("transactionActive", cp.transaction_active())
        .Field("transactionId", static_cast<int64_t>(cp.transaction_id()))
        .Field("energyWh", cp.energy_register_wh())
        .Field("queuedTxMessages", static_cast<int64_t>(cp.queued_tx_messages()))
        .Field("txMessagesDropped", static_cast<int64_t>(cp.counters().tx_messages_dropped))
        .Field("framesDroppedUnreadable",
               static_cast<int64_t>(cp.rpc_counters().dropped_unreadable))
        .Field("callErrorsSent", static_cast<int64_t>(cp.rpc_counters().call_errors_sent))
        .Field("callTimeouts", static_cast<int64_t>(cp.rpc_counters().timeouts))
        .Field("lateAnswersDropped", static_cast<int64_t>(cp.rpc_counters().dropped_unmatched))
        .Field("connectionBreaker", evc::ocpp::BreakerStateName(cp.connection_breaker()))
        .Field("reconnectAttempts", static_cast<int64_t>(cp.reconnect_attempts()))
        .Field("canBusOffCount",
               static_cast<int64_t>(world.module_bus().Counters().bus_off_count +
                                    world.vehicle_bus().Counters().bus_off_count));
    w.Key("outputVoltageV").Decimal(world.module().output_voltage_v(), 1);
    w.Key("outputCurrentA").Decimal(world.module().output_current_a(), 1);
    w.Key("soc").Decimal(world.bms().soc(), 1);
    events.End();
  };

  // Parses a whole non-negative decimal number; false on anything else.
  auto parse_number = [](const std::string& text, double lo, double hi, double* out) {
    char* end = nullptr;
    const double v = strtod(text.c_str(), &end);
    if (text.empty() || end == text.c_str() || *end != '\0' || !(v >= lo && v <= hi)) {
      return false;
    }
    *out = v;
    return true;
  };

  auto command = [&](std::string cmd) -> bool {
    while (!cmd.empty() && (cmd.back() == '\r' || cmd.back() == ' ')) {
      cmd.pop_back();
    }
    if (cmd.empty()) {
      return true;
    }
    const size_t sp = cmd.find(' ');
    const std::string verb = cmd.substr(0, sp);
    const std::string arg = sp == std::string::npos ? "" : cmd.substr(sp + 1);
    const uint64_t now = clock.MonotonicMs();
    double number = 0;
    if (verb == "quit" || verb == "exit") {
      return false;
    } else if (verb == "plug" && arg.empty()) {
      world.Plug(now);
      events.Simple("plugged");
    } else if (verb == "unplug" && arg.empty()) {
      world.Unplug();
      events.Simple("unplugged");
    } else if (verb == "swipe" && !arg.empty()) {
      if (arg.size() > evc::ocpp::kIdTagLength) {
        events.Error("idTag longer than 20 characters");
      } else {
        events.Begin("swiped").Field("idTag", arg);
        events.End();
        fw.cp->PresentIdTag(arg);
      }
    } else if (verb == "soc") {
      if (!parse_number(arg, 0, 100, &number)) {
        events.Error("soc takes a number from 0 to 100");
      } else {
        world.bms().SetSoc(number);
        events.Begin("soc").Key("soc").Decimal(number, 1);
        events.End();
      }
    } else if (verb == "estop" && arg.empty()) {
      world.io().PressEmergencyStop();  // runs the firmware's E-stop interrupt handler now
      events.Begin("estop")
          .Field("pressed", true)
          .Field("contactorCommandedClosed", world.io().ContactorCommandedClosed());
      events.End();
    } else if (verb == "estop-release" && arg.empty()) {
      world.io().ReleaseEmergencyStop();
      events.Begin("estop").Field("pressed", false);
      events.End();
    } else if (verb == "reset-fault" && arg.empty()) {
      const bool ok = fw.stack->controller().ResetFault();
      events.Begin("reset_fault").Field("accepted", ok);
      events.End();
    } else if (verb == "module-fault" && !arg.empty()) {
      evc::sim::SimModuleFault kind;
      if (arg == "clear") {
        world.module().ClearFaults();
        events.Begin("module_fault").Field("kind", "clear");
        events.End();
      } else if (evc::sim::ParseSimModuleFault(arg, &kind)) {
        world.module().SetFault(kind, true);
        events.Begin("module_fault").Field("kind", evc::sim::SimModuleFaultName(kind));
        events.End();
      } else {
        events.Begin("error")
            .Field("message", "unknown module fault")
            .Field("kinds",
                   "over-temperature, fan, output-over-voltage, output-short, input, comm-silence, "
                   "clear");
        events.End();
      }
    } else if (verb == "bus-off" && (arg.empty() || arg == "module" || arg == "vehicle")) {
      evc::sim::SimCanBus& bus = arg == "vehicle" ? world.vehicle_bus() : world.module_bus();
      bus.ForceBusOff();
      events.Begin("bus_off").Field("bus", arg == "vehicle" ? "vehicle" : "module");
      events.End();
    } else if (verb == "bms-silence") {
      if (!parse_number(arg, 1, 3600000, &number)) {
        events.Error("bms-silence takes a duration in ms (1..3600000)");
      } else {
        world.bms().Silence(static_cast<uint32_t>(number), now);
        events.Begin("bms_silence").Field("ms", static_cast<int64_t>(number));
        events.End();
      }
    } else if (verb == "contactor-weld" && arg.empty()) {
      world.io().WeldContactor();
      events.Simple("contactor_weld");
    } else if (verb == "debug-stall") {
      // Test aid: the control loop stops checking in, as a hung task would.
      if (!parse_number(arg, 1, 60000, &number)) {
        events.Error("debug-stall takes a duration in ms (1..60000)");
      } else {
        events.Begin("debug_stall").Field("ms", static_cast<int64_t>(number));
        events.End();
        usleep(static_cast<useconds_t>(number) * 1000);
      }
    } else if (verb == "status" && arg.empty()) {
      status_report();
    } else if (verb == "help") {
      events.Begin("help").Field(
          "commands",
          "plug, unplug, swipe <idTag>, soc <percent>, estop, estop-release, reset-fault, "
          "module-fault <kind>|clear, bus-off [module|vehicle], bms-silence <ms>, "
          "contactor-weld, debug-stall <ms>, status, quit");
      events.End();
    } else {
      events.Begin("error").Field("message", "unknown command").Field("command", cmd);
      events.End();
    }
    return true;
  };

  while (!g_stop) {
    // stdin: take whatever command lines have arrived, without waiting.
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    const int pr = stdin_open ? poll(&pfd, 1, 0) : 0;
    if (pr > 0 && (pfd.revents & (POLLIN | POLLHUP))) {
      char buf[256];
      const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
      if (n <= 0) {
        stdin_open = false;  // EOF: keep running until a signal (headless use) unless asked
        if (opt.exit_on_eof) {
          g_stop = 1;
        }
      } else {
        for (ssize_t i = 0; i < n; ++i) {
          if (buf[i] == '\n') {
            if (line_too_long) {
              events.Error("command line too long");
            } else if (!command(std::string(line, line_len))) {
              g_stop = 1;
            }
            line_len = 0;
            line_too_long = false;
          } else if (line_len < kMaxCommandLine) {
            line[line_len++] = buf[i];
          } else {
            line_too_long = true;
          }
        }
      }
    }
    const uint64_t now = clock.MonotonicMs();
    world.Step(now);
    fw.stack->Poll();
    hw_events.Poll(*fw.stack);  // right after the hardware tick: event times are exact
    fw.cp->Poll();
    if (heap_monitor.Poll(now)) {
      const evc::HeapReport& h = heap_monitor.last();
      events.Begin("heap")
          .Field("freeBytes", static_cast<int64_t>(h.free_bytes))
          .Field("minFreeBytes", static_cast<int64_t>(h.min_free_bytes))
          .Field("inUseBytes", static_cast<int64_t>(h.in_use_bytes))
          .Field("warning", h.warning);
      events.End();
    }
    watchdog.CheckIn(evc::safety::WatchdogTask::kControlLoop, clock.MonotonicMs());
    if (system.requested) {
      system.requested = false;
      events.Begin("restarting").Field("hard", system.hard_);
      events.End();
      // A device reboot restarts its watchdog too: not watched while the firmware is rebuilt.
      watchdog.Disarm(evc::safety::WatchdogTask::kControlLoop);
      system.last_reset_ = evc::charging::ResetReason::kSoftware;
      if (!boot()) {
        exit_code = 1;
        break;
      }
      watchdog.Arm(evc::safety::WatchdogTask::kControlLoop, clock.MonotonicMs());
    }
    usleep(kControlTickMs * 1000);
  }
  watchdog_thread.Stop();
  events.Simple("exit");
  return exit_code;
}
