#!/usr/bin/env bash
# plot_totals.sh RESULTS.md - an SVG bar chart of the "| recipe | total ms |"
# table that bench/corpus.sh writes, on stdout.
set -euo pipefail
awk -F'|' '
  BEGIN {
    label["a"] = "a: 2024 RFC"; label["b"] = "b: Linux 7.1"; label["c"] = "c: one-shot fast"
    label["d"] = "d: daemon fast"; label["dx"] = "dx: daemon exact"; label["e"] = "e: warm hit"
    label["f"] = "f: codegen floor"
  }
  /^\| recipe \| total ms/ { in_table = 1; next }
  in_table && /^\|---/ { next }
  in_table && /^\|/ {
    r = $2; t = $3; gsub(/ /, "", r); gsub(/ /, "", t)
    names[++n] = r; totals[n] = t; if (t + 0 > max) max = t + 0; next
  }
  in_table { in_table = 0 }
  END {
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"660\" height=\"%d\" font-family=\"sans-serif\" font-size=\"13\">\n", 50 + 32 * n
    print "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
    print "<text x=\"10\" y=\"20\">helperlink corpus: total wall time per recipe (ms, lower is better)</text>"
    for (i = 1; i <= n; i++) {
      y = 40 + 32 * (i - 1); w = int(400 * totals[i] / max)
      printf "<text x=\"10\" y=\"%d\">%s</text>\n", y + 14, label[names[i]]
      printf "<rect x=\"150\" y=\"%d\" width=\"%d\" height=\"20\" fill=\"#4a7ab5\"/>\n", y, w
      printf "<text x=\"%d\" y=\"%d\">%s</text>\n", 155 + w, y + 14, totals[i]
    }
    print "</svg>"
  }
' "$1"
