#!/usr/bin/env bash
# plot_runtime.sh RESULTS.md - an SVG chart of the per-loop table that
# bench/runtime.sh writes: for every loop, the time per iteration of none,
# fast_plain and fast_ai relative to the Linux 7.1 recipe (1.0 = as fast),
# on stdout.
set -euo pipefail
awk -F'|' '
  function bar(y, r, color,   w) {
    w = int(scale * r)
    printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"7\" fill=\"%s\"/>\n", x0, y, w, color
    printf "<text x=\"%d\" y=\"%d\" font-size=\"9\">%.2f</text>\n", x0 + w + 3, y + 7, r
  }
  /^\| loop \| iterations/ {
    for (i = 2; i < NF; i++) { h = $i; gsub(/ /, "", h); col[h] = i }
    in_table = 1; next
  }
  in_table && /^\|---/ { next }
  in_table && /^\| [a-z]/ {
    name = $2; gsub(/ /, "", name); names[++n] = name
    none[n] = $col["none/recipe"]; plain[n] = $col["fast_plain/recipe"]; ai[n] = $col["fast_ai/recipe"]
    for (k = 0; k < 3; k++) {
      v = (k == 0 ? none[n] : k == 1 ? plain[n] : ai[n]) + 0
      if (v > max) max = v
    }
    next
  }
  in_table { in_table = 0 }
  END {
    x0 = 200; scale = 380 / (max > 1 ? max : 1); h = 70 + 30 * n
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"660\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", h
    print "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
    print "<text x=\"10\" y=\"18\">helperlink runtime: time per iteration relative to the Linux 7.1 recipe (lower is faster)</text>"
    print "<rect x=\"200\" y=\"28\" width=\"10\" height=\"8\" fill=\"#b0b0b0\"/><text x=\"214\" y=\"36\">none (no inlining)</text>"
    print "<rect x=\"340\" y=\"28\" width=\"10\" height=\"8\" fill=\"#d9822b\"/><text x=\"354\" y=\"36\">fast, unannotated</text>"
    print "<rect x=\"480\" y=\"28\" width=\"10\" height=\"8\" fill=\"#4a7ab5\"/><text x=\"494\" y=\"36\">fast, annotated</text>"
    for (i = 1; i <= n; i++) {
      y = 48 + 30 * (i - 1)
      printf "<text x=\"10\" y=\"%d\">%s</text>\n", y + 16, names[i]
      bar(y, none[i], "#b0b0b0"); bar(y + 8, plain[i], "#d9822b"); bar(y + 16, ai[i], "#4a7ab5")
    }
    printf "<line x1=\"%d\" y1=\"44\" x2=\"%d\" y2=\"%d\" stroke=\"black\" stroke-dasharray=\"3,3\"/>\n", x0 + scale, x0 + scale, h - 18
    printf "<text x=\"%d\" y=\"%d\">1.0 = recipe</text>\n", x0 + scale - 30, h - 5
    print "</svg>"
  }
' "$1"
