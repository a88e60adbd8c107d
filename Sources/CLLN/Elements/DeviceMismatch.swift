import Foundation

/// Fixed per-device deviations of one "chip": each edge's transistor has its own threshold
/// shift ΔV_T and drive-strength factor (KP·W/L multiplied by `gainFactors[e]`).
public struct DeviceMismatch: Codable, Sendable, Hashable {
    public var thresholdOffsets: [Double]
    public var gainFactors: [Double]

    enum CodingKeys: String, CodingKey { case thresholdOffsets = "threshold_offsets", gainFactors = "gain_factors" }

    public init(thresholdOffsets: [Double], gainFactors: [Double]) {
        self.thresholdOffsets = thresholdOffsets
        self.gainFactors = gainFactors
    }

    /// No mismatch.
    public static func none(edgeCount: Int) -> DeviceMismatch {
        DeviceMismatch(thresholdOffsets: .init(repeating: 0, count: edgeCount), gainFactors: .init(repeating: 1, count: edgeCount))
    }

    /// Draws ΔV_T ~ N(0, σ_VT²) and gain = max(1 + σ_KP·N(0,1), 0.05) per edge, reproducibly from
    /// (seed, device set): set 0 is the chip, set 1 its twin (the clamped network in hardware with
    /// twin networks).
    public static func draw(edgeCount: Int, sigmaThreshold: Double, sigmaGain: Double, seed: UInt64, deviceSet: UInt64 = 0) -> DeviceMismatch {
        var rng = SeededGenerator(seed: seed, stream: 0xC41B + deviceSet)
        var offsets: [Double] = []
        var gains: [Double] = []
        for _ in 0..<edgeCount {
            offsets.append(sigmaThreshold * rng.gaussian())
            gains.append(max(1 + sigmaGain * rng.gaussian(), 0.05))
        }
        return DeviceMismatch(thresholdOffsets: offsets, gainFactors: gains)
    }

    public func validate(edgeCount: Int) throws {
        guard thresholdOffsets.count == edgeCount, gainFactors.count == edgeCount else {
            throw ChipSpecError.drawsDoNotFit(edges: edgeCount, offsets: thresholdOffsets.count, gains: gainFactors.count)
        }
        guard thresholdOffsets.allSatisfy(\.isFinite), gainFactors.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw ChipSpecError.invalidDraws
        }
    }
}

/// A chip description (`--mismatch chip.json`): the spreads and seed of the device draws,
/// whether the clamped phase runs on a twin network, and the read noise of voltage measurements.
public struct ChipSpec: Codable, Sendable, Hashable {
    /// σ of the threshold shifts (V).
    public var sigmaThreshold: Double
    /// Relative σ of the drive strength KP.
    public var sigmaGain: Double
    public var seed: UInt64
    /// Free and clamped phases on separate twin devices (two independent draws).
    public var twin: Bool
    /// σ of the Gaussian noise on every measured voltage (V).
    public var readNoise: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sigmaThreshold = "sigma_vto", sigmaGain = "sigma_kp", seed, twin, readNoise = "read_noise"
    }

    /// Largest σ of the threshold shifts (V), of the relative drive strength, and of the read
    /// noise (V) a chip may have: beyond them no voltage of the network means anything.
    public static let maximumSigmaThreshold = 10.0
    public static let maximumSigmaGain = 10.0
    public static let maximumReadNoise = 10.0

    public init(sigmaThreshold: Double = 0, sigmaGain: Double = 0, seed: UInt64 = 0, twin: Bool = false, readNoise: Double = 0) {
        self.sigmaThreshold = sigmaThreshold
        self.sigmaGain = sigmaGain
        self.seed = seed
        self.twin = twin
        self.readNoise = readNoise
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "a chip file")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            sigmaThreshold: try c.decodeIfPresent(Double.self, forKey: .sigmaThreshold) ?? 0,
            sigmaGain: try c.decodeIfPresent(Double.self, forKey: .sigmaGain) ?? 0,
            seed: try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0,
            twin: try c.decodeIfPresent(Bool.self, forKey: .twin) ?? false,
            readNoise: try c.decodeIfPresent(Double.self, forKey: .readNoise) ?? 0)
    }

    /// Reads a chip file (JSON or YAML): keys `sigma_vto`, `sigma_kp`, `seed`, `twin`,
    /// `read_noise`, each optional; unknown keys and values of the wrong type are errors. The
    /// values are validated.
    public static func load(_ url: URL) throws -> ChipSpec {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ChipSpecError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let spec: ChipSpec = try decodeFile(data, path: url.path) { ChipSpecError.malformed(path: url.path, reason: $0) }
        try spec.validate()
        return spec
    }

    /// Checks every spread: finite, ≥ 0 and at most its maximum.
    public func validate() throws {
        for (key, value, limit) in [
            ("sigma_vto", sigmaThreshold, Self.maximumSigmaThreshold), ("sigma_kp", sigmaGain, Self.maximumSigmaGain),
            ("read_noise", readNoise, Self.maximumReadNoise),
        ] where !(value >= 0 && value <= limit) {
            throw ChipSpecError.invalid(key: key, value: value, limit: limit)
        }
    }

    /// Whether this describes an ideal chip.
    public var isIdeal: Bool { sigmaThreshold == 0 && sigmaGain == 0 && readNoise == 0 && !twin }

    /// The device draws of the free network (set 0) or its clamped twin (set 1).
    public func devices(edgeCount: Int, clamped: Bool) -> DeviceMismatch {
        DeviceMismatch.draw(edgeCount: edgeCount, sigmaThreshold: sigmaThreshold, sigmaGain: sigmaGain, seed: seed,
                            deviceSet: clamped && twin ? 1 : 0)
    }
}

/// A chip description that cannot be used.
public enum ChipSpecError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    /// A spread (`sigma_vto`, `sigma_kp`, `read_noise`) that is negative, not finite or larger
    /// than `limit`.
    case invalid(key: String, value: Double, limit: Double)
    /// Device draws of another network size.
    case drawsDoNotFit(edges: Int, offsets: Int, gains: Int)
    /// Device draws with a non-finite threshold offset or a gain that is not positive and finite.
    case invalidDraws

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "cannot read the chip file \(path): \(reason); check the path and that the file is readable"
        case let .malformed(path, reason):
            "\(path) is not a valid chip file: \(reason); a chip file is JSON such as "
                + "{\"sigma_vto\": 0.01, \"sigma_kp\": 0.05, \"seed\": 1, \"twin\": false, \"read_noise\": 0.001}"
        case let .invalid(key, value, limit):
            "\(key) is \(value); it must be a number in [0, \(limit)] (0 for an ideal chip), e.g. \(key) 0.01"
        case let .drawsDoNotFit(edges, offsets, gains):
            "the device draws have \(offsets) threshold offsets and \(gains) gains for \(edges) edges; "
                + "draw them for this network (ChipSpec.devices(edgeCount:clamped:))"
        case .invalidDraws: "device draws need finite threshold offsets and positive, finite gains"
        }
    }
}
