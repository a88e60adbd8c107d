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
    }

    public var label: String { "Michaelis–Menten network" }
    public var parameterCount: Int { 3 * channels.count }
    public var isReciprocal: Bool { false }
    var michaelisOffset: Int { channels.count }
    var inhibitionOffset: Int { 2 * channels.count }

    public func rates(_ x: [Double], parameters θ: [Double], into rates: inout [Double]) {
        for i in 0..<stateCount { rates[i] = -decay * x[i] }
        for (c, channel) in channels.enumerated() {
            let flux = kinetics(c, channel, x, θ).flux
            rates[channel.product] += flux
            rates[channel.substrate] -= flux
        }
    }

    public func addStateVJP(_ v: [Double], at x: [Double], parameters θ: [Double], to result: inout [Double]) {
        for i in 0..<stateCount { result[i] -= decay * v[i] }
        for (c, channel) in channels.enumerated() {
            let kinetic = kinetics(c, channel, x, θ)
            let weight = v[channel.product] - v[channel.substrate]
            if x[channel.substrate] > 0 {
                let denominator = kinetic.michaelis + kinetic.substrate
                result[channel.substrate] += weight * θ[c] * kinetic.relief * kinetic.michaelis / (denominator * denominator)
            }
            if x[channel.inhibitor] > 0 {
                result[channel.inhibitor] -= weight * kinetic.flux * kinetic.inhibition * kinetic.relief
            }
        }
    }

    public func addParameterVJP(_ v: [Double], at x: [Double], parameters θ: [Double], scale: Double, to result: inout [Double]) {
        for (c, channel) in channels.enumerated() {
            let kinetic = kinetics(c, channel, x, θ)
            let weight = scale * (v[channel.product] - v[channel.substrate])
            let unitFlux = kinetic.saturation * kinetic.relief  // ∂φ/∂V
            result[c] += weight * unitFlux
            result[michaelisOffset + c] -= weight * θ[c] * unitFlux / (kinetic.michaelis + kinetic.substrate)
            result[inhibitionOffset + c] -= weight * kinetic.flux * kinetic.inhibitorLevel * kinetic.relief
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

    /// The pieces of one channel's flux φ = V · saturation · relief.
    private struct Kinetics {
        var substrate: Double       // s = x_j⁺
        var michaelis: Double       // K
        var saturation: Double      // s / (K + s)
        var inhibitorLevel: Double  // x_k⁺
        var inhibition: Double      // κ
        var relief: Double          // 1 / (1 + κ x_k⁺)
        var flux: Double
    }

    @inline(__always)
    private func kinetics(_ c: Int, _ channel: Channel, _ x: [Double], _ θ: [Double]) -> Kinetics {
        let substrate = max(0, x[channel.substrate])
        let michaelis = θ[michaelisOffset + c]
        let saturation = substrate / (michaelis + substrate)
        let inhibitorLevel = max(0, x[channel.inhibitor])
        let inhibition = θ[inhibitionOffset + c]
        let relief = 1 / (1 + inhibition * inhibitorLevel)
        return Kinetics(
            substrate: substrate, michaelis: michaelis, saturation: saturation, inhibitorLevel: inhibitorLevel,
            inhibition: inhibition, relief: relief, flux: θ[c] * saturation * relief)
    }
}
