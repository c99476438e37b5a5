/// The buffers of one mini-batch pass through a CNN, allocated once per run so the training
/// loop allocates nothing. Feature maps are NHWC (image, row, column, channel), so one im2col
/// matrix per layer and batch, [batch·side², 9·inputs], times the filtersᵀ gives the whole
/// layer's output, [batch·side², outputs], in a single sgemm. im2col columns are ordered
/// (ky, kx, channel), so each tap is a contiguous copy of a pixel's channels (and a whole row of
/// three taps inside the image); the filters are permuted to match before each forward pass
/// and their gradients permuted back to PyTorch's (channel, ky, kx) order, both tiny. The last pooling writes each
/// image's map in PyTorch's flatten order (channel, row, column) straight into the dense
/// part's input, so the first dense layer's weights are PyTorch's.
final class ConvWorkspace {
    let capacity: Int
    /// Input side of each conv layer; pooled[l] has side sides[l] / 2.
    let sides: [Int]
    let inputs: [Int]
    let outputs: [Int]
    let dense: BatchWorkspace
    /// The gathered images, [capacity, side², channels].
    let images: UnsafeMutablePointer<Float>
    private var columns: [UnsafeMutablePointer<Float>]
    /// Conv outputs before bias and ReLU, [capacity·side², outputs]: both commute with the max
    /// (bias per channel, ReLU monotonic), so pooling applies them to the 4× fewer maxima.
    private var conv: [UnsafeMutablePointer<Float>]
    /// Each layer's weights in (output, ky, kx, input) order, and a gradient in that order.
    private var filters: [UnsafeMutablePointer<Float>]
    private let filterGradient: UnsafeMutablePointer<Float>
    /// Pooled outputs of every layer but the last (that one is `dense.input`).
    private var pooled: [UnsafeMutablePointer<Float>]
    /// For each pooled value, the index in `conv` of the maximum it came from.
    private var argmax: [UnsafeMutablePointer<Int>]
    private var convGradient: [UnsafeMutablePointer<Float>]
    /// ∂loss/∂pooled[l] for every layer but the last (that one is `dense.inputDeltas`).
    private var pooledGradient: [UnsafeMutablePointer<Float>]
    private let columnGradient: UnsafeMutablePointer<Float>
    /// ∂loss/∂images, filled only when asked for (gradient checks).
    let imageGradient: UnsafeMutablePointer<Float>
    private(set) var weightGradients: [UnsafeMutablePointer<Float>]
    private(set) var biasGradients: [UnsafeMutablePointer<Float>]

    /// `denseSizes` are the dense part's layer sizes, its input (the flattened last map) first.
    init(side: Int, convs: [ConvLayer], denseSizes: [Int], capacity: Int) {
        self.capacity = capacity
        var s = side
        var sides: [Int] = []
        for _ in convs { sides.append(s); s /= 2 }
        self.sides = sides
        inputs = convs.map(\.inputs)
        outputs = convs.map(\.outputs)
        precondition(denseSizes[0] == outputs[outputs.count - 1] * s * s)
        dense = BatchWorkspace(sizes: denseSizes, capacity: capacity)
        images = .allocate(capacity: capacity * side * side * inputs[0])
        imageGradient = .allocate(capacity: capacity * side * side * inputs[0])
        let pixels = sides.map { capacity * $0 * $0 }
        let pooledCounts = sides.indices.map { capacity * (sides[$0] / 2) * (sides[$0] / 2) * convs[$0].outputs }
        columns = convs.indices.map { .allocate(capacity: pixels[$0] * convs[$0].fanIn) }
        conv = convs.indices.map { .allocate(capacity: pixels[$0] * convs[$0].outputs) }
        convGradient = convs.indices.map { .allocate(capacity: pixels[$0] * convs[$0].outputs) }
        pooled = convs.indices.dropLast().map { .allocate(capacity: pooledCounts[$0]) }
        pooledGradient = convs.indices.dropLast().map { .allocate(capacity: pooledCounts[$0]) }
        argmax = pooledCounts.map { .allocate(capacity: $0) }
        columnGradient = .allocate(capacity: convs.indices.map { pixels[$0] * convs[$0].fanIn }.max() ?? 1)
        weightGradients = convs.map { .allocate(capacity: $0.weight.count) }
        filters = convs.map { .allocate(capacity: $0.weight.count) }
        filterGradient = .allocate(capacity: convs.map(\.weight.count).max() ?? 1)
        biasGradients = convs.map { .allocate(capacity: $0.outputs) }
    }

    deinit {
        for p in columns + conv + convGradient + pooled + pooledGradient + weightGradients + biasGradients + filters { p.deallocate() }
        filterGradient.deallocate()
        for p in argmax { p.deallocate() }
        images.deallocate()
        imageGradient.deallocate()
        columnGradient.deallocate()
    }

    var flops: Double { get { dense.flops } set { dense.flops = newValue } }

    private func layerInput(_ l: Int) -> UnsafeMutablePointer<Float> { l == 0 ? images : pooled[l - 1] }
    private func layerOutput(_ l: Int) -> UnsafeMutablePointer<Float> { l == sides.count - 1 ? dense.input : pooled[l] }
    private func outputGradient(_ l: Int) -> UnsafeMutablePointer<Float> {
        l == sides.count - 1 ? dense.inputDeltas : pooledGradient[l]
    }

    /// Copies the selected rows of a row-major matrix of images into `images`.
    func gather(from base: UnsafePointer<Float>, rows: some Collection<Int32>) {
        let d = sides[0] * sides[0] * inputs[0]
        var dst = images
        for r in rows {
            dst.update(from: base + Int(r) * d, count: d)
            dst += d
        }
    }

    /// Conv, ReLU and pooling through every conv layer, leaving the flattened features in
    /// `dense.input`; the dense part is the caller's to run.
    func forwardConvs(_ convs: [ConvLayer], count: Int) {
        for (l, layer) in convs.enumerated() {
            let s = sides[l]
            let rows = count * s * s
            let out = conv[l]
            Self.im2col(layerInput(l), images: count, side: s, channels: layer.inputs, into: columns[l])
            layer.weight.withUnsafeBufferPointer { Self.permute($0.baseAddress!, outputs: layer.outputs, inputs: layer.inputs, toTapMajor: true, into: filters[l]) }
            flops += GEMM.multiply(columns[l], transposed: false, lda: layer.fanIn,
                                   filters[l], transposed: true, ldb: layer.fanIn,
                                   into: out, ldc: layer.outputs, beta: 0, m: rows, n: layer.outputs, k: layer.fanIn)
            layer.bias.withUnsafeBufferPointer { pool(l, count: count, bias: $0.baseAddress!, flattenForDense: l == convs.count - 1) }
        }
    }

    /// 2×2 max pooling (floor) of conv[l]. Maps between conv layers stay NHWC; the last one is
    /// written (channel, row, column) per image, PyTorch's flatten order.
    private func pool(_ l: Int, count: Int, bias: UnsafePointer<Float>, flattenForDense: Bool) {
        let s = sides[l], p = s / 2, c = outputs[l]
        let src = conv[l], dst = layerOutput(l), arg = argmax[l]
        for img in 0..<count {
            for oy in 0..<p {
                for ox in 0..<p {
                    let topLeft = ((img * s + 2 * oy) * s + 2 * ox) * c
                    for ch in 0..<c {
                        // Ties keep the first maximum in reading order, as PyTorch does.
                        let a = topLeft + ch, b = a + c, d = a + s * c, e = d + c
                        var best = a
                        if src[b] > src[best] { best = b }
                        if src[d] > src[best] { best = d }
                        if src[e] > src[best] { best = e }
                        let o = flattenForDense ? ((img * c + ch) * p + oy) * p + ox : ((img * p + oy) * p + ox) * c + ch
                        let v = src[best] + bias[ch]
                        dst[o] = v > 0 ? v : 0
                        arg[o] = best
                    }
                }
            }
        }
    }

    /// Backpropagates from `dense.inputDeltas` (left there by the dense part's backward pass)
    /// through conv layers `lowest...`, filling their parameter gradients; with
    /// `imageGradient` also ∂loss/∂images.
    func backwardConvs(_ convs: [ConvLayer], count: Int, from lowest: Int, imageGradient wantImages: Bool = false) {
        for l in stride(from: convs.count - 1, through: lowest, by: -1) {
            let layer = convs[l]
            let s = sides[l], p = s / 2
            let rows = count * s * s
            let dz = convGradient[l], y = layerOutput(l), arg = argmax[l], up = outputGradient(l)
            // Unpooling: each pooled value's gradient goes to its maximum, through the ReLU
            // (open where the pooled output is positive).
            dz.update(repeating: 0, count: rows * layer.outputs)
            for i in 0..<(count * p * p * layer.outputs) where y[i] > 0 { dz[arg[i]] = up[i] }
            flops += GEMM.multiply(dz, transposed: true, lda: layer.outputs,
                                   columns[l], transposed: false, ldb: layer.fanIn,
                                   into: filterGradient, ldc: layer.fanIn, beta: 0,
                                   m: layer.outputs, n: layer.fanIn, k: rows)
            Self.permute(filterGradient, outputs: layer.outputs, inputs: layer.inputs, toTapMajor: false, into: weightGradients[l])
            let db = biasGradients[l]
            db.update(repeating: 0, count: layer.outputs)
            for i in 0..<rows {
                let row = dz + i * layer.outputs
                for j in 0..<layer.outputs { db[j] += row[j] }
            }
            if l > lowest || wantImages {
                flops += GEMM.multiply(dz, transposed: false, lda: layer.outputs,
                                       filters[l], transposed: false, ldb: layer.fanIn,
                                       into: columnGradient, ldc: layer.fanIn, beta: 0,
                                       m: rows, n: layer.fanIn, k: layer.outputs)
                Self.col2im(columnGradient, images: count, side: s, channels: layer.inputs,
                            into: l == 0 ? imageGradient : pooledGradient[l - 1])
            }
        }
    }

    /// Filters between PyTorch's (output, input, ky, kx) order and im2col's (output, ky, kx, input).
    static func permute(_ src: UnsafePointer<Float>, outputs: Int, inputs c: Int, toTapMajor: Bool,
                        into dst: UnsafeMutablePointer<Float>) {
        for o in 0..<outputs {
            let base = o * c * ConvLayer.taps
            for ch in 0..<c {
                for tap in 0..<ConvLayer.taps {
                    let pytorch = base + ch * ConvLayer.taps + tap, tapMajor = base + tap * c + ch
                    if toTapMajor { dst[tapMajor] = src[pytorch] } else { dst[pytorch] = src[tapMajor] }
                }
            }
        }
    }

    /// Row (image, y, x) of the result holds the 3×3 neighbourhood of (y, x), zero outside the
    /// image, at column (ky·3 + kx)·channels + channel.
    static func im2col(_ src: UnsafePointer<Float>, images: Int, side s: Int, channels c: Int,
                       into dst: UnsafeMutablePointer<Float>) {
        let width = c * ConvLayer.taps
        var row = dst
        for img in 0..<images {
            for y in 0..<s {
                for x in 0..<s {
                    for ky in 0..<3 {
                        let yy = y + ky - 1
                        let segment = row + ky * 3 * c
                        guard yy >= 0 && yy < s else {
                            segment.update(repeating: 0, count: 3 * c)
                            continue
                        }
                        let line = src + (img * s + yy) * s * c
                        if x >= 1 && x + 1 < s {
                            let from = line + (x - 1) * c
                            for i in 0..<(3 * c) { segment[i] = from[i] }
                        } else {
                            for kx in 0..<3 {
                                let xx = x + kx - 1
                                let to = segment + kx * c
                                if xx < 0 || xx >= s {
                                    for i in 0..<c { to[i] = 0 }
                                } else {
                                    let from = line + xx * c
                                    for i in 0..<c { to[i] = from[i] }
                                }
                            }
                        }
                    }
                    row += width
                }
            }
        }
    }

    /// The transpose of `im2col`: sums every column entry back onto the pixel it was copied from.
    static func col2im(_ src: UnsafePointer<Float>, images: Int, side s: Int, channels c: Int,
                       into dst: UnsafeMutablePointer<Float>) {
        let width = c * ConvLayer.taps
        dst.update(repeating: 0, count: images * s * s * c)
        var row = src
        for img in 0..<images {
            for y in 0..<s {
                for x in 0..<s {
                    for ky in 0..<3 {
                        let yy = y + ky - 1
                        guard yy >= 0 && yy < s else { continue }
                        let segment = row + ky * 3 * c
                        let line = dst + (img * s + yy) * s * c
                        if x >= 1 && x + 1 < s {
                            let to = line + (x - 1) * c
                            for i in 0..<(3 * c) { to[i] += segment[i] }
                        } else {
                            for kx in 0..<3 {
                                let xx = x + kx - 1
                                guard xx >= 0 && xx < s else { continue }
                                let to = line + xx * c, from = segment + kx * c
                                for i in 0..<c { to[i] += from[i] }
                            }
                        }
                    }
                    row += width
                }
            }
        }
    }
}
