import Foundation

/// Device constants of the idealized edge model (spec §1).
public struct DeviceConstants: Sendable, Hashable, Codable {
    /// Threshold voltage V_T (V).
    public var thresholdVoltage: Double
    /// Conductance floor g_floor, in units of `k` (V): keeps cut-off edges from isolating nodes.
    public var conductanceFloor: Double
    /// Transconductance scale k = KP·W/L (A/V²). Node voltages of an all-MOSFET network do not
    /// depend on it; it matters when MOSFETs are mixed with resistive elements.
    public var k: Double

    public init(thresholdVoltage: Double = 0.7, conductanceFloor: Double = 1e-5, k: Double = 1e-3) {
        self.thresholdVoltage = thresholdVoltage
        self.conductanceFloor = conductanceFloor
        self.k = k
    }

    /// The constants of the reference code.
    public static let reference = DeviceConstants()

    /// The constants of one device of a mismatched chip: V_T + `threshold` and k · `gain` (the
    /// same sums and products the idealized solver forms, so that diagnostics and currents
    /// computed from them match its solves to the last bit).
    public func shifted(threshold: Double, gain: Double) -> DeviceConstants {
        DeviceConstants(thresholdVoltage: thresholdVoltage + threshold, conductanceFloor: conductanceFloor, k: k * gain)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case thresholdVoltage = "threshold", conductanceFloor = "floor", k
    }
    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "\"device\"")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            thresholdVoltage: try c.decodeIfPresent(Double.self, forKey: .thresholdVoltage) ?? 0.7,
            conductanceFloor: try c.decodeIfPresent(Double.self, forKey: .conductanceFloor) ?? 1e-5,
            k: try c.decodeIfPresent(Double.self, forKey: .k) ?? 1e-3)
    }
}
