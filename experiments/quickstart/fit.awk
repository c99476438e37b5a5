# Fits a histogram density on [0,1) to the samples whose line numbers (0-based) the subset chose.
# Usage: awk -v bins=B -v alpha=A -f fit.awk indices.txt samples.txt
FNR == NR { keep[$1] = 1; next }
(FNR - 1) in keep { b = int($1 * bins); if (b >= bins) b = bins - 1; count[b]++; n++ }
END {
    for (i = 0; i < bins; i++) printf "%.8f\n", (count[i] + alpha) / (n + alpha * bins) * bins
}
