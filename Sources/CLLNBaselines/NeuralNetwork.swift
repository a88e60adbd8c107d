import CLLN
import Foundation

/// A fully connected network in Float: ReLU after every layer but the last, which is linear.
///
/// All parameters live in one flat array: per layer l, the weights as an inputs × outputs
/// matrix (row-major: `W[i·out + o]`, so that both passes run over contiguous outputs) followed
/// by the biases. Initialisation as PyTorch's `nn.Linear`: weights and biases uniform in
/// ±1/√(fan-in).
struct MLP: Sendable {
    let sizes: [Int]
    var parameters: [Float]
    /// Start of layer l's weights in `parameters`; its biases follow at `offsets[l] + in·out`.
    let offsets: [Int]

    init(sizes: [Int], rng: inout SeededGenerator) {
        self.sizes = sizes
        var offsets: [Int] = []
        var total = 0
        for l in 0..<(sizes.count - 1) {
            offsets.append(total)
            total += sizes[l] * sizes[l + 1] + sizes[l + 1]
        }
        self.offsets = offsets
        var parameters = [Float](repeating: 0, count: total)
        for l in 0..<(sizes.count - 1) {
            let bound = 1 / Double(sizes[l]).squareRoot()
            for k in offsets[l]..<(offsets[l] + sizes[l] * sizes[l + 1] + sizes[l + 1]) {
                parameters[k] = Float(rng.uniform(in: -bound...bound))
            }
        }
        self.parameters = parameters
    }

    var parameterCount: Int { parameters.count }
    var outputCount: Int { sizes.last! }

    /// Activations of every layer for a batch of `batch` rows (`input` is batch × sizes[0]):
    /// element 0 is the input, element l the output of layer l (after ReLU for hidden layers).
    /// Each output is `b[o] + Σ_i x_i·W[i·out + o]` summed in ascending i (zero inputs skipped);
    /// the outputs are computed 16 (then 4) at a time in registers.
    func forward(_ input: [Float], batch: Int) -> [[Float]] {
        var activations = [input]
        activations.reserveCapacity(sizes.count)
        parameters.withUnsafeBufferPointer { p in
            for l in 0..<(sizes.count - 1) {
                let (n, m) = (sizes[l], sizes[l + 1])
                let w = p.baseAddress! + offsets[l], b = w + n * m
                let hidden = l < sizes.count - 2
                var y = [Float](repeating: 0, count: batch * m)
                activations[l].withUnsafeBufferPointer { x in
                    y.withUnsafeMutableBufferPointer { y in
                        withUnsafeTemporaryAllocation(of: Int.self, capacity: n) { nonzero in
                            for r in 0..<batch {
                                let xr = x.baseAddress! + r * n, row = y.baseAddress! + r * m
                                // The row's nonzero inputs, gathered without a branch per input.
                                var count = 0
                                for i in 0..<n {
                                    nonzero[count] = i
                                    count &+= isNonzero(xr[i])
                                }
                                var o = 0
                                while o + 32 <= m {
                                    var (a0, a1) = (load16(b + o), load16(b + o + 16))
                                    for k in 0..<count {
                                        let i = nonzero[k], xi = xr[i], wi = w + i * m + o
                                        a0 += xi * load16(wi)
                                        a1 += xi * load16(wi + 16)
                                    }
                                    if hidden {
                                        a0.replace(with: 0, where: a0 .< 0)
                                        a1.replace(with: 0, where: a1 .< 0)
                                    }
                                    store16(a0, row + o)
                                    store16(a1, row + o + 16)
                                    o += 32
                                }
                                while o + 16 <= m {
                                    var acc = load16(b + o)
                                    for k in 0..<count { acc += xr[nonzero[k]] * load16(w + nonzero[k] * m + o) }
                                    if hidden { acc.replace(with: 0, where: acc .< 0) }
                                    store16(acc, row + o)
                                    o += 16
                                }
                                while o + 4 <= m {
                                    var acc = load4(b + o)
                                    for k in 0..<count { acc += xr[nonzero[k]] * load4(w + nonzero[k] * m + o) }
                                    if hidden { acc.replace(with: 0, where: acc .< 0) }
                                    UnsafeMutableRawPointer(row + o).storeBytes(of: acc, as: SIMD4<Float>.self)
                                    o += 4
                                }
                                while o < m {
                                    var acc = b[o]
                                    for k in 0..<count { acc += xr[nonzero[k]] * w[nonzero[k] * m + o] }
                                    row[o] = hidden && acc < 0 ? 0 : acc
                                    o += 1
                                }
                            }
                        }
                    }
                }
                activations.append(y)
            }
        }
        return activations
    }

    /// The gradient of a loss with respect to every parameter (same layout as `parameters`),
    /// given the activations of ``forward(_:batch:)`` and the loss's gradient with respect to
    /// the output (batch × outputs). Sums run over rows in ascending order (weights: rows whose
    /// input is 0 skipped), and a delta sent down is `Σ_o W[i·out + o]·δ_o` in ascending o,
    /// 0 where the unit below was cut off by its ReLU.
    func gradient(activations: [[Float]], outputGradient: [Float], batch: Int) -> [Float] {
        var gradient = [Float](repeating: 0, count: parameters.count)
        var delta = outputGradient
        parameters.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in
                for l in stride(from: sizes.count - 2, through: 0, by: -1) {
                    let (n, m) = (sizes[l], sizes[l + 1])
                    let gw = g.baseAddress! + offsets[l], gb = gw + n * m
                    let w = p.baseAddress! + offsets[l]
                    var previous = [Float](repeating: 0, count: l > 0 ? batch * n : 0)
                    activations[l].withUnsafeBufferPointer { x in
                        delta.withUnsafeBufferPointer { d in
                            let x = x.baseAddress!, d = d.baseAddress!
                            for r in 0..<batch { for o in 0..<m { gb[o] += d[r * m + o] } }
                            withUnsafeTemporaryAllocation(of: Int.self, capacity: batch) { nonzero in
                                for i in 0..<n {
                                    let gwi = gw + i * m
                                    // The rows whose input i is nonzero, gathered without a branch per row.
                                    var count = 0
                                    for r in 0..<batch {
                                        nonzero[count] = r
                                        count &+= isNonzero(x[r * n + i])
                                    }
                                    var o = 0
                                    while o + 16 <= m {
                                        var acc = SIMD16<Float>()
                                        for k in 0..<count { acc += x[nonzero[k] * n + i] * load16(d + nonzero[k] * m + o) }
                                        store16(acc, gwi + o)
                                        o += 16
                                    }
                                    while o + 4 <= m {
                                        var acc = SIMD4<Float>()
                                        for k in 0..<count { acc += x[nonzero[k] * n + i] * load4(d + nonzero[k] * m + o) }
                                        UnsafeMutableRawPointer(gwi + o).storeBytes(of: acc, as: SIMD4<Float>.self)
                                        o += 4
                                    }
                                    while o < m {
                                        var acc: Float = 0
                                        for k in 0..<count { acc += x[nonzero[k] * n + i] * d[nonzero[k] * m + o] }
                                        gwi[o] = acc
                                        o += 1
                                    }
                                }
                            }
                            guard l > 0 else { return }
                            // Wᵀ (out × in), so that a delta sent down is a sum of contiguous columns.
                            var transposed = [Float](repeating: 0, count: n * m)
                            transposed.withUnsafeMutableBufferPointer { t in
                                let t = t.baseAddress!
                                for i in 0..<n { for o in 0..<m { t[o * n + i] = w[i * m + o] } }
                                previous.withUnsafeMutableBufferPointer { previous in
                                    for r in 0..<batch {
                                        let dr = d + r * m, xr = x + r * n, down = previous.baseAddress! + r * n
                                        var i = 0
                                        while i + 16 <= n {
                                            var acc = SIMD16<Float>()
                                            for o in 0..<m { acc += load16(t + o * n + i) * dr[o] }
                                            acc.replace(with: 0, where: load16(xr + i) .== 0)
                                            store16(acc, down + i)
                                            i += 16
                                        }
                                        while i + 4 <= n {
                                            var acc = SIMD4<Float>()
                                            for o in 0..<m { acc += load4(t + o * n + i) * dr[o] }
                                            acc.replace(with: 0, where: load4(xr + i) .== 0)
                                            UnsafeMutableRawPointer(down + i).storeBytes(of: acc, as: SIMD4<Float>.self)
                                            i += 4
                                        }
                                        while i < n {
                                            var acc: Float = 0
                                            for o in 0..<m { acc += t[o * n + i] * dr[o] }
                                            down[i] = xr[i] == 0 ? 0 : acc
                                            i += 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                    delta = previous
                }
            }
        }
        return gradient
    }
}

/// 1 when `x != 0` (NaN included), 0 for ±0, without a branch: the magnitude bits plus 2³¹ − 1
/// carry into bit 31 exactly when they are not all zero.
@inline(__always) private func isNonzero(_ x: Float) -> Int {
    Int(((x.bitPattern & 0x7FFF_FFFF) &+ 0x7FFF_FFFF) >> 31)
}

@inline(__always) private func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inline(__always) private func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

@inline(__always) private func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}

@inline(__always) private func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
}

/// Adam (Kingma & Ba 2015) with β₁ = 0.9, β₂ = 0.999, ε = 1e-8, after clipping the gradient to a
/// global L2 norm of at most `maximumNorm`.
struct Adam: Sendable {
    var learningRate: Float
    var maximumNorm: Float = 10
    var m: [Float]
    var v: [Float]
    var step = 0

    init(parameterCount: Int, learningRate: Double) {
        self.learningRate = Float(learningRate)
        m = [Float](repeating: 0, count: parameterCount)
        v = m
    }

    mutating func update(_ parameters: inout [Float], gradient: [Float]) {
        step += 1
        let norm = gradient.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        let scale: Float = norm > maximumNorm ? maximumNorm / norm : 1
        let (b1, b2): (Float, Float) = (0.9, 0.999)
        let c1 = 1 - Float(pow(0.9, Double(step))), c2 = 1 - Float(pow(0.999, Double(step)))
        let rate = learningRate, count = parameters.count
        parameters.withUnsafeMutableBufferPointer { p in
            m.withUnsafeMutableBufferPointer { m in
                v.withUnsafeMutableBufferPointer { v in
                    gradient.withUnsafeBufferPointer { g in
                        let (p, m, v, g) = (p.baseAddress!, m.baseAddress!, v.baseAddress!, g.baseAddress!)
                        // Element-wise, four at a time: the same operations as the scalar tail.
                        var k = 0
                        while k + 4 <= count {
                            let gk = load4(g + k) * scale
                            let mk = b1 * load4(UnsafePointer(m + k)) + (1 - b1) * gk
                            let vk = b2 * load4(UnsafePointer(v + k)) + (1 - b2) * gk * gk
                            store4(mk, m + k)
                            store4(vk, v + k)
                            store4(load4(UnsafePointer(p + k)) - rate * (mk / c1) / ((vk / c2).squareRoot() + 1e-8), p + k)
                            k += 4
                        }
                        while k < count {
                            let gk = g[k] * scale
                            m[k] = b1 * m[k] + (1 - b1) * gk
                            v[k] = b2 * v[k] + (1 - b2) * gk * gk
                            p[k] -= rate * (m[k] / c1) / ((v[k] / c2).squareRoot() + 1e-8)
                            k += 1
                        }
                    }
                }
            }
        }
    }
}

/// A ring buffer of transitions for experience replay.
struct ReplayBuffer: Sendable {
    let capacity: Int
    let width: Int
    private(set) var count = 0
    private var next = 0
    var observations: [Float]
    var nextObservations: [Float]
    var actions: [Int]
    var rewards: [Float]
    /// 1 for a transition that terminated the episode (no bootstrap), else 0.
    var terminals: [Float]

    init(capacity: Int, width: Int) {
        self.capacity = capacity
        self.width = width
        observations = [Float](repeating: 0, count: capacity * width)
        nextObservations = observations
        actions = [Int](repeating: 0, count: capacity)
        rewards = [Float](repeating: 0, count: capacity)
        terminals = rewards
    }

    mutating func append(_ t: Transition) {
        for i in 0..<width {
            observations[next * width + i] = t.observation[i]
            nextObservations[next * width + i] = t.next[i]
        }
        actions[next] = t.action
        rewards[next] = Float(t.reward)
        terminals[next] = t.terminal ? 1 : 0
        next = (next + 1) % capacity
        count = min(count + 1, capacity)
    }

    /// `size` indices drawn uniformly with replacement.
    func sample(_ size: Int, rng: inout SeededGenerator) -> [Int] { (0..<size).map { _ in rng.index(count) } }

    /// Rows `indices` of `matrix` (observations or next observations) as one batch.
    func rows(_ matrix: [Float], _ indices: [Int]) -> [Float] {
        var batch = [Float](repeating: 0, count: indices.count * width)
        for (r, k) in indices.enumerated() { for i in 0..<width { batch[r * width + i] = matrix[k * width + i] } }
        return batch
    }
}

/// The Huber loss's derivative (δ = 1): the error clipped to [−1, 1].
@inline(__always) func huberGradient(_ error: Float) -> Float { min(max(error, -1), 1) }
