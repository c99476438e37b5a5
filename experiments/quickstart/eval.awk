# Mean negative log-likelihood of held-out samples under a histogram density; writes metrics JSON.
# Usage: awk -f eval.awk histogram.txt heldout.txt
FNR == NR { density[FNR - 1] = $1; bins = FNR; next }
{ b = int($1 * bins); if (b >= bins) b = bins - 1; nll -= log(density[b]); n++ }
END { printf "{\"nll\": %.6f, \"n\": %d, \"bins\": %d}\n", nll / n, n, bins }
