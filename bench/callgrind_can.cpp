// Callgrind driver: routes N recorded CAN frames (the charging mix) through the Dispatcher after
// a warm-up. Instructions per frame = (Ir(N=big) - Ir(N=small)) / (big - small); see run.sh.
#include <cstdio>
#include <cstdlib>

#include "bench_support.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s N\n", argv[0]);
    return 2;
  }
  const size_t n = strtoul(argv[1], nullptr, 10);
  evc::bench::CanRig rig;
  rig.Run(rig.frame_count() * 4);  // warm-up
  const uint32_t routed_before = rig.dispatcher().counters().routed;
  const size_t taken = rig.Run(n);
  const uint32_t routed = rig.dispatcher().counters().routed - routed_before;
  printf("frames=%zu routed=%u unmatched=%u mix=%zu gbt_frames=%u\n", taken, routed,
         rig.dispatcher().counters().unmatched, rig.frame_count(), rig.gbt().counters().frames);
  return taken == n ? 0 : 1;
}
