# real_helpers.sh - helperlink on a real kernel's helpers: Debian's
# linux-source-6.12, prepared once by scripts/kernel-tree (defconfig,
# LLVM=-22, cached outside the clone). Its rust/helpers/helpers.c (31
# helpers) is compiled with the flags kbuild used for kernel/fork.o, plus
# tests/fixtures/kernel/metadata_helpers.c (static calls whose
# __ADDRESSABLE() lands in .discard.addressable, a MODULE_IMPORT_NS()
# .modinfo string) as built-in and as module code. For each, a generated
# crate calls every helper, and:
# - exact mode equals the Linux 7.1 recipe (llvm-link-22 + clang-22 with
#   the tree's CLANG_FLAGS/KBUILD_CFLAGS) byte for byte;
# - fast mode leaves no call to a helper, and neither mode exports one;
# - both objects have the same sections, the same non-local symbols and the
#   same named local data symbols as the recipe's (the metadata helpers'
#   .discard.addressable and .modinfo entries included);
# - the tree's objtool, run per object with the options kbuild gives it
#   when objtool is not deferred to vmlinux.o (no X86_KERNEL_IBT, no LTO),
#   is silent on all three, and their objtool sections match
#   (.orc_unwind, .retpoline_sites, .return_sites, .static_call_sites, ...).
source "$(dirname "$0")/lib.sh"

TOP=$HERE/../..
for tool in llvm-link llvm-dis llvm-readelf llvm-objdump llvm-nm; do
  [[ -x $LLVM_BIN/$tool ]] || fail "$LLVM_BIN/$tool missing (scripts/install-deps installs llvm-22)"
done
TREE=$("$TOP/scripts/kernel-tree") || fail "scripts/kernel-tree could not prepare the Linux 6.12 tree"
OBJTOOL=$TREE/tools/objtool/objtool
RUSTC=${RUSTC:-rustc}
command -v "$RUSTC" >/dev/null || fail "rustc not found"

# kbuild's command for kernel/fork.o, split into words (its .cmd file
# quotes the -D values for the shell).
eval "fork_cmd=($(sed -n 's/^savedcmd_kernel\/fork.o := //p' "$TREE/kernel/.fork.o.cmd"))"
[[ ${fork_cmd[0]:-} == clang-22 ]] || fail "$TREE/kernel/.fork.o.cmd: no clang-22 command for kernel/fork.o"
# c_flags without the per-object parts: the helpers' own compile flags.
# CLANG_FLAGS + KBUILD_CFLAGS (what the recipe passes on the merged
# bitcode): c_flags less the preprocessor's -nostdinc, -I, -include, -D and
# -fmacro-prefix-map.
c_flags=() link_flags=()
for ((i = 1; i < ${#fork_cmd[@]}; i++)); do
  arg=${fork_cmd[i]}
  case $arg in
    -o) i=$((i + 1)) ;;
    -c | kernel/fork.c | -Wp,* | -DKBUILD_* | -D__KBUILD_MODNAME=*) ;;
    # rust/Makefile: CFLAGS_REMOVE_helpers/helpers.o
    -Wmissing-prototypes | -Wmissing-declarations) ;;
    -include)
      c_flags+=("$arg" "${fork_cmd[i + 1]}")
      i=$((i + 1))
      ;;
    -nostdinc | -I* | -D* | -fmacro-prefix-map=*) c_flags+=("$arg") ;;
    *) c_flags+=("$arg") link_flags+=("$arg") ;;
  esac
done
CC=(clang-22 "${link_flags[@]}")

# objtool's options from the tree's own Makefile.lib and .config, as for a
# configuration without X86_KERNEL_IBT (whose objtool runs on vmlinux.o).
sed -n '/^objtool-args-\$(CONFIG_/,/^objtool-args = /{/^objtool-args = /d;p}' \
  "$TREE/scripts/Makefile.lib" >"$WORK/objtool-args.mk"
printf 'include %s\nCONFIG_X86_KERNEL_IBT :=\nCONFIG_FINEIBT :=\ninclude %s\nprint: ; @echo $(objtool-args-y)\n' \
  "$TREE/include/config/auto.conf" "$WORK/objtool-args.mk" >"$WORK/objtool.mk"
read -ra OBJTOOL_ARGS <<<"$(make -s -f "$WORK/objtool.mk" print)"
[[ " ${OBJTOOL_ARGS[*]} " == *" --orc "* && " ${OBJTOOL_ARGS[*]} " == *" --static-call "* ]] ||
  fail "objtool options from $TREE look wrong: ${OBJTOOL_ARGS[*]}"

# helper_bc SRC OUT NAME [-DMODULE]: a helpers file as 7.1's cmd_rust_helper
# builds it, from the tree root (kbuild's relative include paths).
helper_bc() {
  local src=$1 out=$2 name=$3
  shift 3
  (cd "$TREE" && clang-22 "${c_flags[@]}" "$@" -DKBUILD_MODFILE="\"rust/helpers/$name\"" \
    -DKBUILD_BASENAME="\"$name\"" -DKBUILD_MODNAME="\"$name\"" -D__KBUILD_MODNAME="kmod_$name" \
    -c -g0 "$src" -emit-llvm -o "$out") || fail "$src: clang-22 failed with kbuild's flags"
}

# Kernel-like rustc flags (fixtures/flags.sh) plus what this config's
# arch/x86/Makefile adds for Rust: IBT landing pads and call padding.
RUSTFLAGS_REAL=("${RUSTFLAGS_KERNEL[@]}" -Zcf-protection=branch -Zpatchable-function-entry=16,16)

sections() { "$LLVM_BIN/llvm-readelf" -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) .*/\1/p' | sort -u; }
# Non-local symbols (defined or not) and named local objects, with their
# type and binding: what a symbol-table consumer (modpost, objtool) sees.
symbols() {
  "$LLVM_BIN/llvm-readelf" -sW "$1" | awk 'NR > 3 && $8 != "" && $8 !~ /^\.L/ &&
    ($5 != "LOCAL" || $4 == "OBJECT") {print $4, $5, ($7 == "UND" ? "UND" : "DEF"), $8}' | sort
}
helper_call_count() {
  "$LLVM_BIN/llvm-objdump" -d --no-show-raw-insn "$1" |
    grep -cE '(call|jmp)[a-z]*[[:space:]]+[0-9a-fx]+ <rust_helper_' || true
}
# OBJ: objtool on a copy, as kbuild runs it in place (with --module for
# module code: $(part-of-module)).
run_objtool() {
  local module=()
  [[ $(basename "$1") == *_module.* ]] && module=(--module)
  cp "$1" "$1.objtool.o"
  "$OBJTOOL" "${OBJTOOL_ARGS[@]}" "${module[@]}" "$1.objtool.o" >"$1.objtool.log" 2>&1 ||
    fail "$(basename "$1"): objtool failed: $(head -3 "$1.objtool.log")"
  [[ ! -s $1.objtool.log ]] || fail "$(basename "$1"): objtool: $(head -3 "$1.objtool.log")"
  ok
}

# check NAME HELPERS.BC: the crate, the recipe, both modes, the comparisons.
check() {
  local name=$1 helpers=$2 n mode obj ref=$WORK/$1.ref.o
  "$LLVM_BIN/llvm-dis" "$helpers" -o "$WORK/$name.helpers.ll"
  n=$(python3 "$FX_SRC/kernel/gen_calls_crate.py" "$WORK/$name.helpers.ll" "$WORK/$name.rs") ||
    fail "$name: could not generate the crate"
  RUSTC_BOOTSTRAP=1 "$RUSTC" "${RUSTFLAGS_REAL[@]}" --crate-name "$name" "$WORK/$name.rs" \
    -o "$WORK/$name.bc" || fail "$name: rustc failed"
  mainline "$WORK/$name.bc" "$helpers" "$ref" "${CC[@]}" || fail "$name: the 7.1 recipe failed"
  run_objtool "$ref"
  echo "$name: $n helpers; the recipe's object has $(helper_call_count "$ref") calls to them"
  for mode in exact fast; do
    obj=$WORK/$name.$mode.o
    "$HELPERLINKD" --oneshot --no-cache --helpers "$helpers" --mode "$mode" --report "$obj.json" \
      -o "$obj" "$WORK/$name.bc" -- "${CC[@]}" || fail "$name/$mode: one-shot failed"
    check_symbols "$obj"
    if [[ $mode == exact ]]; then
      cmp -s "$ref" "$obj" || fail "$name/exact: object differs from the 7.1 recipe's"
      ok
    else
      left=$(helper_call_count "$obj")
      [[ $left -eq 0 ]] || fail "$name/fast: $left calls to helpers left"
      grep -q "\"found\": $n," "$obj.json" || fail "$name/fast: report does not count $n call sites"
      ok
    fi
    diff <(sections "$ref") <(sections "$obj") >&2 || fail "$name/$mode: sections differ from the recipe's"
    diff <(symbols "$ref" | grep -v ' rust_helper_') <(symbols "$obj" | grep -v ' rust_helper_') >&2 ||
      fail "$name/$mode: symbols differ from the recipe's"
    ok
    run_objtool "$obj"
    diff <(sections "$ref.objtool.o") <(sections "$obj.objtool.o") >&2 ||
      fail "$name/$mode: sections after objtool differ from the recipe's"
    ok
  done
}

FX_SRC=$HERE/../fixtures
helper_bc rust/helpers/helpers.c "$WORK/real_helpers_helpers.bc" helpers
check real_helpers "$WORK/real_helpers_helpers.bc"
for sec in .orc_unwind .return_sites; do
  grep -qx -- "$sec" <(sections "$WORK/real_helpers.fast.o.objtool.o") ||
    fail "real_helpers/fast: objtool wrote no $sec"
done
ok

helper_bc "$FX_SRC/kernel/metadata_helpers.c" "$WORK/metadata_builtin_helpers.bc" metadata_helpers
check metadata_builtin "$WORK/metadata_builtin_helpers.bc"
symbols "$WORK/metadata_builtin.fast.o" | grep -q 'UND __SCK__might_resched$' ||
  fail "metadata_builtin/fast: no reference to __SCK__might_resched"
grep -qx .discard.addressable <(sections "$WORK/metadata_builtin.fast.o") ||
  fail "metadata_builtin/fast: no .discard.addressable"
grep -qx .static_call_sites <(sections "$WORK/metadata_builtin.fast.o.objtool.o") ||
  fail "metadata_builtin/fast: objtool wrote no .static_call_sites"
ok
helper_bc "$FX_SRC/kernel/metadata_helpers.c" "$WORK/metadata_module_helpers.bc" metadata_helpers -DMODULE
check metadata_module "$WORK/metadata_module_helpers.bc"
"$LLVM_BIN/llvm-readelf" -p .modinfo "$WORK/metadata_module.fast.o" | grep -q 'import_ns=HELPERLINK_TEST' ||
  fail "metadata_module/fast: .modinfo lost import_ns=HELPERLINK_TEST"
ok
finish
