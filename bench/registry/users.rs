//! users.rs - a crate for the corpus benchmark that instantiates the generic
//! code of real crates from Debian's librust-*-dev packages (smallvec,
//! hashbrown, nom, ryu, itoa, memchr, bitflags) and calls the kernel-like
//! helpers from it, so the object mixes library code and helper calls.
use core::hash::{BuildHasherDefault, Hasher};
use hashbrown::HashMap;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::digit1;
use nom::multi::separated_list0;
use nom::sequence::separated_pair;
use nom::IResult;
use smallvec::SmallVec;

#[repr(C)]
pub struct AtomicT {
    counter: i32,
}

extern "C" {
    fn rust_helper_atomic_add(i: i32, v: *mut AtomicT);
    fn rust_helper_atomic_read(v: *const AtomicT) -> i32;
    fn rust_helper_swab32(x: u32) -> u32;
    fn rust_helper_ilog2(v: u64) -> i32;
    fn rust_helper_min(a: i32, b: i32) -> i32;
    fn rust_helper_max(a: i32, b: i32) -> i32;
    fn rust_helper_set_bit(nr: u64, addr: *mut u64);
    fn rust_helper_test_bit(nr: u64, addr: *const u64) -> bool;
}

bitflags::bitflags! {
    pub struct Mode: u32 {
        const READ = 1;
        const WRITE = 2;
        const EXEC = 4;
    }
}

/// FNV-1a, so that hashbrown needs no optional hasher crate.
#[derive(Default)]
pub struct Fnv(u64);
impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x100000001b3);
        }
    }
}
type Map<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

fn pair(input: &str) -> IResult<&str, (&str, &str)> {
    separated_pair(take_while1(|c: char| c.is_alphabetic()), tag("="), digit1)(input)
}

#[no_mangle]
pub extern "C" fn users_parse(text: *const u8, len: usize) -> i32 {
    let bytes = unsafe { core::slice::from_raw_parts(text, len) };
    let Ok(text) = core::str::from_utf8(bytes) else { return -22 };
    let mut count = AtomicT { counter: 0 };
    let mut seen: Map<&str, u32> = Map::default();
    if let Ok((_, pairs)) = separated_list0(tag(";"), pair)(text) {
        for (key, value) in pairs {
            let v: u32 = value.parse().unwrap_or(0);
            *seen.entry(key).or_insert(0) += v;
            unsafe { rust_helper_atomic_add(v as i32, &mut count) };
        }
    }
    let total = unsafe { rust_helper_atomic_read(&count) };
    unsafe { rust_helper_max(total, seen.len() as i32) }
}

#[no_mangle]
pub extern "C" fn users_sorted_xor(n: u32) -> u32 {
    let mut v: SmallVec<[u32; 8]> = SmallVec::new();
    for i in 0..n {
        v.push(unsafe { rust_helper_swab32(i.wrapping_mul(2654435761)) });
    }
    v.sort_unstable();
    v.dedup();
    v.iter().fold(0, |a, x| a ^ x)
}

#[no_mangle]
pub extern "C" fn users_format(x: f64, n: u64, out: *mut u8, cap: usize) -> usize {
    let mut f = ryu::Buffer::new();
    let mut i = itoa::Buffer::new();
    let s = format!("{} {} {}", f.format(x), i.format(n), unsafe { rust_helper_ilog2(n | 1) });
    let len = s.len().min(cap);
    unsafe { core::ptr::copy_nonoverlapping(s.as_ptr(), out, len) };
    len
}

#[no_mangle]
pub extern "C" fn users_find(haystack: *const u8, len: usize, needle: u8) -> i64 {
    let bytes = unsafe { core::slice::from_raw_parts(haystack, len) };
    let mut bits = 0u64;
    for (k, b) in bytes.iter().enumerate().take(64) {
        if *b == needle {
            unsafe { rust_helper_set_bit(k as u64, &mut bits) };
        }
    }
    match memchr::memchr(needle, bytes) {
        Some(at) if unsafe { rust_helper_test_bit(at as u64 % 64, &bits) } => at as i64,
        Some(at) => unsafe { rust_helper_min(at as i32, -1) as i64 },
        None => -2,
    }
}

#[no_mangle]
pub extern "C" fn users_mode(bits: u32) -> u32 {
    let mode = Mode::from_bits_truncate(bits);
    let mut out = AtomicT { counter: 0 };
    for flag in [Mode::READ, Mode::WRITE, Mode::EXEC] {
        if mode.contains(flag) {
            unsafe { rust_helper_atomic_add(flag.bits() as i32, &mut out) };
        }
    }
    unsafe { rust_helper_atomic_read(&out) as u32 }
}
