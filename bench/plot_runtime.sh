#!/usr/bin/env bash
# plot_runtime.sh RESULTS.md - an SVG chart of the per-loop table that
# bench/runtime.sh writes: for every loop, the time per iteration of none,
# fast_plain and fast_ai relative to the Linux 7.1 recipe (1.0 = as fast),
# on stdout.
set -euo pipefail
awk -F'|' '
  # Log scale: bars run from the 1.0 line, right = slower than the recipe.
  function px(r) { return x0 + width * (log(r) - log(lo)) / (log(hi) - log(lo)) }
  function bar(y, r, color,   a, b) {
    a = px(1); b = px(r)
    printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"7\" fill=\"%s\"/>\n", (a < b ? a : b), y, (a < b ? b - a : a - b) + 1, color
    printf "<text x=\"%d\" y=\"%d\" font-size=\"9\">%.2f</text>\n", (b > a ? b + 3 : a + 3), y + 7, r
  }
  /^\| loop \| iterations/ {
    for (i = 2; i < NF; i++) { h = $i; gsub(/ /, "", h); col[h] = i }
    in_table = 1; next
  }
  in_table && /^\|---/ { next }
  in_table && /^\| [a-z]/ {
    name = $2; gsub(/ /, "", name); names[++n] = name
    r[n, 0] = $col["none/recipe"] + 0; r[n, 1] = $col["fast_plain/recipe"] + 0
    r[n, 2] = $col["fast_ai/recipe"] + 0
    next
  }
  in_table { in_table = 0 }
  END {
    lo = 0.5; hi = 2
    for (i = 1; i <= n; i++) for (k = 0; k < 3; k++) {
      if (r[i, k] > hi) hi = r[i, k]
      if (r[i, k] < lo && r[i, k] > 0) lo = r[i, k]
    }
    hi *= 1.3; x0 = 200; width = 420; h = 80 + 30 * n
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"660\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", h
    print "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
    print "<text x=\"10\" y=\"18\">helperlink runtime: time per iteration / Linux 7.1 recipe (log scale, lower is faster)</text>"
    print "<rect x=\"200\" y=\"28\" width=\"10\" height=\"8\" fill=\"#b0b0b0\"/><text x=\"214\" y=\"36\">none (no inlining)</text>"
    print "<rect x=\"340\" y=\"28\" width=\"10\" height=\"8\" fill=\"#d9822b\"/><text x=\"354\" y=\"36\">fast, unannotated</text>"
    print "<rect x=\"480\" y=\"28\" width=\"10\" height=\"8\" fill=\"#4a7ab5\"/><text x=\"494\" y=\"36\">fast, annotated</text>"
    for (i = 1; i <= n; i++) {
      y = 48 + 30 * (i - 1)
      printf "<text x=\"10\" y=\"%d\">%s</text>\n", y + 16, names[i]
      bar(y, r[i, 0], "#b0b0b0"); bar(y + 8, r[i, 1], "#d9822b"); bar(y + 16, r[i, 2], "#4a7ab5")
    }
    for (t = 0.5; t <= hi; t *= 2) {
      if (t < lo) continue
      printf "<line x1=\"%d\" y1=\"44\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-dasharray=\"3,3\"/>\n", px(t), px(t), h - 28, (t == 1 ? "black" : "#cccccc")
      printf "<text x=\"%d\" y=\"%d\" font-size=\"10\">%gx</text>\n", px(t) - 8, h - 14, t
    }
    print "</svg>"
  }
' "$1"
