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
                        for r in 0..<batch {
                            let row = y.baseAddress! + r * m
                            for o in 0..<m { row[o] = b[o] }
                            for i in 0..<n {
                                let xi = x[r * n + i]
                                if xi == 0 { continue }
                                let wi = w + i * m
                                for o in 0..<m { row[o] += xi * wi[o] }
                            }
                            if hidden { for o in 0..<m where row[o] < 0 { row[o] = 0 } }
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
    /// the output (batch × outputs).
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
                            previous.withUnsafeMutableBufferPointer { previous in
                                for r in 0..<batch {
                                    let dr = d.baseAddress! + r * m
                                    for o in 0..<m { gb[o] += dr[o] }
                                    for i in 0..<n {
                                        let xi = x[r * n + i]
                                        // ReLU: no gradient flows into a unit that was cut off.
                                        if xi == 0 && l > 0 { continue }
                                        let gwi = gw + i * m, wi = w + i * m
                                        if xi != 0 { for o in 0..<m { gwi[o] += xi * dr[o] } }
                                        if l > 0 {
                                            var sum: Float = 0
                                            for o in 0..<m { sum += wi[o] * dr[o] }
                                            previous[r * n + i] = sum
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
        let rate = learningRate
        parameters.withUnsafeMutableBufferPointer { p in
            m.withUnsafeMutableBufferPointer { m in
                v.withUnsafeMutableBufferPointer { v in
                    gradient.withUnsafeBufferPointer { g in
                        for k in 0..<p.count {
                            let gk = g[k] * scale
                            m[k] = b1 * m[k] + (1 - b1) * gk
                            v[k] = b2 * v[k] + (1 - b2) * gk * gk
                            p[k] -= rate * (m[k] / c1) / ((v[k] / c2).squareRoot() + 1e-8)
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
