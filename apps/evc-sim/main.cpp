// evc-sim: the real firmware core + the POSIX port + simulated hardware, talking OCPP 1.6J to a
// real CSMS over a real WebSocket. Line commands on stdin, JSON-line events on stdout, human
// logs on stderr. See README.md ("Simulator") for the command and event reference.

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "evc/common/json_writer.hpp"
#include "evc/ocpp/charge_point.hpp"
#include "evc/ocpp/configuration.hpp"
#include "evc/posix/clock.hpp"
#include "evc/posix/file_kv_store.hpp"
#include "evc/posix/log_sink.hpp"
#include "evc/posix/lws_transport.hpp"
#include "evc/posix/provisioning.hpp"
#include "evc/posix/random.hpp"
#include "evc/sim/sim_vehicle.hpp"

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
  EventObserver(Events& ev, evc::sim::SimVehicle& vehicle) : ev_(ev), vehicle_(vehicle) {}
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
    w.Key("powerW").Decimal(power_w, 0).Key("soc").Decimal(vehicle_.soc(), 1);
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
  evc::sim::SimVehicle& vehicle_;
};

class SimSystem final : public evc::charging::SystemControl {
 public:
  void Reboot(bool hard) override {
    requested = true;
    hard_ = hard;
  }
  bool requested = false;
  bool hard_ = false;
};

struct Options {
  std::string csms;
  std::string id;
  std::string state_dir;
  std::string provision;
  std::string ca;
  std::vector<std::string> config;  // KEY=VALUE applied through ChangeConfiguration rules
  bool trust_system_time = false;
  bool verbose = false;
};

void Usage() {
  fprintf(stderr,
          "usage: evc-sim --csms URL --id ID --state-dir DIR [--provision FILE] [--ca FILE]\n"
          "               [--config KEY=VALUE]... [--trust-system-time] [--verbose]\n"
          "  URL is the CSMS base (ws:// or wss://); the charge point id is appended.\n"
          "  --provision FILE  provisioning JSON (csmsUrl, chargePointId, securityProfile,\n"
          "                    authorizationKey, caBundle); --csms/--id/--ca override it.\n"
          "Commands on stdin: plug, unplug, swipe <idTag>, soc <percent>, status, help, quit\n");
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
  const evc::Result<uint64_t> seed = evc::posix::SeedFromOs();
  evc::XoshiroRng rng(seed.ok() ? *seed : clock.MonotonicMs());
  Events events(clock);
  events.set_start(clock.MonotonicMs());
  evc::sim::SimVehicle vehicle;
  EventObserver observer(events, vehicle);
  SimSystem system;

  Firmware fw;
  auto boot = [&]() -> bool {
    fw.cp.reset();
    fw.transport.reset();
    fw.config.reset();
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
    fw.cp = std::make_unique<ChargePoint>(
        evc::ocpp::ChargePointDeps{*fw.transport, clock, rng, log, *fw.kv, *fw.config, vehicle,
                                   system},
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

  char line[kMaxCommandLine + 1];
  size_t line_len = 0;
  bool line_too_long = false;
  bool stdin_open = true;
  uint64_t last_tick = clock.MonotonicMs();
  int exit_code = 0;

  auto status_report = [&]() {
    ChargePoint& cp = *fw.cp;
    auto& w = events.Begin("status_report");
    w.Field("connected", cp.connected())
        .Field("registration", evc::ocpp::RegistrationStatusName(cp.registration()))
        .Field("connector0", evc::charging::ConnectorStatusName(cp.status(0)))
        .Field("connector1", evc::charging::ConnectorStatusName(cp.status(1)))
        .Field("plugged", vehicle.plugged())
        .Field("output", vehicle.output())
        .Field("transactionActive", cp.transaction_active())
        .Field("transactionId", static_cast<int64_t>(cp.transaction_id()))
        .Field("energyWh", cp.energy_register_wh())
        .Field("queuedTxMessages", static_cast<int64_t>(cp.queued_tx_messages()))
        .Field("txMessagesDropped", static_cast<int64_t>(cp.counters().tx_messages_dropped))
        .Field("framesDroppedUnreadable",
               static_cast<int64_t>(cp.rpc_counters().dropped_unreadable))
        .Field("callErrorsSent", static_cast<int64_t>(cp.rpc_counters().call_errors_sent));
    w.Key("soc").Decimal(vehicle.soc(), 1);
    events.End();
  };

  auto command = [&](std::string cmd) -> bool {
    while (!cmd.empty() && (cmd.back() == '\r' || cmd.back() == ' '))
      cmd.pop_back();
    if (cmd.empty())
      return true;
    const size_t sp = cmd.find(' ');
    const std::string verb = cmd.substr(0, sp);
    const std::string arg = sp == std::string::npos ? "" : cmd.substr(sp + 1);
    if (verb == "quit" || verb == "exit") {
      return false;
    } else if (verb == "plug" && arg.empty()) {
      vehicle.Plug();
      events.Simple("plugged");
    } else if (verb == "unplug" && arg.empty()) {
      vehicle.Unplug();
      events.Simple("unplugged");
    } else if (verb == "swipe" && !arg.empty()) {
      if (arg.size() > evc::ocpp::kIdTagLength) {
        events.Error("idTag longer than 20 characters");
      } else {
        events.Begin("swiped").Field("idTag", arg);
        events.End();
        fw.cp->PresentIdTag(arg);
      }
    } else if (verb == "soc" && !arg.empty()) {
      char* end = nullptr;
      const double v = strtod(arg.c_str(), &end);
      if (end == arg.c_str() || *end != '\0' || v < 0 || v > 100) {
        events.Error("soc takes a number from 0 to 100");
      } else {
        vehicle.SetSoc(v);
        events.Begin("soc").Key("soc").Decimal(v, 1);
        events.End();
      }
    } else if (verb == "status" && arg.empty()) {
      status_report();
    } else if (verb == "help") {
      events.Begin("help").Field("commands",
                                 "plug, unplug, swipe <idTag>, soc <percent>, status, quit");
      events.End();
    } else {
      events.Begin("error").Field("message", "unknown command").Field("command", cmd);
      events.End();
    }
    return true;
  };

  while (!g_stop) {
    // stdin: wait up to one tick for a command line.
    pollfd pfd{STDIN_FILENO, POLLIN, 0};
    const int pr = stdin_open ? poll(&pfd, 1, 0) : 0;
    if (pr > 0 && (pfd.revents & (POLLIN | POLLHUP))) {
      char buf[256];
      const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
      if (n <= 0) {
        stdin_open = false;  // EOF: keep running until a signal (headless use)
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
    vehicle.Step(now - last_tick);
    last_tick = now;
    fw.cp->Poll();
    if (system.requested) {
      system.requested = false;
      events.Begin("restarting").Field("hard", system.hard_);
      events.End();
      if (!boot()) {
        exit_code = 1;
        break;
      }
    }
    usleep(kControlTickMs * 1000);
  }
  events.Simple("exit");
  return exit_code;
}
