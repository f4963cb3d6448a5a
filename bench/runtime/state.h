/* state.h - the kernel-like types and the shared benchmark state of the
 * runtime benchmark (bench/runtime.sh), seen by helpers.c and driver.c.
 * loops.rs declares the same layout with #[repr(C)]; keep them in step. */
#ifndef HELPERLINK_BENCH_RUNTIME_STATE_H
#define HELPERLINK_BENCH_RUNTIME_STATE_H

typedef __SIZE_TYPE__ size_t;
typedef long long s64;
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef _Bool bool;

typedef struct {
  int counter;
} atomic_t;

typedef struct {
  s64 counter;
} atomic64_t;

typedef struct {
  atomic_t refs;
} refcount_t;

typedef struct {
  u32 val;
} arch_spinlock_t;

struct device {
  const void *parent;
  void *driver_data;
  u32 flags;
};

struct drv_priv {
  u64 vals[8];
  u64 scale;
};

/* Everything a loop may touch; the driver resets it before every run and
 * compares it across variants afterwards. */
struct bench_state {
  atomic_t counter;
  arch_spinlock_t lock;
  atomic64_t counter64;
  refcount_t ref;
  u32 pad;
  u64 protected_count;
  u64 obj_size;
  unsigned long bitmap[4];
  u64 data[64];
  struct device dev;
  struct drv_priv priv;
};

#endif /* HELPERLINK_BENCH_RUNTIME_STATE_H */
