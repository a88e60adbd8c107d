import Foundation

extension EdgeElement {
    /// A linear resistor: the parameter is its conductance G (S), ≥ 0, default 1/(1 kΩ) (the
    /// control case of coupled learning, where it equals gradient descent as η → 0).
    public enum Resistor: ElementModel {
        public static let name = "resistor"
        public static let aliases = ["linear"]
        public static var law: ConductanceLaw { .linear }
        public static var netlistForm: NetlistForm { .resistor }

        public static func parameterBounds(gateBounds: ClosedRange<Double>) -> ClosedRange<Double> {
            0...Double.greatestFiniteMagnitude
        }
        public static func initialParameter(gate: Double) -> Double { 1e-3 }
        public static func gateVoltage(parameter p: Double) -> Double? { nil }
        public static func coefficient(parameter p: Double, thresholdVoltage: Double) -> Double { p }
        public static func coefficientSlope(parameter p: Double) -> Double { 1 }
        /// 1/G (Ω); +∞ at G = 0.
        public static func netlistValue(parameter p: Double) -> Double { 1 / p }
    }
}
