import XGraphCore
import XGraphStore

/// How one attempt of a node ended, as a back-end reports it to the build, which then updates
/// what it knows (outputs, summary, progress) in one place whichever back-end ran it.
enum AttemptOutcome {
    /// Recorded: the record written (here or by a cluster job) and the seconds the step ran.
    case succeeded(ActionRecord, seconds: Double)
    /// Another build (or job) recorded the key while this attempt waited to start. `output` is
    /// nil when the record could not be read back; `waited` says this build waited for that
    /// other build's lease, so the record is its work, not an early cutoff of this one.
    case cachedMeanwhile(output: Digest?, waited: Bool)
    case cancelled
    /// `retry: false` for failures another attempt cannot mend (its inputs are gone, or what
    /// its key was computed from changed).
    case failed(String, String?, retry: Bool)
}
