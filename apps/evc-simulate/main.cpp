// evc-simulate: runs the real charger core against simulated hardware, network, flash and CSMS in
// virtual time, from one seed, checking invariants as it goes. See README.md ("Deterministic
// simulation and stress").

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "evc/sim/sim_runner.hpp"

namespace {

void Usage() {
  fprintf(stderr,
          "usage: evc-simulate [--seed N] [--seeds COUNT] [--hours H] [--sessions K]\n"
          "                    [--faults LIST] [--fault-percent P] [--power-cuts] [--gun-yank]\n"
          "                    [--verbose]\n"
          "       evc-simulate --can-saturation SECONDS [--seed N] [--stuff-bits B]\n"
          "  LIST: comma-separated estop,bus-off,bms-silence,module-fault,network-drop,\n"
          "        csms-restart,power-cut (or all / none)\n"
          "  --seeds COUNT runs seeds N..N+COUNT-1, one world each.\n"
          "  --power-cuts  cuts power at successive flash write points, one per session.\n"
          "Exit status: 0 all invariants held, 1 a violation (the replay command is printed),\n"
          "2 bad arguments.\n");
}

bool ParseU64(const char* text, uint64_t* out) {
  if (text == nullptr || *text == '\0' || *text == '-') {
    return false;
  }
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0') {
    return false;
  }
  *out = v;
  return true;
}

bool ParseDouble(const char* text, double lo, double hi, double* out) {
  if (text == nullptr || *text == '\0') {
    return false;
  }
  char* end = nullptr;
  const double v = strtod(text, &end);
  if (*end != '\0' || !(v >= lo && v <= hi)) {
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  evc::sim::SimOptions opt;
  uint64_t seeds = 1;
  double can_seconds = -1;
  uint64_t stuff_bits = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    uint64_t n = 0;
    bool ok = true;
    if (a == "--seed") {
      ok = ParseU64(v, &opt.seed);
      ++i;
    } else if (a == "--seeds") {
      ok = ParseU64(v, &seeds) && seeds >= 1 && seeds <= 1000000;
      ++i;
    } else if (a == "--hours") {
      ok = ParseDouble(v, 0.001, 24.0 * 365, &opt.hours);
      ++i;
    } else if (a == "--sessions") {
      ok = ParseU64(v, &n) && n <= 10000000;
      opt.sessions = static_cast<uint32_t>(n);
      ++i;
    } else if (a == "--fault-percent") {
      ok = ParseU64(v, &n) && n <= 100;
      opt.fault_percent = static_cast<uint32_t>(n);
      ++i;
    } else if (a == "--faults") {
      std::string err;
      ok = v != nullptr && evc::sim::ParseFaultList(v, &opt.fault_mask, &err);
      if (!ok && v != nullptr) {
        fprintf(stderr, "evc-simulate: %s\n", err.c_str());
      }
      ++i;
    } else if (a == "--power-cuts") {
      opt.power_cut_sweep = true;
    } else if (a == "--gun-yank") {
      opt.gun_yank = true;
    } else if (a == "--verbose") {
      opt.verbose = true;
    } else if (a == "--can-saturation") {
      ok = ParseDouble(v, 0.01, 24.0 * 3600, &can_seconds);
      ++i;
    } else if (a == "--stuff-bits") {
      ok = ParseU64(v, &stuff_bits) && stuff_bits <= 30;
      ++i;
    } else if (a == "--help" || a == "-h") {
      Usage();
      return 0;
    } else {
      ok = false;
    }
    if (!ok) {
      fprintf(stderr, "evc-simulate: bad or incomplete argument '%s'\n", a.c_str());
      Usage();
      return 2;
    }
  }

  if (can_seconds > 0) {
    const evc::sim::CanSaturationReport r =
        evc::sim::RunCanSaturation(opt.seed, can_seconds, static_cast<uint32_t>(stuff_bits));
    printf("CAN saturation seed %" PRIu64 ": %" PRIu64
           " frames in %.1f s virtual (%.0f frames/s at "
           "1 Mbit/s), routed %" PRIu64 ", drops %" PRIu64 ", out of order %" PRIu64
           ", max ring occupancy %u of %zu, wall %.2f s\n",
           opt.seed, r.frames_sent, r.virtual_s, r.frames_per_s, r.frames_routed, r.drops,
           r.out_of_order, r.max_occupancy, evc::sim::kCanSatRingCapacity, r.wall_s);
    const bool ok = r.drops == 0 && r.out_of_order == 0 && r.frames_routed == r.frames_sent;
    if (!ok) {
      printf("FAILED; replay: evc-simulate --can-saturation %g --seed %" PRIu64
             " --stuff-bits %" PRIu64 "\n",
             can_seconds, opt.seed, stuff_bits);
    }
    return ok ? 0 : 1;
  }

  int failed = 0;
  uint64_t sessions = 0, checks = 0;
  double wall = 0;
  const uint64_t first = opt.seed;
  for (uint64_t s = 0; s < seeds; ++s) {
    opt.seed = first + s;
    const evc::sim::SimReport r = evc::sim::RunSimulation(opt);
    evc::sim::PrintReport(opt, r);
    sessions += r.sessions;
    checks += r.checks;
    wall += r.wall_s;
    if (r.violations > 0) {
      ++failed;
    }
  }
  if (seeds > 1) {
    printf("%" PRIu64 " worlds, %" PRIu64 " sessions, %" PRIu64
           " invariant checks, %d failed, wall %.2f s\n",
           seeds, sessions, checks, failed, wall);
  }
  return failed == 0 ? 0 : 1;
}
