#!/usr/bin/env bash
# build.sh OUTDIR - compiles real crates from Debian's librust-*-dev packages
# (/usr/share/cargo/registry) to bitcode for the corpus benchmark, the way
# cargo would with their default features, plus users.rs, which
# instantiates their generic code and calls the helpers. Writes OUTDIR/NAME.bc
# for each and prints the names, smallest crates first. The crates' build
# scripts are not run; the cfgs they would set are given by hand.
set -euo pipefail
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
registry=/usr/share/cargo/registry
mkdir -p "$out"
cd "$out"

# crate DIR-PREFIX NAME [rustc args...]: the newest DIR-PREFIX-* in the
# registry, as an rlib (for its dependants) and as bitcode.
crate() {
  local prefix=$1 name=$2 dir edition
  shift 2
  dir=$(find "$registry" -maxdepth 1 -name "$prefix-[0-9]*" | sort -V | tail -1)
  [[ -n $dir ]] || {
    echo "registry/build.sh: $prefix not in $registry (scripts/install-deps --bench installs it)" >&2
    exit 1
  }
  edition=$(sed -n 's/^edition *= *"\([0-9]*\)"/\1/p' "$dir/Cargo.toml" | head -1)
  rustc --edition "${edition:-2015}" --crate-type=lib --crate-name "$name" \
    --emit="link=lib$name.rlib,llvm-bc=$name.bc" -Copt-level=2 \
    -Ccodegen-units=1 -Cpanic=abort -Awarnings -L . "$@" "$dir/src/lib.rs"
}
feature() { printf -- '--cfg\nfeature="%s"\n' "$@"; }

crate memchr memchr $(feature std)
crate minimal-lexical minimal_lexical $(feature std)
crate nom nom $(feature std alloc) --extern memchr=libmemchr.rlib \
  --extern minimal_lexical=libminimal_lexical.rlib
crate smallvec smallvec
crate bitflags bitflags
crate ryu ryu
crate itoa itoa
crate hashbrown hashbrown
crate unicode-ident unicode_ident
crate proc-macro2 proc_macro2 $(feature proc-macro) --cfg wrap_proc_macro \
  --cfg use_proc_macro --extern proc_macro --extern unicode_ident=libunicode_ident.rlib
crate quote quote $(feature proc-macro) --extern proc_macro \
  --extern proc_macro2=libproc_macro2.rlib
crate syn syn $(feature derive parsing printing clone-impls proc-macro full visit extra-traits) \
  --extern proc_macro --extern proc_macro2=libproc_macro2.rlib \
  --extern quote=libquote.rlib --extern unicode_ident=libunicode_ident.rlib
rustc --edition 2021 --crate-type=lib --crate-name users --emit=llvm-bc=users.bc \
  -Copt-level=2 -Ccodegen-units=1 -Cpanic=abort -Awarnings -L . \
  --extern smallvec=libsmallvec.rlib --extern hashbrown=libhashbrown.rlib \
  --extern nom=libnom.rlib --extern ryu=libryu.rlib --extern itoa=libitoa.rlib \
  --extern memchr=libmemchr.rlib --extern bitflags=libbitflags.rlib "$here/users.rs"
for bc in *.bc; do echo "$(stat -c %s "$bc") ${bc%.bc}"; done | sort -n | cut -d' ' -f2
