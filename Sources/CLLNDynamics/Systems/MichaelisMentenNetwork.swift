/// Enzyme kinetics with three-body inhibition (the paper's Eq. 31). Every reaction channel
/// (product i ← substrate j, inhibited by k) carries the flux
///
///     φ = V · s / (K + s) · 1 / (1 + κ·x_k⁺),   s = x_j⁺ = max(x_j, 0)
///
/// which feeds species i and drains species j; all species also decay at the fixed rate γ:
///
///     dxᵢ/dt = Σ φ(i ← ·) − Σ φ(· ← i) − γ xᵢ.
///
/// Parameters, stored as three blocks of one entry per channel: limiting rates V ≥ 0, Michaelis
/// constants K ≥ ``minimumMichaelisConstant``, inhibition strengths κ ≥ 0 (kept admissible by
/// ``project(_:)``). A channel touches its product and substrate; its inhibitor only modulates it.
public struct MichaelisMentenNetwork: DynamicalSystem {
    public struct Channel: Sendable {
        public var product: Int
        public var substrate: Int
        public var inhibitor: Int
    }

    public let stateCount: Int
    public let decay: Double
    public let channels: [Channel]
    public let minimumMichaelisConstant = 0.01
    /// Start of the K and κ blocks in the parameter vector.
    let michaelisOffset: Int
    let inhibitionOffset: Int

    /// The fully connected three-body hypergraph: every ordered (product, substrate) pair with
    /// every third species as inhibitor, N(N−1)(N−2) channels.
    public init(speciesCount: Int, decay: Double = 1) {
        stateCount = speciesCount
        self.decay = decay
        var channels: [Channel] = []
        for i in 0..<speciesCount {
            for j in 0..<speciesCount where j != i {
                for k in 0..<speciesCount where k != i && k != j {
                    channels.append(Channel(product: i, substrate: j, inhibitor: k))
                }
            }
        }
        self.channels = channels
        michaelisOffset = channels.count
        inhibitionOffset = 2 * channels.count
    }

    public var label: String { "Michaelis–Menten network" }
    public var parameterCount: Int { 3 * channels.count }
    public var isReciprocal: Bool { false }

    public func rates(_ x: [Double], parameters θ: [Double], into rates: inout [Double]) {
        for i in 0..<stateCount { rates[i] = -decay * x[i] }
        for c in 0..<channels.count {
            let channel = channels[c]
            let s = Self.level(x[channel.substrate]), michaelis = θ[michaelisOffset + c]
            let relief = 1 / (1 + θ[inhibitionOffset + c] * Self.level(x[channel.inhibitor]))
            let flux = θ[c] * s / (michaelis + s) * relief
            rates[channel.product] += flux
            rates[channel.substrate] -= flux
        }
    }

    public func addStateVJP(_ v: [Double], at x: [Double], parameters θ: [Double], to result: inout [Double]) {
        for i in 0..<stateCount { result[i] -= decay * v[i] }
        for c in 0..<channels.count {
            let channel = channels[c]
            let s = Self.level(x[channel.substrate]), michaelis = θ[michaelisOffset + c]
            let inhibition = θ[inhibitionOffset + c]
            let relief = 1 / (1 + inhibition * Self.level(x[channel.inhibitor]))
            let weight = (v[channel.product] - v[channel.substrate]) * θ[c] * relief
            if x[channel.substrate] > 0 {  // ∂φ/∂x_j = V K / (K + s)² · relief
                result[channel.substrate] += weight * michaelis / ((michaelis + s) * (michaelis + s))
            }
            if x[channel.inhibitor] > 0 {  // ∂φ/∂x_k = −φ κ relief
                result[channel.inhibitor] -= weight * s / (michaelis + s) * inhibition * relief
            }
        }
    }

    public func addParameterVJP(_ v: [Double], at x: [Double], parameters θ: [Double], scale: Double, to result: inout [Double]) {
        for c in 0..<channels.count {
            let channel = channels[c]
            let s = Self.level(x[channel.substrate]), michaelis = θ[michaelisOffset + c]
            let inhibitor = Self.level(x[channel.inhibitor])
            let relief = 1 / (1 + θ[inhibitionOffset + c] * inhibitor)
            let weight = scale * (v[channel.product] - v[channel.substrate])
            let unitFlux = s / (michaelis + s) * relief  // ∂φ/∂V
            result[c] += weight * unitFlux
            result[michaelisOffset + c] -= weight * θ[c] * unitFlux / (michaelis + s)
            result[inhibitionOffset + c] -= weight * θ[c] * unitFlux * inhibitor * relief
        }
    }

    public func nodes(touchedBy index: Int) -> [Int] {
        let channel = channels[index % channels.count]
        return [channel.product, channel.substrate].sorted()
    }

    public func parameterName(_ index: Int) -> String {
        let channel = channels[index % channels.count]
        let symbol = ["V", "K", "κ"][index / channels.count]
        return "\(symbol)[\(channel.product)←\(channel.substrate)|\(channel.inhibitor)]"
    }

    public func project(_ parameters: inout [Double]) {
        for c in channels.indices {
            parameters[c] = max(0, parameters[c])
            parameters[michaelisOffset + c] = max(minimumMichaelisConstant, parameters[michaelisOffset + c])
            parameters[inhibitionOffset + c] = max(0, parameters[inhibitionOffset + c])
        }
    }

    /// x⁺: concentrations enter the kinetics clipped at zero (an RK stage may undershoot slightly).
    private static func level(_ concentration: Double) -> Double {
        concentration > 0 ? concentration : 0
    }
}
