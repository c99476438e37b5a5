import COpenBLAS

/// Row-major single-precision matrix products through OpenBLAS: every dense layer's forward
/// and backward pass goes through here.
enum GEMM {
    /// OpenBLAS 0.3.21 (Debian, pthread variant) gives results that differ in the last bits
    /// between 1 and 2 threads for every shape the trainer uses (measured: max |Δ| 2e-6 to
    /// 5e-5), while 1 thread is bitwise repeatable. Training must be a function of its seed,
    /// so the trainer runs OpenBLAS on one thread; xgraph gets parallelism by running nodes
    /// side by side instead.
    static let pinThreads: Void = { openblas_set_num_threads(1) }()

    /// C = op(A) · op(B) + beta · C, with op(X) = Xᵀ when `transX`; returns the FLOPs (2mnk).
    @inline(__always)
    @discardableResult
    static func multiply(
        _ a: UnsafePointer<Float>, transposed transA: Bool, lda: Int,
        _ b: UnsafePointer<Float>, transposed transB: Bool, ldb: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float,
        m: Int, n: Int, k: Int
    ) -> Double {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        return 2 * Double(m) * Double(n) * Double(k)
    }
}

/// The kernel OpenBLAS chose for this processor (`Haswell`, `SkylakeX`, `Cooperlake`, …).
/// Kernels sum products in different orders, so trained weights agree across kernels only to
/// rounding, and bit for bit only on one kernel: tests that pin trained bits pin them per kernel.
public enum BLASKernel {
    public static var name: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
