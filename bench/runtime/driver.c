/* driver.c - the C driver of the runtime benchmark (bench/runtime.sh).
 * Linked with every build variant of loops.rs at once (each variant's
 * symbols renamed to <variant>_bench_<loop>, listed by the generated
 * variants.h). First it checks that all variants compute the same checksum
 * and leave the same state as the first variant (built without inlining)
 * for a range of iteration counts; then, in "measure" mode, it times every
 * loop in every variant, CPU time of this thread, the variants interleaved
 * and rotated round by round, and prints the best time per iteration. The
 * runs are short (TARGET_US for the fastest variant) and many, so that on a
 * loaded machine some of them see no preemption.
 *   driver check
 *   driver measure ROUNDS TARGET_US
 * Output lines: "iters LOOP N" and "ns LOOP VARIANT NS_PER_ITERATION". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "state.h"
#include "variants.h" /* #define VARIANTS(X) X(none) X(recipe) ... */

#define LOOPS(X, v)               \
  X(v, refcount_get_put)          \
  X(v, atomic_add)                \
  X(v, atomic64_inc_return)       \
  X(v, ticket_lock)               \
  X(v, spin_trylock)              \
  X(v, kmalloc_roundup_invariant) \
  X(v, const_prop)                \
  X(v, drvdata_fields)            \
  X(v, err_ptr_known)             \
  X(v, valid_ptr_check)           \
  X(v, try_cmpxchg_inc)           \
  X(v, cmpxchg_max)               \
  X(v, get_unless_zero)           \
  X(v, error_paths)               \
  X(v, read_once_window)          \
  X(v, test_bit_scan)

typedef u64 (*bench_fn)(struct bench_state *, u64);

#define DECLARE(v, l) u64 v##_bench_##l(struct bench_state *, u64);
#define DECLARE_VARIANT(v) LOOPS(DECLARE, v)
VARIANTS(DECLARE_VARIANT)

#define LOOP_NAME(v, l) #l,
static const char *const loop_names[] = {LOOPS(LOOP_NAME, _)};
#define VARIANT_NAME(v) #v,
static const char *const variant_names[] = {VARIANTS(VARIANT_NAME)};
#define ENTRY(v, l) v##_bench_##l,
#define ROW(v) {LOOPS(ENTRY, v)},
#define NLOOPS (sizeof(loop_names) / sizeof(loop_names[0]))
#define NVARIANTS (sizeof(variant_names) / sizeof(variant_names[0]))
static const bench_fn fns[NVARIANTS][NLOOPS] = {VARIANTS(ROW)};

static struct bench_state state __attribute__((aligned(64)));
static struct bench_state reference_state;

/* The object size is read from here so that it is not a constant. */
static volatile u64 obj_size = 200;

static void reset(struct bench_state *s) {
  unsigned i;

  memset(s, 0, sizeof(*s));
  s->ref.refs.counter = 1;
  s->obj_size = obj_size;
  s->bitmap[0] = 0x0123456789abcdefull;
  s->bitmap[1] = 0xf0f0f0f00f0f0f0full;
  s->bitmap[2] = 0x8000000000000001ull;
  s->bitmap[3] = 0x5555aaaa5555aaaaull;
  for (i = 0; i < 64; i++) s->data[i] = (i + 1) * 2654435761ull;
  for (i = 0; i < 8; i++) s->priv.vals[i] = i * 7 + 3;
  s->priv.scale = 5;
  s->dev.driver_data = &s->priv;
}

static u64 run(unsigned v, unsigned l, u64 n) {
  reset(&state);
  return fns[v][l](&state, n);
}

/* Runs loop l with n iterations in every variant; all must agree with
 * variant 0. Returns 0 when they do. */
static int check_one(unsigned l, u64 n) {
  u64 want = run(0, l, n);
  unsigned v;

  reference_state = state;
  for (v = 1; v < NVARIANTS; v++) {
    u64 got = run(v, l, n);
    if (got != want) {
      fprintf(stderr,
              "runtime driver: %s with n=%llu: variant %s returned %llu, "
              "%s returned %llu\n",
              loop_names[l], (unsigned long long)n, variant_names[v],
              (unsigned long long)got, variant_names[0],
              (unsigned long long)want);
      return 1;
    }
    if (memcmp(&state, &reference_state, sizeof(state)) != 0) {
      fprintf(stderr,
              "runtime driver: %s with n=%llu: variant %s left a different "
              "state than %s\n",
              loop_names[l], (unsigned long long)n, variant_names[v],
              variant_names[0]);
      return 1;
    }
  }
  return 0;
}

static int check_all(void) {
  static const u64 counts[] = {0, 1, 2, 3, 7, 16, 17, 64, 1000, 65537};
  unsigned l, c;

  for (l = 0; l < NLOOPS; l++)
    for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
      if (check_one(l, counts[c])) return 1;
  printf("check %u loops x %u variants x %u iteration counts agree\n",
         (unsigned)NLOOPS, (unsigned)NVARIANTS,
         (unsigned)(sizeof(counts) / sizeof(counts[0])));
  return 0;
}

static u64 cpu_ns(void) {
  struct timespec ts;

  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static u64 timed(unsigned v, unsigned l, u64 n, u64 *result) {
  u64 t0, t1;

  reset(&state);
  t0 = cpu_ns();
  *result = fns[v][l](&state, n);
  t1 = cpu_ns();
  return t1 - t0;
}

static int measure(unsigned rounds, u64 target_ns) {
  static u64 iters[NLOOPS], expect[NLOOPS];
  static double best[NLOOPS][NVARIANTS];
  unsigned l, v, r, k;
  u64 got;

  for (l = 0; l < NLOOPS; l++) {
    u64 n = 1024;
    /* The fastest variant must run for target_ns; all run as many. */
    for (v = 0; v < NVARIANTS; v++)
      while (timed(v, l, n, &got) < target_ns && n < (1ull << 32)) n *= 2;
    iters[l] = n;
    expect[l] = run(0, l, n);
    for (v = 0; v < NVARIANTS; v++) best[l][v] = 1e300;
    printf("iters %s %llu\n", loop_names[l], (unsigned long long)n);
  }
  for (r = 0; r < rounds; r++) {
    for (l = 0; l < NLOOPS; l++) {
      for (k = 0; k < NVARIANTS; k++) {
        double ns;

        v = (k + r) % NVARIANTS;
        ns = (double)timed(v, l, iters[l], &got) / (double)iters[l];
        if (got != expect[l]) {
          fprintf(stderr,
                  "runtime driver: %s: variant %s returned %llu, "
                  "expected %llu\n",
                  loop_names[l], variant_names[v], (unsigned long long)got,
                  (unsigned long long)expect[l]);
          return 1;
        }
        if (ns < best[l][v]) best[l][v] = ns;
      }
    }
  }
  for (l = 0; l < NLOOPS; l++)
    for (v = 0; v < NVARIANTS; v++)
      printf("ns %s %s %.4f\n", loop_names[l], variant_names[v], best[l][v]);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "check") == 0) return check_all();
  if (argc == 4 && strcmp(argv[1], "measure") == 0) {
    long rounds = strtol(argv[2], NULL, 10);
    long target_us = strtol(argv[3], NULL, 10);

    if (rounds < 1 || target_us < 1) {
      fprintf(stderr, "runtime driver: ROUNDS and TARGET_US must be >= 1\n");
      return 2;
    }
    if (check_all()) return 1;
    return measure((unsigned)rounds, (u64)target_us * 1000);
  }
  fprintf(stderr, "usage: %s check | measure ROUNDS TARGET_US\n", argv[0]);
  return 2;
}
