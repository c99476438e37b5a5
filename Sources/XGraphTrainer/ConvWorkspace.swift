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
    /// For each pooled value, in (image, row, column, channel) order whatever the output's
    /// order, which of its window's four conv outputs was the maximum: 0 top left, 1 top right,
    /// 2 bottom left, 3 bottom right. A byte instead of an index keeps the backward pass's
    /// reads small, and no index can overflow however large the batch.
    private var argmax: [UnsafeMutablePointer<UInt8>]
    /// One window row's pooled values before they are scattered into PyTorch's flatten order.
    private let poolRow: UnsafeMutablePointer<Float>
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
        poolRow = .allocate(capacity: outputs.max() ?? 1)
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
        poolRow.deallocate()
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
    /// written (channel, row, column) per image, PyTorch's flatten order. The channel loop is
    /// branch-free over contiguous memory so that it vectorises: pooling was the largest cost
    /// outside sgemm.
    private func pool(_ l: Int, count: Int, bias: UnsafePointer<Float>, flattenForDense: Bool) {
        let s = sides[l], p = s / 2, c = outputs[l]
        let src = conv[l], dst = layerOutput(l), arg = argmax[l]
        for img in 0..<count {
            for oy in 0..<p {
                for ox in 0..<p {
                    let a = src + ((img * s + 2 * oy) * s + 2 * ox) * c, b = a + c, d = a + s * c, e = d + c
                    let window = (img * p + oy) * p + ox
                    let which = arg + window * c
                    let out = flattenForDense ? poolRow : dst + window * c
                    for ch in 0..<c {
                        // Ties keep the first maximum in reading order, as PyTorch does.
                        var best = a[ch], at: UInt8 = 0
                        if b[ch] > best { best = b[ch]; at = 1 }
                        if d[ch] > best { best = d[ch]; at = 2 }
                        if e[ch] > best { best = e[ch]; at = 3 }
                        let v = best + bias[ch]
                        out[ch] = v > 0 ? v : 0
                        which[ch] = at
                    }
                    if flattenForDense {
                        let first = (img * c * p + oy) * p + ox
                        for ch in 0..<c { dst[first + ch * p * p] = poolRow[ch] }
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
            // (open where the pooled output is positive); every other conv output gets 0.
            let c = layer.outputs, flattened = l == convs.count - 1
            dz.update(repeating: 0, count: rows * c)
            for img in 0..<count {
                for oy in 0..<p {
                    for ox in 0..<p {
                        let topLeft = dz + ((img * s + 2 * oy) * s + 2 * ox) * c
                        let window = (img * p + oy) * p + ox
                        let which = arg + window * c
                        // Pooled value ch's gradient sits at `first + ch * step` in `y` and `up`.
                        let (first, step) = flattened ? ((img * c * p + oy) * p + ox, p * p) : (window * c, 1)
                        for ch in 0..<c {
                            let o = first &+ ch &* step
                            guard y[o] > 0 else { continue }
                            // Positions 0…3 of the window: right for odd, down for 2 and 3.
                            let at = Int(which[ch])
                            topLeft[ch &+ (at & 1) &* c &+ (at >> 1) &* s &* c] = up[o]
                        }
                    }
                }
            }
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
    /// image, at column (ky·3 + kx)·channels + channel. It is filled one (image, y, ky) at a time,
    /// so the source line is fixed and only the first and last x meet the image's edge.
    static func im2col(_ src: UnsafePointer<Float>, images: Int, side s: Int, channels c: Int,
                       into dst: UnsafeMutablePointer<Float>) {
        let width = c * ConvLayer.taps, tapRow = 3 * c
        for img in 0..<images {
            for y in 0..<s {
                let rows = dst + (img * s + y) * s * width
                for ky in 0..<3 {
                    let yy = y + ky - 1
                    let first = rows + ky * tapRow
                    guard yy >= 0 && yy < s else {
                        for x in 0..<s { (first + x * width).update(repeating: 0, count: tapRow) }
                        continue
                    }
                    let line = src + (img * s + yy) * s * c
                    guard s > 1 else {
                        first.update(repeating: 0, count: tapRow)
                        (first + c).update(from: line, count: c)
                        continue
                    }
                    first.update(repeating: 0, count: c)
                    (first + c).update(from: line, count: 2 * c)
                    if c == 1 {
                        // The first layer: three floats per row, too short for a copy call.
                        for x in 1..<(s - 1) {
                            let to = first + x * width, from = line + (x - 1)
                            to[0] = from[0]; to[1] = from[1]; to[2] = from[2]
                        }
                    } else {
                        for x in 1..<(s - 1) { (first + x * width).update(from: line + (x - 1) * c, count: tapRow) }
                    }
                    let last = first + (s - 1) * width
                    last.update(from: line + (s - 2) * c, count: 2 * c)
                    (last + 2 * c).update(repeating: 0, count: c)
                }
            }
        }
    }

    /// The transpose of `im2col`: sums every column entry back onto the pixel it was copied from.
    /// Each pixel receives its terms in the order of their rows (y, then x), the order of a loop
    /// over the rows, so the sums are bitwise those of the plainest loop.
    static func col2im(_ src: UnsafePointer<Float>, images: Int, side s: Int, channels c: Int,
                       into dst: UnsafeMutablePointer<Float>) {
        let width = c * ConvLayer.taps, tapRow = 3 * c
        dst.update(repeating: 0, count: images * s * s * c)
        for img in 0..<images {
            for y in 0..<s {
                let rows = src + (img * s + y) * s * width
                for ky in 0..<3 {
                    let yy = y + ky - 1
                    guard yy >= 0 && yy < s else { continue }
                    let first = rows + ky * tapRow
                    let line = dst + (img * s + yy) * s * c
                    guard s > 1 else {
                        for i in 0..<c { line[i] += first[c + i] }
                        continue
                    }
                    for i in 0..<(2 * c) { line[i] += first[c + i] }
                    for x in 1..<(s - 1) {
                        let to = line + (x - 1) * c, from = first + x * width
                        for i in 0..<tapRow { to[i] += from[i] }
                    }
                    let to = line + (s - 2) * c, from = first + (s - 1) * width
                    for i in 0..<(2 * c) { to[i] += from[i] }
                }
            }
        }
    }
}
