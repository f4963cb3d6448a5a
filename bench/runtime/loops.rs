//! loops.rs - the Rust side of the runtime benchmark (bench/runtime.sh):
//! hot loops over the kernel-like C helpers of helpers.c. Each
//! `bench_<name>(state, n)` runs n iterations against the shared state and
//! returns a checksum; the C driver compares checksums and final states
//! across build variants and times them. Some loops only gain from inlining
//! the helper call (plain atomics); the others are written so that the code
//! gets faster only when the optimizer runs again after inlining: constant
//! propagation through a helper, loop-invariant helper results and field
//! loads, checks that inlining proves dead, cmpxchg flags, error paths and a
//! short fixed-count READ_ONCE loop. No panics: the crate must need nothing
//! from core at link time.
#![no_std]

use core::ffi::c_void;

#[repr(C)]
pub struct AtomicT {
    counter: i32,
}
#[repr(C)]
pub struct Atomic64T {
    counter: i64,
}
#[repr(C)]
pub struct RefcountT {
    refs: AtomicT,
}
#[repr(C)]
pub struct ArchSpinlockT {
    val: u32,
}
#[repr(C)]
pub struct Device {
    parent: *const c_void,
    driver_data: *mut c_void,
    flags: u32,
}
#[repr(C)]
pub struct DrvPriv {
    vals: [u64; 8],
    scale: u64,
}
/// Mirrors `struct bench_state` in state.h.
#[repr(C)]
pub struct BenchState {
    counter: AtomicT,
    lock: ArchSpinlockT,
    counter64: Atomic64T,
    r#ref: RefcountT,
    pad: u32,
    protected_count: u64,
    obj_size: u64,
    bitmap: [u64; 4],
    data: [u64; 64],
    dev: Device,
    r#priv: DrvPriv,
}

extern "C" {
    fn rust_helper_atomic_read(v: *const AtomicT) -> i32;
    fn rust_helper_atomic_set(v: *mut AtomicT, i: i32);
    fn rust_helper_atomic_add(i: i32, v: *mut AtomicT);
    fn rust_helper_atomic_cmpxchg(v: *mut AtomicT, old: i32, new: i32) -> i32;
    fn rust_helper_atomic_try_cmpxchg(v: *mut AtomicT, old: *mut i32, new: i32) -> bool;
    fn rust_helper_atomic_add_unless(v: *mut AtomicT, a: i32, u: i32) -> bool;
    fn rust_helper_atomic64_read(v: *const Atomic64T) -> i64;
    fn rust_helper_atomic64_inc_return(v: *mut Atomic64T) -> i64;
    fn rust_helper_refcount_read(r: *const RefcountT) -> u32;
    fn rust_helper_refcount_inc(r: *mut RefcountT);
    fn rust_helper_refcount_dec(r: *mut RefcountT);
    fn rust_helper_refcount_dec_and_test(r: *mut RefcountT) -> bool;
    fn rust_helper_refcount_inc_not_zero(r: *mut RefcountT) -> bool;
    fn rust_helper_spin_lock(lock: *mut ArchSpinlockT);
    fn rust_helper_spin_unlock(lock: *mut ArchSpinlockT);
    fn rust_helper_spin_trylock(lock: *mut ArchSpinlockT) -> bool;
    fn rust_helper_READ_ONCE_u64(p: *const u64) -> u64;
    fn rust_helper_WRITE_ONCE_u64(p: *mut u64, v: u64);
    fn rust_helper_ERR_PTR(error: i64) -> *mut c_void;
    fn rust_helper_PTR_ERR(ptr: *const c_void) -> i64;
    fn rust_helper_IS_ERR(ptr: *const c_void) -> bool;
    fn rust_helper_IS_ERR_OR_NULL(ptr: *const c_void) -> bool;
    fn rust_helper_test_bit(nr: u64, addr: *const u64) -> bool;
    fn rust_helper___set_bit(nr: u64, addr: *mut u64);
    fn rust_helper_dev_get_drvdata(dev: *const Device) -> *mut c_void;
    fn rust_helper_kmalloc_size_roundup(size: usize) -> usize;
    fn rust_helper_ilog2(v: u64) -> i32;
}

const ENOENT: i64 = 2;
const EBUSY: i64 = 16;
const EINVAL: i64 = 22;
const PAGE_SIZE: u64 = 4096;

/// Plain atomic: a get/put pair per iteration on a live refcount.
#[no_mangle]
pub unsafe extern "C" fn bench_refcount_get_put(s: *mut BenchState, n: u64) -> u64 {
    let r = &raw mut (*s).r#ref;
    let mut freed = 0u64;
    for _ in 0..n {
        rust_helper_refcount_inc(r);
        if rust_helper_refcount_dec_and_test(r) {
            freed += 1;
        }
    }
    freed.wrapping_mul(1000) + rust_helper_refcount_read(r) as u64
}

/// Plain atomic: relaxed adds of a varying amount.
#[no_mangle]
pub unsafe extern "C" fn bench_atomic_add(s: *mut BenchState, n: u64) -> u64 {
    let v = &raw mut (*s).counter;
    for i in 0..n {
        rust_helper_atomic_add((i & 3) as i32 + 1, v);
    }
    rust_helper_atomic_read(v) as u32 as u64
}

/// Plain atomic: sum of 64-bit increment-and-return values.
#[no_mangle]
pub unsafe extern "C" fn bench_atomic64_inc_return(s: *mut BenchState, n: u64) -> u64 {
    let v = &raw mut (*s).counter64;
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(rust_helper_atomic64_inc_return(v) as u64);
    }
    sum ^ rust_helper_atomic64_read(v) as u64
}

/// Ticket spinlock around a tiny critical section.
#[no_mangle]
pub unsafe extern "C" fn bench_ticket_lock(s: *mut BenchState, n: u64) -> u64 {
    let lock = &raw mut (*s).lock;
    for i in 0..n {
        rust_helper_spin_lock(lock);
        (*s).protected_count = (*s).protected_count.wrapping_add(i | 1);
        rust_helper_spin_unlock(lock);
    }
    (*s).protected_count ^ (*s).lock.val as u64
}

/// Flag after cmpxchg: trylock succeeds every time; the result is a branch.
#[no_mangle]
pub unsafe extern "C" fn bench_spin_trylock(s: *mut BenchState, n: u64) -> u64 {
    let lock = &raw mut (*s).lock;
    let mut taken = 0u64;
    for i in 0..n {
        if rust_helper_spin_trylock(lock) {
            taken = taken.wrapping_add(i & 7);
            rust_helper_spin_unlock(lock);
        } else {
            taken = taken.wrapping_sub(1);
        }
    }
    taken ^ (*s).lock.val as u64
}

/// Loop-invariant helper result: the rounded size of a fixed (but not
/// constant) object size, recomputed every iteration at the call site.
#[no_mangle]
pub unsafe extern "C" fn bench_kmalloc_roundup_invariant(s: *mut BenchState, n: u64) -> u64 {
    let size = (*s).obj_size as usize;
    let data = &raw mut (*s).data as *mut u64;
    let mut total = 0u64;
    for i in 0..n {
        let r = rust_helper_kmalloc_size_roundup(size) as u64;
        total = total.wrapping_add(r ^ i);
        *data.add((i & 63) as usize) = total;
    }
    total
}

/// Constant propagation through helpers: sizes and orders of constants.
#[no_mangle]
pub unsafe extern "C" fn bench_const_prop(s: *mut BenchState, n: u64) -> u64 {
    let data = &raw mut (*s).data as *mut u64;
    let mut acc = 0u64;
    for i in 0..n {
        let big = rust_helper_kmalloc_size_roundup(100) as u64;
        let shift = rust_helper_ilog2(PAGE_SIZE) as u64;
        let slot = rust_helper_kmalloc_size_roundup(24) as u64 - 1;
        acc = acc.wrapping_add((i.wrapping_mul(big)) >> shift);
        *data.add((i & slot & 63) as usize) ^= acc;
    }
    acc
}

/// Loop-invariant field loads: the driver data pointer and its scale are
/// re-read through the accessor every iteration.
#[no_mangle]
pub unsafe extern "C" fn bench_drvdata_fields(s: *mut BenchState, n: u64) -> u64 {
    let dev = &raw const (*s).dev;
    let mut sum = 0u64;
    for i in 0..n {
        let p = rust_helper_dev_get_drvdata(dev) as *const DrvPriv;
        let v = *(&raw const (*p).vals as *const u64).add((i & 7) as usize);
        sum = sum.wrapping_add(v.wrapping_mul((*p).scale));
    }
    sum
}

/// Dead check after inlining: the pointer is always an errno, so IS_ERR is
/// known true and the dereference on the other path is dead.
#[no_mangle]
pub unsafe extern "C" fn bench_err_ptr_known(s: *mut BenchState, n: u64) -> u64 {
    let mut sum = 0u64;
    for i in 0..n {
        let p = rust_helper_ERR_PTR(-((i & 7) as i64) - 1);
        if rust_helper_IS_ERR(p) {
            sum = sum.wrapping_add(rust_helper_PTR_ERR(p) as u64);
        } else {
            sum = sum.wrapping_add(*(p as *const u64));
        }
    }
    sum ^ (*s).data[0]
}

/// Dead check after inlining: IS_ERR_OR_NULL on a pointer into the state,
/// which cannot be NULL; only the IS_ERR half is left to test.
#[no_mangle]
pub unsafe extern "C" fn bench_valid_ptr_check(s: *mut BenchState, n: u64) -> u64 {
    let data = &raw const (*s).data as *const u64;
    let mut sum = 0u64;
    for i in 0..n {
        let p = data.add((i & 63) as usize) as *const c_void;
        if rust_helper_IS_ERR_OR_NULL(p) {
            sum = sum.wrapping_sub(1);
        } else {
            sum = sum.wrapping_add(*(p as *const u64));
        }
    }
    sum
}

/// Flag materialization after cmpxchg: a try_cmpxchg increment loop.
#[no_mangle]
pub unsafe extern "C" fn bench_try_cmpxchg_inc(s: *mut BenchState, n: u64) -> u64 {
    let v = &raw mut (*s).counter;
    let mut retries = 0u64;
    for _ in 0..n {
        let mut old = rust_helper_atomic_read(v);
        while !rust_helper_atomic_try_cmpxchg(v, &mut old, old.wrapping_add(1)) {
            retries += 1;
        }
    }
    retries.wrapping_mul(1 << 32) | rust_helper_atomic_read(v) as u32 as u64
}

/// Old-style cmpxchg returning the old value, compared by the caller.
#[no_mangle]
pub unsafe extern "C" fn bench_cmpxchg_max(s: *mut BenchState, n: u64) -> u64 {
    let v = &raw mut (*s).counter;
    let mut swaps = 0u64;
    for i in 0..n {
        let want = (i & 1023) as i32;
        let cur = rust_helper_atomic_read(v);
        if cur < want && rust_helper_atomic_cmpxchg(v, cur, want) == cur {
            swaps += 1;
        } else if cur >= want {
            rust_helper_atomic_set(v, want >> 1);
        }
    }
    swaps ^ rust_helper_atomic_read(v) as u32 as u64
}

/// Error paths: inc_not_zero and add_unless fail on some iterations.
#[no_mangle]
pub unsafe extern "C" fn bench_get_unless_zero(s: *mut BenchState, n: u64) -> u64 {
    let r = &raw mut (*s).r#ref;
    let v = &raw mut (*s).counter;
    let mut got = 0u64;
    let mut failed = 0u64;
    for i in 0..n {
        if (i & 15) == 0 {
            rust_helper_atomic_set(&raw mut (*r).refs, 0);
        } else if (i & 15) == 1 {
            rust_helper_atomic_set(&raw mut (*r).refs, 1);
        }
        if rust_helper_refcount_inc_not_zero(r) {
            got += 1;
            rust_helper_refcount_dec(r);
        } else {
            failed += 1;
        }
        if !rust_helper_atomic_add_unless(v, 1, 7) {
            rust_helper_atomic_set(v, 0);
        }
    }
    (got << 20) ^ failed ^ rust_helper_atomic_read(v) as u64
}

/// Looks a slot up; an errno pointer for slots out of range or busy.
#[inline(always)]
unsafe fn lookup(s: *mut BenchState, key: u64) -> *mut c_void {
    if key >= 64 {
        return rust_helper_ERR_PTR(-ENOENT);
    }
    if rust_helper_test_bit(key, &raw const (*s).bitmap as *const u64) {
        return rust_helper_ERR_PTR(-EBUSY);
    }
    (&raw mut (*s).data as *mut u64).add(key as usize) as *mut c_void
}

/// Error paths that inlining exposes: the caller re-tests with IS_ERR what
/// the callee just decided, then branches on the errno.
#[no_mangle]
pub unsafe extern "C" fn bench_error_paths(s: *mut BenchState, n: u64) -> u64 {
    let mut ok = 0u64;
    let mut errs = 0u64;
    for i in 0..n {
        let key = (i.wrapping_mul(37)) & 127;
        let p = lookup(s, key);
        if rust_helper_IS_ERR(p) {
            let e = rust_helper_PTR_ERR(p);
            if e == -EBUSY {
                errs = errs.wrapping_add(3);
            } else if e == -EINVAL {
                errs = errs.wrapping_add(1000);
            } else {
                errs = errs.wrapping_add(1);
            }
            continue;
        }
        let slot = p as *mut u64;
        rust_helper_WRITE_ONCE_u64(slot, rust_helper_READ_ONCE_u64(slot).wrapping_add(1));
        ok += 1;
    }
    (ok << 32) ^ errs
}

/// A short fixed-count READ_ONCE loop inside the hot loop (unrolling).
#[no_mangle]
pub unsafe extern "C" fn bench_read_once_window(s: *mut BenchState, n: u64) -> u64 {
    let data = &raw const (*s).data as *const u64;
    let mut sum = 0u64;
    for i in 0..n {
        let base = data.add((i.wrapping_mul(8) & 63) as usize);
        for j in 0..8 {
            sum = sum.wrapping_add(rust_helper_READ_ONCE_u64(base.add(j)));
        }
    }
    sum
}

/// test_bit over the bitmap, setting the bits it finds clear.
#[no_mangle]
pub unsafe extern "C" fn bench_test_bit_scan(s: *mut BenchState, n: u64) -> u64 {
    let map = &raw mut (*s).bitmap as *mut u64;
    let mut set = 0u64;
    for i in 0..n {
        let nr = i.wrapping_mul(13) & 255;
        if rust_helper_test_bit(nr, map) {
            set += 1;
        } else if (i & 3) == 0 {
            rust_helper___set_bit(nr, map);
        }
    }
    set ^ *map
}
