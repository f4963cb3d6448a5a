/* helpers.c - the kernel-like C helpers of the runtime benchmark
 * (bench/runtime.sh): refcounts, atomics, cmpxchg, a ticket spinlock,
 * READ_ONCE, error pointers, test_bit, a dev_get_drvdata-style accessor and
 * kmalloc_size_roundup-style arithmetic, each wrapped as rust_helper_* the
 * way the kernel exports its C helpers to Rust. Compiled to bitcode twice:
 * unannotated, and with -D'__rust_helper=__attribute__((always_inline))'
 * as Linux 7.1 marks them. Needs no libc; the layouts match state.h and
 * loops.rs. */
#include "state.h"

#ifndef __rust_helper
#define __rust_helper
#endif

#define true 1
#define false 0
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) (*(volatile __typeof__(x) *)&(x) = (val))

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

/* ---- atomic_t / atomic64_t ---- */

__rust_helper int rust_helper_atomic_read(const atomic_t *v) {
  return READ_ONCE(v->counter);
}

__rust_helper void rust_helper_atomic_set(atomic_t *v, int i) {
  WRITE_ONCE(v->counter, i);
}

__rust_helper void rust_helper_atomic_add(int i, atomic_t *v) {
  __atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED);
}

__rust_helper int rust_helper_atomic_inc_return(atomic_t *v) {
  return __atomic_add_fetch(&v->counter, 1, __ATOMIC_SEQ_CST);
}

__rust_helper int rust_helper_atomic_cmpxchg(atomic_t *v, int old, int new) {
  __atomic_compare_exchange_n(&v->counter, &old, new, 0, __ATOMIC_SEQ_CST,
                              __ATOMIC_SEQ_CST);
  return old;
}

/* On failure *old receives the current value, as the kernel's does. */
__rust_helper bool rust_helper_atomic_try_cmpxchg(atomic_t *v, int *old,
                                                  int new) {
  return __atomic_compare_exchange_n(&v->counter, old, new, 0, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST);
}

/* Adds a to v unless v was u; returns whether it added. */
__rust_helper bool rust_helper_atomic_add_unless(atomic_t *v, int a, int u) {
  int c = READ_ONCE(v->counter);

  do {
    if (unlikely(c == u)) return false;
  } while (!__atomic_compare_exchange_n(&v->counter, &c, c + a, 0,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
  return true;
}

__rust_helper s64 rust_helper_atomic64_read(const atomic64_t *v) {
  return READ_ONCE(v->counter);
}

__rust_helper s64 rust_helper_atomic64_inc_return(atomic64_t *v) {
  return __atomic_add_fetch(&v->counter, 1, __ATOMIC_SEQ_CST);
}

/* ---- refcount_t (saturation is left out: the counts stay small) ---- */

__rust_helper void rust_helper_refcount_set(refcount_t *r, int n) {
  WRITE_ONCE(r->refs.counter, n);
}

__rust_helper unsigned int rust_helper_refcount_read(const refcount_t *r) {
  return (unsigned int)READ_ONCE(r->refs.counter);
}

__rust_helper void rust_helper_refcount_inc(refcount_t *r) {
  __atomic_fetch_add(&r->refs.counter, 1, __ATOMIC_RELAXED);
}

__rust_helper void rust_helper_refcount_dec(refcount_t *r) {
  __atomic_fetch_sub(&r->refs.counter, 1, __ATOMIC_RELEASE);
}

__rust_helper bool rust_helper_refcount_dec_and_test(refcount_t *r) {
  return __atomic_sub_fetch(&r->refs.counter, 1, __ATOMIC_ACQ_REL) == 0;
}

/* Takes a reference unless the count is zero; a cmpxchg loop. */
__rust_helper bool rust_helper_refcount_inc_not_zero(refcount_t *r) {
  int old = READ_ONCE(r->refs.counter);

  do {
    if (!old) return false;
  } while (!__atomic_compare_exchange_n(&r->refs.counter, &old, old + 1, 1,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  return true;
}

/* ---- ticket spinlock: tail in the high half, head in the low half ---- */

__rust_helper void rust_helper_spin_lock(arch_spinlock_t *lock) {
  u32 old = __atomic_fetch_add(&lock->val, 1u << 16, __ATOMIC_ACQUIRE);
  u16 ticket = (u16)(old >> 16);

  if (likely((u16)old == ticket)) return;
  while ((u16)__atomic_load_n(&lock->val, __ATOMIC_ACQUIRE) != ticket)
    cpu_relax();
}

__rust_helper void rust_helper_spin_unlock(arch_spinlock_t *lock) {
  /* Only the owner moves head (the low half on little-endian x86). */
  u16 *head = (u16 *)&lock->val;

  __atomic_store_n(head, (u16)(READ_ONCE(*head) + 1), __ATOMIC_RELEASE);
}

__rust_helper bool rust_helper_spin_trylock(arch_spinlock_t *lock) {
  u32 old = READ_ONCE(lock->val);

  if ((u16)old != (u16)(old >> 16)) return false;
  return __atomic_compare_exchange_n(&lock->val, &old, old + (1u << 16), 0,
                                     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* ---- READ_ONCE / WRITE_ONCE ---- */

__rust_helper u64 rust_helper_READ_ONCE_u64(const u64 *p) {
  return READ_ONCE(*p);
}

__rust_helper void rust_helper_WRITE_ONCE_u64(u64 *p, u64 v) {
  WRITE_ONCE(*p, v);
}

/* ---- error pointers ---- */

#define MAX_ERRNO 4095

__rust_helper void *rust_helper_ERR_PTR(long error) { return (void *)error; }

__rust_helper long rust_helper_PTR_ERR(const void *ptr) { return (long)ptr; }

__rust_helper bool rust_helper_IS_ERR(const void *ptr) {
  return unlikely((unsigned long)ptr >= (unsigned long)-MAX_ERRNO);
}

__rust_helper bool rust_helper_IS_ERR_OR_NULL(const void *ptr) {
  return unlikely(!ptr) ||
         unlikely((unsigned long)ptr >= (unsigned long)-MAX_ERRNO);
}

/* ---- bit operations ---- */

__rust_helper bool rust_helper_test_bit(unsigned long nr,
                                        const volatile unsigned long *addr) {
  return 1UL & (addr[nr / 64] >> (nr % 64));
}

__rust_helper void rust_helper___set_bit(unsigned long nr,
                                         volatile unsigned long *addr) {
  addr[nr / 64] |= 1UL << (nr % 64);
}

/* ---- device accessor ---- */

__rust_helper void *rust_helper_dev_get_drvdata(const struct device *dev) {
  return dev->driver_data;
}

/* ---- slab size classes, kmalloc_size_roundup style ---- */

#define KMALLOC_MIN_SIZE 8ul
#define KMALLOC_MAX_CACHE_SIZE 8192ul
#define PAGE_SIZE 4096ul

/* The object size kmalloc(size) really hands out: 8, 16, 32, 64, 96, 128,
 * 192, 256, ... powers of two up to the largest cache, whole pages above. */
__rust_helper size_t rust_helper_kmalloc_size_roundup(size_t size) {
  if (size == 0) return 0;
  if (size <= KMALLOC_MIN_SIZE) return KMALLOC_MIN_SIZE;
  if (size > KMALLOC_MAX_CACHE_SIZE)
    return (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  if (size > 64 && size <= 96) return 96;
  if (size > 128 && size <= 192) return 192;
  return 1ul << (64 - __builtin_clzl(size - 1));
}

__rust_helper int rust_helper_ilog2(unsigned long v) {
  return v ? 63 - __builtin_clzl(v) : -1;
}
